#!/usr/bin/env bash
# Benchmark: `nx run-many -t test` over the crates against one `cargo test
# --workspace`, warm (target dir already built) and cold (after cargo clean),
# with the Nx daemon off and on. Wall and CPU seconds (CPU: user + system of
# the command and the processes it waits for; the daemon's own CPU is not in
# it), then the ratios issue 13 states its goals in (nx / cargo, warm: <= 1.5
# without the daemon, <= 1.2 with it).
# Nx is started as node_modules/.bin/nx, not through npx: npx alone costs
# ~0.6 s of CPU, which is neither Nx's nor the plugin's.
# Usage: tools/bench/cargo-test.sh [repetitions] [--no-cold]   (prints Markdown)
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
cold=true
[ "${2:-}" = "--no-cold" ] && cold=false
export NX_NO_CLOUD=true NX_TUI=false
nx=node_modules/.bin/nx
crates=tag:lang:rust

source "$(dirname "$0")/timing.sh"

(cd rust && cargo test --workspace --no-run >/dev/null 2>&1)
trap 'NX_DAEMON=true $nx daemon --stop >/dev/null 2>&1 || true' EXIT

echo "| scenario | median wall s | median CPU s | wall of each run |"
echo "|---|---|---|---|"
measure_cpu cargo "cargo test --workspace (warm)" ":" bash -c "cd rust && cargo test --workspace"
for daemon in false true; do
  export NX_DAEMON=$daemon
  if [ "$daemon" = true ]; then
    $nx daemon --start >/dev/null 2>&1
    $nx show projects >/dev/null 2>&1 # the daemon has the graph before the first measured run
  fi
  measure_cpu "batched_$daemon" "nx run-many -t test, batched, daemon $daemon (warm)" ":" \
    $nx run-many -t test --projects=$crates --skip-nx-cache
  measure_cpu "unbatched_$daemon" "nx run-many -t test --batch=false, daemon $daemon (warm)" ":" \
    $nx run-many -t test --projects=$crates --skip-nx-cache --batch=false
  $nx run-many -t test --projects=$crates >/dev/null 2>&1
  measure_cpu "cached_$daemon" "nx run-many -t test, all cached, daemon $daemon" ":" $nx run-many -t test --projects=$crates
done
export NX_DAEMON=false
$nx daemon --stop >/dev/null 2>&1 || true
if [ "$cold" = true ]; then
  clean="(cd rust && cargo clean) >/dev/null 2>&1"
  measure_cpu cargo_cold "cargo test --workspace (cold)" "$clean" bash -c "cd rust && cargo test --workspace"
  measure_cpu batched_cold "nx run-many -t test, batched, daemon false (cold)" "$clean" \
    $nx run-many -t test --projects=$crates --skip-nx-cache
fi

echo
echo "| ratio to cargo test --workspace (warm) | wall | CPU | goal (wall) |"
echo "|---|---|---|---|"
echo "| batched, daemon off | $(ratio "${WALL[batched_false]}" "${WALL[cargo]}") | $(ratio "${CPU[batched_false]}" "${CPU[cargo]}") | <= 1.5 |"
echo "| batched, daemon on | $(ratio "${WALL[batched_true]}" "${WALL[cargo]}") | $(ratio "${CPU[batched_true]}" "${CPU[cargo]}") | <= 1.2 |"
echo "| --batch=false, daemon off | $(ratio "${WALL[unbatched_false]}" "${WALL[cargo]}") | $(ratio "${CPU[unbatched_false]}" "${CPU[cargo]}") | |"
echo "| --batch=false, daemon on | $(ratio "${WALL[unbatched_true]}" "${WALL[cargo]}") | $(ratio "${CPU[unbatched_true]}" "${CPU[cargo]}") | |"
