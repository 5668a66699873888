#!/usr/bin/env bash
# Runs every test of IceSpec on a fresh Debian machine: installs the apt packages the real-peer tests need,
# restores NuGet packages, builds, tests, and ends with one aggregate line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

results=.test-output
rm -rf "$results"
dotnet test IceSpec.sln --logger "trx" --results-directory "$results" 2>&1 | tee "$results.log"
status=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + t - e))
done
# A build failure produces no results; a skipped test means a missing peer, which is a broken setup.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
failed=$((failed + skipped))
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
