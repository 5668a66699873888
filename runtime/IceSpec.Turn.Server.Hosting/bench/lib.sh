# Shared by the relay benchmarks (relay-vs-coturn.sh, relay-saturation.sh): sourced from the repository root.
#
# bench_workdir NAME   a temporary directory in $work; processes appended to the array pids are stopped by PID and the
#                      directory removed when the script exits, also on failure
# free_port            a free UDP port on 127.0.0.1
# cpu_ticks PID        the process's user + system CPU time so far, in clock ticks (getconf CLK_TCK per second)
# median               the median of the numbers on stdin (0 when there are none)
# require_tools SCRIPT PACKAGES TOOL…   exits 1 naming the Debian packages when a tool is missing

bench_workdir() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for_servers OURS_OUT COTURN_PORT COTURN_OUT: up to 10 s for our server's "listening udp" line and coturn's UDP
# port; exits naming the one that did not start, with its output.
wait_for_servers() {
  for _ in $(seq 1 100); do
    grep -q "listening udp" "$1" 2>/dev/null && ss -lun | grep -q ":$2 " && break
    sleep 0.1
  done
  grep -q "listening udp" "$1" || { echo "our server did not start:"; cat "$1"; exit 1; }
  ss -lun | grep -q ":$2 " || { echo "coturn did not start:"; cat "$3"; exit 1; }
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2}'; }

require_tools() {
  local script=$1 packages=$2 tool; shift 2
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$script: '$tool' is missing (apt-get install $packages)" >&2; exit 1; }
  done
}
