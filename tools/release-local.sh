#!/usr/bin/env bash
# The main job: a full release of this monorepo into local registries on this
# machine (kellnr, pypiserver and verdaccio on 127.0.0.1): install what is
# missing (the registries in the background), run the CI checks, start the
# registries, publish every crate, the Python package and the plugin through
# `nx run-many -t publish`, print a summary, stop the registries. A second run finds everything published and
# uploads nothing.
#
# The registries keep their data in ${NX_POLYGLOT_REGISTRIES:-.registries}.
# Tokens come from the environment. When CARGO_REGISTRIES_LOCAL_TOKEN is not
# set, the embedded kellnr's token is derived from this machine's id and the
# data directory: stable across runs (kellnr keeps the token its data dir was
# created with), stored nowhere by us, and only good for a registry that
# listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

# The registries' first install builds kellnr from source, minutes of CPU: it
# runs in the background, in a process group of its own (so it can be stopped
# whole), while setup and the CI checks run, which need no registry.
# Publishing waits for it.
install_log="$(mktemp)"
setsid --wait bash tools/registries/install.sh >"$install_log" 2>&1 &
install_pid=$!
registries_started=false
cleanup() {
  [ -z "$install_pid" ] || kill -TERM -- "-$install_pid" 2>/dev/null || true
  rm -f "$install_log"
  [ "$registries_started" = false ] || bash tools/registries/stop.sh "$data"
}
trap cleanup EXIT

bash tools/setup.sh
npx nx run micromegas-monorepo:version-check
npx nx run-many -t test lint format

if [ -n "$(cat "$install_log")" ]; then echo "release-local: waiting for the registries' install (log: $install_log)"; fi
install_status=0
wait "$install_pid" || install_status=$?
install_pid=""
if [ "$install_status" != 0 ]; then
  cat "$install_log" >&2
  echo "release-local: installing the registries failed (exit $install_status, output above)" >&2
  exit "$install_status"
fi

data="${NX_POLYGLOT_REGISTRIES:-$PWD/.registries}"
random_token() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
machine_id="$(cat /etc/machine-id 2>/dev/null || hostname)"
derived_token="$(printf 'nx-polyglot local registry\n%s\n%s\n' "$machine_id" "$data" | sha256sum | cut -c1-40)"
derived=false
[ -n "${CARGO_REGISTRIES_LOCAL_TOKEN:-}" ] || derived=true
export CARGO_REGISTRIES_LOCAL_TOKEN="${CARGO_REGISTRIES_LOCAL_TOKEN:-$derived_token}"
unset derived_token machine_id

start_status=0
bash tools/registries/start.sh "$data" || start_status=$?
if [ "$start_status" = 3 ] && [ "$derived" = true ]; then
  # kellnr was first started there with a token derived on another machine (or
  # by an earlier setup): the data only holds an earlier rehearsal, start afresh
  echo "release-local: $data was set up with another token (another machine, or an earlier setup); its registries hold only an earlier rehearsal, so they start afresh."
  bash tools/registries/stop.sh "$data"
  rm -rf "$data"
  bash tools/registries/start.sh "$data"
elif [ "$start_status" != 0 ]; then
  exit "$start_status"
fi
registries_started=true
# shellcheck source=/dev/null # written by start.sh at run time
. "$data/registries.env"

# npm publishing needs a verdaccio user: one per run, created through its
# adduser API, unless NPM_TOKEN is given
if [ -z "${NPM_TOKEN:-}" ]; then
  user="release-$(random_token | head -c 8)"
  # shellcheck disable=SC2016 # JavaScript, not shell: its ${...} are template literals
  NPM_TOKEN="$(node -e '
    const [registry, user, password] = process.argv.slice(1);
    fetch(`${registry}-/user/org.couchdb.user:${user}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: user, password }),
    }).then(async (r) => {
      const body = await r.json();
      if (!body.token) { console.error(`verdaccio refused to create ${user}: ${r.status}`); process.exit(1); }
      process.stdout.write(body.token);
    });' "$NPM_CONFIG_REGISTRY" "$user" "$(random_token)")"
  export NPM_TOKEN
fi

NX_POLYGLOT_PUBLISH_LOG="$data/publish-$(date +%Y%m%d-%H%M%S).jsonl"
export NX_POLYGLOT_PUBLISH_LOG
npx nx run-many -t publish
npx --no-install nx-polyglot-publish-summary "$NX_POLYGLOT_PUBLISH_LOG"
