#!/bin/sh
# Builds sdp_peer against the system libnice (Debian: apt-get install
# libnice-dev pkg-config gcc).  Output dir: first argument, else $OUT, else
# the current directory.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-${OUT:-.}}
if ! command -v pkg-config >/dev/null 2>&1; then
  echo "build.sh: pkg-config not found (apt-get install -y pkg-config libnice-dev gcc)" >&2
  exit 1
fi
if ! pkg-config --exists nice; then
  echo "build.sh: pkg-config cannot find 'nice' (apt-get install -y libnice-dev)" >&2
  exit 1
fi
mkdir -p "$OUT"
# shellcheck disable=SC2046
gcc -O2 -Wall -o "$OUT/sdp_peer" "$HERE/sdp_peer.c" $(pkg-config --cflags --libs nice)
echo "built $OUT/sdp_peer" >&2
