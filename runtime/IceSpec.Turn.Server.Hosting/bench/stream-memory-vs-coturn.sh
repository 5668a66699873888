#!/usr/bin/env bash
# Issue 13's memory experiment, ours and coturn in the same run: rounds of N TCP connections that each send 65,000 bytes
# of a STUN message whose header promises 65,552, hold them, then close. The server's resident memory (VmRSS of
# /proc/PID/status) is read before the first round (baseline), at each round's peak and after each round (once the
# server has had up to SETTLE seconds to go quiet). Prints each round and the last-round/baseline ratio per server.
#
#   runtime/IceSpec.Turn.Server.Hosting/bench/stream-memory-vs-coturn.sh                      # 1000 connections x 5 rounds
#   CONNECTIONS=200 ROUNDS=3 runtime/IceSpec.Turn.Server.Hosting/bench/stream-memory-vs-coturn.sh
#   EXTRA="--stream-buffer-preallocate" ...                                           # our old behaviour, for comparison
#
# Clients use distinct loopback sources (127.0.x.y) so per-source limits stay at their defaults. Everything stays on
# loopback; both servers are stopped by PID at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")/../../.."   # the repository root
CONNECTIONS=${CONNECTIONS:-1000}
ROUNDS=${ROUNDS:-5}
SETTLE=${SETTLE:-5}
EXTRA=${EXTRA:-}
command -v turnserver >/dev/null || { echo "stream-memory: turnserver is missing (apt-get install coturn)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"
dotnet build -c Release tools/IceSpec.Cli -v quiet -nologo >/dev/null
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ours=$(port)
# shellcheck disable=SC2086
dotnet tools/IceSpec.Cli/bin/Release/net10.0/icespec.dll turn-server --listening-ip 127.0.0.1 --listening-port "$ours" --no-udp \
  --user alice:secret --min-port 61000 --max-port 61010 --log-level warn $EXTRA 2>"$work/ours.log" &
pids+=($!); ours_pid=$!
theirs=$(port)
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$theirs" --no-udp --no-tls --no-dtls --no-cli \
  --lt-cred-mech --user=alice:secret --realm=icespec --min-port=61011 --max-port=61020 --total-quota=0 \
  --pidfile="$work/turnserver.pid" --log-file="$work/coturn.log" --simple-log >/dev/null 2>&1 &
pids+=($!); coturn_pid=$!
sleep 3

python3 - "$CONNECTIONS" "$ROUNDS" "$SETTLE" "ours:$ours:$ours_pid" "coturn:$theirs:$coturn_pid" <<'PY'
import os, socket, sys, time
connections, rounds, settle = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
message = bytes([0x00, 0x01, 0xFF, 0xFC, 0x21, 0x12, 0xA4, 0x42]) + os.urandom(12) + bytes(65000)
def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) // 1024
ratios = {}
for spec in sys.argv[4:]:
    name, port, pid = spec.split(":"); port, pid = int(port), int(pid)
    baseline = rss(pid); peaks = []; after = []
    for _ in range(rounds):
        held = []
        for i in range(connections):
            s = socket.socket(); s.bind((f"127.0.{2 + i // 250}.{1 + i % 250}", 0)); s.connect(("127.0.0.1", port))
            s.sendall(message); held.append(s)
        time.sleep(1.5); peaks.append(rss(pid))
        for s in held: s.close()
        start = time.time(); value = rss(pid)
        while value > baseline * 1.2 and time.time() - start < settle:
            time.sleep(0.25); value = rss(pid)
        after.append(value)
    ratios[name] = after[-1] / baseline
    print(f"{name:7} {connections} connections x {rounds} rounds: RSS baseline {baseline} MB, peaks {peaks} MB, after each round {after} MB, last/baseline {ratios[name]:.2f}")
print(f"ratio of last/baseline, ours/coturn: {ratios['ours'] / ratios['coturn']:.2f}")
PY
