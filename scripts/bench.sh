#!/usr/bin/env bash
# The benchmark command (make bench): the Go benchmarks of the hot paths, then
# `servicepulse bench` (raw ClickHouse insert rate, end-to-end Kafka →
# ClickHouse rate, worker memory) and `servicepulse bench kpi` (every KPI over
# BENCH_REQUESTS generated requests, default 10,000,000; about 15 minutes) and
# `servicepulse bench refresh` (refresh cycles of 1,000 changed requests over
# BENCH_REFRESH_REQUESTS stored ones, default 1,000,000: about 3 minutes; the
# 10,000,000 of BENCHMARKS.md load for 23 minutes).
# Results land in .cache/bench/; BENCHMARKS.md quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/servers.sh
out=$root/.cache/bench
mkdir -p "$out"

step "Go benchmarks"
go test -run '^$' -bench . -benchmem ./transform ./calendar ./generator | tee "$out/go-bench.txt"
go test -run '^$' -bench ClickHouseSink -benchtime 10x ./ingest | tee -a "$out/go-bench.txt"

step "servicepulse bench (end to end)"
"$sp" bench --log-level warn | tee "$out/e2e.json"

step "servicepulse bench kpi"
"$sp" bench kpi --requests "${BENCH_REQUESTS:-10000000}" --log-level warn | tee "$out/kpi.json"

step "servicepulse bench refresh"
"$sp" bench refresh --requests "${BENCH_REFRESH_REQUESTS:-1000000}" --log-level warn | tee "$out/refresh.json"
