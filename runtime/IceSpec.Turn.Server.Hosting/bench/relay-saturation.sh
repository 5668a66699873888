#!/usr/bin/env bash
# Relay benchmark at saturation: coturn's turnserver and IceSpec's turn-server on the same cores, loaded by
# `icespec turn-load` (batched, paced) on the other cores, in the same run.
#
#   runtime/IceSpec.Turn.Server.Hosting/bench/relay-saturation.sh                         # defaults below
#   RATES="20000 40000 80000" ROUNDS=5 DURATION=3 runtime/IceSpec.Turn.Server.Hosting/bench/relay-saturation.sh
#   SERVER_CORES=1 runtime/IceSpec.Turn.Server.Hosting/bench/relay-saturation.sh          # one core count only
#
# 1. Allocation rate and memory: each server's relay range is RANGE ports (default 2000); `turn-load --allocate-only`
#    asks for ASK allocations (default RANGE+100), CONCURRENCY at a time, and holds them; allocations/s = allocated / time to allocate,
#    memory per allocation = (VmRSS while held − VmRSS before) / allocated. Ours runs with coturn's defaults for what
#    would otherwise stop a single source: user-quota 0 and unauthenticated-rate 0 (ours limits both by default).
# 2. Relay at saturation: for each offered rate in RATES (messages/s, each echoed, so 2 relayed datagrams per message),
#    ROUNDS runs per server, alternating; per run the generator's JSON (sent, received, loss, RTT) and the server's CPU
#    (utime+stime of /proc/PID/stat) over the run. Per server: the highest rate whose median loss is <= MAX_LOSS % (0.1)
#    and whose median send rate reached MIN_SENT (0.95) of it (a generator starved of CPU sends less, loses nothing and
#    would otherwise pass every rate),
#    CPU µs per relayed datagram there (CPU / (sent + received)), and the ratio ours/coturn.
#    The generator's own CPU over the load window is printed too: below 100 % per thread means it had headroom.
#
# Cores: SERVER_CORES is a list of core counts (default "1 2": the benchmark shows 1 vs 2 cores, issue 16); each count
# is one pass of the whole benchmark (allocations in the first pass only), and a last table gives both servers'
# saturation rate per core count. In a pass the servers run under `taskset -c 0..N-1`, the generator under the
# remaining CPUs (with 2 CPUs and N=1: server on CPU 0, generator on CPU 1). With as many server cores as CPUs (N=2 on
# this 2-vCPU machine) the generator has no CPU of its own and shares both with the server: the pass is printed as
# such, and its rates are what a server gets while it also feeds its own load, a lower bound, not its 2-core limit.
# Both servers get relay-threads=N (coturn's setting; ours accepts it).
# Our server: ICESPEC_TURN_SERVER (a command line ending where 'turn-server' flags begin); the generator: ICESPEC_CLI;
# default: the icespec CLI built in Release.
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/../../.."   # the repository root
. runtime/IceSpec.Turn.Server.Hosting/bench/lib.sh

RATES=${RATES:-"10000 20000 40000 60000 80000 100000 130000 160000"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3}
ALLOCATIONS=${ALLOCATIONS:-20}
SIZE=${SIZE:-100}
THREADS=${THREADS:-1}
MAX_LOSS=${MAX_LOSS:-0.1}
MIN_SENT=${MIN_SENT:-0.95}   # a rate counts only if the generator's median send rate reached this fraction of it
SERVER_CORES=${SERVER_CORES:-"1 2"}
RANGE=${RANGE:-2000}
CONCURRENCY=${CONCURRENCY:-32}
ASK=${ASK:-$((RANGE + 100))}   # allocations asked for: more than the range, so that it is used up
SKIP_ALLOCATION=${SKIP_ALLOCATION:-0}

require_tools relay-saturation "coturn python3 bc util-linux" turnserver taskset python3 bc
cpus=$(nproc)
if [ -z "${ICESPEC_CLI:-}" ]; then
  dotnet build -c Release tools/IceSpec.Cli -v quiet -nologo >/dev/null
  ICESPEC_CLI="dotnet tools/IceSpec.Cli/bin/Release/net10.0/icespec.dll"
fi
ICESPEC_TURN_SERVER=${ICESPEC_TURN_SERVER:-"$ICESPEC_CLI turn-server"}

# Several core counts: one pass of this script per count, then the saturation rates side by side.
if [ "$(echo "$SERVER_CORES" | wc -w)" -gt 1 ]; then
  bench_workdir icespec-relay-cores
  first=1
  for cores in $SERVER_CORES; do
    [ "$cores" -le "$cpus" ] || { echo "relay-saturation: SERVER_CORES $cores > $cpus CPUs" >&2; exit 2; }
    echo "######## server cores: $cores"
    skip=$SKIP_ALLOCATION; [ "$first" = 1 ] || skip=1
    SERVER_CORES=$cores SKIP_ALLOCATION=$skip ICESPEC_CLI=$ICESPEC_CLI ICESPEC_TURN_SERVER=$ICESPEC_TURN_SERVER "$self" | tee "$work/cores-$cores.log"
    first=0
    echo
  done
  echo "== saturation per server core count ($cpus CPUs; highest offered rate sent with median loss <= $MAX_LOSS %, msg/s, each echoed: 2 relayed datagrams)"
  printf '%-6s %-28s %12s %10s %12s %10s %12s\n' cores generator coturn us_per_pkt ours us_per_pkt ours/coturn
  for cores in $SERVER_CORES; do
    log="$work/cores-$cores.log"
    rate() { awk -v s="$1" '$1=="saturation" && $2==s {for (i=1;i<=NF;i++) if ($i ~ /^msg\/s/) print $(i-1)}' "$log"; }
    us() { awk -v s="$1" '$1=="saturation" && $2==s {for (i=1;i<=NF;i++) if ($i=="us") print $(i-1)}' "$log"; }
    where=$([ "$cores" -lt "$cpus" ] && echo "own CPU(s) $cores-$((cpus - 1))" || echo "shares the server's CPUs")
    c=$(rate coturn); o=$(rate ours)
    ratio=$([ "${c:-0}" -gt 0 ] && echo "$o / $c" | bc -l || echo 0)
    printf '%-6s %-28s %12s %10s %12s %10s %12.2f\n' "$cores" "$where" "$c" "$(us coturn)" "$o" "$(us ours)" "$ratio"
  done
  exit 0
fi
server_cpus="0-$((SERVER_CORES - 1))"
if [ "$cpus" -gt "$SERVER_CORES" ]; then generator_cpus="$SERVER_CORES-$((cpus - 1))"
else generator_cpus="0-$((cpus - 1))"; echo "relay-saturation: only $cpus CPUs: the generator shares the server's (a lower bound for the server, not its limit)" >&2; fi


bench_workdir icespec-relay-saturation
coturn_port=$(free_port)
ours_port=$(free_port)
ticks=$(getconf CLK_TCK)
# Relay ranges from BASE_PORT (20000), below Linux's ephemeral range (32768-60999), so the generator's own sockets never
# take them, and apart from relay-vs-coturn.sh's 62000-63999 and the tests' 61000+ (an overlap cost coturn 56 s, RESULTS.md).
coturn_min=${BASE_PORT:-20000}; coturn_max=$((coturn_min + RANGE - 1))
ours_min=$((coturn_max + 1)); ours_max=$((ours_min + RANGE - 1))
[ "$ours_max" -le 65535 ] || { echo "relay-saturation: RANGE $RANGE is too large for two ranges from $coturn_min" >&2; exit 2; }

taskset -c "$server_cpus" turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$coturn_port" \
  --min-port="$coturn_min" --max-port="$coturn_max" --relay-threads="$SERVER_CORES" \
  --lt-cred-mech --user=alice:secret --realm=example.org --allow-loopback-peers --no-tls --no-dtls --no-cli \
  --userdb="$work/turndb" --pidfile="$work/turnserver.pid" --log-file="$work/coturn.log" --simple-log >"$work/coturn.out" 2>&1 &
coturn_pid=$!
pids+=($coturn_pid)

# shellcheck disable=SC2086
taskset -c "$server_cpus" $ICESPEC_TURN_SERVER --listening-ip 127.0.0.1 --listening-port "$ours_port" --min-port "$ours_min" --max-port "$ours_max" \
  --relay-threads "$SERVER_CORES" --user alice:secret --realm example.org --allow-loopback-peers --user-quota 0 --unauthenticated-rate 0 \
  --log-file "$work/ours.log" >"$work/ours.out" 2>&1 &
ours_pid=$!
pids+=($ours_pid)

wait_for_servers "$work/ours.out" "$coturn_port" "$work/coturn.out"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
port_of() { [ "$1" = coturn ] && echo "$coturn_port" || echo "$ours_port"; }
pid_of() { [ "$1" = coturn ] && echo "$coturn_pid" || echo "$ours_pid"; }
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2], chr(45)))" "$1" "$2"; }
# shellcheck disable=SC2086
load() { taskset -c "$generator_cpus" $ICESPEC_CLI turn-load -s "127.0.0.1:$1" -u alice -w secret "${@:2}"; }

echo "relay-saturation: $cpus CPUs, servers on CPU $server_cpus (relay-threads $SERVER_CORES), generator on CPU $generator_cpus; $(date -u +%Y-%m-%dT%H:%MZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "coturn: $(turnserver --version 2>/dev/null | head -1 || true)   ours: $ICESPEC_TURN_SERVER"

if [ "$SKIP_ALLOCATION" != 1 ]; then
  echo
  echo "== allocation rate and memory per allocation: relay range $RANGE ports, $ASK asked, $CONCURRENCY at a time"
  printf '%-8s %9s %7s %10s %12s %12s %14s\n' server allocated failed seconds allocs_per_s rss_delta_kb bytes_per_alloc
  for server in coturn ours; do
    pid=$(pid_of $server)
    load "$(port_of $server)" --allocate-only --allocations 50 --json >/dev/null 2>&1 || true   # warm-up (JIT, first buffers)
    sleep 1
    before=$(rss_kb "$pid")
    load "$(port_of $server)" --allocate-only --allocations "$ASK" --concurrency "$CONCURRENCY" --hold 3 --json \
      >"$work/alloc-$server.json" 2>"$work/alloc-$server.err" &
    gen=$!
    for _ in $(seq 1 600); do grep -q "allocated" "$work/alloc-$server.err" 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    held=$(rss_kb "$pid")
    wait "$gen" || true
    allocated=$(field "$work/alloc-$server.json" allocated)
    per=$( [ "$allocated" -gt 0 ] && echo "($held - $before) * 1024 / $allocated" | bc || echo 0)
    printf '%-8s %9d %7d %10.3f %12.0f %12d %14d\n' "$server" "$allocated" "$(field "$work/alloc-$server.json" allocationFailures)" \
      "$(field "$work/alloc-$server.json" allocationSeconds)" "$(field "$work/alloc-$server.json" allocationsPerSecond)" "$((held - before))" "$per"
    echo "   first failure: $(field "$work/alloc-$server.json" firstFailure)"
    sleep 2   # the Refresh(0)s of the last run free the range
  done
fi

echo
echo "== relay at saturation: $ALLOCATIONS allocations, channels, UDP, $SIZE bytes, $DURATION s per run, $THREADS generator thread(s), $ROUNDS rounds per rate"
# Warm-up at a middle rate, not counted: .NET tiers its JIT code up; coturn gets the same.
for server in coturn ours; do load "$(port_of $server)" -m "$ALLOCATIONS" --rate 40000 -d 3 --json >/dev/null 2>&1 || true; done

results="$work/results"
: >"$results"
printf '%-8s %8s %5s %10s %10s %8s %8s %8s %9s %10s %9s\n' server offered round sent_per_s recv_per_s loss_pct p50_ms p99_ms srv_cpu% us_per_pkt gen_cpu%
for rate in $RATES; do
  for round in $(seq 1 "$ROUNDS"); do
    for server in coturn ours; do
      pid=$(pid_of $server)
      before=$(cpu_ticks "$pid")
      load "$(port_of $server)" -m "$ALLOCATIONS" --rate "$rate" -d "$DURATION" --size "$SIZE" --threads "$THREADS" --drain 500 --json \
        >"$work/run.json" 2>"$work/run.err" || { echo "turn-load failed:"; cat "$work/run.err"; continue; }
      after=$(cpu_ticks "$pid")
      read -r sent recv loss p50 p99 sps rps gcpu secs < <(python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
print(d["sent"], d["received"], d["lossPercent"], d["rttP50Ms"], d["rttP99Ms"], d["sentPerSecond"], d["receivedPerSecond"], d["generatorCpuSeconds"], d["seconds"])' "$work/run.json")
      cpu=$(echo "($after - $before) / $ticks" | bc -l)
      packets=$((sent + recv))
      per=$( [ "$packets" -gt 0 ] && echo "$cpu * 1000000 / $packets" | bc -l || echo 0)
      srv=$(echo "100 * $cpu / $secs / $SERVER_CORES" | bc -l)
      gen=$(echo "100 * $gcpu / $secs / $THREADS" | bc -l)
      printf '%-8s %8d %5d %10.0f %10.0f %8.3f %8.2f %8.2f %9.0f %10.2f %9.0f\n' "$server" "$rate" "$round" "$sps" "$rps" "$loss" "$p50" "$p99" "$srv" "$per" "$gen"
      echo "$server $rate $loss $per $rps $srv $gen $sps" >>"$results"
    done
  done
done

echo
printf '%-8s %8s %10s %10s %10s %10s %9s %9s\n' median offered loss_pct sent_per_s recv_per_s us_per_pkt srv_cpu% gen_cpu%
declare -A best best_cpu
for server in coturn ours; do
  best[$server]=0; best_cpu[$server]=0
  for rate in $RATES; do
    loss=$(awk -v s=$server -v r="$rate" '$1==s && $2==r {print $3}' "$results" | median)
    per=$(awk -v s=$server -v r="$rate" '$1==s && $2==r {print $4}' "$results" | median)
    rps=$(awk -v s=$server -v r="$rate" '$1==s && $2==r {print $5}' "$results" | median)
    srv=$(awk -v s=$server -v r="$rate" '$1==s && $2==r {print $6}' "$results" | median)
    gen=$(awk -v s=$server -v r="$rate" '$1==s && $2==r {print $7}' "$results" | median)
    sps=$(awk -v s=$server -v r="$rate" '$1==s && $2==r {print $8}' "$results" | median)
    printf '%-8s %8d %10.3f %10.0f %10.0f %10.2f %9.0f %9.0f\n' "$server" "$rate" "$loss" "$sps" "$rps" "$per" "$srv" "$gen"
    # A rate counts only when the generator sent it (>= MIN_SENT of it): a starved generator loses nothing and proves nothing.
    if [ "$(echo "$loss <= $MAX_LOSS && $sps >= $MIN_SENT * $rate" | bc -l)" -eq 1 ] && [ "$rate" -gt "${best[$server]}" ]; then best[$server]=$rate; best_cpu[$server]=$per; fi
  done
done
echo
for server in coturn ours; do
  printf 'saturation %-7s highest offered rate sent (>= %s of it) with median loss <= %s %%: %d msg/s (%d relayed datagrams/s), %.2f us CPU per relayed datagram\n' \
    "$server" "$MIN_SENT" "$MAX_LOSS" "${best[$server]}" "$((2 * best[$server]))" "${best_cpu[$server]}"
done
if [ "${best[coturn]}" -gt 0 ]; then
  printf 'ratio      ours/coturn: rate %.2f (goal >= 1.5), CPU per relayed datagram %.2f (<= 1 is cheaper)\n' \
    "$(echo "${best[ours]} / ${best[coturn]}" | bc -l)" "$(echo "${best_cpu[ours]} / ${best_cpu[coturn]}" | bc -l)"
else
  echo "ratio      n/a: at every rate coturn lost more than $MAX_LOSS % or the generator did not reach the rate; start RATES lower"
fi
