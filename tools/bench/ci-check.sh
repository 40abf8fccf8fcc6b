#!/usr/bin/env bash
# Benchmark: the whole CI check of the monorepo, by hand (the seed release
# plan's commands, one after the other) against `nx run-many -t test lint
# format` (uncached, then fully cached). Warm cargo target directory.
# Usage: tools/bench/ci-check.sh [repetitions]   (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
export NX_DAEMON=${NX_DAEMON:-false} NX_NO_CLOUD=true NX_TUI=false
echo "NX_DAEMON=$NX_DAEMON"

by_hand() {
  (cd rust && cargo test --workspace && cargo clippy --workspace --all-targets -- -D warnings && cargo fmt --all --check)
  (cd python/micromegas && poetry run pytest && poetry run black --check . && poetry run ruff check .)
  for script in test lint type-check format; do npm run --silent "$script" -w analytics-web-app; done
  npm test -w nx-polyglot
}
source "$(dirname "$0")/timing.sh"

by_hand >/dev/null 2>&1 # warm cargo's target directory and every tool
echo "| scenario | median s | runs |"
echo "|---|---|---|"
measure "by hand, one command after the other" ":" by_hand
measure "nx run-many -t test lint format, uncached" ":" npx nx run-many -t test lint format --skip-nx-cache
npx nx run-many -t test lint format >/dev/null 2>&1
measure "nx run-many -t test lint format, all cached" ":" npx nx run-many -t test lint format
