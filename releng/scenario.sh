#!/usr/bin/env bash
# A training scenario (./cacheshadow scenario; README "Training scenarios"): a real Debian guest under QEMU runs a
# scenario script, and DIR gets a case to examine and, kept apart, its answer key.
#   releng/scenario.sh --cli CMD --out DIR [--kernel 6.1|6.12] [--seed N] [--script FILE]
#   releng/scenario.sh --default-script SEED     # prints the script a seed chooses (no guest)
#   --guest-only instead of --cli: evidence/ and answer/ only (the CI scenario, made while the product builds;
#   ScenarioTest assembles the case). CACHESHADOW_ACCEL=auto|kvm|tcg (default auto: KVM when a kernel boots under it).
# CMD runs ./cacheshadow's command line (the case is made with its case commands). The guest is the project's own
# (releng/guest/README.md): releng/guest/kernel.sh fetches the Debian kernel package; an initramfs of busybox (static),
# the static program native/scenario/scenario-run.c (built here with gcc -static), the kernel's virtio and ext4 modules,
# native/scenario/init and the script; an ext4 disk seeded here; releng/guest/boot.py runs QEMU with that disk behind
# blklogwrites (writes.log) and dumps the memory with QMP dump-guest-memory. Layout of DIR:
#   case/       a case with the evidence registered (SHA-256, custody log)
#   evidence/   memory.elf disk.img disk.base.img writes.log kernel/ (vmlinuz config System.map vmlinux.btf)
#   answer/     manifest.tsv (the guest's own listing of /mnt/disk and /mnt/tmp at the snapshot), manifest.round-K.tsv
#               (its listing of /mnt/disk at each sync; the last is what the disk holds), key.tsv (what differs:
#               the findings to make), generations.tsv, script.txt, operations.txt, rounds.tsv, timeline.tsv,
#               writes.index.tsv, verify.txt, meta.txt, console.log, boot.log, ...
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
usage() { sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "cacheshadow scenario: $*" >&2; exit 2; }

# The script a seed chooses: the server's normal state (on the disk), a sync, then five to eight of the moves
# below in a seeded order with seeded names and sizes (cache and tmpfs only). Deterministic: bash's RANDOM
# after RANDOM=SEED is one fixed sequence.
default_script() {
  local seed=$1; RANDOM=$seed
  local names=(backup sync cache update helper agent) host=$((RANDOM % 200 + 20)) n
  local tool=${names[$((RANDOM % 6))]} loot=${names[$((RANDOM % 6))]}-$((RANDOM % 90 + 10))
  echo "# default scenario of seed $seed (releng/scenario.sh --default-script $seed)"
  echo "mkdir /mnt/disk/srv/www"
  echo "write /mnt/disk/srv/www/index.html <html><body>seed $seed</body></html>"
  echo "lines /mnt/disk/var/log/auth.log $((RANDOM % 60 + 20)) sshd[$((RANDOM % 9000 + 1000))]: Accepted publickey for deploy from 10.0.0.$host port 50122 ssh2 seq"
  echo "write /mnt/disk/home/user/notes-$seed.txt copied the customer table at $((RANDOM % 24)):00, delete this"
  echo "fill /mnt/disk/srv/archive/customers.db $((RANDOM % 40000 + 8000))"
  echo "write /mnt/disk/etc/motd authorized use only"
  echo "sync"
  local moves=(
    "mkdir /mnt/tmp/.$tool 700|fill /mnt/tmp/.$tool/$loot $((RANDOM % 50000 + 4096))|chmod 0755 /mnt/tmp/.$tool/$loot"
    "overwrite /mnt/disk/var/log/auth.log 0 sshd[0000]: Accepted publickey for deploy from 10.0.0.$((host + 1))"
    "delete /mnt/disk/home/user/notes-$seed.txt"
    "rename /mnt/disk/srv/archive/customers.db /mnt/disk/srv/archive/.$loot.db"
    "write /mnt/disk/srv/www/$tool.php <?php system(\$_GET['c']); ?>"
    "chmod 4755 /mnt/disk/srv/www/index.html"
    "append /mnt/disk/etc/motd welcome back, $tool"
    "chown 0:0 /mnt/disk/home/user/todo.txt"
    "symlink /mnt/tmp/.$tool /mnt/disk/srv/www/assets"
    "lines /mnt/disk/var/log/auth.log $((RANDOM % 5 + 1)) sshd[1]: Received disconnect from 10.0.0.$host"
  )
  # a seeded shuffle (Fisher-Yates), then the first 5-8
  local i j t
  for ((i = ${#moves[@]} - 1; i > 0; i--)); do j=$((RANDOM % (i + 1))); t=${moves[$i]}; moves[$i]=${moves[$j]}; moves[$j]=$t; done
  n=$((RANDOM % 4 + 5))
  for ((i = 0; i < n; i++)); do
    tr '|' '\n' <<< "${moves[$i]}"
  done
}

CLI=""; GUEST_ONLY=0; OUT=""; KERNEL=6.1; SEED=""; SCRIPT=""
[ "${1:-}" = --default-script ] && { [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--default-script needs a seed"; default_script "$2"; exit 0; }
while [ $# -gt 0 ]; do
  case "$1" in
    --cli) [ $# -ge 2 ] || usage; CLI=$2; shift 2;;
    --guest-only) GUEST_ONLY=1; shift;;
    --out) [ $# -ge 2 ] || die "--out needs a folder"; OUT=$2; shift 2;;
    --kernel) [ $# -ge 2 ] || die "--kernel needs 6.1 or 6.12"; KERNEL=$2; shift 2;;
    --seed) [ $# -ge 2 ] || die "--seed needs a number"; SEED=$2; shift 2;;
    --script) [ $# -ge 2 ] || die "--script needs a file"; SCRIPT=$2; shift 2;;
    -h|--help) usage;;
    *) die "unknown option '$1' (scenario --out DIR [--kernel 6.1|6.12] [--seed N] [--script FILE])";;
  esac
done
[ -n "$CLI" ] || [ "$GUEST_ONLY" = 1 ] || usage
[ -n "$OUT" ] || die "--out DIR is required"
case "$KERNEL" in 6.1|6.12) ;; *) die "--kernel must be 6.1 or 6.12, not '$KERNEL'";; esac
[ -z "$SEED" ] || [[ "$SEED" =~ ^[0-9]{1,9}$ ]] || die "--seed must be a number (0-999999999), not '$SEED'"
[ -n "$SEED" ] || SEED=$(( $(date +%s) % 1000000 ))
[ -z "$SCRIPT" ] || [ -f "$SCRIPT" ] || die "--script $SCRIPT: no such file"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then die "$OUT exists and is not empty (a scenario never writes over anything)"; fi
. "$ROOT/releng/guest/image.sh"
guest_needs "cacheshadow scenario"
guest_program || die "building the guest program failed"

# an examiner's script is checked by the guest's own program before anything is made: a bad line costs no boot
if [ -n "$SCRIPT" ]; then
  PARTS=$("$PROG" check "$SCRIPT") || die "the scenario script has errors (above); nothing was made"
  [ "$PARTS" -ge 2 ] || die "$SCRIPT needs a 'sync' line (the part before it is what the disk holds); nothing was made"
fi

mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
WORKDIR=$OUT/.scenario-work
mkdir -p "$WORKDIR" "$OUT/answer"
trap 'rm -rf "$WORKDIR"' EXIT
if [ -n "$SCRIPT" ]; then cp "$SCRIPT" "$OUT/answer/script.txt"; else default_script "$SEED" > "$OUT/answer/script.txt"; fi
PARTS=$("$PROG" check "$OUT/answer/script.txt") || die "the scenario script has errors (above); nothing was booted"
[ "$PARTS" -ge 2 ] || die "the scenario script needs a 'sync' line: the part before it is what the disk holds"
ROUNDS=$((PARTS - 1))

K=$("$ROOT/releng/guest/kernel.sh" "$KERNEL") || die "no Debian $KERNEL kernel (releng/guest/kernel.sh)"
G=$WORKDIR/guest; mkdir -p "$G/seed"
seed_tree "$G/seed" "$SEED"
mke2fs -q -F -t ext4 -b 4096 -L scenario -U "$(printf '%08x-5ce0-4%03x-8%03x-%012x' "$SEED" $((SEED % 4096)) $((SEED % 4096)) "$SEED")" -N 4096 \
  -E lazy_itable_init=0,lazy_journal_init=0,nodiscard -d "$G/seed" "$G/disk.img" 64M || die "mke2fs failed"
cp --sparse=always "$G/disk.img" "$G/disk.base.img"
truncate -s 32M "$G/out.img"
guest_initramfs "$G/initramfs.cpio.gz" "$K" "$OUT/answer/script.txt"

echo "cacheshadow scenario: booting Debian $KERNEL ($(sed -n 's/^package=//p' "$K/package.txt")) under QEMU (seed $SEED, $ROUNDS synced part(s)); log: $OUT/answer/boot.log" >&2
T0=$(date +%s.%N)
rc=0
python3 "$ROOT/releng/guest/boot.py" --kernel "$K/vmlinuz" --initrd "$G/initramfs.cpio.gz" --disk "$G/disk.img" --log "$G/writes.log" \
  --out-disk "$G/out.img" --dir "$G/run" --accel "${CACHESHADOW_ACCEL:-auto}" > "$OUT/answer/boot.log" 2>&1 || rc=$?
E=$G/run
if [ "$rc" != 0 ] || [ ! -f "$E/memory.elf" ]; then
  cp "$E/console.log" "$OUT/answer/console.log" 2>/dev/null || true
  { tail -n 5 "$OUT/answer/boot.log"; grep -E 'CACHESHADOW-FATAL|Kernel panic' "$E/console.log" 2>/dev/null | head -5; } >&2 || true
  die "the guest run failed (exit $rc; $OUT/answer/boot.log, console.log; remove $OUT before running again)"
fi
echo "cacheshadow scenario: guest run $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b-a}') s" >&2

# the guest's own output (its listings, generations, BTF) from its output disk
mkdir -p "$G/answer"
tar -xf "$G/out.img" -C "$G/answer" 2>/dev/null || die "the guest's output disk holds no archive"
[ -s "$G/answer/manifest.tsv" ] && [ "$(head -c 2 "$G/answer/vmlinux.btf" | od -An -tx1 | tr -d ' ')" = 9feb ] ||
  die "the guest's output is incomplete (manifest.tsv, vmlinux.btf)"

# the answer key says the disk is the last sync's listing: nothing may have reached the disk after it
python3 - "$E/rounds.tsv" "$E/writes.index.tsv" "$ROUNDS" <<'PYEOF' || die "the guest wrote to its disk after its last sync; the answer key would not hold"
import sys
rounds = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
if len(rounds) != int(sys.argv[3]): sys.exit(f"{len(rounds)} synced rounds seen, {sys.argv[3]} expected")
last = int(rounds[-1][2])
late = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()[1:] if int(l.split("\t")[0]) >= last]
data = [r for r in late if int(r[4]) != 0]
if data: sys.exit(f"{len(data)} data writes after entry {last}")
PYEOF

mkdir -p "$OUT/evidence/kernel"
mv "$E/memory.elf" "$E/disk.img" "$E/writes.log" "$OUT/evidence/"
mv "$G/disk.base.img" "$OUT/evidence/disk.base.img"
cp "$K/vmlinuz" "$K/config" "$K/System.map" "$OUT/evidence/kernel/"
mv "$G/answer/vmlinux.btf" "$OUT/evidence/kernel/vmlinux.btf"
for f in manifest.tsv generations.tsv operations.txt iomem.txt guest.txt; do mv "$G/answer/$f" "$OUT/answer/$f"; done
mv "$G/answer"/manifest.round-*.tsv "$OUT/answer/"
for f in rounds.tsv timeline.tsv writes.index.tsv console.log; do mv "$E/$f" "$OUT/answer/$f"; done
{ echo "PASS the whole writes.log replayed onto disk.base.img is disk.img: $(tail -n 1 "$E/replay.txt")"
  echo "PASS no data reached the disk after the last sync's entries (rounds.tsv, writes.index.tsv): only flushes"
  echo "PASS the guest's BTF (/sys/kernel/btf/vmlinux) starts with the BTF magic"; } > "$OUT/answer/verify.txt"
{ echo "# the scenario's guest (releng/scenario.sh)"
  echo "created_utc=$(date -u +%FT%TZ)"
  sed 's/^/kernel_/' "$K/package.txt"
  cat "$E/boot.txt"
  sed 's/^/guest_/' "$OUT/answer/guest.txt"
  echo "initramfs=busybox $(/bin/busybox | head -n 1 | awk '{ print $2 }'), cacheshadow-scenario, $(tr '\n' ' ' < "$K/modules/order")"
  echo "disk=ext4 64 MiB, 4 KiB blocks, seed tree of seed $SEED"; } > "$OUT/answer/meta.txt"
rm "$OUT/answer/guest.txt"
{ echo "seed=$SEED"; echo "kernel=$KERNEL"; echo "parts=$PARTS"; echo "script=${SCRIPT:-default of seed $SEED}"; } > "$OUT/answer/scenario.txt"
(cd "$OUT/evidence" && find . -type f | sort | sed 's|^\./||' | xargs sha256sum > "$OUT/answer/evidence.SHA256SUMS")
# evidence is read-only, and readable by all as the shared evidence sets are (QEMU writes its dump 0600)
find "$OUT/evidence" -type f -exec chmod 0444 {} +

[ "$GUEST_ONLY" = 1 ] && { echo "cacheshadow scenario: $OUT: evidence/ and answer/ (no case yet: --guest-only)" >&2; exit 0; }
"$CLI" scenario assemble "$OUT" >&2
echo "cacheshadow scenario: $OUT: case/ (to examine), evidence/, answer/ (keep it from the trainee; key.tsv: the findings)" >&2
