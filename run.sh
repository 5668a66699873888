#!/usr/bin/env bash
# The main job on embedded defaults: the conformance kit against every ICE implementation found on this machine
# (IceSpec, libnice, aioice, werift, pion, Chromium) in every scenario of the NAT lab (the mid-call fault and IPv6 scenarios with
# --scenario all), the ICE agent cases (the tester against each
# implementation, both nominations), plus the STUN/TURN server cases against coturn and IceSpec's server; prints the
# matrices and writes conformance-report/ (report.html, report.json, junit.xml, report.md, a pcap and the logs of every
# cell and case). Known upstream failures are listed with their reasons in
# conformance/known-failures.txt. Needs root (network namespaces); extra arguments go to `icespec conformance run`.
set -euo pipefail
cd "$(dirname "$0")"
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"
bash scripts/install-deps.sh
dotnet build tools/IceSpec.Cli -c Release -nologo -v quiet
# conformance-report/ unless the arguments name another --out (a shard of a CI job matrix, say).
out=(--out conformance-report)
for arg in "$@"; do [ "$arg" = "--out" ] && out=(); done
exec dotnet tools/IceSpec.Cli/bin/Release/net10.0/icespec.dll conformance run "${out[@]}" \
  --expected-fail conformance/known-failures.txt "$@"
