#!/usr/bin/env bash
# Issue #4's benchmark series (the seed's Figures 5-7): cache-analysis time per GiB of guest RAM
#   Figure 5: vs guest RAM (default workload, 256 MiB - 4 GiB),
#   Figure 6: vs the size of one dirty file (bigfile:MB, 2 GiB RAM),
#   Figure 7: vs the number of cached 4 KiB files (files:N up to 100,000, 1 GiB RAM),
# each as seconds per GiB and as a ratio to a plain sequential read of the same snapshot measured in the same run
# (bench pagecache). Evidence sets are made with ../shared/evidence/make-evidence.sh (real kernel under QEMU, minutes
# each under TCG) into DIR, reused when already there.
#   releng/pagecache-figures.sh [DIR]        # default build/figures; prints a table, writes DIR/figures.tsv
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${1:-$ROOT/build/figures}"
TOOL="${CACHESHADOW_SHARED:-$ROOT/../shared}/evidence/make-evidence.sh"
mkdir -p "$DIR"
# figure  name  make-evidence options
SERIES=(
  "5 default-r256 --ram 256"
  "5 default-r1024 --ram 1024"
  "5 default-r2048 --ram 2048"
  "5 default-r4096 --ram 4096"
  "6 bigfile-64-r2048 --ram 2048 --workload bigfile:64"
  "6 bigfile-256-r2048 --ram 2048 --workload bigfile:256"
  "6 bigfile-1024-r2048 --ram 2048 --workload bigfile:1024"
  "7 files-1000-r1024 --ram 1024 --workload files:1000"
  "7 files-10000-r1024 --ram 1024 --workload files:10000"
  "7 files-50000-r1024 --ram 1024 --workload files:50000"
  "7 files-100000-r1024 --ram 1024 --workload files:100000"
)
out="$DIR/figures.tsv"
printf 'figure\tset\tgib\tcached_inodes\tpages_walked\tseq_s_per_gib\tall_s_per_gib\tall_but_kernel_files_s_per_gib\tx_seq\tscan_s_per_gib\tpage_walk_s_per_gib\tdentry_walk_s_per_gib\tcrossover_inodes\n' > "$out"
for line in "${SERIES[@]}"; do
  read -r fig name opts <<< "$line"
  set_dir="$DIR/$name"
  if [ ! -f "$set_dir/verify.txt" ]; then
    echo "== making $name ($opts)" >&2
    rm -rf "$set_dir"
    # shellcheck disable=SC2086
    bash "$TOOL" --out "$set_dir" --formats elf --no-compress --rounds 2 $opts > "$DIR/$name.log" 2>&1 \
      || { echo "make-evidence failed for $name: see $DIR/$name.log" >&2; continue; }
  fi
  echo "== bench $name" >&2
  row=$("$ROOT/cacheshadow" bench pagecache "$set_dir/memory.elf" "$set_dir/kernel" 5 | tee "$DIR/$name.bench.txt" | grep '^figure-row' | cut -f3-)
  printf '%s\t%s\t%s\n' "$fig" "$name" "$row" >> "$out"
done
column -t -s $'\t' "$out"
