#!/usr/bin/env bash
# Decode + analyse a large generated capture with icespec and read the same file with tshark, in the same run:
# packets/s for both, the ratio (goal: icespec >= 20x tshark), and each one's peak RSS (/usr/bin/time -v) to show that
# icespec streams (its memory does not grow with the file: compare the two sizes).
# Usage: conformance/IceSpec.Captures/bench/analyze-vs-tshark.sh [PACKETS] [ROUNDS]   (default 1000000 packets, best of 3 rounds)
# Needs: python3, tshark, /usr/bin/time (Debian package "time"), the .NET SDK.
set -euo pipefail
packets=${1:-1000000}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v tshark >/dev/null || { echo "bench: tshark not found (apt-get install tshark)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
# icespec as it ships: `dotnet publish` compiles it ahead of time (ReadyToRun, see tools/IceSpec.Cli/IceSpec.Cli.csproj).
dotnet publish "$root/tools/IceSpec.Cli" -c Release -o "$tmp/icespec" -v q -nologo >&2
icespec="$tmp/icespec/icespec"

python3 "$here/generate-capture.py" "$tmp/big.pcap" "$packets" 1000
python3 "$here/generate-capture.py" "$tmp/double.pcap" $((packets * 2)) 1000

# measure NAME COMMAND...: best wall time over the rounds; prints "seconds cpu_seconds peak_rss_kb"
measure() {
  local best="" line
  for _ in $(seq "$rounds"); do
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    line=$(awk '{printf "%s %.2f %s", $1, $2 + $3, $4}' "$tmp/time")
    if [[ -z $best ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then best=$line; fi
  done
  echo "$best"
}

read -r ours_s ours_cpu ours_kb < <(measure "$icespec" analyze "$tmp/big.pcap" --json)
python3 - "$tmp/out" "$packets" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["frames"] == int(sys.argv[2]), report["frames"]
print(f"icespec analyze: {report['stunMessages']} STUN + {report['channelDataMessages']} ChannelData messages, "
      f"{report['transactions']['count']} transactions, {len(report['turnAllocations'])} allocations", file=sys.stderr)
PY
read -r decode_s decode_cpu decode_kb < <(measure "$icespec" decode "$tmp/big.pcap" --json)
read -r double_s _ double_kb < <(measure "$icespec" analyze "$tmp/double.pcap" --json)
read -r tshark_s tshark_cpu tshark_kb < <(measure tshark -n -r "$tmp/big.pcap" -Y stun -T fields -e frame.number -e stun.type -e stun.id -e stun.channel -e stun.att.type)
tshark_lines=$(wc -l <"$tmp/out")
read -r tshark2_s _ tshark2_kb < <(measure tshark -n -r "$tmp/double.pcap" -Y stun -T fields -e frame.number -e stun.type -e stun.id -e stun.channel -e stun.att.type)

awk -v n="$packets" -v os="$ours_s" -v oc="$ours_cpu" -v ok="$ours_kb" -v ds="$decode_s" -v dc="$decode_cpu" -v dk="$decode_kb" \
    -v ws="$double_s" -v wk="$double_kb" -v ts="$tshark_s" -v tc="$tshark_cpu" -v tk="$tshark_kb" -v tl="$tshark_lines" -v r="$rounds" -v t2s="$tshark2_s" -v t2k="$tshark2_kb" 'BEGIN {
  printf "%d packets (STUN + ChannelData), best of %d rounds; tshark printed %d STUN lines\n", n, r, tl
  printf "%-40s %8s %8s %12s %10s\n", "", "wall s", "cpu s", "packets/s", "peak RSS"
  printf "%-40s %8.2f %8.2f %12.0f %7.0f MB\n", "icespec analyze --json", os, oc, n / os, ok / 1024
  printf "%-40s %8.2f %8.2f %12.0f %7.0f MB\n", "icespec decode --json (every message)", ds, dc, n / ds, dk / 1024
  printf "%-40s %8.2f %8s %12.0f %7.0f MB\n", "icespec analyze --json, twice the packets", ws, "", 2 * n / ws, wk / 1024
  printf "%-40s %8.2f %8.2f %12.0f %7.0f MB\n", "tshark -Y stun -T fields", ts, tc, n / ts, tk / 1024
  printf "%-40s %8.2f %8s %12.0f %7.0f MB\n", "tshark -Y stun -T fields, twice the packets", t2s, "", 2 * n / t2s, t2k / 1024
  printf "ratio analyze/tshark: %.1fx (wall), %.1fx (cpu) at %d packets; %.1fx (wall) at %d; decode/tshark: %.1fx; goal >= 20x\n", ts / os, tc / oc, n, t2s / ws, 2 * n, ts / ds
  printf "marginal (the second %d packets): icespec %.0f packets/s, tshark %.0f packets/s: %.1fx\n", n, n / (ws - os), n / (t2s - ts), (t2s - ts) / (ws - os)
}'
