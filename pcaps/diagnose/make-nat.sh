#!/usr/bin/env bash
# The NAT family of the diagnosis corpus (pcaps/diagnose/README.md, "NAT behaviour"): NAT-lab cells run through the kit
# (icespec conformance run, coturn as STUN/TURN server), IceSpec's agent controlling and libnice controlled, in the
# scenarios whose NAT behaviour the diagnosis must read from the traffic; one third-party pair (aioice → libnice)
# in the failing cell both-symmetric-no-turn; pion → libnice in same-nat (hairpinning). From each cell: both agents' own captures (tcpdump in each agent's
# namespace, before its NAT), the public namespace's capture where the case needs the transit view, and the cell's
# credentials file; each capture as pcapng with a capture comment saying how it was made.
# Needs root (network namespaces). Usage: pcaps/diagnose/make-nat.sh [OUTDIR]   (default: pcaps/diagnose)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

dotnet build "$root/tools/IceSpec.Cli" -c Release -o "$tmp/cli" -v quiet -nologo >&2
cli=(dotnet "$tmp/cli/icespec.dll")

# scenario → case name, and whether the public capture is kept
scenarios=(one-nat both-port-restricted symmetric-to-full-cone both-symmetric-turn same-nat udp-blocked-turn-tcp nat-mapping-deleted both-symmetric-no-turn)
"${cli[@]}" conformance run --impl icespec,libnice --pair 'icespec>libnice' --scenario "$(IFS=,; echo "${scenarios[*]}")" \
  --nomination regular --server coturn --agent-cases none --server-cases none --out "$tmp/r1" >&2 || true
"${cli[@]}" conformance run --impl aioice,libnice --pair 'aioice>libnice' --scenario both-symmetric-no-turn \
  --nomination aggressive --server coturn --agent-cases none --server-cases none --out "$tmp/r2" >&2 || true

# Hairpinning: pion checks every pair, also the peer's server-reflexive address on their shared NAT (libnice and
# IceSpec find the host pair first and never try it).
"${cli[@]}" conformance run --impl pion,libnice --pair 'pion>libnice' --scenario same-nat \
  --nomination regular --server coturn --agent-cases none --server-cases none --out "$tmp/r3" >&2 || true

python3 - "$tmp/r1/report.json" "$tmp/r2/report.json" "$tmp/r3/report.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    for c in json.load(open(path))["cells"]:
        print(f"make-nat: {c['scenario']} {c['controlling']}>{c['controlled']}: {c['outcome']}; controlling {c.get('controllingPair')}; controlled {c.get('controlledPair')}", file=sys.stderr)
PY

copy() { # CASE CELLDIR DESCRIPTION [public]
  local case="$1" cell="$2" what="$3" dir="$out/$1" side
  mkdir -p "$dir"
  for side in controlling controlled ${4:-}; do
    editcap -F pcapng --capture-comment "NAT lab cell $what (pcaps/diagnose/make-nat.sh: icespec conformance run, coturn as STUN/TURN server): the $side namespace's tcpdump; credentials in ./credentials" \
      "$cell/$side.pcap" "$dir/$side.pcapng"
  done
  cp "$cell/credentials" "$dir/credentials"
  echo "make-nat: wrote $dir ($(du -sh "$dir" | cut -f1))" >&2
}
for scenario in "${scenarios[@]}"; do
  public=""
  [[ $scenario == both-symmetric-no-turn || $scenario == same-nat ]] && public=public
  copy "nat-${scenario#nat-}" "$tmp/r1/$scenario/icespec-libnice-regular" "$scenario/icespec>libnice (regular nomination)" $public
done
copy nat-both-symmetric-no-turn-aioice "$tmp/r2/both-symmetric-no-turn/aioice-libnice-aggressive" "both-symmetric-no-turn/aioice>libnice (aggressive nomination, aioice's default)" public
copy nat-same-nat-hairpin-pion "$tmp/r3/same-nat/pion-libnice-regular" "same-nat/pion>libnice (regular nomination)" public
