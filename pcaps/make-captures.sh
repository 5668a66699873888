#!/usr/bin/env bash
# Makes the real captures of pcaps/ on loopback: coturn 4.6 with turnutils_uclient (UDP, then TCP; channel mode)
# and turnutils_stunclient, each recorded by tcpdump; libnice<->libnice (aggressive, regular nomination, role conflict)
# and aioice<->aioice sessions, and IceSpec's agent <-> libnice (peers/driver_pair.py), each in its own network
# namespace (its own lo, so nothing else is recorded) and saved as pcapng with a capture comment; then the deliberately broken captures (pcaps/broken/, made by make-broken.py);
# classic STUN (RFC 3489): stund's client `stun` against coturn, IceSpec's server and stund (classic_captures);
# two NAT-lab cells, IceSpec <-> libnice through a port-restricted NAT and through symmetric NATs via TURN (lab_captures).
# Needs root (tcpdump, ip netns), coturn, tcpdump, libnice-dev + libjson-glib-dev + gcc + pkg-config, python3-aioice,
# editcap (tshark), stun-client + stun-server, the .NET SDK.
# Usage: pcaps/make-captures.sh [OUTDIR] [coturn|ice|icespec|classic|lab|broken|diagnose-nat|all]   (default: the folder of this script, all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-$here}" && pwd)
which=${2:-all}
tmp=$(mktemp -d)
pids=()
namespaces=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# A port no socket (UDP or TCP) is bound to, and a block of 20 such ports.
port_free() { ! ss -Hlntu "sport = :$1" | grep -q .; }
free_port() { local p; while :; do p=$((20000 + RANDOM % 30000)); port_free "$p" && { echo "$p"; return; }; done; }
free_range() {
  local a ok p
  while :; do
    a=$((20000 + RANDOM % 30000)); ok=1
    for ((p = a; p < a + 20; p++)); do port_free "$p" || { ok=0; break; }; done
    ((ok)) && { echo "$a"; return; }
  done
}

start_tcpdump() { # FILE FILTER
  tcpdump -i lo -U --immediate-mode -s 0 -w "$1" "$2" >"$tmp/tcpdump.log" 2>&1 &
  tcpdump_pid=$!; pids+=("$tcpdump_pid")
  for _ in $(seq 50); do grep -q 'listening on' "$tmp/tcpdump.log" && break; sleep 0.1; done
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

start_coturn() { # PORT MINPORT
  mkdir -p "$tmp/db"
  turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$1" --min-port="$2" --max-port=$(($2 + 19)) \
    --lt-cred-mech --user=alice:secret --realm=example.org --allow-loopback-peers --no-tls --no-dtls --no-cli \
    --userdb="$tmp/db/turndb.$1" --pidfile="$tmp/turnserver.$1.pid" --log-file="$tmp/turnserver.$1.log" --simple-log \
    >/dev/null 2>&1 &
  coturn_pid=$!; pids+=("$coturn_pid")
  for _ in $(seq 50); do ss -Hlnu "sport = :$1" | grep -q . && break; sleep 0.1; done
  sleep 1
}

uclient_capture() { # FILE [-t]
  local file=$1; shift
  local port peer range
  port=$(free_port); peer=$(free_port); range=$(free_range)
  start_tcpdump "$tmp/capture.pcap" "port $port or portrange $range-$((range + 19)) or port $peer"
  start_coturn "$port" "$range"
  turnutils_peer -L 127.0.0.1 -p "$peer" >/dev/null 2>&1 &
  local peer_pid=$!; pids+=("$peer_pid")
  sleep 0.3
  timeout 60 turnutils_uclient "$@" -c -p "$port" -u alice -w secret -e 127.0.0.1 -r "$peer" -n 5 -l 100 127.0.0.1 >"$tmp/uclient.log" 2>&1 || true
  grep -E 'tot_recv_msgs|Total lost packets' "$tmp/uclient.log" | tail -2 >&2 || true
  sleep 1
  stop "$tcpdump_pid"; stop "$peer_pid"; stop "$coturn_pid"
  cp "$tmp/capture.pcap" "$file"
  echo "make-captures: wrote $file ($(stat -c %s "$file") bytes)" >&2
}

stunclient_capture() { # FILE
  local port range
  port=$(free_port); range=$(free_range)
  start_tcpdump "$tmp/capture.pcap" "port $port"
  start_coturn "$port" "$range"
  timeout 30 turnutils_stunclient -p "$port" 127.0.0.1 >"$tmp/stunclient.log" 2>&1 || true
  cat "$tmp/stunclient.log" >&2
  sleep 1
  stop "$tcpdump_pid"; stop "$coturn_pid"
  cp "$tmp/capture.pcap" "$1"
  echo "make-captures: wrote $1 ($(stat -c %s "$1") bytes)" >&2
}

# Runs COMMAND... in a fresh network namespace with only lo up, recording all UDP and TCP on that lo (ICE-TCP for
# libnice-tcp), and writes FILE as pcapng with COMMENT as its capture comment.
netns_capture() { # FILE COMMENT COMMAND...
  local file=$1 comment=$2; shift 2
  local ns="icespec-cap-$$-$RANDOM"
  ip netns add "$ns"; namespaces+=("$ns")
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" tcpdump -i lo -U --immediate-mode -s 0 -w "$tmp/ns.pcap" udp or tcp >"$tmp/tcpdump.log" 2>&1 &
  tcpdump_pid=$!; pids+=("$tcpdump_pid")
  for _ in $(seq 50); do grep -q 'listening on' "$tmp/tcpdump.log" && break; sleep 0.1; done
  timeout 60 ip netns exec "$ns" "$@" >&2
  sleep 0.5
  stop "$tcpdump_pid"
  ip netns del "$ns"
  editcap -F pcapng --capture-comment "$comment" "$tmp/ns.pcap" "$file"
  echo "make-captures: wrote $file ($(stat -c %s "$file") bytes)" >&2
}

ice_captures() {
  sh "$here/../conformance/peers/build-libnice-program.sh" "$here/peers/libnice_pair.c" libnice_pair "$tmp"
  local base=40000 # inside a namespace of its own every port is free
  netns_capture "$out/libnice-aggressive.pcapng" \
    "libnice 0.1.21 <-> libnice 0.1.21 on 127.0.0.1 (pcaps/peers/libnice_pair.c aggressive 7): aggressive nomination, consent freshness on; credentials in libnice-aggressive.credentials" \
    "$tmp/libnice_pair" aggressive 7 "$base"
  netns_capture "$out/libnice-regular.pcapng" \
    "libnice 0.1.21 <-> libnice 0.1.21 on 127.0.0.1 (pcaps/peers/libnice_pair.c regular 2): regular nomination; credentials in libnice-regular.credentials" \
    "$tmp/libnice_pair" regular 2 "$base"
  netns_capture "$out/libnice-role-conflict.pcapng" \
    "libnice 0.1.21 <-> libnice 0.1.21 on 127.0.0.1 (pcaps/peers/libnice_pair.c conflict 2): both start controlling, RFC 8445 7.3.1.1 role conflict; credentials in libnice-role-conflict.credentials" \
    "$tmp/libnice_pair" conflict 2 "$base"
  netns_capture "$out/libnice-tcp.pcapng" \
    "libnice 0.1.21 <-> libnice 0.1.21 on 127.0.0.1 over ICE-TCP only (pcaps/peers/libnice_pair.c tcp 2): RFC 6544 active/passive candidates, RFC 4571 framing; credentials in libnice-tcp.credentials" \
    "$tmp/libnice_pair" tcp 2 "$base"
  netns_capture "$out/aioice.pcapng" \
    "aioice 0.8.0 <-> aioice 0.8.0 on 127.0.0.1 (pcaps/peers/aioice_pair.py 7): aggressive nomination, consent checks every 4-6 s; credentials in aioice.credentials" \
    /usr/bin/python3 "$here/peers/aioice_pair.py" 7
}

# IceSpec's own agent (conformance/drivers/icespec) against libnice's driver, both driven by peers/driver_pair.py over
# the JSON lines of conformance/ADAPTER.md; the drivers pick their credentials, driver_pair.py writes the sidecar.
icespec_captures() {
  dotnet build "$here/../conformance/drivers/icespec" -c Release -o "$tmp/icespec-driver" -m:2 -v q -nologo >&2
  sh "$here/../conformance/drivers/libnice/build.sh" "$tmp"
  netns_capture "$out/icespec-libnice.pcapng" \
    "IceSpec (conformance/drivers/icespec, controlling, regular nomination) <-> libnice 0.1.21 (conformance/drivers/libnice, controlled) on 127.0.0.1 (pcaps/peers/driver_pair.py); credentials in icespec-libnice.credentials" \
    python3 "$here/peers/driver_pair.py" "$out/icespec-libnice.credentials" 7 regular \
    "dotnet $tmp/icespec-driver/icespec-driver.dll" "$tmp/libnice-driver"
}

# The `stun` client of Debian's stun-client (stund 0.97, RFC 3489) runs its NAT-type tests (Binding requests with
# CHANGE-REQUEST, then one to its own mapped address) against a server on 127.0.0.1:3478 in a namespace of its own:
# port 3478 is where Wireshark looks for classic STUN. stund gets 127.0.0.2 as its second address (RFC 3489 §8.1:
# CHANGED-ADDRESS, answers from the other address and port); coturn and IceSpec's server have one address only.
# The icespec CLI in Release, built once into $tmp/icespec-cli.
build_cli() {
  [ -f "$tmp/icespec-cli/icespec.dll" ] || dotnet build "$here/../tools/IceSpec.Cli" -c Release -o "$tmp/icespec-cli" -m:2 -v q -nologo >&2
}

classic_captures() {
  build_cli
  local server
  for server in coturn icespec stund; do
    local command
    case $server in
      coturn) command="turnserver -n --listening-ip=127.0.0.1 --listening-port=3478 --no-tls --no-dtls --no-cli --log-file=stdout --simple-log --pidfile=$tmp/turnserver.pid --userdb=$tmp/classic-turndb" ;;
      icespec) command="dotnet $tmp/icespec-cli/icespec.dll turn-server --stun-only --listening-ip 127.0.0.1 --listening-port 3478" ;;
      stund) command="stund -h 127.0.0.1 -a 127.0.0.2" ;;
    esac
    netns_capture "$out/classic-stun-$server.pcapng" \
      "stun-client 0.97 (stund's RFC 3489 client: stun 127.0.0.1) <-> $server on 127.0.0.1:3478 (pcaps/make-captures.sh classic); no credentials used" \
      sh -c "ip addr add 127.0.0.2/8 dev lo; $command >$tmp/classic-$server.log 2>&1 & server=\$!
        for i in \$(seq 100); do ss -Hlnu 'sport = :3478' | grep -q . && break; sleep 0.1; done; sleep 0.5
        stun 127.0.0.1 || true; sleep 0.5; kill \$server"
    printf '# make-captures.sh classic: classic STUN (RFC 3489) has no ICE or TURN credentials; its MESSAGE-INTEGRITY is not verified\n' \
      >"$out/classic-stun-$server.credentials"
  done
}

# Two cells of the NAT lab (conformance/README.md), IceSpec's agent controlling and libnice controlled, with coturn as the
# lab's STUN/TURN server: one-nat (the controlling host behind a port-restricted NAT: a reflexive pair) and
# both-symmetric-turn (both behind symmetric NATs: a relayed pair). From each cell the two agents' own pcaps (tcpdump in
# the agent's namespace: its private address, what its checks and TURN messages look like before the NAT; Linux cooked
# headers) go to lab/ as pcapng with a capture comment, each with the cell's credentials file (the drivers'
# local-credentials and the lab's TURN user, written by the kit). The public namespace's pcap is left out: it records a
# datagram routed between the sites twice (in and out), which the analysis would count as a retransmission.
lab_captures() {
  build_cli
  local report="$tmp/lab-report" cell scenario side
  dotnet "$tmp/icespec-cli/icespec.dll" conformance run --impl icespec,libnice --pair 'icespec>libnice' \
    --scenario one-nat,both-symmetric-turn --nomination regular --server coturn --server-cases none --out "$report" >&2
  python3 - "$report/report.json" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
failed = [f"{c['scenario']}: {c['outcome']} ({c['detail']})" for c in cells if c["outcome"] != "passed"]
if len(cells) != 2 or failed:
    sys.exit("make-captures: the lab cells did not pass: " + "; ".join(failed))
for c in cells:  # what the drivers selected, to review the expected analyses against
    print(f"make-captures: {c['scenario']}: controlling {c['controllingPair']}; controlled {c['controlledPair']}", file=sys.stderr)
PY
  mkdir -p "$out/lab"
  for scenario in one-nat both-symmetric-turn; do
    cell="$report/$scenario/icespec-libnice-regular"
    for side in controlling controlled; do
      local name="$out/lab/$scenario-icespec-libnice-$side"
      editcap -F pcapng --capture-comment "NAT lab cell $scenario/icespec-libnice-regular (icespec conformance run, coturn as STUN/TURN server): the $side agent's namespace; credentials in $(basename "$name").credentials" \
        "$cell/$side.pcap" "$name.pcapng"
      cp "$cell/credentials" "$name.credentials"
      echo "make-captures: wrote $name.pcapng ($(stat -c %s "$name.pcapng") bytes)" >&2
    done
  done
}

# The credentials of the coturn, libnice and aioice captures are fixed by the programs that make them (committed
# beside them, not written here): into another OUTDIR they are copied, so that its captures can be read (and broken).
sidecars() {
  [[ $out -ef $here ]] || for name in "$@"; do cp "$here/$name.credentials" "$out/"; done
}

if [[ $which == all || $which == coturn ]]; then
  uclient_capture "$out/coturn-uclient-udp.pcap"
  uclient_capture "$out/coturn-uclient-tcp.pcap" -t
  stunclient_capture "$out/coturn-stunclient.pcap"
  sidecars coturn-uclient-udp coturn-uclient-tcp coturn-stunclient
fi
if [[ $which == all || $which == ice ]]; then
  ice_captures
  sidecars libnice-aggressive libnice-regular libnice-role-conflict libnice-tcp aioice
fi
if [[ $which == all || $which == icespec ]]; then icespec_captures; fi
if [[ $which == all || $which == classic ]]; then classic_captures; fi
if [[ $which == all || $which == lab ]]; then lab_captures; fi
# The NAT family of the diagnosis corpus (pcaps/diagnose/README.md): its own script, into OUTDIR/diagnose.
if [[ $which == diagnose-nat ]]; then "$here/diagnose/make-nat.sh" "$out/diagnose"; fi
if [[ $which == all || $which == broken ]]; then /usr/bin/python3 "$here/make-broken.py" "$out" "$out/broken"; fi
# The signalling and credentials cases of pcaps/diagnose/ (not in all: they are made once and reviewed by hand).
if [[ $which == diagnose-signalling ]]; then mkdir -p "$out/diagnose"; bash "$here/diagnose/make-signalling.sh" "$out/diagnose"; fi
