#!/usr/bin/env bash
# Benchmark: publishing the crates into a fresh local registry (kellnr)
#  - with `nx run-many -t publish` (our targets: parallel over the DAG);
#  - the seed's process: one `cargo publish` at a time in a valid dependency
#    order, with its grace sleep after each (PUBLISH_GRACE_SLEEP=60 in the
#    seed; scaled down to $SEED_SLEEP seconds here and extrapolated to 60);
#  - the critical path of the measured per-crate publish times.
# Each scenario starts from an empty registry and rust/target/package removed,
# so cargo's verification builds run every time. Wall and CPU seconds (user +
# system of the command and what it waits for), the ratio issue 13 states its
# goal in (ours / critical path <= 1.3), and our run on a timeline.
# Usage: [NX_DAEMON=true] tools/bench/publish.sh   (prints Markdown; the daemon is
# off unless set, and started and given the graph before the measured run when on)
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=${NX_DAEMON:-false} NX_NO_CLOUD=true NX_TUI=false
echo "NX_DAEMON=$NX_DAEMON"
seed_sleep=${SEED_SLEEP:-2}
nx=node_modules/.bin/nx # not npx: its own ~0.6 s of CPU is no part of publishing
source "$(dirname "$0")/timing.sh"
bash tools/registries/install.sh >/dev/null

fresh_registry() {
  [ -n "${data:-}" ] && bash tools/registries/stop.sh "$data" >/dev/null 2>&1 || true
  data="$(mktemp -d)"
  CARGO_REGISTRIES_LOCAL_TOKEN="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  export CARGO_REGISTRIES_LOCAL_TOKEN
  bash tools/registries/start.sh "$data" crates >/dev/null
  # shellcheck source=/dev/null # written by start.sh at run time
  . "$data/registries.env"
  rm -rf rust/target/package
}
trap '[ -n "${data:-}" ] && bash tools/registries/stop.sh "$data" >/dev/null 2>&1; [ "$NX_DAEMON" = true ] && "$nx" daemon --stop >/dev/null 2>&1' EXIT
if [ "$NX_DAEMON" = true ]; then
  "$nx" daemon --start >/dev/null 2>&1
  "$nx" show projects >/dev/null 2>&1
fi
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ours
fresh_registry
export NX_POLYGLOT_PUBLISH_LOG="$data/publish.jsonl"
read -r ours ours_cpu < <(timed "$nx" run-many -t publish --projects=tag:lang:rust)
timeline=$(node tools/bench/critical-path.js "$NX_POLYGLOT_PUBLISH_LOG" rust/Cargo.toml --detail 2>&1 >/dev/null)
read -r critical sum span < <(node tools/bench/critical-path.js "$NX_POLYGLOT_PUBLISH_LOG" rust/Cargo.toml)

# the seed's process, in the order our plan's waves give (the seed's own list fails)
order=$("$nx" run-many -t publish --projects=tag:lang:rust --dry-run 2>/dev/null | sed -n 's/^ *wave [0-9]*: //p' | tr ',' '\n' | awk '{print $1}')
fresh_registry
count=0
start=$(now)
for crate in $order; do
  (cd rust && cargo publish -p "$crate" --registry local \
    --config 'source.crates-io.replace-with="stand-in"' --config "source.stand-in.registry=\"$CARGO_REGISTRIES_LOCAL_INDEX\"" >/dev/null 2>&1)
  sleep "$seed_sleep"
  count=$((count + 1))
done
seed=$(elapsed "$start")
seed60=$(awk -v t="$seed" -v n="$count" -v s="$seed_sleep" 'BEGIN { printf "%.1f", t - n * s + n * 60 }')

echo "| scenario | seconds |"
echo "|---|---|"
echo "| nx run-many -t publish ($count crates, parallel over the DAG) | $ours (CPU $ours_cpu) |"
echo "| its span in the publish log (first start to last visible) | $span |"
echo "| seed process, one cargo publish at a time + ${seed_sleep} s sleep | $seed |"
echo "| seed process extrapolated to its 60 s sleep | $seed60 |"
echo "| critical path of the measured per-crate publish times | $critical |"
echo "| sum of the measured per-crate publish times | $sum |"
echo
echo "nx run-many -t publish / critical path: $(ratio "$ours" "$critical") (goal <= 1.3); span / critical path: $(ratio "$span" "$critical")"
echo
echo "$timeline"
