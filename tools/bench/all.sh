#!/usr/bin/env bash
# Every scale/CI benchmark, as Markdown tables under one header naming the
# date, the machine and the versions: graph creation side by side with Nx
# alone and @monodon/rust (graph.mjs), the CI check of this repository
# (ci.mjs), Nx over cargo test (cargo-test.sh), publishing (publish.sh, when
# the crates registry is built), graph creation on the real-repository corpus
# (corpus-graph.mjs, where its checkouts exist) and the remote cache
# (remote-cache.mjs). About 15 minutes on an idle 2-core machine; the load
# average printed at the top says whether the machine was idle.
# Usage: tools/bench/all.sh [--quick] [graph.mjs options]   (npm run bench; --quick: graphs at 50 and 500 crates only)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup.sh >/dev/null
peers="$(bash tools/bench/install-peers.sh)"
version() { node -p "require('$1/package.json').version"; }
cache="${NX_POLYGLOT_CACHE:-$HOME/.cache/nx-polyglot}"

echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/^MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo) · load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node $(node --version) · nx $(version nx) · $(cargo --version) · @monodon/rust $(version "$peers/node_modules/@monodon/rust") (with nx $(version "$peers/node_modules/nx"))"
echo
echo "### Project graph creation, side by side (nx show projects)"
echo
node tools/bench/graph.mjs "$@"
echo
echo "### CI check of this repository"
echo
node tools/bench/ci.mjs
echo
echo "### Nx over cargo test (tools/bench/cargo-test.sh)"
echo
bash tools/bench/cargo-test.sh
echo
echo "### Publishing the crates (tools/bench/publish.sh)"
echo
if compgen -G "$cache/kellnr-*/bin/kellnr" >/dev/null; then
  bash tools/bench/publish.sh
else
  echo "Not measured: the crates registry is not built yet (tools/registries/install.sh builds it, about 12 minutes)."
fi
echo
echo "### Project graph creation on the real-repository corpus (checkouts in \${CORPUS_DIR:-/work/corpus}; median of 3)"
echo
node tools/bench/corpus-graph.mjs
echo
echo "### Remote cache: GET/PUT through one and two gateways, disk and S3 (versitygw)"
echo
node tools/bench/remote-cache.mjs
