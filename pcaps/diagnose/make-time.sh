#!/usr/bin/env bash
# Makes the diagnose corpus's time and liveness cases (pcaps/diagnose/README.md, "Where the time went, liveness"):
#   loopback  regular-wait and peer-killed: two IceSpec drivers (conformance/drivers/icespec) driven by time_pair.py in
#             a network namespace of its own (only lo: UDP and ICMP recorded), saved as pcapng with a capture comment;
#   lab       NAT-lab cells icespec>icespec through the kit (icespec conformance run): lossy-30, nat-timeout-idle,
#             nat-mapping-deleted, turn-restart (the last two with the kit's ICE restart after the fault); each agent's
#             own pcap (pcapng, capture comment), trimmed with editcap when large, and the cell's credentials.
# Needs root (ip netns, tcpdump), the .NET SDK, tcpdump, editcap; the lab also coturn and conntrack.
# Usage: pcaps/diagnose/make-time.sh [loopback|lab|all]   (or: one CASE MODE CONTROLLING_COMMAND CONTROLLED_COMMAND)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
which=${1:-all}
. "$(dirname "$0")/scratch.sh"

# The icespec CLI (and the icespec driver beside it) in Release, built once; ICESPEC_CLI_DIR: one built already.
cli=${ICESPEC_CLI_DIR:-$tmp/cli}
build_cli() {
  [ -f "$cli/icespec.dll" ] || dotnet build "$here/../../tools/IceSpec.Cli" -c Release -o "$cli" -m:2 -v q -nologo >&2
}

# Runs COMMAND... in a fresh namespace with only lo up, recording UDP on it; writes FILE (pcapng, COMMENT).
netns_capture() { # FILE COMMENT COMMAND...
  local file=$1 comment=$2; shift 2
  local ns="icespec-time-$$-$RANDOM"
  ip netns add "$ns"; namespaces+=("$ns")
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" tcpdump -i lo -U --immediate-mode -s 0 -w "$tmp/ns.pcap" udp or icmp or icmp6 >"$tmp/tcpdump.log" 2>&1 &
  local tcpdump_pid=$!; pids+=("$tcpdump_pid")
  for _ in $(seq 50); do grep -q 'listening on' "$tmp/tcpdump.log" && break; sleep 0.1; done
  timeout 90 ip netns exec "$ns" "$@" >&2
  sleep 0.5
  kill "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
  ip netns del "$ns"
  mkdir -p "$(dirname "$file")"
  editcap -F pcapng --capture-comment "$comment" "$tmp/ns.pcap" "$file"
  echo "make-time: wrote $file ($(stat -c %s "$file") bytes)" >&2
}

# CASE MODE CONTROLLING CONTROLLED: one time_pair.py session recorded into CASE/capture.pcapng.
loopback_case() {
  local case=$1 mode=$2
  mkdir -p "$here/$case"
  netns_capture "$here/$case/capture.pcapng" \
    "time_pair.py $mode on 127.0.0.1 (pcaps/diagnose/make-time.sh loopback): controlling '$3', controlled '$4' (drivers of conformance/drivers); credentials in the case's credentials file" \
    python3 "$here/time_pair.py" "$mode" "$here/$case/credentials" "$3" "$4"
}

loopback() {
  build_cli
  sh "$here/../../conformance/drivers/pion/build.sh" "$tmp/pion" >&2
  local icespec="dotnet $cli/icespec-driver.dll" pion="$tmp/pion/pion-driver"
  defect() { echo "env ICESPEC_SEEDED_DEFECT=$1 $icespec"; }
  loopback_case time-regular-wait regular-wait "$icespec" "$icespec"
  loopback_case time-unpaced unpaced "$(defect UnpacedChecks)" "$icespec"
  loopback_case time-pion-unpaced paced-pion "$pion" "$icespec"
  loopback_case live-peer-killed peer-killed "$icespec" "$icespec"
  loopback_case live-data-after-expiry data-after-expiry "$(defect DataAfterConsentExpired)" "$icespec"
  loopback_case live-consent-2s consent-2s "$(defect ConsentEveryTwoSeconds)" "$icespec"
  loopback_case live-idle-silent idle-silent "$(defect IdleSelectedPairSilent)" "$(defect IdleSelectedPairSilent)"
  loopback_case live-restart-old-credentials restart "$icespec" "$(defect OldCredentialsAfterRestart)"
  loopback_case time-slow-stun slow-stun "$icespec" "$icespec"
}

# Loss is random: a lossy-30 run may connect without losing a check (the case needs one that did: the corpus's came from
# the third of three runs, 8 s to connect); run `lab` again, or the kit's lossy-30 alone, until one does.
lab() {
  build_cli
  local report="$tmp/lab" scenario side
  dotnet "$cli/icespec.dll" conformance run --impl icespec --pair 'icespec>icespec' \
    --scenario lossy-30,nat-timeout-idle,nat-mapping-deleted,turn-restart --server coturn --agent-cases none \
    --server-cases none --out "$report" >&2 || true  # a failed cell is still a capture; the case's review says what it shows
  for scenario in lossy-30 nat-timeout-idle nat-mapping-deleted turn-restart; do
    local cell="$report/$scenario/icespec-icespec-regular" case=live-$scenario
    [ $scenario = lossy-30 ] && case=time-$scenario
    mkdir -p "$here/$case"
    for side in controlling controlled; do
      editcap -F pcapng --capture-comment "NAT lab cell $scenario/icespec-icespec-regular (pcaps/diagnose/make-time.sh lab: icespec conformance run, coturn as STUN/TURN server): the $side agent's namespace" \
        "$cell/$side.pcap" "$here/$case/$side.pcapng"
    done
    cp "$cell/credentials" "$here/$case/credentials"
    echo "make-time: $scenario: $(grep -o '"outcome": *"[a-z ]*"' "$report/report.json" | head -1)" >&2
  done
}

case $which in
  loopback) loopback ;;
  one) shift; build_cli; loopback_case "$@" ;;  # one CASE MODE CONTROLLING CONTROLLED: re-make one loopback case
  lab) lab ;;
  all) loopback; lab ;;
  *) echo "usage: $0 [loopback|lab|all] | one CASE MODE CONTROLLING CONTROLLED" >&2; exit 2 ;;
esac
