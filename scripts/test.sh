#!/usr/bin/env bash
# The test command (README command 2). On a fresh Debian machine, as root, it
# installs and starts every real server the tests talk to (scripts/servers.sh:
# ClickHouse 18.16 on 19000, chdb for current ClickHouse, the embedded Kafka
# broker on 19092), then runs go vet, go test ./... with every integration
# test required (never skipped), and a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${SERVICEPULSE_FUZZTIME:-15s}
source scripts/servers.sh
export SERVICEPULSE_REQUIRE_INTEGRATION=1

step "go vet"
go vet -tags chdb ./...

step "fuzz ($fuzztime each)"
for target in $(go test -list '^Fuzz' ./transform | grep '^Fuzz'); do
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" ./transform
done

step "go test"
go test -tags chdb -count=1 -timeout 75m "$@" ./...
