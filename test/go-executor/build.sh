#!/usr/bin/env bash
# Builds berth-go-executor (main.go, on Debian's mesos-go) in GOPATH mode, offline, and prints the binary's path.
# Idempotent: does nothing when the binary is newer than every source file here.
# Usage: test/go-executor/build.sh [output-dir]   (default: test/go-executor/bin, which is gitignored)
# Needs: apt packages golang-go golang-github-mesos-mesos-go-dev.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
outdir="${1:-$here/bin}"
bin="$outdir/berth-go-executor"
gopath=/usr/share/gocode

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: 'go' not found; install the apt package golang-go" >&2
  exit 127
fi
if [ ! -d "$gopath/src/github.com/mesos/mesos-go/api/v1/lib/executor" ]; then
  echo "build.sh: mesos-go not found under $gopath; install the apt package golang-github-mesos-mesos-go-dev" >&2
  exit 1
fi

mkdir -p "$outdir"
if [ -x "$bin" ] && [ -z "$(find "$here" -maxdepth 1 \( -name '*.go' -o -name build.sh \) -newer "$bin" -print -quit)" ]; then
  echo "$bin"
  exit 0
fi

# Go needs a build cache; without HOME (some CI sandboxes) keep it next to the binary.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
  export GOCACHE="$outdir/.gocache"
fi
tmp="$(mktemp "$outdir/.berth-go-executor.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# GOPATH mode: the Debian package is a GOPATH tree, and the build must not touch the network.
(cd "$here" && GO111MODULE=off GOPATH="$gopath" GOFLAGS= GOPROXY=off go build -o "$tmp" .)
mv -f "$tmp" "$bin"   # rename: a concurrent user never sees a half-written binary
trap - EXIT
echo "$bin"
