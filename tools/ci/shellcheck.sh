#!/usr/bin/env bash
# Every shell script of the repository, checked by ShellCheck, following what
# each one sources. ShellCheck comes from the PyPI wheel that tools/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t scripts < <(git ls-files -- 'tools/**.sh' 'tools/*.sh' '.ci/run'; git ls-files --others --exclude-standard -- 'tools/**.sh' 'tools/*.sh')
shellcheck -x -P SCRIPTDIR "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts clean"
