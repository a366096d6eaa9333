#!/usr/bin/env bash
# Makes the two small ext4 images the ext4/jbd2 fuzz targets lay their input over (committed gzip-compressed, so
# regression inputs keep meaning the same bytes; rerun only to change the bases, then re-check the regressions):
# They sit beside the targets' classes (class-path resources).
#   ext4-4k.img.gz  8 MiB, 4 KiB blocks, four groups, metadata_csum, 64bit, extents, inline_data, ea_inode, a csum-v3 journal
#                   with committed transactions (one revokes a block), an htree directory, an extent tree of depth 1,
#                   in-inode, block and ea_inode xattrs, inline files and an inline directory, fast and slow
#                   symlinks, a deleted file and an orphan.
#   ext3-1k.img.gz  4 MiB, 1 KiB blocks, four groups under meta_bg, 128-byte inodes, no extents (direct, indirect and double-indirect blocks),
#                   uninit_bg (crc16 group descriptors), a v2 journal without checksums, an htree directory.
# Needs e2fsprogs (mke2fs, e2fsck, debugfs).
set -euo pipefail
OUT="$(cd "$(dirname "$0")" && pwd)/src/cacheshadow/fuzz"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C E2FSPROGS_FAKE_TIME=1700000000 MKE2FS_DETERMINISTIC=1
src="$T/src"
mkdir -p "$src/d/e" "$src/many" "$src/tiny"
printf 'a\n' > "$src/a.txt"
printf 'inline file of forty bytes, kept in i_b\n' > "$src/d/inline40.txt"
head -c 6000 /dev/zero | tr '\0' 'b' > "$src/d/e/b.txt"
for i in $(seq 0 399); do printf 'x' > "$src/many/name-number-$i-long-enough-to-need-leaves"; done
printf 't' > "$src/tiny/t1"
for i in $(seq 0 19); do printf 'chunk %02d' "$i" | dd of="$src/frag.bin" bs=1 seek=$((i * 8192)) conv=notrunc status=none; done
# sparse: direct, single- and double-indirect blocks on 1 KiB blocks without reading 300 KB per run
for at in 0 5000 20000 150000 299000; do printf 'indirect at %d' "$at" | dd of="$src/indirect.bin" bs=1 seek="$at" conv=notrunc status=none; done
ln -s d/e/b.txt "$src/link"
ln -s "$(printf 'd/%.0s' $(seq 1 40))e/b.txt" "$src/longlink"
printf 'gone\n' > "$src/deleted.txt"
printf 'orphan\n' > "$src/orphan.txt"
head -c 5000 /dev/zero | tr '\0' 'v' > "$T/bigvalue"

img="$T/ext4-4k.img"
mke2fs -q -F -t ext4 -b 4096 -g 512 -N 512 -U 0000fa22-00fa-40fa-80fa-0000000000fa -E hash_seed=5a310269-1132-4a1c-872f-709ebcca3cfe \
  -O inline_data,metadata_csum,64bit,ea_inode -d "$src" "$img" 8M
e2fsck -fyD "$img" >/dev/null 2>&1 || true
head -c 12288 /dev/zero | tr '\0' 'J' > "$T/blk"
debugfs -w -f - "$img" >/dev/null 2>&1 <<EOF
ea_set /a.txt user.small tiny
ea_set -f $T/bigvalue /d/e/b.txt user.big
ea_set /d/e/b.txt trusted.t second
ea_set /tiny user.dir x
unlink /deleted.txt
kill_file <$(debugfs -R 'stat /deleted.txt' "$img" 2>/dev/null | sed -nE 's/^Inode: ([0-9]+).*/\1/p')>
EOF
orphan=$(debugfs -R 'stat /orphan.txt' "$img" 2>/dev/null | sed -nE 's/^Inode: ([0-9]+).*/\1/p')
debugfs -w -f - "$img" >/dev/null 2>&1 <<EOF
sif <$orphan> links_count 0
ssv last_orphan $orphan
jo -c -v 3
jw -b 1500,1501,1502 $T/blk
jw -b 1503 -r 1501 $T/blk
jc
jo
jw -b 1504 $T/blk
jc
EOF
gzip -9 -n -c "$img" > "$OUT/ext4-4k.img.gz"

img="$T/ext3-1k.img"
mke2fs -q -F -t ext3 -b 1024 -g 1024 -I 128 -N 512 -U 0000fa23-00fa-40fa-80fa-0000000000fa -E hash_seed=5a310269-1132-4a1c-872f-709ebcca3cfe \
  -O uninit_bg,^resize_inode,meta_bg -d "$src" "$img" 4M
e2fsck -fyD "$img" >/dev/null 2>&1 || true
debugfs -w -f - "$img" >/dev/null 2>&1 <<EOF
ea_set /a.txt user.small tiny
ea_set -f $T/bigvalue /d/e/b.txt user.big
jo
jw -b 900,901 $T/blk
jw -b 902 -r 900 $T/blk
jc
EOF
gzip -9 -n -c "$img" > "$OUT/ext3-1k.img.gz"
ls -l "$OUT"/*.img.gz
