#!/usr/bin/env bash
# Makes the TURN cases of pcaps/diagnose/ (issue 19, "TURN"): broken TURN sessions, made on purpose with real servers —
# coturn 4.6 (`turnserver`) and IceSpec's own (`icespec turn-server`) — and real clients: turnutils_uclient for coturn's
# own wrong-password run, pcaps/peers/turn_client.py (a small client that does exactly one wrong thing) for the rest.
# Each case runs in a network namespace of its own, recorded by tcpdump on its lo, and is saved as CASE/capture.pcapng
# with a capture comment saying how it was made, plus CASE/credentials (the server's users: what --credentials reads).
# expected.json is written by hand from a tshark reading of the capture (never by this script).
# Needs root (ip netns, tcpdump), coturn, editcap, python3, the .NET SDK (IceSpec's CLI is built once).
# Usage: sudo pcaps/diagnose/make-turn.sh [CASE...]   (default: every case below)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
client="python3 $root/pcaps/peers/turn_client.py"

if [[ ${1:-} == --inner ]]; then
  # Inside the case's namespace: start the server, run the client, stop the server (by PID).
  shift
  server=$1 scenario=$2 tmp=$3; shift 3
  port=3478 peer=127.0.0.1:40000
  server_pid=
  # IceSpec's server refuses special-purpose peers (loopback) unless allowed; allowed-peer-ip wins over denied-peer-ip
  # (as in coturn), so the peer-denied case allows nothing and lets the default policy refuse 127.0.0.1.
  allow=--allowed-peer-ip=127.0.0.0/8
  [[ $scenario == peer-denied ]] && allow=
  start() { # extra server options...
    if [[ $server == coturn ]]; then
      turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=$port --min-port=49152 --max-port=49171 \
        --lt-cred-mech --user=alice:secret --user=bob:secret2 --realm=example.org --allow-loopback-peers --no-tls --no-dtls --no-cli \
        --userdb="$tmp/turndb" --pidfile="$tmp/turnserver.pid" --log-file="$tmp/turnserver.log" --simple-log "$@" >/dev/null 2>&1 &
    else
      dotnet "$ICESPEC_DLL" turn-server -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port=$port \
        --min-port=49152 --max-port=49171 --user=alice:secret --user=bob:secret2 --realm=example.org \
        $allow --no-tls "$@" >"$tmp/icespec-server.log" 2>&1 &
    fi
    server_pid=$!
    for _ in $(seq 100); do ss -Hlnu "sport = :$port" | grep -q . && break; sleep 0.1; done
    sleep 0.3
  }
  stop_server() { # SIGTERM, then SIGKILL after 3 s
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  }
  run() { $client --server 127.0.0.1:$port --peer $peer --echo "$@"; }
  case $scenario in
    clean) start; run --user alice --password secret clean ;;
    uclient-wrong-password)
      start
      timeout 20 turnutils_uclient -y -n 1 -l 100 -u alice -w wrong -e 127.0.0.1 -r 40000 -p $port 127.0.0.1 >"$tmp/uclient.log" 2>&1 || true ;;
    wrong-password) start; run --user alice --password wrong wrong-password ;;
    stale-nonce-no-retry|stale-nonce-retry)
      start --stale-nonce=2
      run --user alice --password secret --wait 3 "$scenario" ;;
    quota) start --user-quota=1; run --user alice --password secret quota ;;
    capacity) start --total-quota=1; run --user alice --password secret --user2 bob:secret2 capacity ;;
    peer-denied) start --denied-peer-ip=127.0.0.1; run --user alice --password secret peer-denied ;;
    no-permission) start; run --user alice --password secret no-permission ;;
    restart)
      start
      rm -f "$tmp/go" "$tmp/go.wait"
      run --user alice --password secret --pause-file "$tmp/go" restart &
      client_pid=$!
      for _ in $(seq 100); do [[ -e $tmp/go.wait ]] && break; sleep 0.1; done
      stop_server; rm -f "$tmp/turndb"; start; touch "$tmp/go"
      wait "$client_pid" || true ;;
    channel-before-bind) start; run --user alice --password secret channel-before-bind ;;
    refresh-late) start --max-allocate-lifetime=3; run --user alice --password secret --wait 3 --late 2 refresh-late ;;
    *) echo "make-turn: unknown scenario $scenario" >&2; exit 2 ;;
  esac
  sleep 0.3
  stop_server
  exit 0
fi

[[ $(id -u) == 0 ]] || { echo "make-turn: needs root (ip netns, tcpdump)" >&2; exit 1; }
. "$(dirname "$0")/scratch.sh"

if [[ -z ${ICESPEC_DLL:-} ]]; then
  dotnet build "$root/tools/IceSpec.Cli" -c Release -v q -nologo -o "$tmp/cli" >&2
  ICESPEC_DLL=$tmp/cli/icespec.dll
fi
export ICESPEC_DLL

# CASE SERVER SCENARIO COMMENT
make_case() {
  local name=$1 server=$2 scenario=$3 comment=$4
  local ns="icespec-turn-$$-$RANDOM" dir="$here/$name"
  mkdir -p "$dir" "$tmp/$name"
  ip netns add "$ns"; namespaces+=("$ns")
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" tcpdump -i lo -U --immediate-mode -s 0 -w "$tmp/$name/ns.pcap" udp >"$tmp/$name/tcpdump.log" 2>&1 &
  local tcpdump_pid=$!; pids+=("$tcpdump_pid")
  for _ in $(seq 50); do grep -q 'listening on' "$tmp/$name/tcpdump.log" && break; sleep 0.1; done
  timeout 90 ip netns exec "$ns" bash "$0" --inner "$server" "$scenario" "$tmp/$name" >&2 || true
  sleep 0.3
  kill "$tcpdump_pid" 2>/dev/null || true; wait "$tcpdump_pid" 2>/dev/null || true
  # Whatever the case left running in its namespace (a server the inner script could not stop), by PID.
  for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns del "$ns"
  editcap -F pcapng --capture-comment "$comment (pcaps/diagnose/make-turn.sh $name)" "$tmp/$name/ns.pcap" "$dir/capture.pcapng"
  printf '# make-turn.sh: %s --user=alice:secret --user=bob:secret2 --realm=example.org\nturn-user alice:example.org:secret\nturn-user bob:example.org:secret2\n' "$server" >"$dir/credentials"
  echo "make-turn: wrote $dir/capture.pcapng ($(stat -c %s "$dir/capture.pcapng") bytes)" >&2
}

all=(
  "turn-coturn-clean coturn clean|coturn 4.6, pcaps/peers/turn_client.py clean: Allocate, CreatePermission, Send/Data, Refresh 0"
  "turn-icespec-clean icespec clean|icespec turn-server, pcaps/peers/turn_client.py clean: Allocate, CreatePermission, Send/Data, Refresh 0"
  "turn-coturn-wrong-password coturn uclient-wrong-password|coturn 4.6 (alice:secret), turnutils_uclient -u alice -w wrong"
  "turn-icespec-wrong-password icespec wrong-password|icespec turn-server (alice:secret), turn_client.py wrong-password: Allocate answered 401 three times"
  "turn-coturn-stale-nonce coturn stale-nonce-no-retry|coturn 4.6 --stale-nonce=2, turn_client.py stale-nonce-no-retry: Refresh after 3 s gets 438, never retried"
  "turn-coturn-stale-nonce-retried coturn stale-nonce-retry|coturn 4.6 --stale-nonce=2, turn_client.py stale-nonce-retry: Refresh after 3 s gets 438, retried with the new nonce"
  "turn-coturn-quota coturn quota|coturn 4.6 --user-quota=1, turn_client.py quota: a second allocation of alice"
  "turn-icespec-quota icespec quota|icespec turn-server --user-quota=1, turn_client.py quota: a second allocation of alice"
  "turn-icespec-capacity icespec capacity|icespec turn-server --total-quota=1, turn_client.py capacity: alice allocates, then bob"
  "turn-coturn-peer-denied coturn peer-denied|coturn 4.6 --denied-peer-ip=127.0.0.1, turn_client.py peer-denied: CreatePermission 127.0.0.1, then a Send indication"
  "turn-icespec-peer-denied icespec peer-denied|icespec turn-server --denied-peer-ip=127.0.0.1, turn_client.py peer-denied: CreatePermission 127.0.0.1, then a Send indication"
  "turn-coturn-no-permission coturn no-permission|coturn 4.6, turn_client.py no-permission: Send indications with no CreatePermission"
  "turn-icespec-no-permission icespec no-permission|icespec turn-server, turn_client.py no-permission: Send indications with no CreatePermission"
  "turn-coturn-restart coturn restart|coturn 4.6 restarted after the allocation, turn_client.py restart: Refresh and CreatePermission of the lost allocation"
  "turn-icespec-restart icespec restart|icespec turn-server restarted after the allocation, turn_client.py restart: Refresh and CreatePermission of the lost allocation"
  "turn-coturn-channel-before-bind coturn channel-before-bind|coturn 4.6, turn_client.py channel-before-bind: ChannelData on 0x4001 before its ChannelBind, then after"
  "turn-icespec-channel-before-bind icespec channel-before-bind|icespec turn-server, turn_client.py channel-before-bind: ChannelData on 0x4001 before its ChannelBind, then after"
  "turn-coturn-refresh-late coturn refresh-late|coturn 4.6 --max-allocate-lifetime=3, turn_client.py refresh-late: Refresh 5 s after the Allocate"
  "turn-icespec-refresh-late icespec refresh-late|icespec turn-server --max-allocate-lifetime=3, turn_client.py refresh-late: Refresh 5 s after the Allocate"
)
for entry in "${all[@]}"; do
  spec=${entry%%|*} comment=${entry#*|}
  read -r name server scenario <<<"$spec"
  if (($# > 0)); then
    wanted=0
    for w in "$@"; do [[ $w == "$name" ]] && wanted=1; done
    ((wanted)) || continue
  fi
  make_case "$name" "$server" "$scenario" "$comment"
done
