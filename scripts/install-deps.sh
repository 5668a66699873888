#!/usr/bin/env bash
# Installs the Debian packages the tests need (real peers and capture tools; stun-client and stun-server are stund 0.97,
# the RFC 3489 peers of pcaps/make-captures.sh classic). Idempotent: skips what is present.
set -euo pipefail
packages=(gcc pkg-config libnice-dev libpcap0.8 coturn stun-client stun-server openssl tshark tcpdump python3-aioice libjson-glib-dev golang-go golang-github-pion-ice.v2-dev nodejs iproute2 nftables chromium conntrack redis-server)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# werift's driver needs npm: part of NodeSource's nodejs, a separate package with Debian's.
if ! command -v npm >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
command -v dotnet >/dev/null || { echo "install-deps: the .NET SDK 10 (dotnet) is required" >&2; exit 1; }
