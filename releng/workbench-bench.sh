#!/usr/bin/env bash
# ./cacheshadow bench workbench [--runs N]: the workbench opening the bundled sample case as an examiner starts it
# (`./cacheshadow sample`: the window, the case, its analysis), a whole process from the launcher's start to the
# analysis on screen, median of N (default 5) after one untimed start (the configuration area, the page cache, the
# workbench's start-up cache build/workbench.aot after a build; CACHESHADOW_AOT=0 benches without it).
# Goal: <= 5 s. Without DISPLAY it runs itself under xvfb-run. The workbench says when its window is shown and when
# the start-up analysis is (CACHESHADOW_STARTUP_REPORT) and closes once the journal is opened after it
# (CACHESHADOW_STARTUP_EXIT).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    *) echo "usage: ./cacheshadow bench workbench [--runs N]" >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench workbench: --runs must be a positive number" >&2; exit 2; }
if [ -z "${DISPLAY:-}" ]; then
  command -v xvfb-run >/dev/null || { echo "bench workbench: no DISPLAY and no xvfb-run (apt-get install xvfb)" >&2; exit 2; }
  exec xvfb-run -a -s '-screen 0 1600x1000x24' "$0" --runs "$runs"
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
now_ms() { date +%s%3N; }

# one start of the workbench: prints "whole-ms window-ms analysis-ms paths" (window and analysis: since the JVM's start)
start() {
  local report="$work/report" t0 pid line
  rm -f "$report"
  t0=$(now_ms)
  CACHESHADOW_BUILT=1 CACHESHADOW_STARTUP_REPORT="$report" CACHESHADOW_STARTUP_EXIT=1 "$ROOT/cacheshadow" sample > "$work/out" 2>&1 &
  pid=$!
  while ! grep -q 'analysis-' "$report" 2>/dev/null; do
    if ! kill -0 $pid 2>/dev/null || [ $(( $(now_ms) - t0 )) -gt 180000 ]; then
      kill $pid 2>/dev/null || true
      echo "bench workbench: the workbench showed no analysis (log below)" >&2; cat "$work/out" >&2; exit 1
    fi
    sleep 0.02
  done
  local t1; t1=$(now_ms)
  line=$(grep 'analysis-' "$report")
  case "$line" in *analysis-shown*) ;; *) echo "bench workbench: $line" >&2; kill $pid 2>/dev/null || true; exit 1 ;; esac
  wait $pid || true
  # whole, window, analysis, paths, CPU ms at the analysis
  echo "$(( t1 - t0 )) $(awk '/window-shown/ { print $1 }' "$report") $(awk '/analysis-shown/ { print $1, $3, $6 }' "$report")"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

"$ROOT/cacheshadow" --help > /dev/null   # the product built before anything is timed
start > /dev/null
echo "bench workbench: ./cacheshadow sample, launcher start to the start-up analysis on screen, $runs runs (load $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq "$runs"); do
  r=$(start)
  echo "$r" >> "$work/runs"
  set -- $r
  printf '  run %d: analysis shown %.2f s after the launcher started (JVM start to window %.2f s, to analysis %.2f s; %s merged paths; the JVM'"'"'s CPU time by then %.2f s)\n' \
    "$i" "$(echo "$1 / 1000" | bc -l)" "$(echo "$2 / 1000" | bc -l)" "$(echo "$3 / 1000" | bc -l)" "$4" "$(echo "$5 / 1000" | bc -l)"
done
m=$(cut -d' ' -f1 "$work/runs" | median)
printf '  median %.2f s (min %.2f, max %.2f); goal <= 5 s: %s\n' "$(echo "$m / 1000" | bc -l)" \
  "$(cut -d' ' -f1 "$work/runs" | sort -n | head -1 | awk '{ print $1 / 1000 }')" \
  "$(cut -d' ' -f1 "$work/runs" | sort -n | tail -1 | awk '{ print $1 / 1000 }')" \
  "$(awk -v m="$m" 'BEGIN { print (m <= 5000) ? "met" : "NOT met" }')"
