#!/usr/bin/env bash
# The fuzz step of the test command (scripts/test.sh), also runnable alone:
#   bash scripts/fuzz.sh
# Every fuzz target of every package runs with a COUNT budget (-fuzztime Nx),
# never a time budget: Go 1.26's coordinator can race its own -fuzztime
# deadline on a CPU-starved machine and fail with a bare "context deadline
# exceeded" and no reproducer (golang/go#75804, fixed in Go 1.27). A count has
# no deadline to race, so the step fails only on a real finding: a panic or a
# broken property, with its reproducer written under testdata/fuzz/.
#
# Budgets: scripts/fuzz-budgets.txt names executions per target, sized to about
# 15 s each on the 2-core CI machines; a target missing there gets
# $SERVICEPULSE_FUZZ_EXECS (default 200000). SERVICEPULSE_FUZZ_SCALE multiplies
# every budget (0.1 for a quick local run).
set -euo pipefail
cd "$(dirname "$0")/.."
default=${SERVICEPULSE_FUZZ_EXECS:-200000}
scale=${SERVICEPULSE_FUZZ_SCALE:-1}
budgets=scripts/fuzz-budgets.txt

found=0
# Targets are found from the source, so a new target in any package runs
# without touching this script.
while IFS=: read -r file line; do
  target=${line#func }
  target=${target%%(*}
  dir=$(dirname "$file")
  pkg=./${dir#./}
  execs=$(awk -v k="${pkg#./}.$target" '$1 == k {print $2}' "$budgets" 2>/dev/null || true)
  execs=${execs:-$default}
  execs=$(awk -v n="$execs" -v s="$scale" 'BEGIN {v = int(n * s); if (v < 1) v = 1; print v}')
  printf -- '-- %s %s: %sx\n' "$pkg" "$target" "$execs"
  go test -tags chdb -run '^$' -fuzz "^${target}\$" -fuzztime "${execs}x" "$pkg"
  found=$((found + 1))
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | grep -v '/.cache/' | sed -E 's/^([^:]+):[0-9]+:(.*)$/\1:\2/' | sort)

if [ "$found" -eq 0 ]; then
  echo "fuzz: no fuzz target found" >&2
  exit 1
fi
echo "fuzz: $found targets passed"
