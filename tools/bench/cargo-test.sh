#!/usr/bin/env bash
# Benchmark: `nx run-many -t test` over the crates against one `cargo test
# --workspace`, warm (target dir already built) and cold (after cargo clean).
# Usage: tools/bench/cargo-test.sh [repetitions]   (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
export NX_DAEMON=${NX_DAEMON:-false} NX_NO_CLOUD=true NX_TUI=false
echo "NX_DAEMON=$NX_DAEMON"

seconds() { # runs a command quietly, prints its wall time
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "benchmark command failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # label, prepare-command, command...
  local label=$1 prepare=$2; shift 2
  local times=()
  for _ in $(seq "$reps"); do
    eval "$prepare"
    times+=("$(seconds "$@")")
  done
  printf '| %s | %s | %s |\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s ' "${times[@]}")"
}

crates=tag:lang:rust
(cd rust && cargo test --workspace --no-run >/dev/null 2>&1)

echo "| scenario | median s | runs |"
echo "|---|---|---|"
measure "cargo test --workspace (warm)" ":" bash -c "cd rust && cargo test --workspace"
measure "nx run-many -t test, batched (warm)" ":" npx nx run-many -t test --projects=$crates --skip-nx-cache
measure "nx run-many -t test --batch=false (warm)" ":" npx nx run-many -t test --projects=$crates --skip-nx-cache --batch=false
npx nx run-many -t test --projects=$crates >/dev/null 2>&1
measure "nx run-many -t test, all cached" ":" npx nx run-many -t test --projects=$crates
measure "cargo test --workspace (cold)" "(cd rust && cargo clean)" bash -c "cd rust && cargo test --workspace"
measure "nx run-many -t test, batched (cold)" "(cd rust && cargo clean)" npx nx run-many -t test --projects=$crates --skip-nx-cache
measure "nx run-many -t test --batch=false (cold)" "(cd rust && cargo clean)" npx nx run-many -t test --projects=$crates --skip-nx-cache --batch=false
