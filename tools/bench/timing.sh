# shellcheck shell=bash
# Shared by the benchmarks: wall-clock timing of whole commands, as a Markdown row.

# seconds CMD...: runs CMD quietly, prints its wall time in seconds
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "benchmark command failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# measure LABEL PREPARE CMD...: $reps runs of CMD, each after `eval PREPARE`
# \$reps: how many runs each row takes, set by the script that sources this
measure() {
  local label=$1 prepare=$2; shift 2
  local times=()
  for _ in $(seq "${reps:?set reps before measure}"); do
    eval "$prepare"
    times+=("$(seconds "$@")")
  done
  printf '| %s | %s | %s |\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s ' "${times[@]}")"
}
