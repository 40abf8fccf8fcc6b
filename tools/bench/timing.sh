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

# timed CMD...: runs CMD quietly, prints "WALL CPU" in seconds; CPU is user +
# system of CMD and every process it waits for (not a daemon it talks to).
timed() {
  local TIMEFORMAT='%R %U %S' report
  report=$( { time "$@" >/dev/null 2>&1 || echo "failed"; } 2>&1 )
  case $report in *failed*) echo "benchmark command failed: $*" >&2; exit 1 ;; esac
  awk 'NR == 1 { printf "%.2f %.2f\n", $1, $2 + $3 }' <<<"$report"
}

# measure_cpu KEY LABEL PREPARE CMD...: $reps runs of CMD, each after `eval
# PREPARE`; prints a row "| LABEL | median wall | median CPU | walls |" and
# sets WALL[KEY] and CPU[KEY] to the medians, for ratios.
declare -A WALL=() CPU=()
# shellcheck disable=SC2034 # WALL and CPU are read by the scripts that source this
measure_cpu() {
  local key=$1 label=$2 prepare=$3; shift 3
  local walls=() cpus=() w c
  for _ in $(seq "${reps:?set reps before measure_cpu}"); do
    eval "$prepare"
    read -r w c < <(timed "$@")
    walls+=("$w")
    cpus+=("$c")
  done
  w=$(printf '%s\n' "${walls[@]}" | median)
  c=$(printf '%s\n' "${cpus[@]}" | median)
  WALL[$key]=$w
  CPU[$key]=$c
  printf '| %s | %s | %s | %s |\n' "$label" "$w" "$c" "$(printf '%s ' "${walls[@]}")"
}

# ratio A B: A / B to two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
