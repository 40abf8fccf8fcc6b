#!/usr/bin/env bash
# Benchmark: `nx run-many -t test` over the crates against one `cargo test
# --workspace`, warm (target dir already built) and cold (after cargo clean).
# Usage: tools/bench/cargo-test.sh [repetitions]   (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
export NX_DAEMON=${NX_DAEMON:-false} NX_NO_CLOUD=true NX_TUI=false
echo "NX_DAEMON=$NX_DAEMON"

source "$(dirname "$0")/timing.sh"

crates=tag:lang:rust
(cd rust && cargo test --workspace --no-run >/dev/null 2>&1)

echo "| scenario | median s | runs |"
echo "|---|---|---|"
measure "cargo test --workspace (warm)" ":" bash -c "cd rust && cargo test --workspace"
measure "nx run-many -t test, batched (warm)" ":" npx nx run-many -t test --projects=$crates --skip-nx-cache
measure "nx run-many -t test --batch=false (warm)" ":" npx nx run-many -t test --projects=$crates --skip-nx-cache --batch=false
npx nx run-many -t test --projects=$crates >/dev/null 2>&1
measure "nx run-many -t test, all cached" ":" npx nx run-many -t test --projects=$crates
measure "cargo test --workspace (cold)" "(cd rust && cargo clean) >/dev/null 2>&1" bash -c "cd rust && cargo test --workspace"
measure "nx run-many -t test, batched (cold)" "(cd rust && cargo clean) >/dev/null 2>&1" npx nx run-many -t test --projects=$crates --skip-nx-cache
measure "nx run-many -t test --batch=false (cold)" "(cd rust && cargo clean) >/dev/null 2>&1" npx nx run-many -t test --projects=$crates --skip-nx-cache --batch=false
