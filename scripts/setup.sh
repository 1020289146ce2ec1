#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine of this kind (idempotent), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
# Go and mesos-go's executor library (a client we did not write) and the official Mesos protos for the
# conformance tests; libprotobuf-dev for google/protobuf imports; python3 serves the demo app; haproxy (started by
# the tests themselves, on 127.0.0.1) for the load-balancer hook, nginx and varnish for the example hooks'
# tests (their system services are never used); openssl makes the tests' certificates; wrk is the load of the
# rolling-restart test and of bench:rolling; rsyslog (with RELP and TLS) is the real receiver of the log pipeline.
packages=(golang-go golang-github-mesos-mesos-go-dev libprotobuf-dev python3 procps haproxy openssl nginx varnish wrk rsyslog rsyslog-relp rsyslog-gnutls)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Packages such as nginx and varnish start their system services on install where they can: the tests start their
  # own servers, so forbid that for the install (Debian's policy-rc.d: exit 101 = action not allowed).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
npm ci --no-audit --no-fund
