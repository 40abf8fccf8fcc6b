#!/usr/bin/env bash
# Every scale/CI benchmark, as Markdown tables with the date and the machine:
# graph creation on generated workspaces (graph.mjs), then the CI check of
# this repository (ci.mjs), then graph creation on the real repositories of
# tools/corpus where their checkouts exist (corpus-graph.mjs). About four
# minutes on two cores without the corpus.
# Usage: tools/bench/all.sh   (npm run bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup.sh >/dev/null
echo "$(date -u +%Y-%m-%d) · $(nproc) cores · $(node --version) · nx $(node -p "require('nx/package.json').version") · $(cargo --version)"
echo
echo "### Project graph creation (nx show projects, daemon off, median of 3)"
echo
node tools/bench/graph.mjs
echo
echo "### CI check of this repository"
echo
node tools/bench/ci.mjs
echo
echo "### Project graph creation on the real-repository corpus (checkouts in \${CORPUS_DIR:-/work/corpus}; median of 3)"
echo
node tools/bench/corpus-graph.mjs
echo
echo "### Remote cache: GET/PUT through one and two gateways, disk and S3 (versitygw)"
echo
node tools/bench/remote-cache.mjs
