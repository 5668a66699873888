#!/usr/bin/env bash
# One session as users run it: `icespec ice offer` and `icespec ice answer` (tools/IceSpec.Cli, Release) in two
# processes on 127.0.0.1, descriptions exchanged through files (--signal), stdin held open (and --timeout a day, so an
# idle exchange does not end them) so both stay connected on consent freshness alone. After SECONDS_CONNECTED it
# prints, per process, RSS, threads and CPU per second while connected (from /proc/PID/status and /proc/PID/stat), then
# ends both by PID. Compare with the soak's per-session
# figures (soak mode of this folder's program): one process per session costs the .NET runtime's baseline each time.
#
# Usage: runtime/IceSpec.Ice.Benchmarks/run-cli-pair.sh      Environment: SECONDS_CONNECTED (default 60)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_CONNECTED=${SECONDS_CONNECTED:-60}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/icespec-cli-pair.XXXXXX")
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

dotnet build -c Release "$ROOT/tools/IceSpec.Cli" -o "$TMP/cli" >/dev/null
mkdir "$TMP/signal"
for side in offer answer; do
    mkfifo "$TMP/$side.in"
    dotnet "$TMP/cli/icespec.dll" ice "$side" --signal "$TMP/signal" --address 127.0.0.1 --timeout 86400 <"$TMP/$side.in" >"$TMP/$side.out" 2>"$TMP/$side.err" &
    PIDS+=($!)
    sleep 3600 >"$TMP/$side.in" & # keeps stdin open: the session stays up until killed
    PIDS+=($!)
done
offer=${PIDS[0]} answer=${PIDS[2]}
for _ in $(seq 1 300); do
    grep -q '^connected' "$TMP/offer.out" 2>/dev/null && grep -q '^connected' "$TMP/answer.out" 2>/dev/null && break
    sleep 0.1
done
grep -q '^connected' "$TMP/offer.out" && grep -q '^connected' "$TMP/answer.out" || { echo "run-cli-pair: the pair did not connect" >&2; cat "$TMP"/*.err >&2; exit 2; }

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
field() { awk -v name="$2" '$1 == name { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
start_offer=$(ticks "$offer") start_answer=$(ticks "$answer")
sleep "$SECONDS_CONNECTED"
for side in offer answer; do
    pid=$offer start=$start_offer
    [ "$side" = answer ] && pid=$answer start=$start_answer
    cpu_us=$(( ($(ticks "$pid") - start) * 1000000 / hz / SECONDS_CONNECTED ))
    echo "$side: RSS $(( $(field "$pid" VmRSS:) / 1024 )) MiB, threads $(field "$pid" Threads:), CPU ${cpu_us} µs per second over ${SECONDS_CONNECTED} s connected"
done
echo "consent kept: $(grep -c 'state disconnected\|state failed' "$TMP/offer.err" "$TMP/answer.err" | awk -F: '{ s += $2 } END { print (s == 0 ? "yes" : "no") }'); load $(cut -d' ' -f1-3 /proc/loadavg)"
