# shellcheck shell=bash
# Shared by start.sh and stop.sh: what each registry is called, where it lives
# and how to recognise its process.

# the one place the kellnr version is named (install.sh builds it, start.sh runs it)
KELLNR_VERSION=6.6.0

registry_known() {
  case "$1" in crates | pypi | npm) ;; *) echo "unknown registry '$1' (crates, pypi or npm)" >&2; exit 2 ;; esac
}

registry_port_env() {
  case "$1" in crates) echo REGISTRY_CRATES_PORT ;; pypi) echo REGISTRY_PYPI_PORT ;; npm) echo REGISTRY_NPM_PORT ;; esac
}

# the registries.env variable the port is read back from on a restart
registry_url_var() {
  case "$1" in crates) echo CARGO_REGISTRIES_LOCAL_INDEX ;; pypi) echo POETRY_REPOSITORIES_LOCAL_URL ;; npm) echo NPM_CONFIG_REGISTRY ;; esac
}

registry_env_vars() {
  case "$1" in crates) echo CARGO_REGISTRIES_LOCAL_INDEX ;; pypi) echo 'POETRY_REPOSITORIES_LOCAL_URL|LOCAL_PYPI_SIMPLE_URL' ;; npm) echo NPM_CONFIG_REGISTRY ;; esac
}

registry_health_path() {
  case "$1" in crates) echo /api/v1/health ;; pypi) echo /health ;; npm) echo /-/ping ;; esac
}

registry_binary() {
  case "$2" in
    crates) echo "$1/kellnr-$KELLNR_VERSION/bin/kellnr" ;;
    pypi) echo "$1/pypiserver-venv/bin/pypi-server" ;;
    npm) echo "$1/verdaccio/node_modules/.bin/verdaccio" ;;
  esac
}

# True when the recorded PID is alive and is this registry (not a process that
# reused the PID after a reboot), so stop.sh never signals a stranger.
registry_running() {
  local pid cmdline
  pid="$(cat "$1/$2.pid" 2>/dev/null)" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  case "$2" in
    crates) [[ "$cmdline" == *kellnr*start* ]] ;;
    pypi) [[ "$cmdline" == *pypi-server*run* ]] ;;
    npm) [[ "$cmdline" == *verdaccio* ]] ;;
  esac
}

# A zombie (exited, not yet reaped by whoever adopted it) counts as stopped,
# but only once its last thread is gone: a main thread shows as a zombie while
# the others are still exiting and holding the listening socket.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ] || [ "$(find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" -gt 1 ]
}
