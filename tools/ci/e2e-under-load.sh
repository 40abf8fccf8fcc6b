#!/usr/bin/env bash
# Runs the plugin's end-to-end suite with every core busy: one `yes > /dev/null`
# per core (E2E_LOAD_HOGS to choose how many), so a test that only passes on
# an idle machine (a tight timeout, a race decided by speed) fails here first.
# The hogs are stopped however the suite ends (success, failure, Ctrl-C), and
# the script exits with the suite's status.
#
#   tools/ci/e2e-under-load.sh                      the whole e2e suite
#   tools/ci/e2e-under-load.sh e2e/publish-kill.spec.ts ...   some spec files
set -euo pipefail
cd "$(dirname "$0")/../.."

hogs="${E2E_LOAD_HOGS:-$(nproc)}"
pids=()
suite=""
stop_hogs() {
  # only the hogs this script started, by their pids
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
# the suite runs in the background and is waited for, so a signal reaches
# these traps at once (bash defers traps while a foreground child runs)
# shellcheck disable=SC2329 # invoked from the traps below
stop_suite() { [ -z "$suite" ] || kill -TERM "$suite" 2>/dev/null || true; }
trap stop_hogs EXIT
trap 'stop_suite; exit 130' INT
trap 'stop_suite; exit 143' TERM

for _ in $(seq "$hogs"); do
  yes >/dev/null &
  pids+=("$!")
done
echo "e2e-under-load: $hogs CPU hog(s) running (pids ${pids[*]})" >&2

started=$SECONDS
status=0
if [ $# -gt 0 ]; then
  (cd plugins/nx-polyglot && exec npx vitest run --config vitest.config.mts "$@") &
else
  npm run e2e -w nx-polyglot &
fi
suite=$!
wait "$suite" || status=$?
suite=""
stop_hogs
echo "e2e-under-load: the suite exited $status after $((SECONDS - started)) s with $hogs hog(s)" >&2
exit "$status"
