#!/usr/bin/env bash
# Stops registries started by start.sh on <data-dir>, by their recorded PIDs;
# their data stays. Safe to run when they are already stopped.
#
#   tools/registries/stop.sh <data-dir> [crates|pypi|npm ...]   (default: all)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"

[ $# -ge 1 ] || { echo "usage: $0 <data-dir> [crates|pypi|npm ...]" >&2; exit 2; }
data="$1"
shift
[ $# -gt 0 ] || set -- crates pypi npm
for r in "$@"; do registry_known "$r"; done
timeout="${REGISTRY_STOP_TIMEOUT:-15}"

for r in "$@"; do
  if registry_running "$data" "$r"; then
    pid="$(cat "$data/$r.pid")"
    # start.sh made each registry the leader of its own process group: signal
    # the group so helpers it may have spawned go too.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + timeout))
    while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if alive "$pid"; then
      echo "stop: $r (pid $pid) ignored TERM for ${timeout}s; killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 5))
      while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    fi
  fi
  rm -f "$data/$r.pid"
done
