#!/usr/bin/env bash
# Starts local package registries on 127.0.0.1 in the background, with all
# their state under <data-dir>, and writes <data-dir>/registries.env (URLs
# only). See README.md in this directory for the settings and the tokens.
#
#   tools/registries/start.sh <data-dir> [crates|pypi|npm ...]   (default: all)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"

[ $# -ge 1 ] || { echo "usage: $0 <data-dir> [crates|pypi|npm ...]" >&2; exit 2; }
data="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
[ $# -gt 0 ] || set -- crates pypi npm
registries=("$@")
for r in "${registries[@]}"; do registry_known "$r"; done
cache="${NX_POLYGLOT_CACHE:-$HOME/.cache/nx-polyglot}"
timeout="${REGISTRY_START_TIMEOUT:-60}"

# Checked before anything starts, so a missing token never leaves half the
# registries running.
if [[ " ${registries[*]} " == *" crates "* ]] && [ -z "${CARGO_REGISTRIES_LOCAL_TOKEN:-}" ]; then
  echo "start: CARGO_REGISTRIES_LOCAL_TOKEN is not set; kellnr's admin token is taken from it (cargo sends the same variable)" >&2
  exit 1
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

recorded_port() {
  sed -n "s|^export $(registry_url_var "$1")=.*://127\.0\.0\.1:\([0-9]*\)/.*|\1|p" "$data/registries.env" 2>/dev/null || true
}

# The port: given by the environment, else the one recorded by an earlier start
# on this data dir (clients keep working after a restart), else a free one.
port_for() {
  local given recorded
  given="$(registry_port_env "$1")"
  recorded="$(recorded_port "$1")"
  if [ -n "${!given:-}" ]; then echo "${!given}"
  elif [ -n "$recorded" ]; then echo "$recorded"
  else free_port
  fi
}

# Runs the registry in its own session (it outlives this script and the
# caller's terminal; stop.sh ends its whole process group) with the clients'
# tokens removed from its environment. Exports happen in a subshell, so secrets
# never appear on a command line.
launch() {
  local r="$1" port="$2"
  mkdir -p "$data/$r"
  (
    admin_token="${CARGO_REGISTRIES_LOCAL_TOKEN:-}"
    unset CARGO_REGISTRIES_LOCAL_TOKEN POETRY_PYPI_TOKEN_LOCAL NPM_TOKEN
    case "$r" in
      crates)
        # kellnr reads KELLNR_<SECTION>__<KEY>. The origin is what it writes into
        # config.json (the API and download URLs cargo uses), so it must be the
        # real address. The admin token and password are only used when the
        # database has no user yet, i.e. on the first start of this data dir.
        export KELLNR_REGISTRY__DATA_DIR="$data/crates" KELLNR_LOCAL__IP=127.0.0.1 KELLNR_LOCAL__PORT="$port"
        export KELLNR_ORIGIN__HOSTNAME=127.0.0.1 KELLNR_ORIGIN__PORT="$port" KELLNR_ORIGIN__PROTOCOL=http
        export KELLNR_SETUP__ADMIN_TOKEN="$admin_token"
        KELLNR_SETUP__ADMIN_PWD="$(head -c 24 /dev/urandom | base64)" # nobody needs the web UI
        export KELLNR_SETUP__ADMIN_PWD NO_COLOR=1 # plain log file
        exec setsid "$(registry_binary "$cache" crates)" start
        ;;
      pypi)
        # No authentication (-a . -P .): any upload is accepted. Without
        # --disable-fallback a missing project redirects to the public index,
        # which would make "is it published?" answer about the wrong registry.
        mkdir -p "$data/pypi/packages"
        exec setsid "$cache/pypiserver-venv/bin/pypi-server" run --host 127.0.0.1 --port "$port" \
          -a . -P . --disable-fallback --hash-algo sha256 --health-endpoint /health \
          "$data/pypi/packages"
        ;;
      npm)
        write_verdaccio_config "$data/npm/config.yaml"
        exec setsid "$cache/verdaccio/node_modules/.bin/verdaccio" --config "$data/npm/config.yaml" --listen "127.0.0.1:$port"
        ;;
    esac
  ) </dev/null >>"$data/$r.log" 2>&1 &
  echo $! >"$data/$r.pid"
}

# No uplinks: nothing is fetched from (or proxied to) the public registry.
# Anyone may read; publishing needs a token of a user, created through the
# adduser API (see README.md). Paths are relative to config.yaml.
write_verdaccio_config() {
  cat >"$1" <<'EOF'
storage: ./storage
auth:
  htpasswd:
    file: ./htpasswd
    max_users: 1000
packages:
  '**':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
middlewares:
  audit:
    enabled: false
web:
  enable: false
log: { type: stdout, format: pretty, level: warn }
EOF
}

wait_until_up() {
  local r="$1" port="$2" pid deadline=$((SECONDS + timeout))
  pid="$(cat "$data/$r.pid")"
  until curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port$(registry_health_path "$r")"; do
    if ! alive "$pid"; then
      echo "start: $r exited before answering; end of $data/$r.log:" >&2
      tail -n 30 "$data/$r.log" >&2
      rm -f "$data/$r.pid"
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "start: $r did not answer on port $port within ${timeout}s (REGISTRY_START_TIMEOUT); it is left running (pid $pid, stop.sh stops it); end of $data/$r.log:" >&2
      tail -n 30 "$data/$r.log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

# kellnr keeps the admin token of its first start; a different one now would
# only show later as 403s on publish. An empty publish with the token answers
# 400 when the token is known, 403 when not. The header goes through stdin, not
# argv. A kellnr started just now for nothing is stopped again.
check_kellnr_token() {
  local status
  status="$(printf 'Authorization: %s\n' "$CARGO_REGISTRIES_LOCAL_TOKEN" |
    curl -s -o /dev/null -w '%{http_code}' -H @- -X PUT --data-binary '' "http://127.0.0.1:$1/api/v1/crates/new")"
  if [ "$status" = 403 ]; then
    [ "$2" = started ] && "$here/stop.sh" "$data" crates
    echo "start: kellnr in $data/crates does not accept CARGO_REGISTRIES_LOCAL_TOKEN: its token is the one given when that data dir was first started; use it, or a new data dir" >&2
    exit 3 # the token mismatch, distinct from other failures (release-local.sh acts on it)
  fi
}

record_env() {
  local r="$1" port="$2" base="http://127.0.0.1:$2" lines
  case "$r" in
    crates) lines="export CARGO_REGISTRIES_LOCAL_INDEX=sparse+$base/api/v1/crates/" ;;
    pypi) lines="export POETRY_REPOSITORIES_LOCAL_URL=$base/"$'\n'"export LOCAL_PYPI_SIMPLE_URL=$base/simple/" ;;
    npm)
      lines="export NPM_CONFIG_REGISTRY=$base/"
      # for NPM_CONFIG_USERCONFIG: the literal placeholder, npm reads the token from NPM_TOKEN
      echo "//127.0.0.1:$port/:_authToken=\${NPM_TOKEN}" >"$data/npmrc"
      ;;
  esac
  { grep -v -E "^export ($(registry_env_vars "$r"))=" "$data/registries.env" 2>/dev/null || true; echo "$lines"; } >"$data/registries.env.tmp"
  mv "$data/registries.env.tmp" "$data/registries.env"
}

for r in "${registries[@]}"; do
  [ -x "$(registry_binary "$cache" "$r")" ] || { echo "start: $r is not installed in $cache; run $here/install.sh" >&2; exit 1; }
  if registry_running "$data" "$r"; then
    port="$(recorded_port "$r")"
    echo "start: $r already running (pid $(cat "$data/$r.pid")) on port $port" >&2
    [ "$r" != crates ] || check_kellnr_token "$port" running
  else
    port="$(port_for "$r")"
    listening "$port" && { echo "start: port $port for $r is already in use by another process" >&2; exit 1; }
    started=$(date +%s%3N)
    launch "$r" "$port"
    wait_until_up "$r" "$port"
    echo "start: $r up on http://127.0.0.1:$port/ in $(($(date +%s%3N) - started)) ms (pid $(cat "$data/$r.pid"), log $data/$r.log)" >&2
    [ "$r" != crates ] || check_kellnr_token "$port" started
  fi
  record_env "$r" "$port"
done
