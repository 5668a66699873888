#!/bin/sh
# Builds one C program against the system libnice (Debian: apt-get install libnice-dev pkg-config gcc).
# Usage: build-libnice-program.sh SOURCE.c NAME [OUTPUT_DIR]   (output dir: argument, else $OUT, else .)
set -e
SOURCE=$1
NAME=$2
OUT=${3:-${OUT:-.}}
if ! command -v pkg-config >/dev/null 2>&1; then
  echo "build: pkg-config not found (apt-get install -y pkg-config libnice-dev gcc)" >&2
  exit 1
fi
if ! pkg-config --exists nice; then
  echo "build: pkg-config cannot find 'nice' (apt-get install -y libnice-dev)" >&2
  exit 1
fi
mkdir -p "$OUT"
# shellcheck disable=SC2046
gcc -O2 -Wall -o "$OUT/$NAME" "$SOURCE" $(pkg-config --cflags --libs nice)
echo "built $OUT/$NAME" >&2
