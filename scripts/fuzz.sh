#!/usr/bin/env bash
# The long fuzz campaign (conformance/IceSpec.Fuzzing/README.md): builds the harness in Release, instruments IceSpec's
# assemblies with SharpFuzz, runs afl-fuzz (AFL++, Debian afl++) on each target one after the other — at most one
# fuzzer at a time — and records executions, time, coverage and crashes per target in
# conformance/IceSpec.Fuzzing/RESULTS.md.
#   scripts/fuzz.sh TARGET[,TARGET…]|all [--execs N | --seconds S] [--resume]     (default: --execs 10000000 per target)
# --resume continues the target's last campaign (its queue and counters in .fuzz/findings) instead of starting from the
# seed corpus: a long campaign can run in pieces, and --execs then counts from the campaign's start.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
harness=conformance/IceSpec.Fuzzing
targets=(stun framing sdp capture spec turn-server)

[ $# -ge 1 ] || { echo "usage: scripts/fuzz.sh TARGET[,TARGET…]|all [--execs N | --seconds S]   targets: ${targets[*]}" >&2; exit 2; }
which=$1; shift
limit=(-E 10000000); limit_text="10000000 executions"; resume=false
while (($#)); do
  case "$1" in
    --execs) limit=(-E "$2"); limit_text="$2 executions"; shift 2 ;;
    --seconds) limit=(-V "$2"); limit_text="$2 s"; shift 2 ;;
    --resume) resume=true; shift ;;
    *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$which" = all ]; then run=("${targets[@]}"); else IFS=, read -ra run <<<"$which"; fi
for target in "${run[@]}"; do
  [[ " ${targets[*]} " == *" $target "* ]] || { echo "fuzz.sh: unknown target $target (${targets[*]})" >&2; exit 2; }
done
# AFL++ is only needed here (CI's short campaign runs in process), so this script installs it rather than install-deps.sh.
command -v afl-fuzz >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null; } ||
  { echo "fuzz.sh: afl-fuzz missing: install Debian's afl++ (apt-get install afl++)" >&2; exit 3; }

out=${FUZZ_OUT:-$root/.fuzz}
bin=$out/bin
rm -rf "$bin"; mkdir -p "$out"
dotnet publish "$harness" -c Release -o "$bin" --nologo -v quiet >/dev/null
dotnet tool restore >/dev/null
# SharpFuzz rewrites IL in place, adding AFL's edge counters: IceSpec's own assemblies, not the framework or packages.
for assembly in IceSpec.Stun IceSpec.Turn IceSpec.Turn.Server IceSpec.Turn.Server.Hosting IceSpec.Ice IceSpec.Captures IceSpec.Generators; do
  dotnet sharpfuzz "$bin/$assembly.dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=120000 \
       AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
wall_timeout=${FUZZ_WALL_TIMEOUT_MS:-2000}
results=$harness/RESULTS.md
for target in "${run[@]}"; do
  findings=$out/findings/$target
  inputs=$harness/corpus/$target
  if $resume; then
    [ -f "$findings/default/fuzzer_stats" ] || { echo "fuzz.sh: $target: no campaign to resume in $findings" >&2; exit 2; }
    inputs=-; limit_text="$limit_text (resumed)"
  else
    rm -rf "$findings"; mkdir -p "$out/findings"
  fi
  echo "fuzz.sh: $target for $limit_text (100 ms CPU per input, afl-fuzz -t $wall_timeout), findings in $findings" >&2
  # The harness fails any input over 100 ms of CPU time (a crash in afl's terms); -t is a wall-clock backstop for
  # inputs that never return, loose enough for a machine shared by several engineers.
  status=ok
  afl-fuzz -i "$inputs" -o "$findings" -t "$wall_timeout" -m none "${limit[@]}" \
    -- "$(command -v dotnet)" "$bin/IceSpec.Fuzzing.dll" afl "$target" "$harness/corpus/$target" > "$out/$target.log" 2>&1 ||
    status="afl-fuzz stopped: $(grep -a 'PROGRAM ABORT' "$out/$target.log" | sed 's/\x1b\[[0-9;]*m//g; s/.*ABORT : //' | tail -1)"
  stats=$findings/default/fuzzer_stats
  [ -f "$stats" ] || { echo "fuzz.sh: $target: afl-fuzz did not start, see $out/$target.log" >&2; tail -20 "$out/$target.log" >&2; continue; }
  get() { sed -n "s/^$1 *: *//p" "$stats"; }
  crashes=$(get saved_crashes); hangs=$(get saved_hangs)
  # run_time and execs_done count from the campaign's start, also after --resume.
  row="| $target | $(date -u +%F) | $limit_text | $(get execs_done) | $(get run_time) | $(get execs_per_sec) | $(get edges_found)/$(get total_edges) | $(get bitmap_cvg) | $(get corpus_count) | $crashes | $hangs | $status |"
  # One row per target: the newest run replaces the older one.
  grep -v "^| $target |" "$results" > "$results.new" || true
  echo "$row" >> "$results.new"
  mv "$results.new" "$results"
  echo "$row"
  for crash in "$findings"/default/crashes/id:* "$findings"/default/hangs/id:*; do
    [ -e "$crash" ] && echo "fuzz.sh: $target: $crash (replay: dotnet $bin/IceSpec.Fuzzing.dll replay $target $crash)" >&2
  done
done
