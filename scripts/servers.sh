# Sourced by test.sh and bench.sh: installs what is missing (Debian's
# ClickHouse 18.16, ZooKeeper and Prometheus, npm's chdb@3.4.0), builds servicepulse, and
# starts a private ClickHouse on 19000/18123 (and TLS on 19440, with users
# that have passwords: scripts/test-tls.sh), a 2 x 2 ClickHouse cluster with
# ZooKeeper on free ports, and the embedded broker on 19092, stopped again
# when the calling script exits. Exports the SERVICEPULSE_* variables.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=$root/.cache
work=$cache/servers
mkdir -p "$work" "$cache/bin"

step() { printf '\n== %s\n' "$*"; }

step "ClickHouse 18.16 server (Debian package)"
if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client
fi

step "ZooKeeper for the ClickHouse cluster (Debian package, with a JRE)"
if [ ! -f /usr/share/java/zookeeper.jar ] || ! command -v java >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends zookeeper
fi

step "Prometheus for the pipeline-health test (Debian package, 2.42)"
if ! command -v prometheus >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus
fi

step "Chromium for the report's browser test (Debian package)"
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

step "CJK fonts for the report's Chinese titles (Debian package, ~57 MB)"
if ! fc-list :lang=zh family 2>/dev/null | grep -q .; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk
fi

step "current ClickHouse through chdb (npm chdb@3.4.0)"
chdb_lib=$cache/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so
if [ ! -f "$chdb_lib" ]; then
  mkdir -p "$cache/chdb"
  npm install --prefix "$cache/chdb" --no-audit --no-fund --loglevel=error chdb@3.4.0
fi
test -f "$chdb_lib" || { echo "libchdb.so not found at $chdb_lib after npm install" >&2; exit 1; }

step "build"
(cd "$root" && go build -o "$cache/bin/servicepulse" ./cmd/servicepulse)
sp=$cache/bin/servicepulse

server_pids=()
stop_servers() {
  "$sp" clickhouse stop --dir "$work/cluster" >/dev/null 2>&1 || true
  "$sp" clickhouse stop --dir "$work/clickhouse" >/dev/null 2>&1 || true
  for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap stop_servers EXIT

step "test certificates and ClickHouse users (openssl)"
source "$root/scripts/test-tls.sh"
make_test_tls "$work/tls"

step "start ClickHouse, a 2 x 2 ClickHouse cluster and the Kafka broker"
# 19440: the same server with TLS; users sp_writer and sp_reader have passwords.
"$sp" clickhouse start --dir "$work/clickhouse" --tcp-port 19000 --http-port 18123 \
  --tls-port 19440 --tls-cert "$work/tls/server.crt" --tls-key "$work/tls/server.key" --users-file "$work/tls/users.xml"
# The cluster starts afresh: a run killed before its trap may have left one.
"$sp" clickhouse stop --dir "$work/cluster"
rm -rf "$work/cluster"
"$sp" clickhouse start --dir "$work/cluster" --shards 2 --replicas 2 >"$work/cluster.json"
cluster_dsn=$(grep -o '"dsn": "[^"]*"' "$work/cluster.json" | cut -d'"' -f4)
test -n "$cluster_dsn" || { echo "no dsn in $work/cluster.json" >&2; exit 1; }
rm -rf "$work/broker"
"$sp" broker --addr 127.0.0.1:19092 --data-dir "$work/broker" >"$work/broker.log" 2>&1 &
server_pids+=($!)

export SERVICEPULSE_CLICKHOUSE=clickhouse://127.0.0.1:19000
export SERVICEPULSE_TEST_CLICKHOUSE_TLS=clickhouse://127.0.0.1:19440
export SERVICEPULSE_TEST_TLS_DIR=$work/tls
export SERVICEPULSE_TEST_CLUSTER_DSN=$cluster_dsn
export SERVICEPULSE_TEST_CLUSTER=servicepulse
export SERVICEPULSE_BROKERS=127.0.0.1:19092
export CHDB_LIB_PATH=$chdb_lib
export SERVICEPULSE_BIN=$sp
