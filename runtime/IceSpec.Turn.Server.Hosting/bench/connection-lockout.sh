#!/usr/bin/env bash
# Issue 13's lockout probe against `icespec turn-server` with its defaults (max-connections 10000): one source
# (127.0.0.2) opens ATTEMPTS TCP connections and holds them; then another source (127.0.0.3) asks for a STUN Binding
# over TCP. Prints how many of the first source's connections were served and whether the second source was.
#
#   runtime/IceSpec.Turn.Server.Hosting/bench/connection-lockout.sh                                   # defaults
#   EXTRA="--max-connections-per-source 0" runtime/IceSpec.Turn.Server.Hosting/bench/connection-lockout.sh   # the limit off (before issue 13)
set -euo pipefail
cd "$(dirname "$0")/../../.."   # the repository root
ATTEMPTS=${ATTEMPTS:-10500}
EXTRA=${EXTRA:-}
ulimit -n "$(ulimit -Hn)"   # both processes hold ~10,000 sockets
dotnet build -c Release tools/IceSpec.Cli -v quiet -nologo >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
dotnet tools/IceSpec.Cli/bin/Release/net10.0/icespec.dll turn-server --listening-ip 127.0.0.1 --listening-port "$port" --no-udp \
  --user alice:secret --min-port 61000 --max-port 61010 --log-level error $EXTRA >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 3
python3 - "$port" "$ATTEMPTS" <<'PY'
import os, select, socket, struct, sys, time
port, attempts = int(sys.argv[1]), int(sys.argv[2])
def binding():
    return struct.pack("!HHI", 0x0001, 0, 0x2112A442) + os.urandom(12)
def served(s, timeout=2.0):
    try:
        s.sendall(binding()); s.settimeout(timeout)
        return len(s.recv(20)) == 20
    except OSError:
        return False
held = []
for i in range(attempts):
    s = socket.socket(); s.bind(("127.0.0.2", 0)); s.connect(("127.0.0.1", port)); held.append(s)
time.sleep(2)
ok = sum(1 for s in held if served(s, 0.5))
other = socket.socket(); other.bind(("127.0.0.3", 0)); other.connect(("127.0.0.1", port))
print(f"127.0.0.2 opened {attempts} connections, {ok} served; 127.0.0.3 {'served' if served(other) else 'LOCKED OUT'}")
PY
