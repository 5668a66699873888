# Sourced by make-turn.sh, make-signalling.sh and make-time.sh: a temporary folder, and on exit (also on failure) the
# processes they started (by PID, in $pids) stopped and the network namespaces they made (in $namespaces) deleted.
tmp=$(mktemp -d)
pids=()
namespaces=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
