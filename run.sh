#!/usr/bin/env bash
# The main job on embedded defaults: decode and verify the RFC 5769 / RFC 8489 vectors, build a message on the
# spot and decode it back, and show the STUN client transaction machine and its schedule.
set -euo pipefail
cd "$(dirname "$0")"
exec dotnet run --project tools/IceSpec.Cli -- demo "$@"
