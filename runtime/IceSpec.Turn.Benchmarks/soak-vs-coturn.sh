#!/usr/bin/env bash
# TURN soak: the same load against IceSpec's turn-server, then coturn's turnserver, in one run.
#
#   runtime/IceSpec.Turn.Benchmarks/soak-vs-coturn.sh [--allocations 10000] [--minutes 10] [--ramp 60] [--lifetime 120] [--interval 5]
#
# For each server: start it on 127.0.0.1 (relay address 127.0.0.231, relay ports 20000-31999, below Linux's ephemeral range,
# TURN REST API secret, loopback peers allowed, no quotas), run the load generator (IceSpec.Turn.Benchmarks: N
# allocations from 127.10.x.y sources, CreatePermission + ChannelBind to one of 4 loopback peers each, refreshes by the
# client core, one ChannelData probe per allocation per interval, answered by the peer; at the end every allocation is
# deleted with Refresh LIFETIME 0), then stop the server. The generator samples the server's VmRSS, descriptors and the
# relay ports the server holds on 127.0.0.231 every second and checks: none lost, all deleted, relay ports and socket descriptors back
# to their count before the load, RSS at the end of the hold <= RSS when all were allocated + 10 % + 16 MiB.
# Writes RESULTS.md and soak-rss.svg beside this script; the raw reports (JSON) stay in the work directory printed.
#
# Our server: ICESPEC_TURN_SERVER (a command line ending where 'turn-server' flags begin), default: the icespec CLI
# built in Release (dotnet tools/IceSpec.Cli/bin/Release/net10.0/icespec.dll turn-server).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."   # the repository root

allocations=10000 minutes=10 ramp=60 lifetime=120 interval=5
while (($#)); do
  case "$1" in
    --allocations) allocations=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --ramp) ramp=$2; shift 2 ;;
    --lifetime) lifetime=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    *) echo "soak-vs-coturn: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

for tool in turnserver python3 ss; do
  command -v "$tool" >/dev/null || { echo "soak-vs-coturn: '$tool' is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

# One UDP socket per allocation in the generator, and one relay socket per allocation in either server (coturn too:
# measured, 4 sockets before a 300-allocation load, 304 during it), plus what the runtimes keep open.
descriptors=$((allocations + 1024))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$descriptors" ]; then
  ulimit -Hn "$descriptors" 2>/dev/null || { echo "soak-vs-coturn: need $descriptors descriptors per process, the hard limit is $hard" >&2; exit 1; }
fi
ulimit -n "$descriptors"

dotnet build -c Release runtime/IceSpec.Turn.Benchmarks -v quiet -nologo >/dev/null
generator="dotnet runtime/IceSpec.Turn.Benchmarks/bin/Release/net10.0/IceSpec.Turn.Benchmarks.dll"
if [ -z "${ICESPEC_TURN_SERVER:-}" ]; then
  dotnet build -c Release tools/IceSpec.Cli -v quiet -nologo >/dev/null
  ICESPEC_TURN_SERVER="dotnet tools/IceSpec.Cli/bin/Release/net10.0/icespec.dll turn-server"
fi

work=$(mktemp -d /tmp/icespec-soak.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
relay_ip=127.0.0.231 min_port=20000 max_port=31999
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%MZ)

# wait_udp PORT: until something listens on 127.0.0.1:PORT/udp (10 s)
wait_udp() {
  for _ in $(seq 1 100); do ss -lun | grep -q "127.0.0.1:$1 " && return 0; sleep 0.1; done
  return 1
}

# load NAME PORT: runs the generator against the server $server_pid
load() {
  $generator run --name "$1" --server "127.0.0.1:$2" --secret "$secret" --allocations "$allocations" --minutes "$minutes" \
    --ramp "$ramp" --lifetime "$lifetime" --interval "$interval" --server-pid "$server_pid" \
    --relay-ip "$relay_ip" --relay-ports "$min_port-$max_port" --out "$work/$1.json" 2> >(tee "$work/$1.progress" >&2) || true
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

echo "soak-vs-coturn: $allocations allocations, $minutes min hold, ramp $ramp s, LIFETIME $lifetime s, a probe per $interval s; work dir $work"

# Ours. The default-allocate-lifetime is the shortest lifetime granted, so it is lowered to the one asked for.
port=$(free_port)
$ICESPEC_TURN_SERVER --listening-ip 127.0.0.1 --listening-port "$port" --relay-ip "$relay_ip" --min-port "$min_port" --max-port "$max_port" \
  --static-auth-secret "$secret" --realm soak.test --allow-loopback-peers --default-allocate-lifetime "$lifetime" \
  --user-quota 0 --total-quota 0 --log-file "$work/ours.log" >"$work/ours.out" 2>&1 &
server_pid=$!
wait_udp "$port" || { echo "our server did not start:"; cat "$work/ours.out"; exit 1; }
sleep 1
load ours "$port"
stop_server

# coturn, the same: its shortest lifetime is 600 s, so max-allocate-lifetime brings its Allocate grant to the one asked for.
port=$(free_port)
turnserver -n --listening-ip=127.0.0.1 --listening-port="$port" --relay-ip="$relay_ip" --min-port="$min_port" --max-port="$max_port" \
  --use-auth-secret --static-auth-secret="$secret" --realm=soak.test --allow-loopback-peers --max-allocate-lifetime="$lifetime" \
  --user-quota=0 --total-quota=0 --no-tls --no-dtls --no-cli --log-file="$work/coturn.log" --simple-log \
  --pidfile="$work/coturn.pid" >"$work/coturn.out" 2>&1 &
server_pid=$!
wait_udp "$port" || { echo "coturn did not start:"; cat "$work/coturn.out"; exit 1; }
sleep 1
load coturn "$port"
stop_server

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
[ -s "$work/ours.json" ] && [ -s "$work/coturn.json" ] || { echo "soak-vs-coturn: a run wrote no report (see $work)"; exit 1; }
$generator report --ours "$work/ours.json" --coturn "$work/coturn.json" --markdown "$work/table.md" --svg "$here/soak-rss.svg"

{
  echo "# TURN soak: IceSpec turn-server vs coturn, same load, same run"
  echo
  echo "Run $started on $(nproc) CPUs shared with other engineers' builds; load average (1/5/15 min) $load_before before,"
  echo "$load_after after. coturn: $(turnserver --version 2>/dev/null | head -1). .NET SDK $(dotnet --version)."
  echo
  echo '```sh'
  echo "runtime/IceSpec.Turn.Benchmarks/soak-vs-coturn.sh --allocations $allocations --minutes $minutes --ramp $ramp --lifetime $lifetime --interval $interval"
  echo '```'
  echo
  echo "Load per server: $allocations UDP allocations started over $ramp s from $(((allocations + 19) / 20)) source addresses (127.10.x.y,"
  echo "20 each), a TURN REST API username each; CreatePermission + ChannelBind to one of 4 peers on 127.0.200.1-4; held $minutes"
  echo "min with LIFETIME $lifetime s asked (the client core refreshes 60 s before each granted lifetime ends, at its half when"
  echo "it is shorter; permissions at 240 s, channels at 540 s); one 24-byte ChannelData probe per allocation every $interval s, answered by the peer; then every"
  echo "allocation deleted (Refresh LIFETIME 0). Request latency: the round trip of the request that got the success"
  echo "(retransmissions included). Relayed latency: generator clock at both ends (client→peer, peer→client, round trip)."
  echo "Server RSS (VmRSS), descriptors and relay ports bound on $relay_ip:$min_port-$max_port sampled every second."
  echo
  cat "$work/table.md"
  echo "Memory bound asserted: RSS at the end of the hold <= RSS when all allocations were in place + 10 % + 16 MiB: after"
  echo "the ramp nothing new should be kept, so growth during the hold is per-refresh or per-packet state never freed."
  echo
  echo "![RSS over time](soak-rss.svg)"
} >"$here/RESULTS.md"
echo "wrote $here/RESULTS.md and $here/soak-rss.svg"
