#!/usr/bin/env bash
# Time to connected, as the conformance kit's NAT lab measures it, for IceSpec and the third-party stacks in one run
# (issue 16 "Connect"). Each round is one `icespec conformance` run over the same scenarios, with each stack paired
# with itself (X>X) in both nomination modes; the kit writes every cell's time to connected into report.json
# (timeToConnectedSeconds: from the later of the two remote-description commands to the later of the two first
# selected-pair events, conformance/IceSpec.Conformance/Adapter/IcePairOptions.cs). This script prints, per scenario,
# nomination mode and stack, the median over the rounds and IceSpec's ratio to the fastest other stack in the same
# mode. Needs root (network namespaces) and the drivers' dependencies (scripts/install-deps.sh).
#
#   conformance/bench/connect-time.sh [ROUNDS] [PUBLISHED-CLI-DIR]
#
# Without a directory the CLI is published first (ReadyToRun, as it ships) with -p:NativeDriver=true: the kit then starts
# the NativeAOT icespec-driver-native beside it instead of `dotnet icespec-driver.dll` (ICESPEC_NATIVE_DRIVER=0 keeps
# the ReadyToRun dll). Environment: SCENARIOS, STACKS, NOMINATIONS (comma-separated), OUT (results dir),
# TRICKLE=1 (`conformance run --trickle`: candidates trickled, RFC 8838, and the time runs from the credentials, so each
# stack's gathering is in it, as users of a trickling application see it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-3}
cli=${2:-}
scenarios=${SCENARIOS:-no-nat,one-nat,same-nat,both-symmetric-turn}
stacks=${STACKS:-icespec,libnice,aioice,werift,pion}
nominations=${NOMINATIONS:-regular,aggressive}
trickle=${TRICKLE:+--trickle}
out=${OUT:-${TMPDIR:-/tmp}/icespec-connect-bench/$(date -u +%Y%m%dT%H%M%S)}
mkdir -p "$out"
if [ -z "$cli" ]; then
  cli="$out/publish"
  dotnet publish "$root/tools/IceSpec.Cli/IceSpec.Cli.csproj" -c Release -p:NativeDriver=true -o "$cli" -v quiet -nologo >"$out/publish.log" 2>&1 \
    || { cat "$out/publish.log"; exit 1; }
fi
[ -f "$cli/icespec.dll" ] || { echo "no icespec.dll in $cli" >&2; exit 2; }
pairs=$(echo "$stacks" | tr ',' '\n' | sed 's/.*/&>&/' | paste -sd, -)
echo "# connect-time: $rounds round(s)${trickle:+, trickle}; scenarios $scenarios; stacks $stacks; nominations $nominations; cli $cli; out $out"
echo "# icespec driver: $([ -x "$cli/icespec-driver-native" ] && [ "${ICESPEC_NATIVE_DRIVER:-1}" != 0 ] && echo NativeAOT icespec-driver-native || echo 'dotnet icespec-driver.dll (ReadyToRun when published)')"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  # A failing cell makes the run exit non-zero; the times of the cells that connected are still in report.json.
  dotnet "$cli/icespec.dll" conformance run --impl "$stacks" --pair "$pairs" --scenario "$scenarios" --nomination "$nominations" \
    --server-cases none --agent-cases none --timeout 20 $trickle --out "$out/round-$round" >"$out/round-$round.log" 2>&1 || true
  [ -f "$out/round-$round/report.json" ] || { echo "round $round wrote no report.json:"; tail -20 "$out/round-$round.log"; exit 1; }
  echo "# round $round done ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
done
/usr/bin/python3 - "$out" "$rounds" "$stacks" <<'PY'
import json, statistics, sys, glob, os
out, rounds, stacks = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(',')
times = {}     # (scenario, nomination, stack) -> [ms]
runs = {}      # (scenario, nomination, stack) -> cells run
failed = {}    # (scenario, nomination, stack) -> cells whose kit cases failed (connected or not)
for path in sorted(glob.glob(os.path.join(out, 'round-*', 'report.json'))):
    for cell in json.load(open(path)).get('cells', []):
        if cell['controlling'] != cell['controlled'] or cell['outcome'] == 'unsupported': continue
        key = (cell['scenario'], cell['nomination'], cell['controlling'])
        runs[key] = runs.get(key, 0) + 1
        if cell['outcome'] == 'failed': failed[key] = failed.get(key, 0) + 1
        t = cell.get('timeToConnectedSeconds')
        if t is not None: times.setdefault(key, []).append(t * 1000)
print(f"{'scenario':<20} {'nomination':<10} " + ' '.join(f"{s:>13}" for s in stacks) + f" {'vs-best':>8} {'vs-pass':>8}")
for scenario, nomination in sorted({(k[0], k[1]) for k in runs}):
    medians, passing, cols = {}, {}, []
    for s in stacks:
        key = (scenario, nomination, s)
        if key not in runs: cols.append(f"{'-':>13}"); continue
        got = times.get(key, [])
        mark = '*' if failed.get(key) else ' '
        if not got: cols.append(f"{'none 0/' + str(runs[key]):>12}{mark}"); continue
        medians[s] = statistics.median(got)
        if not failed.get(key): passing[s] = medians[s]
        cols.append(f"{medians[s]:>7.1f} {len(got)}/{runs[key]}{mark}")
    def ratio(pool):
        others = [v for s, v in pool.items() if s != 'icespec']
        return f"{medians['icespec'] / min(others):>7.2f}x" if 'icespec' in medians and others else f"{'-':>8}"
    print(f"{scenario:<20} {nomination:<10} " + ' '.join(cols) + f" {ratio(medians)} {ratio(passing)}")
print("# ms: median time to connected over the rounds that connected (connected/cells run); '-': the stack lacks the mode")
print("# (aioice: no regular, pion: no aggressive); '*': some of the cell's kit cases failed (e.g. pion: its nomination is")
print("# not paced); vs-best: IceSpec / the fastest other stack; vs-pass: / the fastest other stack whose cells all passed.")
PY
