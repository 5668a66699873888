#!/usr/bin/env bash
# Makes the mDNS captures of pcaps/mdns/: two aioice 0.8.0 agents (Debian python3-aioice; aioice_mdns_peer.py), each in
# a network namespace of its own, on one Linux bridge (one L2 segment: link-local multicast 224.0.0.251:5353 reaches
# the other host, RFC 6762 §3), each offering its host candidate as "<uuid-v4>.local" and resolving the other's.
#   resolved:   nothing in the way; both names are answered and the host pair succeeds.
#   unanswered: an nftables rule on the bridge drops every mDNS response (UDP port 5353, DNS QR bit set, RFC 1035
#               §4.1.1): queries reach the other host, answers never do; each agent drops the peer's candidate
#               (draft-ietf-mmusic-mdns-ice-candidates §3.2.1) and ICE fails without a single check.
#   chromium:   two headless Chromium (Debian chromium, libwebrtc) on the same segment, one RTCPeerConnection each
#               (chromium_page.html, signalled through chromium_signal.py), with Chromium's default mDNS host candidates.
#   chromium-unanswered: the same two pages on two LANs joined by a router (no NAT, no STUN server): each signals its
#               host candidate as a name, and each query for the other's name stays on the querier's link (RFC 6762 §3:
#               224.0.0.251 is not routed) and is never answered; neither has a candidate left to check, ICE never connects.
# Each capture is taken on the controlled agent's host (tcpdump on its interface), saved as pcapng with a comment, beside
# the two agents' signalling (NAME.controlling.sdp, NAME.controlled.sdp: ufrag, password, a=candidate lines with the names).
# Needs root (ip netns, nft, tcpdump), python3-aioice, chromium, editcap (tshark).
# Usage: sudo pcaps/mdns/make-mdns.sh [OUTDIR] [resolved|unanswered|aioice|chromium|chromium-unanswered|all]
#        (default: this folder, all; aioice: the first two; chromium: both Chromium sessions)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-$here}" && pwd)
which=${2:-all}
tmp=$(mktemp -d)
tag="mdnscap$$"   # namespace names unique to this run
bridge_ns="$tag-br" a_ns="$tag-a" b_ns="$tag-b"
router_ns="$tag-r" c_ns="$tag-c" d_ns="$tag-d"   # the routed pair of LANs (chromium-unanswered)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in "$a_ns" "$b_ns" "$bridge_ns" "$c_ns" "$d_ns" "$router_ns"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# The segment: a bridge in a namespace of its own, one veth port per host (10.77.0.1 controlling, 10.77.0.2 controlled).
make_segment() {
  local ns
  for ns in "$bridge_ns" "$a_ns" "$b_ns"; do
    ip netns add "$ns"
    # IPv4 only: no IPv6 router solicitations and listener reports in the captures (aioice's mDNS is IPv4 only).
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip -n "$bridge_ns" link add br0 type bridge
  ip -n "$bridge_ns" link set br0 up
  local host address
  for host in a b; do
    local ns="$tag-$host"
    address=$([[ $host == a ]] && echo 10.77.0.1 || echo 10.77.0.2)
    ip -n "$bridge_ns" link add "port-$host" type veth peer name eth0 netns "$ns"
    ip -n "$bridge_ns" link set "port-$host" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$address/24" dev eth0
    ip -n "$ns" link set eth0 up
    # Multicast leaves through eth0 (there is no default route).
    ip -n "$ns" route add 224.0.0.0/4 dev eth0
  done
  wait_links_up "$a_ns" "$b_ns"
}

# Two LANs joined by a router that forwards unicast only (no multicast routing): 10.78.1.2 (c, offerer) on 10.78.1.0/24,
# 10.78.2.2 (d, answerer) on 10.78.2.0/24, each with its default route to the router (Chromium needs one to gather).
make_routed() {
  local ns
  for ns in "$router_ns" "$c_ns" "$d_ns"; do
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip netns exec "$router_ns" sysctl -qw net.ipv4.ip_forward=1
  local host lan
  for host in c d; do
    lan=$([[ $host == c ]] && echo 1 || echo 2)
    ip -n "$router_ns" link add "lan$lan" type veth peer name eth0 netns "$tag-$host"
    ip -n "$router_ns" addr add "10.78.$lan.1/24" dev "lan$lan"
    ip -n "$router_ns" link set "lan$lan" up
    ip -n "$tag-$host" addr add "10.78.$lan.2/24" dev eth0
    ip -n "$tag-$host" link set eth0 up
    ip -n "$tag-$host" route add default via "10.78.$lan.1"
  done
  wait_links_up "$c_ns" "$d_ns"
}

# Waits until eth0 in each namespace given is operationally up. The kernel's link watch reports a new veth's carrier up
# to a second late, and a browser started before that finds no running interface: its mDNS responder does not start
# ("mDNS responder manager failed to start") and it never completes gathering.
wait_links_up() { # NS...
  local ns
  for ns in "$@"; do
    for _ in $(seq 50); do ip -n "$ns" -br link show eth0 | grep -q ' UP ' && continue 2; sleep 0.1; done
    echo "make-mdns: eth0 in $ns not up after 5 s: $(ip -n "$ns" -br link show eth0)" >&2; exit 1
  done
}

drop_mdns_responses() {
  ip netns exec "$bridge_ns" nft -f - <<'NFT'
table bridge mdnscap {
  chain forward {
    type filter hook forward priority 0; policy accept;
    # UDP to port 5353 whose DNS header (after the 8-byte UDP header) has QR (bit 16 of the DNS header) set: a response.
    udp dport 5353 @th,80,1 1 drop
  }
}
NFT
}

session() { # NAME COMMENT EXPECTED(connected|failed)
  local name=$1 comment=$2 expected=$3
  rm -rf "$tmp/signal"; mkdir -p "$tmp/signal"
  ip netns exec "$b_ns" tcpdump -i eth0 -U --immediate-mode -s 0 -w "$tmp/$name.pcap" >"$tmp/tcpdump.log" 2>&1 &
  local tcpdump_pid=$!; pids+=("$tcpdump_pid")
  for _ in $(seq 50); do grep -q 'listening on' "$tmp/tcpdump.log" && break; sleep 0.1; done
  ip netns exec "$a_ns" /usr/bin/python3 "$here/aioice_mdns_peer.py" controlling "$tmp/signal" 4 >"$tmp/a.log" 2>&1 &
  local a_pid=$!; pids+=("$a_pid")
  ip netns exec "$b_ns" /usr/bin/python3 "$here/aioice_mdns_peer.py" controlled "$tmp/signal" 4 >"$tmp/b.log" 2>&1 &
  local b_pid=$!; pids+=("$b_pid")
  local status=0
  wait "$a_pid" || status=$?
  wait "$b_pid" || status=$?
  sleep 0.3
  kill "$tcpdump_pid" 2>/dev/null || true; wait "$tcpdump_pid" 2>/dev/null || true
  echo "== $name: controlling"; cat "$tmp/a.log"; echo "== $name: controlled"; cat "$tmp/b.log"
  [[ $status -eq 0 ]] || { echo "make-mdns: $name: a peer exited $status" >&2; exit 1; }
  grep -qx "$expected" <(grep -oE '^(connected|failed)' "$tmp/a.log") && grep -qx "$expected" <(grep -oE '^(connected|failed)' "$tmp/b.log") \
    || { echo "make-mdns: $name: expected both agents $expected" >&2; exit 1; }
  editcap -F pcapng --capture-comment "$comment" "$tmp/$name.pcap" "$out/$name.pcapng"
  cp "$tmp/signal/controlling.sdp" "$out/$name.controlling.sdp"
  cp "$tmp/signal/controlled.sdp" "$out/$name.controlled.sdp"
  echo "wrote $out/$name.pcapng"
}

# Two headless Chromium, the offerer (controlling) in OFFER_NS, the answerer in ANSWER_NS; the HTTP signalling on
# SIGNAL_IP:8000 (in the offerer's namespace) is left out of the capture, taken on the answerer's eth0. EXPECTED: both
# pages report "connected", or (unconnected) neither does.
chromium_session() { # NAME COMMENT OFFER_NS ANSWER_NS SIGNAL_IP EXPECTED(connected|unconnected)
  local name=$1 comment=$2 offer_ns=$3 answer_ns=$4 signal_ip=$5 expected=$6 ns
  rm -rf "$tmp/signal"; mkdir -p "$tmp/signal"
  ip netns exec "$offer_ns" /usr/bin/python3 "$here/chromium_signal.py" "$signal_ip" "$tmp/signal" >"$tmp/signal.log" 2>&1 &
  pids+=($!)
  ip netns exec "$answer_ns" tcpdump -i eth0 -U --immediate-mode -s 0 -w "$tmp/$name.pcap" not tcp port 8000 >"$tmp/tcpdump.log" 2>&1 &
  local tcpdump_pid=$!; pids+=("$tcpdump_pid")
  for _ in $(seq 50); do grep -q 'listening on' "$tmp/tcpdump.log" && ss -N "$offer_ns" -Hlnt 'sport = :8000' | grep -q . && break; sleep 0.1; done
  for ns in "$offer_ns" "$answer_ns"; do
    local role; role=$([[ $ns == "$offer_ns" ]] && echo offer || echo answer)
    ip netns exec "$ns" chromium --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$tmp/profile-$name-$role" \
      "http://$signal_ip:8000/page.html?role=$role" >"$tmp/chromium-$role.log" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 300); do [[ -f $tmp/signal/offer.result && -f $tmp/signal/answer.result ]] && break; sleep 0.1; done
  sleep 0.5
  kill "$tcpdump_pid" 2>/dev/null || true; wait "$tcpdump_pid" 2>/dev/null || true
  echo "== $name: offer $(cat "$tmp/signal/offer.result" 2>/dev/null)"; echo "== $name: answer $(cat "$tmp/signal/answer.result" 2>/dev/null)"
  local role outcome
  for role in offer answer; do
    outcome=$(grep -q '^connected' "$tmp/signal/$role.result" 2>/dev/null && echo connected || echo unconnected)
    [[ -f $tmp/signal/$role.result && $outcome == "$expected" ]] \
      || { echo "make-mdns: $name: expected both pages $expected" >&2; tail -n 5 "$tmp"/chromium-*.log "$tmp"/signal.log >&2; exit 1; }
  done
  editcap -F pcapng --capture-comment "$comment" "$tmp/$name.pcap" "$out/$name.pcapng"
  cp "$tmp/signal/offer.sdp" "$out/$name.controlling.sdp"
  cp "$tmp/signal/answer.sdp" "$out/$name.controlled.sdp"
  echo "wrote $out/$name.pcapng"
}

make_segment
if [[ $which == all || $which == chromium ]]; then
  # Chromium picks its host address by the default route (none on the bridge: no candidates), so one is added.
  for host in a b; do ip -n "$tag-$host" route add default dev eth0; done
  chromium_session chromium-mdns-resolved "two headless $(chromium --version 2>/dev/null | head -1) on one bridge, default mDNS host candidates (pcaps/mdns/make-mdns.sh chromium); taken on the answerer's host 10.77.0.2" \
    "$a_ns" "$b_ns" 10.77.0.1 connected
fi
if [[ $which == all || $which == chromium || $which == chromium-unanswered ]]; then
  make_routed
  chromium_session chromium-mdns-unanswered "two headless $(chromium --version 2>/dev/null | head -1) on two LANs joined by a router (10.78.1.2 offerer, 10.78.2.2 answerer), default mDNS host candidates, no STUN (pcaps/mdns/make-mdns.sh chromium-unanswered); taken on the answerer's host 10.78.2.2" \
    "$c_ns" "$d_ns" 10.78.1.2 unconnected
fi
if [[ $which == all || $which == aioice || $which == resolved ]]; then
  session aioice-mdns-resolved "aioice 0.8.0 <-> aioice 0.8.0 on one bridge, both offering mDNS host candidates (pcaps/mdns/make-mdns.sh resolved); taken on the controlled host 10.77.0.2" connected
fi
if [[ $which == all || $which == aioice || $which == unanswered ]]; then
  drop_mdns_responses
  session aioice-mdns-unanswered "aioice 0.8.0 <-> aioice 0.8.0 on one bridge that drops mDNS responses (pcaps/mdns/make-mdns.sh unanswered); taken on the controlled host 10.77.0.2" failed
fi
