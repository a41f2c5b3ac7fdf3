#!/usr/bin/env bash
# The test command (README command 2). On a fresh Debian machine, as root, it
# installs and starts every real server the tests talk to (scripts/servers.sh:
# ClickHouse 18.16 on 19000, chdb for current ClickHouse, the embedded Kafka
# broker on 19092), then runs go vet, every fuzz target of every package with
# a count budget (scripts/fuzz.sh), and go test ./... with every integration
# test required (never skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/servers.sh
export SERVICEPULSE_REQUIRE_INTEGRATION=1

step "go vet"
go vet -tags chdb ./...

step "fuzz (every target, a count budget each)"
bash scripts/fuzz.sh

step "go test"
go test -tags chdb -count=1 -timeout 75m "$@" ./...
