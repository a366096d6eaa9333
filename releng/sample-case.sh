#!/usr/bin/env bash
# Prepares the bundled sample case: decompresses releng/sample/ into build/sample/evidence/ (read-only, checked
# against SHA256SUMS) and, the first time, creates build/sample/case/ with that evidence registered and hashed.
# Usage: releng/sample-case.sh CLI...   (CLI = the command that runs ./cacheshadow's headless application)
# Prints the case folder. releng/sample-case.sh --evidence: only the evidence, its folder printed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/releng/sample"
EV="$ROOT/build/sample/evidence"
CASE="$ROOT/build/sample/case"
if [ ! -f "$EV/.complete" ]; then
  command -v zstd >/dev/null || { echo "sample: zstd is missing (apt-get install zstd)" >&2; exit 2; }
  rm -rf "$EV"; mkdir -p "$EV/kernel"
  (cd "$SRC" && for f in $(find . -type f ! -name README.md | sed 's#^\./##'); do
     case "$f" in
       *.zst) zstd -q -d -f --long=27 "$f" -o "$EV/${f%.zst}" ;;
       *) cp "$f" "$EV/$f" ;;
     esac
   done)
  (cd "$EV" && sha256sum --quiet -c SHA256SUMS) >&2 || { echo "sample: decompressed evidence does not match SHA256SUMS" >&2; exit 2; }
  find "$EV" -type f -exec chmod a-w {} +
  touch "$EV/.complete"
fi
if [ "${1:-}" = --evidence ]; then echo "$EV"; exit 0; fi
if [ ! -f "$CASE/case.mv.db" ]; then
  rm -rf "$CASE"
  "$@" case new "$CASE" --name "Sample: Debian 6.1 guest, KASLR, cache-only changes" >&2
  "$@" case add "$CASE" "$EV/memory.elf" "$EV/disk.img" "$EV/disk.base.img" "$EV/writes.log" "$EV/timeline.tsv" \
       "$EV/kernel/vmlinux.btf" "$EV/kernel/System.map" "$EV/kernel/config" >&2
  # a two-step walkthrough for the Bookmarks view and presentation mode (F11)
  "$@" case bookmark "$CASE" --view merged --path /mnt/disk/data/blob.bin --bytes 20480+4096 \
       --note "blob.bin: the guest's newer bytes, in a dirty page the disk never received" >&2
  "$@" case bookmark "$CASE" --view disk-at-instant --path /mnt/disk/hist/r2/f1.txt --at entry:43 \
       --note "round 2's file as the disk stood after round 2 (entry 43 of the write journal)" >&2
fi
echo "$CASE"
