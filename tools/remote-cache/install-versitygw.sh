#!/usr/bin/env bash
# Builds versitygw (Apache-2.0, an S3 server over a POSIX directory), the real
# S3 store of the remote cache's tests and benchmark, from the Go module proxy
# into ${NX_POLYGLOT_CACHE:-~/.cache/nx-polyglot}/versitygw-<version>/ once
# (about 4 minutes on two cores); later runs find it there. Prints the binary's path.
set -euo pipefail

VERSITYGW_VERSION=1.8.0
cache="${NX_POLYGLOT_CACHE:-$HOME/.cache/nx-polyglot}"
bin="$cache/versitygw-$VERSITYGW_VERSION/versitygw"

if [ ! -x "$bin" ]; then
  # Go's official tarball installs to /usr/local/go, not always on a script's PATH
  command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 || { echo "install-versitygw.sh: \`go\` is required to build versitygw (Go 1.24 or newer)." >&2; exit 1; }
  echo "install-versitygw.sh: building versitygw $VERSITYGW_VERSION (a few minutes the first time)" >&2
  # into a directory of its own, moved into place whole: an interrupted build is retried, not trusted
  staging="$cache/versitygw-$VERSITYGW_VERSION.partial"
  rm -rf "$staging"
  mkdir -p "$staging"
  GOBIN="$staging" GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" \
    go install "github.com/versity/versitygw/cmd/versitygw@v$VERSITYGW_VERSION" >&2
  rm -rf "$(dirname "$bin")"
  mv "$staging" "$(dirname "$bin")"
fi
echo "$bin"
