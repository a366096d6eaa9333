#!/usr/bin/env bash
# A running QEMU guest for the live tests (LiveGuestTest, LiveCliTest, LiveWatchTest, LiveSnapshotTest, AideLiveTest,
# LiveMountCliTest, the UI's attach; issue #17) and the recorder's real guest (releng/recorder-guest.sh), booted by
# the project's own guest boot (releng/guest/README.md): a real Debian kernel (releng/guest/kernel.sh), the scenario
# guest's /init and program (native/scenario/) running this script's workload, then left running with its RAM in a
# shared file.
#   releng/live-guest.sh start DIR [OPTIONS]   # runs in the foreground; DIR.log gets the output, DIR.rc the exit status
#       --ram MB (128..4096, default 256; 4096: RAM split around the PCI hole)  --workload default|files:N
#       --rounds N (synced rounds before the cache-only part, 1..20, default 2)  --seed N (default 404)
#       --kernel 6.1|6.12 (default 6.1); CACHESHADOW_ACCEL=auto|kvm|tcg (default auto)
#       e.g. --ram 1024 --workload files:10000 (1 GiB, 10,000 dirty cached files)
#   releng/live-guest.sh stop DIR    # quits the guest (QMP quit, then by PID)
#   releng/live-guest.sh run DIR CMD # runs CMD (one line of sh) in the running guest: its output, its exit status
# The workload: the ext4 disk's seed tree (releng/guest/image.sh), ROUNDS synced rounds of changes (each followed by
# sync and the guest's listing, manifest.round-K.tsv), then the cache-only part, kept from the disk because writeback
# is held back: with `default` an attack on the disk's files (appended, overwritten, truncated, created, renamed,
# deleted, chmod, chown) and files on the tmpfs; with files:N, N new 4 KiB files under /mnt/disk/many and the tmpfs'.
# DIR then holds (the layout the tests read):
#   ram qmp.sock guest.sock pid   the guest's shared RAM file, QMP, its command shell (ttyS1), QEMU's PID
#   disk.img writes.log           its ext4 disk (in use: stale against its page cache) and that disk's dm-log-writes log
#   disk.base.img                 the disk as it was before boot
#   manifest.tsv                  the guest's own listing of /mnt/disk and /mnt/tmp after the cache-only part
#   manifest.round-K.tsv          its listing of /mnt/disk right after round K's sync
#   pages.tsv                     the SHA-256 of every 4 KiB page of the files the cache-only part wrote and the tmpfs'
#   expect.tsv                    what the cache-only part did that the disk does not show: "absent" (only in the
#                                 caches), "gone" (deleted, still on the disk), "content", "mode", "owner" (differ)
#   timeline.tsv rounds.tsv writes.index.tsv   the host's samples of the log with the guest's console lines
#                                 (CACHESHADOW-ROUND-K-SYNCED: round K is on the disk), as of the guest's READY
#   kernel/                       vmlinuz, config, vmlinux.btf (the guest's own); no System.map: the package's is a
#                                 stub (the real one is in the ~1 GB -dbg package), so the symbols come from the
#                                 kallsyms in the guest's memory
#   script.txt operations.txt generations.tsv iomem.txt console.log boot.txt   the workload and what the guest said
#   live.txt                      written last: the guest is ready (pid, ram, qmp, kernel, seed, workload)
# The command shell is releng/live-guest/guest-shell (rdinit, its protocol there), so tests can make the guest change
# its files. The tests wait for DIR/live.txt (ready) or DIR.rc (failed), so test.sh starts the guest in the background
# and builds meanwhile.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BOOT=$ROOT/releng/guest/boot.py
cmd=${1:-}; dir=${2:-}
[ -n "$dir" ] || { echo "usage: live-guest.sh start DIR [--ram MB] [--workload default|files:N] [--rounds N] [--seed N] [--kernel 6.1|6.12] | stop DIR | run DIR COMMAND" >&2; exit 2; }

# The workload as a scenario script (native/scenario/README.md) on stdout and what its cache-only part leaves
# different from the disk in $4 (expect.tsv). Not in a subshell: RANDOM=SEED is one fixed sequence only here.
live_script() {
  local seed=$1 rounds=$2 workload=$3 expect=$4 k j n p q older=() keep=() modes=(600 640 444 755 700)
  RANDOM=$((seed + 7))
  local D=/mnt/disk T=/mnt/tmp
  echo "# the workload of releng/live-guest.sh: seed $seed, $rounds synced round(s), then the cache-only part ($workload)"
  echo "mkdir $D/hist"
  for ((k = 1; k <= rounds; k++)); do
    echo "# round $k"
    echo "mkdir $D/hist/r$k"
    n=$((RANDOM % 3 + 2))
    for ((j = 1; j <= n; j++)); do echo "lines $D/hist/r$k/f$j.txt $((RANDOM % 200 + 3)) round $k file $j line"; done
    echo "lines $D/var/log/app.log $((RANDOM % 20 + 3)) app[1]: round $k event"
    if [ ${#older[@]} -ge 2 ]; then
      # the files of the rounds before: one overwritten, one appended to, one chmod-ed, one renamed, one deleted
      echo "overwrite ${older[$((RANDOM % ${#older[@]}))]} $((RANDOM % 40)) MODIFIED-r$k-$RANDOM"
      echo "append ${older[$((RANDOM % ${#older[@]}))]} appended in round $k"
      echo "chmod ${modes[$((RANDOM % 5))]} ${older[$((RANDOM % ${#older[@]}))]}"
      j=$((RANDOM % ${#older[@]})); p=${older[$j]}; q=$D/hist/r$k/renamed_${p##*/}
      echo "rename $p $q"; older[$j]=$q
      j=$(((j + 1 + RANDOM % (${#older[@]} - 1)) % ${#older[@]})); echo "delete ${older[$j]}"
      keep=(); for p in "${older[@]}"; do [ "$p" = "${older[$j]}" ] || keep+=("$p"); done; older=("${keep[@]}")
    fi
    for ((j = 1; j <= n; j++)); do older+=("$D/hist/r$k/f$j.txt"); done
    echo "sync"
  done
  echo "# the cache-only part: writeback is held back, so none of this reaches the disk"
  : > "$expect"
  case "$workload" in
    default)
      echo "lines $D/var/log/app.log $((RANDOM % 50 + 5)) app[2]: cached event of seed $seed"
      echo "overwrite $D/data/blob.bin $((RANDOM % 30000 + 1000)) cached overwrite of seed $seed $RANDOM$RANDOM"
      echo "truncate $D/srv/archive/file_3.txt 100"
      printf 'content\t%s\n' "$D/var/log/app.log" "$D/data/blob.bin" "$D/srv/archive/file_3.txt" >> "$expect"
      echo "mkdir $D/new"; echo "mkdir $D/new/dir_p2"; echo "mkdir $D/new/dir_p2/sub"
      printf 'absent\t%s\n' "$D/new" "$D/new/dir_p2" "$D/new/dir_p2/sub" >> "$expect"
      n=$((RANDOM % 4 + 2))
      for ((j = 1; j <= n; j++)); do
        echo "lines $D/new/p2_file_$j.txt $((j * 150)) new file $j of seed $seed, row"; printf 'absent\t%s\n' "$D/new/p2_file_$j.txt" >> "$expect"
      done
      echo "write $D/new/dir_p2/sub/nested.txt nested file of seed $seed"
      echo "symlink ../var/log/app.log $D/new/link_to_log"
      printf 'absent\t%s\n' "$D/new/dir_p2/sub/nested.txt" "$D/new/link_to_log" >> "$expect"
      echo "delete $D/srv/archive/file_1.txt"
      echo "rename $D/srv/archive/file_2.txt $D/docs/renamed_file_2.txt"
      printf 'gone\t%s\n' "$D/srv/archive/file_1.txt" "$D/srv/archive/file_2.txt" >> "$expect"
      printf 'absent\t%s\n' "$D/docs/renamed_file_2.txt" >> "$expect"
      echo "chmod 0600 $D/docs/readme.txt"; echo "chmod 0700 $D/etc/app.conf"
      printf 'mode\t%s\n' "$D/docs/readme.txt" "$D/etc/app.conf" >> "$expect"
      echo "chown 2000:2000 $D/a/b/c/d/deep.txt"
      printf 'owner\t%s\n' "$D/a/b/c/d/deep.txt" >> "$expect";;
    files:*)
      n=${workload#files:}
      echo "files $D/many $n"
      printf 'absent\t%s\n' "$D/many" "$D/many/d000" "$D/many/d000/f0000000.bin" \
        "$D/many/d$(printf %03d $(((n - 1) / 1000)))/f$(printf %07d $((n - 1))).bin" >> "$expect";;
  esac
  # the tmpfs never reaches any disk
  echo "write $T/session.txt session token of seed $seed: $RANDOM$RANDOM"
  echo "mkdir $T/cache"
  echo "fill $T/cache/blob.dat $(((RANDOM % 100 + 20) * 1024))"
  echo "write $T/secret.key -----BEGIN FAKE KEY----- $RANDOM$RANDOM"
  echo "chmod 0600 $T/secret.key"
}

start_guest() {
  local ram=256 workload=default rounds=2 seed=404 kernel=6.1 files=0
  while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "live-guest.sh: $1 needs a value" >&2; return 2; }
    case "$1" in
      --ram) ram=$2;; --workload) workload=$2;; --rounds) rounds=$2;; --seed) seed=$2;; --kernel) kernel=$2;;
      *) echo "live-guest.sh: unknown option '$1' (--ram MB, --workload default|files:N, --rounds N, --seed N, --kernel 6.1|6.12)" >&2; return 2;;
    esac
    shift 2
  done
  [[ "$ram" =~ ^[0-9]+$ ]] && [ "$ram" -ge 128 ] && [ "$ram" -le 4096 ] || { echo "live-guest.sh: --ram must be 128..4096 (MiB)" >&2; return 2; }
  [[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || { echo "live-guest.sh: --rounds must be 1..20" >&2; return 2; }
  [[ "$seed" =~ ^[0-9]{1,9}$ ]] || { echo "live-guest.sh: --seed must be a number (0-999999999)" >&2; return 2; }
  case "$kernel" in 6.1|6.12) ;; *) echo "live-guest.sh: --kernel must be 6.1 or 6.12" >&2; return 2;; esac
  case "$workload" in
    default) ;;
    files:*) files=${workload#files:}
      [[ "$files" =~ ^[0-9]{1,6}$ ]] && [ "$files" -ge 1 ] && [ "$files" -le 100000 ] || { echo "live-guest.sh: --workload files:N needs 1 <= N <= 100000" >&2; return 2; }
      # each cached file costs its page, its inode and its dentry (about 8 KiB) on top of a 160 MiB guest
      [ "$ram" -ge $((160 + files / 128)) ] || { echo "live-guest.sh: --workload $workload needs --ram >= $((160 + files / 128)) to stay in the page cache" >&2; return 2; };;
    *) echo "live-guest.sh: --workload must be default or files:N" >&2; return 2;;
  esac
  [ ${#dir} -le 90 ] || { echo "live-guest.sh: $dir is too long for its UNIX sockets (90 characters at most)" >&2; return 2; }
  mkdir -p "$dir" || return 2
  # shellcheck source=guest/image.sh
  . "$ROOT/releng/guest/image.sh"
  guest_needs live-guest.sh
  guest_program || return 2
  local K; K=$("$ROOT/releng/guest/kernel.sh" "$kernel") || { echo "live-guest.sh: no Debian $kernel kernel (releng/guest/kernel.sh)" >&2; return 2; }
  local W=$dir/.work; mkdir -p "$W/seed"
  live_script "$seed" "$rounds" "$workload" "$dir/expect.tsv" > "$dir/script.txt"
  local parts; parts=$("$PROG" check "$dir/script.txt") || { echo "live-guest.sh: the workload script is wrong (above)" >&2; return 2; }
  seed_tree "$W/seed" "$seed"
  # files:N: room for 2.5 times the dirty data (ext4 writes delayed allocations back early when free space runs
  # short) and a journal that holds the whole cache-only part's metadata in one transaction (jbd2 commits early
  # once a transaction passes a quarter of the journal)
  local journal=$((16 + files / 256)) disk=$((64 + files / 256 + files * 12 / 1024)) out=$((32 + files / 1024))
  mke2fs -q -F -t ext4 -b 4096 -L live -U "$(printf '%08x-11fe-4%03x-8%03x-%012x' "$seed" $((seed % 4096)) $((seed % 4096)) "$seed")" \
    -N $((files + 4096)) -J size=$journal -E lazy_itable_init=0,lazy_journal_init=0,nodiscard -d "$W/seed" "$dir/disk.img" "${disk}M" >/dev/null ||
    { echo "live-guest.sh: mke2fs failed" >&2; return 2; }
  cp --sparse=always "$dir/disk.img" "$dir/disk.base.img"
  truncate -s "${out}M" "$dir/out.img"
  guest_initramfs "$dir/initramfs.cpio.gz" "$K" "$dir/script.txt" "$ROOT/releng/live-guest/guest-shell"
  echo "live-guest.sh: booting Debian $kernel ($(sed -n 's/^package=//p' "$K/package.txt")), $ram MiB, seed $seed, $rounds synced round(s), workload $workload, in $dir"
  python3 "$BOOT" --live --kernel "$K/vmlinuz" --initrd "$dir/initramfs.cpio.gz" --disk "$dir/disk.img" --log "$dir/writes.log" \
    --out-disk "$dir/out.img" --dir "$dir" --ram "$ram" --accel "${CACHESHADOW_ACCEL:-auto}" --timeout $((900 + files / 50)) \
    --append "rdinit=/guest-shell" ||
    { tail -n 20 "$dir/console.log" 2>/dev/null; python3 "$BOOT" --stop "$dir"; echo "live-guest.sh: the guest did not come up" >&2; return 1; }
  # the guest's own output: its listings, page hashes, BTF
  mkdir -p "$W/answer" "$dir/kernel"
  tar -xf "$dir/out.img" -C "$W/answer" 2>/dev/null && [ -s "$W/answer/manifest.tsv" ] && [ -s "$W/answer/pages.tsv" ] &&
    [ "$(head -c 2 "$W/answer/vmlinux.btf" | od -An -tx1 | tr -d ' ')" = 9feb ] ||
    { python3 "$BOOT" --stop "$dir"; echo "live-guest.sh: the guest's output is incomplete (manifest.tsv, pages.tsv, vmlinux.btf)" >&2; return 1; }
  mv "$W/answer"/manifest.tsv "$W/answer"/manifest.round-*.tsv "$W/answer"/pages.tsv "$W/answer"/operations.txt \
    "$W/answer"/generations.tsv "$W/answer"/iomem.txt "$dir/"
  mv "$W/answer/vmlinux.btf" "$dir/kernel/vmlinux.btf"
  cp "$K/vmlinuz" "$K/config" "$dir/kernel/"
  local pid; pid=$(cat "$dir/pid")
  { echo "# live guest started by releng/live-guest.sh"
    echo "pid=$pid"
    echo "ram=$dir/ram"
    echo "qmp=$dir/qmp.sock"
    echo "guest_shell=$dir/guest.sock"
    echo "ram_mib=$ram"
    echo "kernel=$kernel $(sed -n 's/^package=//p' "$K/package.txt") $(sed -n 's/^version=//p' "$K/package.txt") ($(sed -n 's/^release=//p' "$K/package.txt"))"
    echo "kaslr=on"
    sed 's/^/guest_/' "$W/answer/guest.txt"
    echo "seed=$seed"
    echo "workload=$workload"
    echo "rounds=$rounds"
    echo "disk=$dir/disk.img (in use by the guest; stale against its page cache)"
    echo "writes_log=$dir/writes.log (grows while the guest writes)"
    echo "stop=$ROOT/releng/live-guest.sh stop $dir"; } > "$dir/live.txt.new"
  rm -rf "$W" "$dir/out.img"
  mv "$dir/live.txt.new" "$dir/live.txt"
  echo "live-guest.sh: guest left running: pid $pid, ready in $dir"
}

case "$cmd" in
  start)
    rm -rf "$dir.rc"; mkdir -p "$(dirname "$dir")"
    dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")
    # Every way out leaves DIR.rc, so the waiting test never waits for a guest that is not coming.
    [ ! -d "$dir" ] || python3 "$BOOT" --stop "$dir" >/dev/null 2>&1
    rm -rf "$dir"
    shift 2
    start_guest "$@" > "$dir.log" 2>&1
    rc=$?
    echo "$rc" > "$dir.rc"
    exit "$rc";;
  stop)
    [ ! -d "$dir" ] || python3 "$BOOT" --stop "$dir" >> "$dir.log" 2>&1 || true;;
  run)
    [ $# -eq 3 ] || { echo "usage: live-guest.sh run DIR COMMAND" >&2; exit 2; }
    exec python3 - "$dir/guest.sock" "$3" <<'PYEOF'
import socket, sys
sock, cmd = sys.argv[1], sys.argv[2]
if "\n" in cmd or "\r" in cmd: sys.exit("live-guest.sh run: the command must be one line")
s = socket.socket(socket.AF_UNIX)
s.settimeout(120)
try: s.connect(sock)
except OSError as e: sys.exit(f"live-guest.sh run: {sock}: {e} (no guest shell: is the guest running?)")
s.sendall(cmd.encode() + b"\n")
f = s.makefile("rb")
head = f.readline().decode("utf-8", "replace").split()
if len(head) != 3 or head[0] != "GUEST-SHELL": sys.exit(f"live-guest.sh run: unexpected answer {head}")
out = f.read(int(head[2]))
sys.stdout.buffer.write(out + (b"\n" if out else b""))
sys.exit(int(head[1]))
PYEOF
    ;;
  *) echo "usage: live-guest.sh start|stop|run DIR [COMMAND]" >&2; exit 2;;
esac
