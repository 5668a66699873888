#!/bin/sh
# Builds the libnice driver (conformance/drivers/libnice) against the system libnice and json-glib, the same way as
# conformance/peers/build-libnice-program.sh (gcc + pkg-config). Debian: apt-get install gcc pkg-config libnice-dev libjson-glib-dev
# Usage: build.sh OUTPUT_DIR   -> OUTPUT_DIR/libnice-driver
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: build.sh OUTPUT_DIR}
for tool in gcc pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build: $tool not found (apt-get install -y gcc pkg-config)" >&2; exit 1; }
done
for module in nice json-glib-1.0; do
  pkg-config --exists "$module" || { echo "build: pkg-config cannot find '$module' (apt-get install -y libnice-dev libjson-glib-dev)" >&2; exit 1; }
done
mkdir -p "$OUT"
# shellcheck disable=SC2046
gcc -O2 -Wall -Werror -o "$OUT/libnice-driver" "$HERE/main.c" "$HERE/commands.c" "$HERE/agent.c" "$HERE/events.c" \
  $(pkg-config --cflags --libs nice json-glib-1.0)
echo "built $OUT/libnice-driver" >&2
