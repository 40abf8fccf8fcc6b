#!/usr/bin/env bash
# Installs the three local package registries used by the release end-to-end
# tests: kellnr (crates), pypiserver (Python), verdaccio (npm). Everything goes
# into a cache outside the repository, so a second run, another clone or CI on
# the same machine reuses it; each part is skipped when its marker exists.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${NX_POLYGLOT_CACHE:-$HOME/.cache/nx-polyglot}"
mkdir -p "$cache"

# kellnr is pinned in common.sh; pypiserver and verdaccio in the files beside this one
# shellcheck source=common.sh
. "$here/common.sh"

# One install at a time per cache: the first runs of two clones (or two CI
# jobs) on one machine would otherwise build into one target dir and npm-install
# into one prefix at once, and each break the other's files. The lock goes with
# the process, so a killed install leaves nothing stuck.
exec 9>"$cache/.install.lock"
flock 9

# kellnr: built from source (no prebuilt binary may be downloaded). --locked
# because newer resolutions need crates missing from the mirror or a newer
# rustc; the target dir lets an interrupted build resume.
# Built for build time, not run time (the first `npm run main` waits for it):
# the dev profile without debug info (no optimisation; a registry serving a
# dozen small crates does not notice), and the system's OpenSSL where
# pkg-config finds it instead of kellnr's default feature, which compiles
# OpenSSL from source. Figures: tools/registries/README.md.
kellnr="$cache/kellnr-$KELLNR_VERSION/bin/kellnr"
if [ ! -x "$kellnr" ]; then
  echo "install: building kellnr $KELLNR_VERSION (takes long the first time)" >&2
  features=()
  if pkg-config --exists openssl 2>/dev/null; then features=(--no-default-features); fi
  CARGO_TARGET_DIR="$cache/kellnr-target" CARGO_PROFILE_DEV_DEBUG=0 \
    cargo install "kellnr@$KELLNR_VERSION" --locked --debug "${features[@]}" --root "$cache/kellnr-$KELLNR_VERSION"
  rm -rf "$cache/kellnr-target" # ~2 GB, only needed to resume a build
fi

# pypiserver: in its own venv, rebuilt when the pinned requirements change; the
# copy of them is written last so a broken install is retried, not trusted.
venv="$cache/pypiserver-venv"
if ! cmp -s "$here/pypiserver-requirements.txt" "$venv/installed-requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/pypiserver-requirements.txt"
  cp "$here/pypiserver-requirements.txt" "$venv/installed-requirements.txt"
fi

# verdaccio: from the committed lock (the npm mirror is partial; the lock pins
# versions known to be there, and an override replaces a dist-tag it lacks).
npmdir="$cache/verdaccio"
if ! cmp -s "$here/verdaccio/package-lock.json" "$npmdir/package-lock.json" || [ ! -x "$npmdir/node_modules/.bin/verdaccio" ]; then
  mkdir -p "$npmdir"
  cp "$here/verdaccio/package.json" "$here/verdaccio/package-lock.json" "$npmdir/"
  npm ci --prefix "$npmdir" --no-audit --no-fund --loglevel=error
fi
