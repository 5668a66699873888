#!/usr/bin/env bash
# Relay benchmark: coturn's turnserver and IceSpec's turn-server under the same turnutils_uclient load, in the same run.
#
#   runtime/IceSpec.Turn.Server.Hosting/bench/relay-vs-coturn.sh            # defaults: -m 10 -n 5000 -l 100 -z 0 -c, 3 rounds
#   CLIENTS=10 MESSAGES=5000 LENGTH=100 INTERVAL=0 ROUNDS=5 runtime/IceSpec.Turn.Server.Hosting/bench/relay-vs-coturn.sh
#   SERVER_CPUS=0 PARALLEL=3 .../relay-vs-coturn.sh      # both servers on CPU 0 (taskset), relay-threads 1; 3 uclients at once
#   SERVER_CPUS=0,1 PARALLEL=3 .../relay-vs-coturn.sh    # both servers on CPUs 0 and 1, relay-threads 2
#   MODE=tcp-relay .../relay-vs-coturn.sh                # TCP allocations (RFC 6062): uclient -T over TCP
#
# MODE udp (default): uclient over UDP with channels to turnutils_peer. MODE tcp-relay: uclient -T, which makes each client
# a pair of TCP allocations over TCP that Connect to each other's relayed address (ConnectionAttempt, two ConnectionBinds)
# and streams its messages through both; a "relayed packet" is then one message through the server's data connections.
# SERVER_CPUS (a taskset list) pins both servers to the same CPUs and gives both relay-threads = that many CPUs;
# PARALLEL runs that many uclient processes at once per run (uclient is single-threaded), their counts summed.
#
# Both servers listen on loopback with the same user, relay range size and loopback peers allowed; one turnutils_peer
# echoes. Each round runs uclient (UDP, channels) against coturn, then against ours, alternating, after one warm-up run
# each at full load (JIT tiering, caches). Per run it records: messages sent/received and lost (uclient's report), wall time of the
# uclient process, and the server's CPU time (utime+stime from /proc/PID/stat) before and after. It prints each run,
# the medians, and ours/coturn ratios: messages/s (higher is better) and CPU per relayed packet (lower is better).
# A relayed packet is one datagram through the server: client->peer and peer->client each count.
#
# Our server: ICESPEC_TURN_SERVER (a command line ending where 'turn-server' flags begin), default: the icespec CLI
# built in Release (dotnet tools/IceSpec.Cli/bin/Release/net10.0/icespec.dll turn-server).
set -euo pipefail
cd "$(dirname "$0")/../../.."   # the repository root
. runtime/IceSpec.Turn.Server.Hosting/bench/lib.sh

CLIENTS=${CLIENTS:-10}
MESSAGES=${MESSAGES:-5000}
LENGTH=${LENGTH:-100}
INTERVAL=${INTERVAL:-0}
ROUNDS=${ROUNDS:-3}
PARALLEL=${PARALLEL:-1}
SERVER_CPUS=${SERVER_CPUS:-}
MODE=${MODE:-udp}
case "$MODE" in
  udp) uclient_mode=(); describe="UDP, channels" ;;
  tcp-relay) uclient_mode=(-T); describe="TCP allocations, RFC 6062" ;;
  *) echo "relay-vs-coturn: MODE is udp or tcp-relay, not '$MODE'" >&2; exit 2 ;;
esac
pin=()
threads=()
if [ -n "$SERVER_CPUS" ]; then
  pin=(taskset -c "$SERVER_CPUS")
  cpus=$(python3 -c "import sys; n=0
for part in sys.argv[1].split(','):
    a, _, b = part.partition('-'); n += int(b or a) - int(a) + 1
print(n)" "$SERVER_CPUS")
  threads=(--relay-threads="$cpus")
fi

require_tools relay-vs-coturn "coturn python3" turnserver turnutils_uclient turnutils_peer python3

if [ -z "${ICESPEC_TURN_SERVER:-}" ]; then
  dotnet build -c Release tools/IceSpec.Cli -v quiet -nologo >/dev/null
  ICESPEC_TURN_SERVER="dotnet tools/IceSpec.Cli/bin/Release/net10.0/icespec.dll turn-server"
fi

bench_workdir icespec-relay-bench
peer_port=$(free_port)
coturn_port=$(free_port)
ours_port=$(free_port)
ticks=$(getconf CLK_TCK)

turnutils_peer -L 127.0.0.1 -p "$peer_port" >"$work/peer.log" 2>&1 &
pids+=($!)

# coturn as PITFALLS.md runs it: foreground, loopback, long-term user, loopback peers allowed.
"${pin[@]}" turnserver "${threads[@]}" -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$coturn_port" --min-port=62000 --max-port=62999 \
  --lt-cred-mech --user=alice:secret --realm=example.org --allow-loopback-peers --no-tls --no-dtls --no-cli \
  --userdb="$work/turndb" --pidfile="$work/turnserver.pid" --log-file="$work/coturn.log" --simple-log >"$work/coturn.out" 2>&1 &
coturn_pid=$!
pids+=($coturn_pid)

# Ours, the same set-up. uclient picks channel numbers up to 0x7FFF (RFC 5766), hence rfc5766-channel-numbers.
"${pin[@]}" $ICESPEC_TURN_SERVER "${threads[@]}" --listening-ip 127.0.0.1 --listening-port "$ours_port" --min-port 63000 --max-port 63999 \
  --user alice:secret --realm example.org --allow-loopback-peers --rfc5766-channel-numbers --log-file "$work/ours.log" >"$work/ours.out" 2>&1 &
ours_pid=$!
pids+=($ours_pid)

wait_for_servers "$work/ours.out" "$coturn_port" "$work/coturn.out"

# run NAME PORT PID MESSAGES -> prints "sent recv lost wall_seconds cpu_seconds"
run() {
  local name=$1 port=$2 pid=$3 messages=$4 out="$work/$1.txt"
  local before after start end
  before=$(cpu_ticks "$pid")
  start=$(date +%s.%N)
  local clients=()
  for k in $(seq 1 "$PARALLEL"); do
    turnutils_uclient "${uclient_mode[@]}" -m "$CLIENTS" -n "$messages" -l "$LENGTH" -z "$INTERVAL" -c -p "$port" -u alice -w secret \
      -e 127.0.0.1 -r "$peer_port" 127.0.0.1 >"$out.$k" 2>&1 &
    clients+=($!)
  done
  for client in "${clients[@]}"; do wait "$client" || true; done
  end=$(date +%s.%N)
  after=$(cpu_ticks "$pid")
  local totals sent=0 recv=0 lost=0 k
  for k in $(seq 1 "$PARALLEL"); do
    # A uclient that failed before its totals line counts 0 (and must not end the script under set -e).
    totals=$(grep -E 'start_mclient: tot_send_msgs=[0-9]+, tot_recv_msgs=[0-9]+ *$' "$out.$k" | tail -1 || true)
    sent=$((sent + $(sed -E 's/.*tot_send_msgs=([0-9]+).*/\1/' <<<"${totals:-tot_send_msgs=0}")))
    recv=$((recv + $(sed -E 's/.*tot_recv_msgs=([0-9]+).*/\1/' <<<"${totals:-tot_recv_msgs=0}")))
    lost=$((lost + $(awk '/Total lost packets/ {for (i = 1; i < NF; i++) if ($i == "packets") n = $(i + 1)} END {print n + 0}' "$out.$k")))
  done
  echo "${sent:-0} ${recv:-0} ${lost:-?} $(echo "$end - $start" | bc -l) $(echo "($after - $before) / $ticks" | bc -l)"
}

echo "relay-vs-coturn: $PARALLEL x uclient ${uclient_mode[*]} -m $CLIENTS -n $MESSAGES -l $LENGTH -z $INTERVAL -c ($describe), $ROUNDS rounds; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "servers pinned to CPUs: ${SERVER_CPUS:-none} ${threads[*]}"
echo "coturn: $(turnserver --version 2>/dev/null | head -1 || true)   ours: $ICESPEC_TURN_SERVER"
# Warm-up at full load, not counted: .NET tiers its JIT code up during the first ~100k packets; coturn gets the same.
run warm-coturn "$coturn_port" "$coturn_pid" "$MESSAGES" >/dev/null
run warm-ours "$ours_port" "$ours_pid" "$MESSAGES" >/dev/null

printf '%-8s %5s %8s %8s %6s %8s %10s %12s\n' server round sent recv lost wall_s msgs_per_s cpu_us_per_pkt
results="$work/results"
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
  for server in coturn ours; do
    if [ "$server" = coturn ]; then read -r sent recv lost wall cpu < <(run coturn "$coturn_port" "$coturn_pid" "$MESSAGES")
    else read -r sent recv lost wall cpu < <(run ours "$ours_port" "$ours_pid" "$MESSAGES"); fi
    rate=$(echo "$recv / $wall" | bc -l)
    packets=$((sent + recv))
    per=$( [ "$packets" -gt 0 ] && echo "$cpu * 1000000 / $packets" | bc -l || echo 0)
    printf '%-8s %5d %8d %8d %6s %8.2f %10.0f %12.2f\n' "$server" "$round" "$sent" "$recv" "$lost" "$wall" "$rate" "$per"
    echo "$server $rate $per $lost" >>"$results"
  done
done

coturn_rate=$(awk '$1=="coturn"{print $2}' "$results" | median)
ours_rate=$(awk '$1=="ours"{print $2}' "$results" | median)
coturn_cpu=$(awk '$1=="coturn"{print $3}' "$results" | median)
ours_cpu=$(awk '$1=="ours"{print $3}' "$results" | median)
coturn_lost=$(awk '$1=="coturn"{s+=$4} END {print s}' "$results")
ours_lost=$(awk '$1=="ours"{s+=$4} END {print s}' "$results")
echo
printf 'median   coturn: %8.0f msgs/s  %6.2f us CPU/packet  (lost %s in all rounds)\n' "$coturn_rate" "$coturn_cpu" "$coturn_lost"
printf 'median   ours:   %8.0f msgs/s  %6.2f us CPU/packet  (lost %s in all rounds)\n' "$ours_rate" "$ours_cpu" "$ours_lost"
if [ "$(echo "$coturn_cpu > 0 && $coturn_rate > 0" | bc -l)" -eq 1 ]; then
  printf 'ratio    ours/coturn: msgs/s %.2f (>= 1 is as fast or faster), CPU/packet %.2f (<= 1 is as cheap or cheaper)\n' \
    "$(echo "$ours_rate / $coturn_rate" | bc -l)" "$(echo "$ours_cpu / $coturn_cpu" | bc -l)"
else
  echo "ratio    n/a: coturn's CPU time was below the 10 ms tick of /proc/PID/stat; run more MESSAGES or CLIENTS"
fi
