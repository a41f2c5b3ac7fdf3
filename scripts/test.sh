#!/usr/bin/env bash
# The test command (README command 2). On a fresh Debian machine, as root, it
# installs and starts every real server the tests talk to, then runs go test:
#   - ClickHouse 18.16 (Debian's clickhouse-server), a private instance on
#     ports 19000/18123 with its data under .cache/test/clickhouse;
#   - current ClickHouse in-process through chdb (npm package chdb@3.4.0);
#   - the embedded Kafka broker (kfake) on 127.0.0.1:19092.
# Then: go vet, go test ./... (integration tests required, never skipped),
# and a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=$root/.cache
work=$cache/test
fuzztime=${SERVICEPULSE_FUZZTIME:-20s}
mkdir -p "$work" "$cache/bin"

step() { printf '\n== %s\n' "$*"; }

step "ClickHouse 18.16 server (Debian package)"
if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client
fi

step "current ClickHouse through chdb (npm chdb@3.4.0)"
chdb_lib=$cache/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so
if [ ! -f "$chdb_lib" ]; then
  mkdir -p "$cache/chdb"
  npm install --prefix "$cache/chdb" --no-audit --no-fund --loglevel=error chdb@3.4.0
fi
test -f "$chdb_lib" || { echo "libchdb.so not found at $chdb_lib after npm install" >&2; exit 1; }

step "build"
go build -o "$cache/bin/servicepulse" ./cmd/servicepulse
sp=$cache/bin/servicepulse

pids=()
cleanup() {
  "$sp" clickhouse stop --dir "$work/clickhouse" >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

step "start ClickHouse and the Kafka broker"
"$sp" clickhouse start --dir "$work/clickhouse" --tcp-port 19000 --http-port 18123
rm -rf "$work/broker"
"$sp" broker --addr 127.0.0.1:19092 --data-dir "$work/broker" >"$work/broker.log" 2>&1 &
pids+=($!)

export SERVICEPULSE_CLICKHOUSE=clickhouse://127.0.0.1:19000
export SERVICEPULSE_BROKERS=127.0.0.1:19092
export CHDB_LIB_PATH=$chdb_lib
export SERVICEPULSE_REQUIRE_INTEGRATION=1
export SERVICEPULSE_BIN=$sp

step "go vet"
go vet -tags chdb ./...

step "go test"
go test -tags chdb -count=1 -timeout 75m "$@" ./...

step "fuzz ($fuzztime each)"
for target in $(go test -list '^Fuzz' ./transform | grep '^Fuzz'); do
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" ./transform
done
