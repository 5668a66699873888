#!/usr/bin/env bash
# Time to connected, IceSpec's IceSession pair vs libnice's NiceAgent pair, both on 127.0.0.1 in one process each, in
# one run of this script:
#   1. builds connect_pair.c (libnice 0.1.x, conformance/peers/build-libnice-program.sh) into a temp dir, and this
#      folder's C# program in Release;
#   2. for regular and aggressive nomination (RFC 8445 §8.1.1; RFC 5245 §8.1.1.2) runs libnice RUNS times, then ours
#      RUNS times (after WARMUP discarded runs) with Ta 50 ms (the RFC 8445 §14.2 default, not announced) and with
#      Ta 20 ms (announced by both sessions as a=ice-pacing:20, RFC 8839 §5.5; libnice's own Ta is its
#      NICE_AGENT_TIMER_TA_DEFAULT, 20 ms, agent/agent-priv.h);
#   3. prints each median, the ratio ours/libnice and the goal (ours <= GOAL x libnice) per mode and Ta.
# What is timed: libnice from nice_agent_gather_candidates on both agents to both components READY; ours from the first
# IceSession.Create (sockets, agents, gathering) to both ConnectAsync completed. Ours includes more work, not less.
# Exit status: 0 every line meets the goal, 1 a line misses it, 2 the run itself failed (build, timeout, no median).
# Not part of the unit tests: speed is a benchmark matter. The machine may be shared: the load average is printed.
#
# Usage: runtime/IceSpec.Ice.Benchmarks/run-vs-libnice.sh
# Environment: RUNS (default 30), WARMUP (default 5), GOAL (default 0.5), PHASES=1 to print where our time goes.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-5}
GOAL=${GOAL:-0.5}
PHASES=${PHASES:-0}

fail() { echo "run-vs-libnice: $*" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/icespec-ice-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(uname -n)  $(nproc) cores  load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== libnice $(pkg-config --modversion nice 2>/dev/null || echo '?'), $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /')"

echo "== building connect_pair (libnice) and IceSpec.Ice.Benchmarks (Release)"
sh "$ROOT/conformance/peers/build-libnice-program.sh" "$HERE/connect_pair.c" connect_pair "$TMP" 2>"$TMP/gcc.log" || {
  cat "$TMP/gcc.log" >&2; fail "connect_pair did not build"; }
dotnet build "$HERE/IceSpec.Ice.Benchmarks.csproj" -c Release -m:1 -o "$TMP/ours" >"$TMP/dotnet-build.log" 2>&1 || {
  tail -30 "$TMP/dotnet-build.log" >&2; fail "IceSpec.Ice.Benchmarks did not build (log above)"; }

# median OUTFILE CMD...: runs CMD (which prints "run N: X ms" lines and "median: X ms"), echoes the median.
median() {
  local out=$1; shift
  "$@" >"$out" 2>&1 || { cat "$out" >&2; fail "$1 failed (output above)"; }
  local value
  value=$(sed -n 's/^median: \([0-9.]*\) ms$/\1/p' "$out")
  [ -n "$value" ] || { cat "$out" >&2; fail "$1 printed no median"; }
  sed -n 's/^run [0-9]*: \([0-9.]*\) ms$/\1/p' "$out" | sort -n | awk -v m="$value" \
    '{ v[NR] = $1 } END { printf "   median %s ms, min %s, p90 %s, max %s (%d runs)\n", m, v[1], v[int(NR * 0.9 + 0.5)], v[NR], NR }' >&2
  echo "$value"
}

rows=()
for mode in regular aggressive; do
  echo "== $mode nomination: libnice, $RUNS runs (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  nice_ms=$(median "$TMP/libnice-$mode.out" "$TMP/connect_pair" "$mode" "$RUNS")
  for ta in 50 20; do
    echo "== $mode nomination: IceSpec Ta $ta ms, $WARMUP warm-up + $RUNS runs"
    extra=()
    [ "$PHASES" = 1 ] && extra=(--phases)
    ours_ms=$(median "$TMP/ours-$mode-$ta.out" dotnet "$TMP/ours/IceSpec.Ice.Benchmarks.dll" \
      --nomination "$mode" --pacing "$ta" --runs "$RUNS" --warmup "$WARMUP" "${extra[@]}")
    [ "$PHASES" = 1 ] && sed -n '/^median time of each mark/,/^median:/p' "$TMP/ours-$mode-$ta.out"
    rows+=("$mode $ta $ours_ms $nice_ms")
  done
done

echo
echo "Medians of $RUNS runs each (ours after $WARMUP warm-up runs). libnice always uses its internal Ta 20 ms. Load now: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${rows[@]}" | awk -v goal="$GOAL" '
  BEGIN {
    printf "| %-10s | %-37s | %-14s | %-15s | %-6s | %-14s | %-6s |\n", "nomination", "IceSpec Ta", "IceSpec median", "libnice median", "ratio", "goal", "result"
    print "|------------|---------------------------------------|----------------|-----------------|--------|----------------|--------|"
  }
  {
    ta = ($2 == 50) ? "50 ms (RFC 8445 default, unannounced)" : $2 " ms (a=ice-pacing:" $2 ")"
    ratio = $3 / $4; ok = ratio <= goal; failed += !ok
    printf "| %-10s | %-37s | %11.3f ms | %12.3f ms | %6.3f | <= %-11s | %-6s |\n", $1, ta, $3, $4, ratio, goal " x", ok ? "PASS" : "FAIL"
  }
  END { print (failed ? "\nGOAL MISSED on " failed " line(s)" : "\nall goals met"); exit failed ? 1 : 0 }'
