#!/usr/bin/env bash
# Makes the signalling-and-credentials cases of pcaps/diagnose/ (README.md there, "Signalling and credentials"): ICE
# sessions on 127.0.0.1 between the conformance drivers (conformance/drivers/icespec, libnice, pion), driven by
# pcaps/peers/driver_pair.py over the adapter JSON lines (conformance/ADAPTER.md), some with their signalling doctored on
# purpose (a wrong password, a withheld candidate, candidates trickled late, no end-of-candidates). Each in its own
# network namespace with tcpdump on its lo; each case folder gets lo.pcapng (with a capture comment), credentials
# (each agent's own ufrag:pwd) and controlling.jsonl / controlled.jsonl (what driver_pair.py exchanged with each driver,
# timed: icespec diagnose --signalling). expected.json is written by hand from a reading of the frames.
# Needs root (ip netns, tcpdump), tcpdump, editcap, the .NET SDK, gcc + libnice-dev + libjson-glib-dev, golang-go +
# golang-github-pion-ice.v2-dev, node + npm (werift-ice from the driver's lock file).
# Usage: pcaps/diagnose/make-signalling.sh [OUTDIR] [CASE…]   (default: this folder, every case)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-$here}" && pwd)
shift || true
. "$(dirname "$0")/scratch.sh"

dotnet build "$here/../../conformance/drivers/icespec" -c Release -o "$tmp/icespec-driver" -m:2 -v q -nologo >&2
sh "$here/../../conformance/drivers/libnice/build.sh" "$tmp" >&2
sh "$here/../../conformance/drivers/pion/build.sh" "$tmp/pion" >&2
sh "$here/../../conformance/drivers/werift/build.sh" "$tmp/werift" >&2
icespec="dotnet $tmp/icespec-driver/icespec-driver.dll"
libnice="$tmp/libnice-driver"
pion="$tmp/pion/pion-driver"
werift="node $tmp/werift/driver.js"

# CASE COMMENT SECONDS CONTROLLING CONTROLLED [driver_pair.py options…]
session() {
  local name=$1 comment=$2 seconds=$3 controlling=$4 controlled=$5; shift 5
  local dir="$out/$name" ns="icespec-sig-$$-$RANDOM"
  mkdir -p "$dir"
  ip netns add "$ns"; namespaces+=("$ns")
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" tcpdump -i lo -U --immediate-mode -s 0 -w "$tmp/ns.pcap" udp >"$tmp/tcpdump.log" 2>&1 &
  local tcpdump=$!; pids+=("$tcpdump")
  for _ in $(seq 50); do grep -q 'listening on' "$tmp/tcpdump.log" && break; sleep 0.1; done
  timeout 90 ip netns exec "$ns" python3 "$here/../peers/driver_pair.py" --log "$dir" "$@" \
    "$dir/credentials" "$seconds" regular "$controlling" "$controlled" >&2
  sleep 0.5
  kill "$tcpdump"; wait "$tcpdump" 2>/dev/null || true
  ip netns del "$ns"
  editcap -F pcapng --capture-comment "$comment (pcaps/diagnose/make-signalling.sh $name); credentials in credentials, signalling in controlling.jsonl, controlled.jsonl" \
    "$tmp/ns.pcap" "$dir/lo.pcapng"
  echo "make-signalling: wrote $dir ($(stat -c %s "$dir/lo.pcapng") bytes)" >&2
}

want() { [ ${#cases[@]} -eq 0 ] || [[ " ${cases[*]} " == *" $1 "* ]]; }
cases=("$@")
set --
want sig-clean-icespec-libnice && session sig-clean-icespec-libnice \
  "IceSpec (controlling, regular nomination) <-> libnice 0.1.21 (controlled) on 127.0.0.1, signalling untouched" 4 "$icespec" "$libnice"
want sig-clean-pion-icespec && session sig-clean-pion-icespec \
  "pion/ice v2 (controlling, regular nomination) <-> IceSpec (controlled) on 127.0.0.1, signalling untouched" 4 "$pion" "$icespec"
want sig-clean-icespec-pion && session sig-clean-icespec-pion \
  "IceSpec (controlling, regular nomination) <-> pion/ice v2 (controlled) on 127.0.0.1, signalling untouched" 4 "$icespec" "$pion"
want sig-wrong-password && session sig-wrong-password \
  "IceSpec (controlling) <-> libnice 0.1.21 (controlled) on 127.0.0.1: IceSpec is given libnice's password reversed" 5 "$icespec" "$libnice" \
  --wrong-pwd controlled --may-fail
want sig-candidate-withheld && session sig-candidate-withheld \
  "IceSpec (controlling) <-> libnice 0.1.21 (controlled) on 127.0.0.1: libnice is given none of IceSpec's candidates" 5 "$icespec" "$libnice" \
  --withhold controlling --may-fail
want sig-trickled-late && session sig-trickled-late \
  "IceSpec (controlling) <-> libnice 0.1.21 (controlled) on 127.0.0.1: libnice's candidates trickled to IceSpec 2 s after its description" 5 "$icespec" "$libnice" \
  --late controlled:2 --may-fail
want sig-no-end-of-candidates && session sig-no-end-of-candidates \
  "IceSpec (controlling) <-> libnice 0.1.21 (controlled) on 127.0.0.1: neither is told the other's candidates are complete" 4 "$icespec" "$libnice" \
  --no-end-of-candidates controlling --no-end-of-candidates controlled --may-fail
want sig-password-swapped && session sig-password-swapped \
  "IceSpec (controlling) <-> libnice 0.1.21 (controlled) on 127.0.0.1: IceSpec is given its own password as libnice's" 5 "$icespec" "$libnice" \
  --own-pwd controlled --may-fail
want sig-restart-stale-password && session sig-restart-stale-password \
  "IceSpec (controlling) <-> libnice 0.1.21 (controlled) on 127.0.0.1: after an ICE restart of IceSpec, libnice is given IceSpec's new ufrag with its old password" 7 "$icespec" "$libnice" \
  --restart-stale controlling --may-fail
want sig-clean-icespec-werift && session sig-clean-icespec-werift \
  "IceSpec (controlling, regular nomination) <-> werift-ice 0.2.3 (controlled) on 127.0.0.1, signalling untouched" 4 "$icespec" "$werift"
want sig-clean-werift-icespec && session sig-clean-werift-icespec \
  "werift-ice 0.2.3 (controlling, regular nomination) <-> IceSpec (controlled) on 127.0.0.1, signalling untouched" 4 "$werift" "$icespec"
want sig-trickled-late-both && session sig-trickled-late-both \
  "IceSpec (controlling) <-> libnice 0.1.21 (controlled) on 127.0.0.1: each one's candidates trickled to the other 1.5 s after its description" 5 "$icespec" "$libnice" \
  --late controlling:1.5 --late controlled:1.5 --may-fail
