#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers of untrusted bytes with Jazzer (libFuzzer for the JVM).
# Targets: every cacheshadow.fuzz.*Fuzzer class in bundles/cacheshadow.fuzz/src (plain Java, compiled here with javac
# against the core bundles' sources, outside OSGi, like releng/devtest.sh). Seeds: bundles/cacheshadow.fuzz/seeds/<Class>/;
# inputs that once failed: bundles/cacheshadow.fuzz/regressions/<Class>/ (replayed on every run).
#   releng/fuzz.sh --ci                                  every target briefly from seeds + regressions; exit 1 on a finding
#   releng/fuzz.sh --long [--runs N] [--target NAME]     N executions per target (default 1,000,000); build/fuzz/report.tsv
#   releng/fuzz.sh --target NAME [--seconds S]           one target for S seconds (default 60)
# Options for any mode: --jobs J (targets run side by side; --ci default 2, else 1), --timeout S (per input, default 10),
# --xmx SIZE (heap, default 1g), --rss MB (libFuzzer RSS limit, default 4096), --list (print the targets),
# --make-seeds (write the seeds of the targets over a sample snapshot: the real bytes of the structures they fuzz; and of
# the disk-side targets: DiskSideSeeds, from the samples' disk.img, writes.log and vmlinuz and the ext4 bases).
# A finding (uncaught exception, per-input timeout, out of memory, stack overflow) leaves its input and a Java reproducer
# in build/fuzz/findings/<Class>/; copy the input to regressions/<Class>/ with the fix.
# The whole script is one block, read before it runs: editing this file never changes a run under way.
{
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/releng/jdk.sh"
FUZZ="$ROOT/bundles/cacheshadow.fuzz"
OUT="$ROOT/build/fuzz"
JAZZER_VERSION=0.24.0

mode="" runs=1000000 seconds=60 only="" jobs="" timeout=10 xmx=1g rss=4096 ci_seconds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) mode=ci ;;
    --long) mode=long ;;
    --list) mode=list ;;
    --make-seeds) mode=seeds ;;
    --runs) runs="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --target) only="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --timeout) timeout="$2"; shift ;;
    --xmx) xmx="$2"; shift ;;
    --rss) rss="$2"; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$mode" ]; then
  [ -n "$only" ] || { echo "fuzz.sh: give --ci, --long or --target NAME (--help)" >&2; exit 2; }
  mode=one
fi
[ -n "$jobs" ] || { [ "$mode" = ci ] && jobs=2 || jobs=1; }
# A niced run (nice -n 19 releng/fuzz.sh --long ...) is meant to take only idle CPU. With the kernel's autogroups
# (sched_autogroup_enabled, Debian's default) CPU is first shared between sessions, and nice only ranks processes
# inside one: a niced fuzzer started with setsid took a full session's share against a build or a bench. Lower this
# session's group to the same nice (it holds the fuzzer alone when started with setsid, as the README shows).
if [ "$(nice)" -gt 0 ] && [ -w /proc/self/autogroup ]; then echo "$(nice)" > /proc/self/autogroup 2>/dev/null || true; fi

# --- what the targets need: Jazzer (its jar carries the native libFuzzer driver), JUnit (the shared test support
# asserts with it), H2, JNA, XZ for Java and zstd-jni (bundles compiled alongside); fetched into ~/.m2 through the system mvn.
M2="$HOME/.m2/repository"
need_artifact() { # group:artifact:version -> path of the jar
  local g="${1%%:*}" rest="${1#*:}"; local a="${rest%%:*}" v="${rest#*:}"
  local jar="$M2/${g//.//}/$a/$v/$a-$v.jar"
  if [ ! -f "$jar" ]; then
    command -v mvn >/dev/null || { echo "fuzz.sh: no 'mvn' to fetch $1 (apt-get install maven)" >&2; exit 2; }
    mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get -Dtransitive=false -Dartifact="$1" >&2
  fi
  echo "$jar"
}
JAZZER="$(need_artifact com.code-intelligence:jazzer:$JAZZER_VERSION)"
JAZZER_API="$(need_artifact com.code-intelligence:jazzer-api:$JAZZER_VERSION)"
JUNIT="$ROOT/releng/tools/junit-platform-console-standalone-1.14.4.jar"
[ -f "$JUNIT" ] || "$ROOT/releng/bootstrap-maven.sh" >/dev/null
LIBS="$JAZZER_API:$JUNIT:$(need_artifact com.h2database:h2:2.5.252):$(need_artifact net.java.dev.jna:jna:5.19.1)"
# the kernel bundle's decompressors (bzImage payloads), as in the target platform
LIBS="$LIBS:$(need_artifact org.tukaani:xz:1.12):$(need_artifact com.github.luben:zstd-jni:1.5.7-9)"
# the layers bundle's LZO and Snappy (compressed kdump pages), as in the target platform
LIBS="$LIBS:$(need_artifact io.airlift:aircompressor:2.0.3)"
# the merge bundle's export tar: Commons Compress with the Commons IO and Lang it needs
LIBS="$LIBS:$(need_artifact org.apache.commons:commons-compress:1.28.0):$(need_artifact commons-io:commons-io:2.20.0):$(need_artifact org.apache.commons:commons-lang3:3.18.0)"
SAMPLES="$("$ROOT/releng/samples.sh")"

# --- compile the core bundles, the shared test support and the targets, into a directory named for the sources'
# state: runs side by side (two shells, CI) never compile over classes another run is loading from.
BUNDLES=(layers listing kernel caches pagecache ext4 journal merge cases fuse testing fuzz)
srcdirs=(); for b in "${BUNDLES[@]}"; do [ -d "$ROOT/bundles/cacheshadow.$b/src" ] && srcdirs+=("$ROOT/bundles/cacheshadow.$b/src"); done
mkdir -p "$OUT/classes"
state=$( { find "${srcdirs[@]}" -type f -printf '%p %T@ %s\n' | sort; echo "$LIBS"; } | sha1sum | cut -c1-16)
CLASSES="$OUT/classes/$state"
if [ ! -d "$CLASSES" ]; then
  tmp="$CLASSES.tmp.$$"; rm -rf "$tmp"; mkdir -p "$tmp"
  # classes that need the Eclipse runtime are left to the Tycho build (as in devtest.sh)
  find "${srcdirs[@]}" -name '*.java' -exec grep -L '^import org\.eclipse\.' {} + > "$tmp.sources" || true
  if ! "$JAVA_HOME/bin/javac" -nowarn --release 21 -encoding UTF-8 -cp "$LIBS" -d "$tmp" @"$tmp.sources"; then
    rm -rf "$tmp" "$tmp.sources"; echo "fuzz.sh: compiling the bundles and targets failed" >&2; exit 2
  fi
  for d in "${srcdirs[@]}"; do (cd "$d" && find . -type f ! -name '*.java' -exec cp --parents {} "$tmp/" \;); done
  mv -T "$tmp" "$CLASSES" 2>/dev/null || rm -rf "$tmp"
  rm -f "$tmp.sources"
  # classes of older source states, unless a run may still be loading from them (kept a day)
  find "$OUT/classes" -mindepth 1 -maxdepth 1 ! -name "$state" -mmin +1440 -exec rm -rf {} +
fi

targets=()
while IFS= read -r f; do
  c="${f#"$FUZZ/src/"}"; c="${c%.java}"; c="${c//\//.}"
  [ -n "$only" ] && [ "$only" != "${c##*.}" ] && [ "$only" != "$c" ] && continue
  targets+=("$c")
done < <(find "$FUZZ/src" -name '*Fuzzer.java' 2>/dev/null | sort)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no target${only:+ named $only} in $FUZZ/src" >&2; exit 2; }
if [ "$mode" = list ]; then printf '%s\n' "${targets[@]##*.}"; exit 0; fi
if [ "$mode" = seeds ]; then
  "$JAVA_HOME/bin/java" -Xmx"$xmx" -Dcacheshadow.samples="$SAMPLES" -Dcacheshadow.fuzz.seeds="$FUZZ/seeds" \
    -cp "$CLASSES:$LIBS" cacheshadow.fuzz.SnapshotSeeds "$FUZZ/seeds"
  exec "$JAVA_HOME/bin/java" -Xmx"$xmx" -Dcacheshadow.samples="$SAMPLES" -cp "$CLASSES:$LIBS" cacheshadow.fuzz.DiskSideSeeds "$FUZZ/seeds"
fi

# --- Jazzer on a target class (then its options and inputs), killed after LIMIT seconds (a guard against a hang outside
# an input); the targets' input files go to the folder TMP. Its output goes to stdout.
# Only product code is instrumented: the harnesses and the test support (cacheshadow.fuzz, .testing) are glue whose
# coverage guides nothing, and their counters cost a quarter of the ext4 targets' executions. Jazzer's hooks (its
# bug detectors, value tracing) go into our classes' calls, not into the libraries' own (H2's).
# The SQL-injection detector parses every statement run (most of CaseFilesFuzzer's time); ConstantSqlTest proves all
# SQL of the product (the case database, the journal catalogue) is written in its source: it has nothing to find.
jazzer() { # LIMIT CLASS TMP options... inputs...
  local limit="$1" cls="$2" tmp="$3"; shift 3
  timeout --kill-after=30 "$limit" "$JAVA_HOME/bin/java" -Xmx"$xmx" -Xss4m -XX:-OmitStackTraceInFastThrow -Dcacheshadow.samples="$SAMPLES" -Dcacheshadow.fuzz.seeds="$FUZZ/seeds" -Dcacheshadow.fuzz.tmp="$tmp" \
    -cp "$JAZZER:$JAZZER_API:$CLASSES:$LIBS" com.code_intelligence.jazzer.Jazzer \
    --target_class="$cls" --instrumentation_includes='cacheshadow.**:org.tukaani.**' \
    --instrumentation_excludes='cacheshadow.fuzz.**:cacheshadow.testing.**' --custom_hook_includes='cacheshadow.**:org.tukaani.**' \
    --disabled_hooks=com.code_intelligence.jazzer.sanitizers.SqlInjection -timeout="$timeout" "$@"
}

# --- one target: run Jazzer, then write one report row (TSV) to $ROWS/<Class>
run_target() { # class, then libFuzzer limits (-runs=N / -max_total_time=S)
  local cls="$1"; shift
  local name="${cls##*.}"
  local work="$OUT/corpus/$name" findings="$OUT/findings/$name" log="$OUT/logs/$name.log"
  # a CI run beside a long one must not write over the long run's log (its figures and findings are read from it)
  [ "$mode" = ci ] && work="$OUT/ci-corpus/$name" && log="$OUT/ci-logs/$name.log" && rm -rf "$work"
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  local dirs=("$work")
  for d in "$FUZZ/seeds/$name" "$FUZZ/regressions/$name"; do [ -d "$d" ] && dirs+=("$d"); done
  local keep=(); [ "$mode" = long ] && keep=(--keep_going=20)
  # the input files and what the targets write beside them, removed after the run (on /dev/shm when there is one)
  local tmp; tmp=$(mktemp -d /dev/shm/cacheshadow-fuzz-run.XXXXXX 2>/dev/null || mktemp -d)
  local t0 rc=0; t0=$(date +%s%N)
  # new inputs go to the first directory (the work corpus); seeds and regressions are only read.
  # The outer timeout is a guard against a hang outside an input (static initialisation, the driver itself).
  jazzer "${OUTER_TIMEOUT:-100000}" "$cls" "$tmp" --reproducer_path="$findings" "${keep[@]}" \
      -artifact_prefix="$findings/" -rss_limit_mb="$rss" -print_final_stats=1 "$@" "${dirs[@]}" > "$log" 2>&1 || rc=$?
  local wall_ms=$((($(date +%s%N) - t0) / 1000000))
  # figures from libFuzzer's last status line (#N ... cov: C ft: F corp: K/...) and final stats
  local last execs rate cov ft corp nfind status
  last=$(grep -aE '^#[0-9]+[[:space:]]' "$log" | tail -1 || true)
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(echo "$last" | sed -nE 's/^#([0-9]+).*/\1/p')
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
  cov=$(echo "$last" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
  ft=$(echo "$last" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')
  corp=$(echo "$last" | sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p')
  nfind=$(grep -acE '^artifact_prefix=.*Test unit written to' "$log" || true)
  # libFuzzer's per-input timeout is wall-clock time: a niced run starved of CPU by a build can pass it on an input
  # that costs a fraction of it. Each timeout input is run again here, alone under the same instrumentation and bound;
  # when none of the findings is anything else and none of them times out again, the row says so.
  local retimed=0 again=""
  while IFS= read -r unit; do
    local t1 rrc=0 ms; t1=$(date +%s%N)
    jazzer $((timeout * 3 + 120)) "$cls" "$tmp" --reproducer_path="$tmp" -artifact_prefix="$tmp/" -runs=1 "$unit" > "$log.again" 2>&1 || rrc=$?
    ms=$(sed -nE 's/^Executed .* in ([0-9]+) ms$/\1 ms/p' "$log.again" | tail -1)
    [ -n "$ms" ] || ms="$((($(date +%s%N) - t1) / 1000000)) ms with the JVM's start"
    if [ "$rrc" = 0 ]; then retimed=$((retimed + 1)); again+="fuzz.sh: $unit: no timeout when run again alone ($ms)"$'\n'
    else again+="fuzz.sh: $unit: times out again when run alone (rc=$rrc)"$'\n'; fi
  done < <(sed -nE 's/^artifact_prefix=.*Test unit written to (.*\/timeout-[0-9a-f]+)$/\1/p' "$log")
  rm -rf "$tmp" "$log.again"
  # a long run goes on past findings (--keep_going) and may still exit 0
  if [ "$nfind" -gt 0 ] && [ "$retimed" = "$nfind" ]; then status=TIMEOUT-NOT-REPRODUCED
  elif [ "$nfind" -gt 0 ]; then status=FINDING
  elif [ "$rc" = 0 ]; then status=ok
  elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then status=HANG-OUTSIDE-INPUT
  else status="FAILED(rc=$rc)"; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d.%d\t%s\t%s\n' "$name" "${execs:-0}" \
    "${rate:--}" "${cov:--}" "${ft:--}" "${corp:--}" "$nfind" $((wall_ms / 1000)) $((wall_ms % 1000 / 100)) "$status" "$(date -u +%Y-%m-%dT%H:%MZ)" > "$ROWS/$name"
  rm -f "$ROWS/$name.detail"
  if [ "$status" != ok ]; then
    { echo "fuzz.sh: $name: $status — log $log"
      grep -aE '^== Java Exception|^==[0-9]+== ERROR|Test unit written|^[[:space:]]+at cacheshadow\.' "$log" | head -30 || true
      printf '%s' "$again"
      [ "$nfind" -gt 0 ] || tail -5 "$log"; } > "$ROWS/$name.detail"
  fi
}

ROWS="$OUT/rows.$$"; rm -rf "$ROWS"; mkdir -p "$ROWS"; trap 'rm -rf "$ROWS"' EXIT
case "$mode" in
  ci) limits=(-max_total_time="$ci_seconds"); OUTER_TIMEOUT=$((ci_seconds * 10 + 120)) ;;
  long) limits=(-runs="$runs") ;;
  one) limits=(-max_total_time="$seconds"); OUTER_TIMEOUT=$((seconds * 3 + 300)) ;;
esac
export OUTER_TIMEOUT
running=0
for c in "${targets[@]}"; do
  if [ "$jobs" -le 1 ]; then run_target "$c" "${limits[@]}"
  else
    run_target "$c" "${limits[@]}" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
  fi
done
wait

header=$'target\texecutions\texec_per_s\tcoverage_edges\tfeatures\tcorpus\tfindings\twall_s\tstatus\tfinished'
report="$OUT/report${mode/long/}.tsv"; [ "$mode" = long ] && report="$OUT/report.tsv"
[ "$mode" = ci ] && report="$OUT/report-ci.tsv"; [ "$mode" = one ] && report="$OUT/report-one.tsv"
if [ "$mode" = long ]; then
  # the long report keeps the rows of targets not run this time (runs of one target at a time add up to it)
  exec 9>"$OUT/report.lock"; flock 9
  { echo "$header"
    { [ -f "$report" ] && tail -n +2 "$report" | awk -F'\t' -v run="${targets[*]##*.}" 'BEGIN { split(run, r, " "); for (i in r) skip[r[i]] = 1 } !($1 in skip)' || true
      for c in "${targets[@]}"; do cat "$ROWS/${c##*.}"; done; } | sort; } > "$report.new"
  mv "$report.new" "$report"
  exec 9>&-
else
  { echo "$header"; for c in "${targets[@]}"; do cat "$ROWS/${c##*.}"; done; } > "$report"
fi
if command -v column >/dev/null; then column -t -s $'\t' "$report"; else cat "$report"; fi
echo "fuzz.sh: report $report"
if grep -qvP '\tok\t[^\t]*$' <(for c in "${targets[@]}"; do cat "$ROWS/${c##*.}"; done); then
  for c in "${targets[@]}"; do if [ -f "$ROWS/${c##*.}.detail" ]; then cat "$ROWS/${c##*.}.detail" >&2; fi; done
  echo "fuzz.sh: FAILED — findings or errors above (inputs in $OUT/findings/)" >&2
  exit 1
fi
exit
}
