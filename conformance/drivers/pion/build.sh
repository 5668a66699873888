#!/bin/sh
# Builds the pion driver offline in GOPATH mode against Debian's pion/ice v2 (/usr/share/gocode).
# Debian: apt-get install golang-go golang-github-pion-ice.v2-dev
# Usage: build.sh OUTPUT_DIR   -> OUTPUT_DIR/pion-driver (OUTPUT_DIR also holds the GOPATH copy and the Go build cache)
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mkdir -p "${1:?usage: build.sh OUTPUT_DIR}" && cd "$1" && pwd)
command -v go >/dev/null 2>&1 || { echo "build: go not found (apt-get install -y golang-go)" >&2; exit 1; }
[ -d /usr/share/gocode/src/github.com/pion/ice/v2 ] || { echo "build: pion/ice v2 not found in /usr/share/gocode (apt-get install -y golang-github-pion-ice.v2-dev)" >&2; exit 1; }
PACKAGE="$OUT/gopath/src/icespec/piondriver"
mkdir -p "$PACKAGE"
cp "$HERE"/*.go "$PACKAGE/"
VERSION=$(dpkg-query -W -f '${Version}' golang-github-pion-ice.v2-dev 2>/dev/null || echo unknown)
cd "$PACKAGE"
GO111MODULE=off GOPATH="$OUT/gopath:/usr/share/gocode" GOPROXY=off GOFLAGS= GOCACHE="$OUT/gocache" \
  go build -ldflags "-X main.version=$VERSION" -o "$OUT/pion-driver" .
echo "built $OUT/pion-driver" >&2
