#!/usr/bin/env bash
# Kill loop (issue 13, crash safety): runs the real product's command line and kills it with SIGKILL at random
# moments while it creates a case, adds and hashes evidence, verifies, saves a bookmark, builds a journal's block
# index, writes a report (analyze --manifest), exports a view (directory and tar) and writes a replayed disk image;
# then reopens and checks that
#   - the case opens and `case verify` passes (every evidence hash, the custody chain),
#   - every custody entry from before the operation is still there, unchanged (the log before is a prefix of the
#     log after), and what the killed process reported as done (added #N, bookmark #N, created, passed) is there,
#   - the custody.log text mirror holds exactly the database's entries,
#   - nothing half-written is taken as whole: an index, report, image, tar or sidecar that exists is byte-equal to
#     the one an uninterrupted run writes; an export without its OUT.complete marker is not vouched for,
#   - the interrupted operation runs again cleanly (exit 0, same output as uninterrupted), and no temporary file
#     of a dead process is left once it has,
#   - the evidence is unchanged (its SHA256SUMS at the start and at the end).
# Also: two processes on one case (the second is told which case and what holds it, exit 2, and the case is fine),
# a workbench holding a case beside the command line, and a case on read-only media read by two processes at once.
#
# Half of the kills land anywhere in the process's life; the other half wait for the operation's own phase (the
# case lock taken by that pid, the temporary output file appearing) and land within its measured length.
#
#   releng/crash-loop.sh [--kills N] [--seed S] [--only OP[,OP...]] [--product DIR] [--work DIR] [--keep]
#   releng/crash-loop.sh --ci           # a handful of kills, one per operation in turn (CI; releng/test.sh)
# OPs: case-new case-add case-verify bookmark index report export-dir export-tar image transactions
#   (transactions: releng/crash-loop/CaseWorkload.java on the product's own case classes, outside OSGi: custody
#   entries, bookmarks and verifications back to back, the case opened and closed often; the command line commits
#   once per process, so its kills seldom land on a commit)
# The seed is printed first; the same seed replays the same operations and kill delays.
# Exit 0 when every check held; 1 with the failing checks listed (log: WORK/crash-loop.log, WORK/kills.tsv).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/releng/jdk.sh"
KILLS=200 SEED="" ONLY="" PRODUCT="" WORK="" KEEP=0 CI=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) KILLS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --product) PRODUCT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --ci) CI=1; KILLS=5; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "crash-loop: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$SEED" ] || SEED=$(( $(date +%s%N) % 1000000 ))
RANDOM=$SEED
OPS=(case-new case-add case-verify bookmark index report export-dir export-tar image transactions)
# CI: one kill of each of five operations in turn, no workbench, no large file to hash (about a minute on 2 cores)
[ $CI = 1 ] && OPS=(case-add bookmark index report export-tar)
[ -n "$ONLY" ] && IFS=, read -r -a OPS <<< "$ONLY"
echo "crash-loop: seed $SEED, $KILLS kills over: ${OPS[*]} (replay: releng/crash-loop.sh --seed $SEED --kills $KILLS${ONLY:+ --only $ONLY})"

# ---- the product: a private copy, so a rebuild by someone else cannot pull it away mid-run
[ -n "$WORK" ] || WORK="$(mktemp -d /tmp/crash-loop.XXXXXX)"
mkdir -p "$WORK"
LOG="$WORK/crash-loop.log"; : > "$LOG"
if [ -z "$PRODUCT" ]; then
  flock /tmp/tycho.lock sh -c "'$ROOT/cacheshadow' --help >/dev/null 2>>'$LOG' && cp -a '$ROOT/releng/cacheshadow.product/target/products/cacheshadow/linux/gtk/x86_64' '$WORK/product'" \
    || { echo "crash-loop: no product (build failed? see $LOG)" >&2; exit 2; }
else
  cp -a "$PRODUCT" "$WORK/product"
fi
LAUNCHER=("$WORK"/product/plugins/org.eclipse.equinox.launcher_*.jar)
CLI=("$JAVA_HOME/bin/java" -Xss4m -Xmx2g -Dosgi.requiredJavaVersion=21 -jar "${LAUNCHER[0]}" -install "$WORK/product"
     -configuration "$WORK/config" -data @none -nosplash -application cacheshadow.cli.app)
cli() { "${CLI[@]}" "$@"; }
# the dense case workload: compiled once against the product's own jars
WCP="$WORK/workload:$(ls "$WORK"/product/plugins/cacheshadow.cases_*.jar):$(ls "$WORK"/product/plugins/cacheshadow.layers_*.jar):$(ls "$WORK"/product/plugins/com.h2database_*.jar)"
"$JAVA_HOME/bin/javac" -nowarn -d "$WORK/workload" -cp "$WCP" "$ROOT/releng/crash-loop/CaseWorkload.java" \
  || { echo "crash-loop: cannot compile the case workload" >&2; exit 2; }

FAILURES=0
fail() { FAILURES=$((FAILURES + 1)); echo "FAIL [$ITER $OP]: $*" | tee -a "$LOG" >&2; }
note() { echo "$*" >> "$LOG"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rand() { echo $(( (RANDOM << 15 | RANDOM) % $1 )); } # 0 .. $1-1
sha() { sha256sum "$1" | cut -c1-64; }

# ---- evidence: the bundled sample, read-only; checked before and after
EV="$ROOT/build/sample/evidence"
[ -f "$EV/.complete" ] || "$ROOT/releng/sample-case.sh" true >/dev/null 2>>"$LOG" || true
[ -f "$EV/.complete" ] || { echo "crash-loop: no sample evidence in $EV (releng/sample-case.sh)" >&2; exit 2; }
(cd "$EV" && sha256sum --quiet -c SHA256SUMS) || { echo "crash-loop: sample evidence does not match its SHA256SUMS before the run" >&2; exit 2; }
# a larger file to hash, so the kills find an add and a verify mid-hash (sparse: costs no disk)
BIG="$WORK/evidence/big.raw"; mkdir -p "$WORK/evidence"; truncate -s $([ $CI = 1 ] && echo 64M || echo 512M) "$BIG"; chmod a-w "$BIG"; BIG_SHA=$(sha "$BIG")
# for the two-process test: an add of many files (hard links of one sparse file) that holds its case for seconds
LINKS="$WORK/evidence/links"; mkdir -p "$LINKS"; truncate -s 16M "$LINKS/0"; chmod a-w "$LINKS/0"
for i in $(seq 1 1000); do ln "$LINKS/0" "$LINKS/$i"; done
POOL=("$EV/memory.elf" "$EV/disk.img" "$EV/disk.base.img" "$EV/writes.log" "$EV/timeline.tsv" "$EV/kernel/vmlinux.btf" "$EV/kernel/System.map" "$BIG")
LIGHT=("$EV/writes.log" "$EV/timeline.tsv" "$EV/kernel/vmlinux.btf" "$EV/kernel/System.map") # quick to verify after each kill
[ $CI = 1 ] && POOL=("${LIGHT[@]}" "$EV/disk.base.img" "$BIG")
ANALYZE=(--memory "$EV/memory.elf" --disk "$EV/disk.img" --kernel "$EV/kernel")
REPLAY=(--disk "$EV/disk.base.img" --journal "$EV/writes.log" --timeline "$EV/timeline.tsv")

# ---- the command line of each operation (CMD), the phase its kill may wait for (PROBE), the outputs it makes
# CASE: bookmarks and reports; VERC: verify (large evidence: a long hash to be killed in); ADDC: adds; TXC: transactions
CASE="$WORK/case"; VERC="$WORK/verify-case"; ADDC="$WORK/add-case"; TXC="$WORK/tx-case"; OUT="$WORK/out"; REF="$WORK/ref"
mkdir -p "$OUT" "$REF"
command_of() { # $1 op, $2 iteration; sets RUNNER (the product's command line unless said), CMD, PROBE
  RUNNER=("${CLI[@]}")
  case "$1" in
    transactions) RUNNER=("$JAVA_HOME/bin/java" -cp "$WCP" CaseWorkload); CMD=(work "$TXC" "$RANDOM" "$EV/timeline.tsv"); PROBE=(lock "$TXC") ;;
    case-new) CMD=(case new "$WORK/new-$2" --name "kill loop $SEED/$2"); PROBE=(lock "$WORK/new-$2") ;;
    case-add) CMD=(case add "$ADDC" "${ADD_FILES[@]}"); PROBE=(lock "$ADDC") ;;
    case-verify) CMD=(case verify "$VERC"); PROBE=(lock "$VERC") ;;
    bookmark) CMD=(case bookmark "$CASE" --view merged --path "/mnt/disk/kill-$2" --bytes "$((4096 * ($2 % 7)))+4096" --note "loop $SEED, kill $2"); PROBE=(lock "$CASE") ;;
    index) CMD=(replay "${REPLAY[@]}" --at end --manifest "$OUT/replay.tsv" --index "$OUT/index/writes.idx"); PROBE=(file "$OUT/index/.writes.idx.partial-") ;;
    report) CMD=(analyze "${ANALYZE[@]}" --manifest "$OUT/report.tsv" --case "$CASE"); PROBE=(file "$OUT/.report.tsv.partial-") ;;
    export-dir) CMD=(export "${ANALYZE[@]}" --under /mnt --out "$OUT/tree")
                # a fresh folder: its making starts the writing; over an earlier export: the marker's removal starts the command
                if [ -d "$OUT/tree" ]; then PROBE=(gone "$OUT/tree.complete"); else PROBE=(file "$OUT/tree"); fi ;;
    export-tar) CMD=(export "${ANALYZE[@]}" --under /mnt --out "$OUT/tree.tar"); PROBE=(file "$OUT/.tree.tar.partial-") ;;
    image) CMD=(replay "${REPLAY[@]}" --at entry:43 --out "$OUT/disk-43.img"); PROBE=(file "$OUT/.disk-43.img.partial-") ;;
  esac
}

# whether the operation's phase has begun in process $1
probe_hit() {
  case "${PROBE[0]}" in
    lock) grep -qx "pid=$1" "${PROBE[1]}/case.lock" 2>/dev/null ;;
    file) compgen -G "${PROBE[1]}*" >/dev/null ;;
    gone) [ ! -e "${PROBE[1]}" ] ;;
  esac
}

# runs CMD in the background; with $1 = kill delay: "any:MS" (from the start) or "phase:MS" (after the probe).
# Sets RC (137 when the kill landed), T_PROBE and T_END (ms after start; T_PROBE -1 if the phase never began).
run_op() {
  local mode="${1%%:*}" delay="${1#*:}" t0 pid hit=-1 killed=0
  t0=$(now_ms)
  "${RUNNER[@]}" "${CMD[@]}" > "$WORK/op.out" 2> "$WORK/op.err" & # not through a function: $! must be the JVM
  pid=$!
  if [ "$mode" = any ]; then
    local until=$((t0 + delay))
    while kill -0 "$pid" 2>/dev/null; do
      [ $hit -lt 0 ] && probe_hit "$pid" && hit=$(( $(now_ms) - t0 ))
      [ "$(now_ms)" -ge "$until" ] && { kill -9 "$pid" 2>/dev/null && killed=1; break; }
      sleep 0.002
    done
  else
    while kill -0 "$pid" 2>/dev/null; do
      if probe_hit "$pid"; then
        hit=$(( $(now_ms) - t0 ))
        if [ "$delay" -ge 0 ]; then
          [ "$delay" -gt 0 ] && sleep "$(awk -v d="$delay" 'BEGIN{printf "%.3f", d/1000}')"
          kill -9 "$pid" 2>/dev/null && killed=1
        fi
        break
      fi
      sleep 0.002
    done
  fi
  { wait "$pid"; } 2>/dev/null; RC=$?
  T_END=$(( $(now_ms) - t0 )); T_PROBE=$hit
  [ $killed = 1 ] || [ "$RC" != 137 ] || RC=-137 # killed by someone else: not one of ours
}

# ---- checks
# the custody mirror as the prefix record of the case: seq, time, actor, action, detail, hash
mirror() { cat "$1/custody.log" 2>/dev/null; }

# the case opens, verify passes, the mirror holds exactly the database's entries, the log kept its old entries
check_case() { # $1 dir, $2 the mirror before the operation (file)
  local dir="$1" before="$2" v n lines
  v=$(cli case verify "$dir" 2>&1); local rc=$?
  if [ $rc != 0 ]; then fail "case verify $dir: exit $rc: $(echo "$v" | tail -3 | tr '\n' ' ')"; return; fi
  n=$(echo "$v" | sed -nE 's/^custody chain intact \(([0-9]+) entries\)$/\1/p')
  lines=$(wc -l < "$dir/custody.log")
  [ -n "$n" ] && [ "$n" = "$lines" ] || fail "custody.log has $lines lines, the database $n entries"
  if [ -n "$before" ] && [ -s "$before" ]; then
    cmp -s "$before" <(head -c "$(stat -c %s "$before")" "$dir/custody.log") || fail "custody entries from before the operation changed or went missing"
  fi
  [ -z "$(find "$dir" -maxdepth 1 -name 'case-creating.*' -print -quit)" ] || fail "a case-creating database is left in the case folder"
}

# every "added #N PATH ... sha256 H" a killed add printed is in the case with that hash
check_reported_adds() { # $1 the killed process's output, $2 case
  local id path sha
  while read -r _ id path _; do
    sha=$(grep -F "added $id $path " "$1" | sed -nE 's/.*sha256 ([0-9a-f]{64}).*/\1/p')
    grep -qF "evidence-hashed	${id} sha256=$sha" "$2/custody.log" || fail "evidence $id $path reported added (sha256 $sha) before the kill is not in the case"
  done < <(grep '^added #' "$1")
}

# no temporary file of a dead process under the outputs once the operation ran again
check_no_leftovers() {
  local f pid
  for f in $(find "$OUT" "$CASE" "$VERC" "$ADDC" "$TXC" -name '.*.partial-*' 2>/dev/null); do
    pid=$(basename "$f" | sed -E 's/.*\.partial-([0-9]+)-.*/\1/')
    kill -0 "$pid" 2>/dev/null || fail "temporary file of a dead process left after the re-run: $f"
  done
}

# an output that exists after a kill is whole: byte-equal to the uninterrupted run's
check_whole() { # $1 output file, $2 reference file
  [ -e "$1" ] || return 0
  [ -e "$2" ] || { fail "no reference for $1"; return; }
  cmp -s "$1" "$2" || fail "$1 exists after the kill but differs from an uninterrupted run's (half-written taken as whole?)"
}

tree_listing() { # a directory export as text: type, mode, size, mtime, content hash of each path below the folder
  # (the folder itself is the examiner's: its own mtime is the host's, not the guest's)
  (cd "$1" && find . -mindepth 1 -printf '%P\t%y\t%m\t%s\t%T@\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

export_check() { # $1 output (dir or tar), $2 tar|dir, $3 phase: killed|rerun
  local o="$1" kind="$2" base
  base=$(basename "$o")
  for s in provenance.tsv manifest.tsv; do check_whole "$o.$s" "$REF/$base.$s"; done
  if [ "$kind" = tar ]; then check_whole "$o" "$REF/$base"; fi
  if [ -e "$o.complete" ]; then
    for s in "" .provenance.tsv .manifest.tsv; do [ -e "$o$s" ] || fail "$o.complete is there but $o$s is not"; done
    if [ "$kind" = dir ]; then
      tree_listing "$o" | cmp -s - "$REF/$base.listing" || fail "$o.complete vouches for a directory that differs from an uninterrupted export"
    fi
  elif [ "$3" = rerun ]; then
    fail "the re-run export did not write $o.complete"
  fi
}

# ---- setup: the cases and the reference outputs of uninterrupted runs (their lengths are the kill windows)
declare -A DUR WIN
setup_case() { # $1 dir, $2... evidence
  local d="$1"; shift
  rm -rf "$d"
  cli case new "$d" --name "kill loop $SEED" >> "$LOG" 2>&1 || { echo "crash-loop: case new failed (see $LOG)" >&2; exit 2; }
  [ $# -eq 0 ] || cli case add "$d" "$@" >> "$LOG" 2>&1 || { echo "crash-loop: case add failed (see $LOG)" >&2; exit 2; }
}
ADD_FILES=("${POOL[@]}")
echo "crash-loop: setting up cases and reference outputs in $WORK" >&2
setup_case "$CASE" "${LIGHT[@]}"
[[ " ${OPS[*]} " == *" case-verify "* ]] && setup_case "$VERC" "$EV/memory.elf" "$BIG" "${LIGHT[@]}"
[[ " ${OPS[*]} " == *" transactions "* ]] && setup_case "$TXC" "$EV/timeline.tsv" # created here: kills of a creation are case-new's
reference() { # $1 op: runs it uninterrupted, keeps its outputs in REF, records its length and phase window
  local op="$1"
  if [ "$op" = transactions ]; then DUR[$op]=6000; WIN[$op]=0; return; fi # runs until killed: anywhere in its first 6 s
  OP=$op ITER=0
  command_of "$op" 0
  [ "$op" = case-new ] && rm -rf "$WORK/new-0"
  [ "$op" = case-add ] && setup_case "$ADDC"
  run_op phase:-1
  if [ "$RC" != 0 ]; then echo "crash-loop: the uninterrupted $op failed (exit $RC): $(tail -3 "$WORK/op.err")" >&2; exit 2; fi
  DUR[$op]=$T_END
  WIN[$op]=$(( T_PROBE < 0 ? 0 : T_END - T_PROBE ))
  case "$op" in
    index) cp "$OUT/index/writes.idx" "$REF/writes.idx"; cp "$OUT/replay.tsv" "$REF/replay.tsv" ;;
    report) cp "$OUT/report.tsv" "$REF/report.tsv" ;;
    export-dir) for s in provenance.tsv manifest.tsv; do cp "$OUT/tree.$s" "$REF/tree.$s"; done; tree_listing "$OUT/tree" > "$REF/tree.listing" ;;
    export-tar) for s in "" .provenance.tsv .manifest.tsv; do cp "$OUT/tree.tar$s" "$REF/tree.tar$s"; done ;;
    image) cp --sparse=always "$OUT/disk-43.img" "$REF/disk-43.img" ;;
    case-new) rm -rf "$WORK/new-0" ;;
  esac
  note "reference $op: ${DUR[$op]} ms, phase ${WIN[$op]} ms"
  printf '  %-12s %6d ms, its own phase the last %6d ms\n' "$op" "${DUR[$op]}" "${WIN[$op]}" >&2
}
mkdir -p "$OUT/index"
for op in "${OPS[@]}"; do reference "$op"; done

# ---- two processes on one case: the second is told which case and what holds it, and the case stays whole
two_processes() {
  OP=two-processes ITER=0
  local two="$WORK/two" first t0 second rc rc1
  setup_case "$two"
  "${CLI[@]}" case add "$two" "$LINKS"/* > "$WORK/first.out" 2>&1 &
  first=$!
  t0=$(now_ms)
  until grep -qx "pid=$first" "$two/case.lock" 2>/dev/null; do
    kill -0 $first 2>/dev/null || break
    [ $(( $(now_ms) - t0 )) -gt 60000 ] && break
    sleep 0.01
  done
  second=$(cli case bookmark "$two" --view merged --path /mnt/disk/second --note "second process" 2>&1); rc=$?
  # then the holder dies mid-add (kill -9): its lock must not outlive it
  kill -9 $first 2>/dev/null; { wait $first; } 2>/dev/null; rc1=$?
  note "two processes: $second"
  [ $rc1 = 137 ] || fail "the first process (case add of 1000 files) ended before it could be killed (exit $rc1): the test proved nothing"
  [ $rc = 2 ] || fail "the second process got exit $rc, not 2: $second"
  echo "$second" | grep -q "is open in another process: pid $first, ./cacheshadow case add" \
    || fail "the second process was not told what holds the case: $second"
  echo "$second" | grep -q "kill loop $SEED" || fail "the second process was not told which case: $second"
  echo "$second" | grep -qiE 'exception|org\.h2|\bat [a-z]+\.' && fail "the second process printed internals: $second"
  [ "$(echo "$second" | wc -l)" = 1 ] || fail "the second process printed more than one line: $second"
  grep -q "second process" "$two/custody.log" && fail "the refused bookmark is in the custody log"
  echo "crash-loop: two processes on one case: the second got \"$second\"" >&2
  # the workbench holding the case: the command line is told so; then the workbench is killed and the case is fine
  if [ $CI = 0 ] && command -v xvfb-run >/dev/null && [ -e /usr/lib/x86_64-linux-gnu/libgtk-3.so.0 ]; then
    xvfb-run -a -s '-screen 0 1280x1024x24' "$JAVA_HOME/bin/java" -Xss4m -Xmx2g -Dosgi.requiredJavaVersion=21 -jar "${LAUNCHER[0]}" \
      -install "$WORK/product" -configuration "$WORK/config-ui" -data "$WORK/workspace" -nosplash \
      -application cacheshadow.ui.application -clearPersistedState -case "$two" > "$WORK/workbench.out" 2>&1 &
    local xvfb=$! wb=""
    t0=$(now_ms)
    while [ -z "$wb" ] && [ $(( $(now_ms) - t0 )) -lt 120000 ] && kill -0 $xvfb 2>/dev/null; do
      local held; held=$(cat "$two/case.lock" 2>/dev/null) # one read: the holder rewrites the file as it goes
      wb=""; echo "$held" | grep -q '^program=the workbench' && echo "$held" | grep -q '^case=' && wb=$(echo "$held" | sed -nE 's/^pid=([0-9]+)$/\1/p')
      sleep 0.2
    done
    if [ -z "$wb" ]; then
      fail "the workbench did not open the case within 2 minutes: $(tail -3 "$WORK/workbench.out" | tr '\n' ' ')"
    else
      sleep 2 # the workbench at work on the case (its journal index, its custody entry)
      second=$(cli case log "$two" 2>&1); rc=$?
      note "workbench and command line: $second"
      [ $rc = 2 ] && echo "$second" | grep -q "is open in another process: pid $wb, the workbench" \
        || fail "case log beside the workbench: exit $rc: $second"
      kill -9 "$wb"
      wait $xvfb 2>/dev/null
      echo "crash-loop: the workbench on the case: the command line got \"$second\"; workbench killed (SIGKILL)" >&2
    fi
  fi
  check_case "$two" ""
  check_reported_adds "$WORK/first.out" "$two"
  rm -rf "$two"
}
two_processes

# ---- a case on read-only media (a read-only tmpfs; needs root): shared by two processes at once, nothing recorded
read_only_media() {
  OP=read-only ITER=0
  local m="$WORK/ro" v l b rc1 rc2 rc3
  mkdir -p "$m"
  mount -t tmpfs -o size=64m tmpfs "$m" 2>/dev/null || { note "read-only media: cannot mount a tmpfs here (not root?); not tested"; return; }
  cp -a "$CASE" "$m/case" && rm -f "$m/case/case.lock" && mount -o remount,ro "$m" || { fail "could not make the read-only copy"; umount "$m"; return; }
  cli case verify "$m/case" > "$WORK/ro1.out" 2>&1 & local first=$!
  l=$(cli case log "$m/case" 2>&1); rc2=$?
  wait $first; rc1=$?
  b=$(cli case bookmark "$m/case" --view merged --path /x 2>&1); rc3=$?
  umount "$m"
  [ $rc1 = 0 ] && grep -q '^verification passed' "$WORK/ro1.out" && grep -q 'not recorded' "$WORK/ro1.out" || fail "verify on read-only media: exit $rc1: $(tail -3 "$WORK/ro1.out" | tr '\n' ' ')"
  [ $rc2 = 0 ] && [ "$(echo "$l" | wc -l)" = "$(wc -l < "$CASE/custody.log")" ] || fail "log on read-only media beside a verify: exit $rc2: $l"
  [ $rc3 = 2 ] && echo "$b" | grep -q 'read-only file system' || fail "bookmark on read-only media: exit $rc3: $b"
  echo "crash-loop: a case on read-only media: verified and listed by two processes at once; a change refused: \"$b\"" >&2
}
[ $CI = 0 ] && read_only_media

# ---- the loop
printf 'iteration\top\tmode\tdelay_ms\tkilled\texit\tphase_at_ms\tend_ms\n' > "$WORK/kills.tsv"
declare -A KILLED
ITER=0; DONE=0; TRIES=0
while [ $DONE -lt "$KILLS" ] && [ $TRIES -lt $((KILLS * 4 + 20)) ]; do
  ITER=$((ITER + 1)); TRIES=$((TRIES + 1))
  if [ $CI = 1 ]; then OP=${OPS[$(( (ITER - 1) % ${#OPS[@]} ))]}; else OP=${OPS[$(rand ${#OPS[@]})]}; fi
  # which part of the process's life: anywhere (start-up included), or within the operation's own phase
  if [ $(rand 2) = 0 ] || [ "${WIN[$OP]}" -le 0 ]; then MODE="any:$(rand $(( ${DUR[$OP]} + 1 )))"; else MODE="phase:$(rand $(( ${WIN[$OP]} + 1 )))"; fi
  # state before
  case "$OP" in
    case-add)
      ADD_FILES=()
      for f in "${POOL[@]}"; do grep -qF " $f (" "$ADDC/custody.log" 2>/dev/null || ADD_FILES+=("$f"); done
      if [ ${#ADD_FILES[@]} -eq 0 ]; then setup_case "$ADDC"; ADD_FILES=("${POOL[@]}"); fi
      mirror "$ADDC" > "$WORK/before.log" ;;
    case-new) rm -rf "$WORK/new-$ITER" ;;
    case-verify) mirror "$VERC" > "$WORK/before.log" ;;
    transactions) mirror "$TXC" > "$WORK/before.log" ;;
    index) [ $(rand 3) = 0 ] || rm -f "$OUT/index/writes.idx" ;; # mostly built anew, sometimes reused
    export-dir) [ $(rand 3) = 0 ] || rm -rf "$OUT/tree" "$OUT"/tree.{complete,provenance.tsv,manifest.tsv} ;; # mostly afresh, sometimes over the last
    *) mirror "$CASE" > "$WORK/before.log" ;;
  esac
  command_of "$OP" "$ITER"
  run_op "$MODE"
  K=0; [ "$RC" = 137 ] && K=1
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ITER" "$OP" "${MODE%%:*}" "${MODE#*:}" "$K" "$RC" "$T_PROBE" "$T_END" >> "$WORK/kills.tsv"
  if [ $K = 1 ]; then DONE=$((DONE + 1)); KILLED[$OP]=$(( ${KILLED[$OP]:-0} + 1 )); fi
  if [ $K = 0 ] && [ "$RC" = 0 ]; then # a run that ended by itself: the windows follow the machine's pace (load varies)
    DUR[$OP]=$(( (${DUR[$OP]} + T_END) / 2 ))
    [ "$T_PROBE" -ge 0 ] && WIN[$OP]=$(( (${WIN[$OP]} + T_END - T_PROBE) / 2 ))
  fi
  if [ $K = 0 ] && [ "$RC" != 0 ]; then fail "exit $RC without a kill: $(tail -2 "$WORK/op.err" | tr '\n' ' ')"; fi
  KILLED_OUT=$(cat "$WORK/op.out")
  # after the kill: what exists is whole, what was reported done is there; then run again and check again
  case "$OP" in
    case-new)
      d="$WORK/new-$ITER"
      if [ -f "$d/case.mv.db" ]; then
        check_case "$d" ""
        grep -q 'case-created' "$d/custody.log" || fail "a created case without its case-created entry"
      else
        echo "$KILLED_OUT" | grep -q '^created case' && fail "the process said it created the case, but there is none"
        cli case new "$d" --name "kill loop $SEED/$ITER" >> "$LOG" 2>&1 || fail "case new again after the kill failed: $(tail -1 "$LOG")"
        check_case "$d" ""
      fi
      [ "$(grep -c . "$d/custody.log")" -ge 2 ] && [ "$(grep -c 'case-created' "$d/custody.log")" = 1 ] || fail "custody of a new case: $(cat "$d/custody.log")"
      rm -rf "$d" ;;
    case-add)
      check_case "$ADDC" "$WORK/before.log"
      check_reported_adds "$WORK/op.out" "$ADDC"
      rest=()
      for f in "${ADD_FILES[@]}"; do grep -qF " $f (" "$ADDC/custody.log" || rest+=("$f"); done
      if [ ${#rest[@]} -gt 0 ]; then cli case add "$ADDC" "${rest[@]}" >> "$LOG" 2>&1 || fail "case add again after the kill failed: $(tail -1 "$LOG")"; fi
      check_case "$ADDC" "$WORK/before.log"
      for f in "${ADD_FILES[@]}"; do [ "$(grep -cF " $f (" "$ADDC/custody.log")" = 1 ] || fail "$f is registered $(grep -cF " $f (" "$ADDC/custody.log") times"; done ;;
    case-verify)
      n0=$(grep -c $'\tverified\t' "$WORK/before.log")
      n1=$(grep -c $'\tverified\t' "$VERC/custody.log")
      echo "$KILLED_OUT" | grep -q '^verification passed' && [ "$n1" -le "$n0" ] && fail "the process said verification passed, but no verified entry was recorded"
      check_case "$VERC" "$WORK/before.log" ;; # the re-run: verify again
    bookmark)
      p="/mnt/disk/kill-$ITER"
      id=$(echo "$KILLED_OUT" | sed -nE 's/^bookmark #([0-9]+) saved$/\1/p')
      if [ -n "$id" ]; then grep -qF "bookmark-added	#$id merged $p " "$CASE/custody.log" || fail "bookmark #$id reported saved before the kill is not in the custody log"; fi
      b=$(cli case bookmarks "$CASE" 2>&1) || fail "case bookmarks failed: $b"
      if [ -n "$id" ]; then echo "$b" | grep -qP "^$id\tmerged\t\Q$p\E\t" || fail "bookmark #$id reported saved before the kill is not in the case"; fi
      if ! echo "$b" | grep -qP "\tmerged\t\Q$p\E\t"; then
        command_of bookmark "$ITER"; cli "${CMD[@]}" >> "$LOG" 2>&1 || fail "case bookmark again after the kill failed"
      fi
      check_case "$CASE" "$WORK/before.log" ;;
    index)
      check_whole "$OUT/index/writes.idx" "$REF/writes.idx"; check_whole "$OUT/replay.tsv" "$REF/replay.tsv"
      cli "${CMD[@]}" >> "$LOG" 2>&1 || fail "replay --index again after the kill failed"
      cmp -s "$OUT/index/writes.idx" "$REF/writes.idx" && cmp -s "$OUT/replay.tsv" "$REF/replay.tsv" || fail "the re-run's index or manifest differs from an uninterrupted run's" ;;
    report)
      check_whole "$OUT/report.tsv" "$REF/report.tsv"
      cli "${CMD[@]}" >> "$LOG" 2>&1 || fail "analyze again after the kill failed"
      cmp -s "$OUT/report.tsv" "$REF/report.tsv" || fail "the re-run's report differs from an uninterrupted run's"
      check_case "$CASE" "$WORK/before.log" ;;
    export-dir|export-tar)
      o="$OUT/tree"; kind=dir; [ "$OP" = export-tar ] && { o="$OUT/tree.tar"; kind=tar; }
      export_check "$o" "$kind" killed
      cli "${CMD[@]}" >> "$LOG" 2>&1 || fail "export again after the kill failed"
      export_check "$o" "$kind" rerun ;;
    transactions)
      last_entry=$(grep '^entry ' "$WORK/op.out" | tail -1 | cut -d' ' -f2); last_bookmark=$(grep '^bookmark ' "$WORK/op.out" | tail -1 | cut -d' ' -f2)
      r=$("$JAVA_HOME/bin/java" -cp "$WCP" CaseWorkload check "$TXC" "${last_entry:-0}" "${last_bookmark:-0}" 2>&1) || fail "$r"
      note "transactions: $r"
      [ -f "$TXC/case.mv.db" ] && check_case "$TXC" "$WORK/before.log" ;;
    image)
      check_whole "$OUT/disk-43.img" "$REF/disk-43.img"
      cli "${CMD[@]}" >> "$LOG" 2>&1 || fail "replay --out again after the kill failed"
      cmp -s "$OUT/disk-43.img" "$REF/disk-43.img" || fail "the re-run's image differs from an uninterrupted run's" ;;
  esac
  check_no_leftovers
  [ $((DONE % 20)) = 0 ] && [ $K = 1 ] && echo "crash-loop: $DONE kills, $FAILURES failed checks" >&2
done

(cd "$EV" && sha256sum --quiet -c SHA256SUMS) || { ITER=end OP=evidence; fail "the sample evidence changed during the run"; }
[ "$(sha "$BIG")" = "$BIG_SHA" ] || { ITER=end OP=evidence; fail "big.raw changed"; }
landed=$(awk -F'\t' 'NR>1 && $5==1 && $3=="phase"' "$WORK/kills.tsv" | wc -l)
echo "crash-loop: seed $SEED: $DONE kills ($landed within the operation's phase) in $ITER runs; $FAILURES failed checks"
for op in "${OPS[@]}"; do printf '  %-12s %4d kills\n' "$op" "${KILLED[$op]:-0}"; done
echo "crash-loop: log $LOG, kills $WORK/kills.tsv"
if [ $FAILURES -gt 0 ]; then exit 1; fi
[ $KEEP = 1 ] || rm -rf "$WORK"
exit 0
