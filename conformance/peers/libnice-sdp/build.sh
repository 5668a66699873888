#!/bin/sh
# Builds sdp_peer against the system libnice. Output dir: first argument, else $OUT, else the current directory.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
exec sh "$HERE/../build-libnice-program.sh" "$HERE/sdp_peer.c" sdp_peer "${1:-${OUT:-.}}"
