#!/usr/bin/env bash
# Installs the peer plugins graph.mjs measures beside nx-polyglot
# (@monodon/rust, pinned with its Nx in tools/bench/peers/package.json and
# package-lock.json) into a folder of the benchmark's own, outside the
# repository: they are not dependencies of this repository. @monodon/rust
# 3.0.0 asks for @nx/devkit ^22, whose peer range stops at Nx 23; the
# override gives it the @nx/devkit this repository uses with Nx 24.0.6
# (24.0.0), which is what a user of Nx 24 has to do too. Reinstalls only
# when the lock file changed. Prints the folder.
#
# Usage: tools/bench/install-peers.sh
set -euo pipefail
src="$(cd "$(dirname "$0")" && pwd)/peers"
dest="${NX_POLYGLOT_CACHE:-$HOME/.cache/nx-polyglot}/bench-peers"
mkdir -p "$dest"
if ! cmp -s "$src/package-lock.json" "$dest/package-lock.json" || [ ! -e "$dest/node_modules/@monodon/rust/package.json" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  # No install scripts: none of these packages needs one to load as an Nx plugin.
  (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi
echo "$dest"
