#!/bin/sh
# Installs the chromium driver into OUTPUT_DIR: this folder's files, then `npm ci` from the committed package.json and
# package-lock.json (node_modules/ is never committed). Debian: apt-get install nodejs npm chromium
# Usage: build.sh OUTPUT_DIR   -> node OUTPUT_DIR/driver.js
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mkdir -p "${1:?usage: build.sh OUTPUT_DIR}" && cd "$1" && pwd)
command -v npm >/dev/null 2>&1 || { echo "build: npm not found (apt-get install -y nodejs npm)" >&2; exit 1; }
for file in "$HERE"/*; do
  [ -f "$file" ] && cp "$file" "$OUT/"
done
cd "$OUT"
npm ci --no-audit --no-fund
