#!/usr/bin/env bash
# Issue #6's benchmark (the seed's Figure 8) on real evidence with a 4 MiB file: hashing it (a) straight from a disk
# image, (b) through the merged view in-process, (c) through the FUSE mount, as ratios to (a) (bench fuse).
#   1. evidence: ../shared/evidence/make-evidence.sh --workload bigfile:4 (real kernel under QEMU, minutes under TCG)
#      into DIR/bigfile-4, reused when already there; the guest's 4 MiB file is dirty in its page cache only, so the
#      merged view serves it from memory and the evidence's (stale) disk image lacks it;
#   2. baseline: a copy of disk.img (journal replayed) with that file written in (debugfs), its bytes exported through
#      our merged view and checked against the guest's manifest.tsv, so (a) reads the same 4 MiB from an image;
#   3. RUNS runs of `bench fuse ... --baseline-disk` (each best of ROUNDS rounds, all three sides hashing alike in
#      every round), medians of the ratios over the runs.
#   releng/fuse-figure.sh [DIR]     # default build/fuse-figure; writes DIR/fuse-figure.tsv
# Environment: RUNS (default 5), ROUNDS (default 15), CACHESHADOW_CLI (another launcher than ./cacheshadow).
# Installs nothing: needs e2fsprogs (debugfs, e2fsck) and fuse3 (fusermount3, libfuse3) and says so if missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(mkdir -p "${1:-$ROOT/build/fuse-figure}" && cd "${1:-$ROOT/build/fuse-figure}" && pwd)"
TOOL="${CACHESHADOW_SHARED:-$ROOT/../shared}/evidence/make-evidence.sh"
CLI="${CACHESHADOW_CLI:-$ROOT/cacheshadow}"
RUNS="${RUNS:-5}"; ROUNDS="${ROUNDS:-15}"
MNT=/mnt/disk                 # where make-evidence's guest mounts the disk: guest path = MNT + path on the image
FILE=/mnt/disk/big/bigfile.bin
export PATH="$PATH:/sbin:/usr/sbin"
for c in debugfs:e2fsprogs e2fsck:e2fsprogs fusermount3:fuse3 sha256sum:coreutils; do
  command -v "${c%%:*}" >/dev/null || { echo "fuse-figure: ${c%%:*} is missing (apt-get install ${c##*:})" >&2; exit 2; }
done
[ -e /usr/lib/x86_64-linux-gnu/libfuse3.so.3 ] || { echo "fuse-figure: libfuse3 is missing (apt-get install libfuse3-3)" >&2; exit 2; }

set_dir="$DIR/bigfile-4"
if [ ! -f "$set_dir/verify.txt" ]; then
  echo "== making bigfile-4 (log: $DIR/bigfile-4.log)" >&2
  rm -rf "$set_dir"
  # 512 MiB: the generator wants more than 256 for the 4 MiB file to stay dirty
  bash "$TOOL" --out "$set_dir" --workload bigfile:4 --ram 512 --formats elf --no-compress > "$DIR/bigfile-4.log" 2>&1 \
    || { echo "fuse-figure: make-evidence failed: see $DIR/bigfile-4.log" >&2; exit 1; }
fi
want=$(awk -F'\t' -v p="$FILE" '$1 == p { print $13 }' "$set_dir/manifest.tsv")
[ -n "$want" ] || { echo "fuse-figure: $FILE is not in $set_dir/manifest.tsv" >&2; exit 1; }
ev=("$set_dir/memory.elf" "$set_dir/disk.img" "$set_dir/kernel")

base="$DIR/baseline"; img="$base/disk.img"; on_image="${FILE#"$MNT"}"
if [ ! -f "$img" ] || [ "$(debugfs -R "cat $on_image" "$img" 2>/dev/null | sha256sum | cut -d' ' -f1)" != "$want" ]; then
  echo "== baseline image: disk.img + $on_image" >&2
  rm -rf "$base"; mkdir -p "$base"
  "$CLI" export --memory "${ev[0]}" --disk "${ev[1]}" --kernel "${ev[2]}" --under "$FILE" --out "$base/export" > "$base/export.log" 2>&1 \
    || { echo "fuse-figure: export failed: see $base/export.log" >&2; exit 1; }
  got=$(sha256sum < "$base/export$FILE" | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "fuse-figure: the merged view's $FILE hashes $got, the guest's manifest $want" >&2; exit 1; }
  cp --sparse=always "${ev[1]}" "$img.tmp"
  # replay the journal first (and fix the free counts a live guest leaves): replayed later, as the bench opens
  # images, it would overwrite what debugfs wrote
  e2fsck -fy -E journal_only "$img.tmp" > "$base/e2fsck.log" 2>&1 || [ $? -le 1 ] \
    || { echo "fuse-figure: e2fsck failed: see $base/e2fsck.log" >&2; exit 1; }
  parent=""
  IFS=/ read -ra parts <<< "${on_image#/}"
  for part in "${parts[@]:0:${#parts[@]}-1}"; do
    parent="$parent/$part"
    # debugfs exits 0 whatever its command did: its message tells
    err=$(debugfs -R "stat $parent" "$img.tmp" 2>&1 > /dev/null)
    [[ "$err" != *"not found"* ]] || debugfs -w -R "mkdir $parent" "$img.tmp" >> "$base/debugfs.log" 2>&1
  done
  debugfs -w -R "write $base/export$FILE $on_image" "$img.tmp" >> "$base/debugfs.log" 2>&1
  got=$(debugfs -R "cat $on_image" "$img.tmp" 2>/dev/null | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "fuse-figure: $on_image on the baseline image hashes $got, not $want (see $base/debugfs.log)" >&2; exit 1; }
  mv "$img.tmp" "$img"
fi

echo "== bench fuse, $RUNS runs of best of $ROUNDS rounds" >&2
: > "$DIR/bench.txt"
for r in $(seq "$RUNS"); do
  "$CLI" bench fuse --rounds "$ROUNDS" "${ev[@]}" "$FILE" --baseline-disk "$img" | tee -a "$DIR/bench.txt" >&2
done
# each line: "(a) ... X ms, (b) ... Y ms = B.BBx ..., (c) ... Z ms = C.CCx ..."
out="$DIR/fuse-figure.tsv"
sed -E 's/.*\(a\)[^,]* ([0-9.]+) ms, \(b\)[^=]*= ([0-9.]+)x.*\(c\)[^=]*= ([0-9.]+)x.*/\1\t\2\t\3/' "$DIR/bench.txt" > "$DIR/runs.tsv"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
{
  printf 'runs\ta_ms_median\tb_over_a_median\tc_over_a_median\tb_over_a_range\tc_over_a_range\n'
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$RUNS" "$(cut -f1 "$DIR/runs.tsv" | median)" "$(cut -f2 "$DIR/runs.tsv" | median)" \
    "$(cut -f3 "$DIR/runs.tsv" | median)" "$(cut -f2 "$DIR/runs.tsv" | range)" "$(cut -f3 "$DIR/runs.tsv" | range)"
} > "$out"
column -t -s $'\t' "$out"
