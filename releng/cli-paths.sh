#!/usr/bin/env bash
# releng/cli-paths.sh [SET_DIR]
# The headless commands give the same output on the launcher's plain class path as inside OSGi (CACHESHADOW_OSGI=1):
# each command below runs both ways on the 6.1 sample (default: build/samples/debian-6.1-kaslr), in the same working
# folder, and stdout, stderr, exit status and every file it writes must be byte for byte the same. Covers the parts
# that once leaned on OSGi: H2 (a case), JNA and libfuse3 (mount, when /dev/fuse is there), PDFBox and the report's
# fonts, zstd-jni's native library (a kernel folder holding only the 6.12 sample's zstd bzImage), XZ for Java.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SAMPLES="$("$ROOT/releng/samples.sh")"
S="${1:-$SAMPLES/debian-6.1-kaslr}"
CLI="$ROOT/cacheshadow"
"$CLI" --help > /dev/null # builds the product (and its start-up cache) when needed, before anything is compared
export CACHESHADOW_BUILT=1
W=$(mktemp -d /tmp/cli-paths.XXXXXX)
trap 'fusermount3 -u "$W/run/mnt" 2>/dev/null || true; rm -rf "$W"' EXIT
fail=0 n=0
kernel612="$W/k612" kernel61="$W/k61"
mkdir -p "$kernel612" "$kernel61"
ln -s "$SAMPLES/debian-6.12-kaslr/kernel/vmlinuz" "$kernel612/vmlinuz"
ln -s "$SAMPLES/debian-6.12-kaslr/kernel/System.map" "$kernel612/System.map"
ln -s "$S/kernel/vmlinuz" "$kernel61/vmlinuz"

# one command, both ways: outputs and files compared
same() { # label, then the command's arguments (RUN stands for the working folder)
  local label="$1"; shift
  local side args
  for side in plain osgi; do
    rm -rf "$W/run"; mkdir -p "$W/run"
    args=("${@//RUN/$W/run}")
    set +e
    if [ $side = osgi ]; then CACHESHADOW_OSGI=1 "$CLI" "${args[@]}" > "$W/run/.out" 2> "$W/run/.err"; else "$CLI" "${args[@]}" > "$W/run/.out" 2> "$W/run/.err"; fi
    echo $? > "$W/run/.exit"
    set -e
    # an export's .complete marker records when it finished: the one line allowed to differ
    find "$W/run" -name '*.complete' -exec sed -i '/^finished\t/d' {} +
    rm -rf "$W/$side"; mv "$W/run" "$W/$side"
  done
  n=$((n + 1))
  if diff -r "$W/plain" "$W/osgi" > "$W/diff" 2>&1; then
    printf 'same  %-44s exit %s, %s lines of output\n' "$label" "$(cat "$W/plain/.exit")" "$(cat "$W/plain/.out" "$W/plain/.err" | wc -l)"
  else
    printf 'DIFFERENT  %s\n' "$label"; head -20 "$W/diff" | sed 's/^/    /'; fail=1
  fi
}

M="$S/memory.elf" D="$S/disk.img" K="$S/kernel" B="$S/disk.base.img" J="$S/writes.log"
same "--help"                       --help
same "help analyze"                 help analyze
same "no subcommand (exit 2)"
same "unknown option (exit 2)"      analyze --no-such-option
same "analyze --json"               analyze --memory "$M" --disk "$D" --kernel "$K" --manifest RUN/a.tsv --json
same "analyze, kernel: XZ bzImage"  analyze --memory "$M" --kernel "$kernel61" --view cache-only --manifest RUN/a.tsv
same "analyze 6.12, kernel: ZSTD bzImage" analyze --memory "$SAMPLES/debian-6.12-kaslr/memory.elf" --kernel "$kernel612" --view cache-only --manifest RUN/a.tsv
same "diff"                         diff --memory "$M" --disk "$D" --kernel "$K" --path /mnt/disk/data/blob.bin
same "export tar"                   export --memory "$M" --disk "$D" --kernel "$K" --view merged --out RUN/e.tar
same "export dfxml"                 export --memory "$M" --disk "$D" --kernel "$K" --view merged --format dfxml --out RUN/e.dfxml
same "timeline --json"              timeline --journal "$J" --json
same "replay"                       replay --disk "$B" --journal "$J" --at end --manifest RUN/r.tsv
same "changes"                      changes --disk "$B" --journal "$J" --from entry:0 --to end
# a case: H2; the custody log's times differ between the two runs, so the case is read back, not compared as files
for side in plain osgi; do
  rm -rf "$W/case-$side"
  env $([ $side = osgi ] && echo CACHESHADOW_OSGI=1) "$CLI" case new "$W/case-$side" --name paths > /dev/null
  env $([ $side = osgi ] && echo CACHESHADOW_OSGI=1) "$CLI" case add "$W/case-$side" "$S/kernel/config" "$S/kernel/System.map" > /dev/null 2>&1
  env $([ $side = osgi ] && echo CACHESHADOW_OSGI=1) "$CLI" case verify "$W/case-$side" > "$W/verify-$side" 2>&1
  env $([ $side = osgi ] && echo CACHESHADOW_OSGI=1) "$CLI" report --case "$W/case-$side" --out "$W/report-$side.pdf" > /dev/null 2>&1
  sed "s#$W/case-$side#CASE#g" "$W/verify-$side" > "$W/verify-$side.t"
done
n=$((n + 1))
if cmp -s "$W/verify-plain.t" "$W/verify-osgi.t" && [ -s "$W/report-plain.pdf" ] && [ -s "$W/report-osgi.pdf" ] \
   && pdffonts "$W/report-plain.pdf" 2>/dev/null | grep -q DejaVu \
   && [ "$(pdftotext "$W/report-plain.pdf" - | grep -c .)" = "$(pdftotext "$W/report-osgi.pdf" - | grep -c .)" ]; then
  echo "same  case new/add/verify, report (PDF, DejaVu embedded; text lines alike)"
else
  echo "DIFFERENT  case new/add/verify or report"; diff "$W/verify-plain.t" "$W/verify-osgi.t" | head; fail=1
fi
# an analysis that does not fit the heap ends with a message naming CACHESHADOW_XMX, not an internal error (the plain
# class path only: OSGi itself does not start in so small a heap)
n=$((n + 1))
set +e
CACHESHADOW_XMX=16m "$CLI" analyze --memory "$M" --kernel "$K" --manifest "$W/oom.tsv" > /dev/null 2> "$W/oom.err"
oom_exit=$?
set -e
if [ $oom_exit = 3 ] && grep -q 'out of memory in a heap of .*CACHESHADOW_XMX=' "$W/oom.err" && ! grep -q 'internal error' "$W/oom.err"; then
  echo "same  out of memory (CACHESHADOW_XMX=16m): exit 3, the message names CACHESHADOW_XMX"
else
  echo "DIFFERENT  out of memory (CACHESHADOW_XMX=16m): exit $oom_exit"; tr '\r' '\n' < "$W/oom.err" | tail -3 | sed 's/^/    /'; fail=1
fi
# mount: JNA and libfuse3 on the plain class path (the OSGi side is LiveMountCliTest's and the FUSE tests')
if [ -e /dev/fuse ] && command -v fusermount3 > /dev/null; then
  mkdir -p "$W/run/mnt"
  "$CLI" mount --memory "$M" --disk "$D" --kernel "$K" "$W/run/mnt" > "$W/mount.log" 2>&1 &
  mp=$!
  for _ in $(seq 100); do mountpoint -q "$W/run/mnt" && break; sleep 0.1; done
  n=$((n + 1))
  want=$(awk -F'\t' '$1 == "/mnt/disk/data/blob.bin" {print $13}' "$S/manifest.tsv")
  got=$(sha256sum "$W/run/mnt/mnt/disk/data/blob.bin" 2>/dev/null | cut -d' ' -f1 || true)
  fusermount3 -u "$W/run/mnt" 2>/dev/null || true
  wait $mp || true
  if [ -n "$want" ] && [ "$got" = "$want" ]; then echo "same  mount (plain class path): blob.bin hashes as the guest's manifest says"
  else echo "DIFFERENT  mount on the plain class path: blob.bin $got, manifest $want"; sed 's/^/    /' "$W/mount.log" | head; fail=1; fi
fi
echo "cli-paths: $n checks, $([ $fail = 0 ] && echo 'all the same' || echo 'some DIFFERENT')"
exit $fail
