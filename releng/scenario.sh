#!/usr/bin/env bash
# A training scenario (./cacheshadow scenario; README "Training scenarios"): a real Debian guest under QEMU runs a
# scenario script, and DIR gets a case to examine and, kept apart, its answer key.
#   releng/scenario.sh --cli CMD --out DIR [--kernel 6.1|6.12] [--seed N] [--script FILE]
#   releng/scenario.sh --default-script SEED     # prints the script a seed chooses (no guest)
#   --guest-only instead of --cli: evidence/ and answer/ only (the CI scenario, made while the product builds;
#   ScenarioTest assembles the case). CACHESHADOW_ACCEL=tcg|kvm skips the evidence tool's KVM probe.
# CMD runs ./cacheshadow's command line (the case is made with its case commands). The guest is booted by the
# shared evidence tool (make-evidence.sh) with the QEMU wrapper of releng/live-guest/, which appends the
# scenario's own archive: native/scenario/workload.sh in place of the tool's workload, the script, and the static
# program native/scenario/scenario-run.c (built here with gcc -static). Layout of DIR:
#   case/       a case with the evidence registered (SHA-256, custody log)
#   evidence/   memory.elf disk.img disk.base.img writes.log kernel/ (vmlinuz config System.map vmlinux.btf)
#   answer/     manifest.tsv (the guest's own listing of /mnt/disk and /mnt/tmp at the snapshot), manifest.round-K.tsv
#               (its listing of /mnt/disk at each sync; the last is what the disk holds), key.tsv (what differs:
#               the findings to make), script.txt, operations.txt, the tool's verify.txt, meta.txt, serial.log, ...
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOL="${CACHESHADOW_SHARED:-$ROOT/../shared}/evidence/make-evidence.sh"
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
[ -f "$TOOL" ] || die "no evidence tool at $TOOL (CACHESHADOW_SHARED names the folder holding evidence/make-evidence.sh)"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then die "$OUT exists and is not empty (a scenario never writes over anything)"; fi
command -v gcc >/dev/null && [ -e /usr/lib/x86_64-linux-gnu/libc.a ] || {
  echo "cacheshadow scenario: installing gcc libc6-dev (the guest program is built static)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc libc6-dev >&2; }

# the guest program, built static from native/ (rebuilt when its source changed)
SRC=$ROOT/native/scenario/scenario-run.c
PROG=$ROOT/build/native/cacheshadow-scenario
if [ ! -x "$PROG" ] || [ "$SRC" -nt "$PROG" ]; then
  mkdir -p "$(dirname "$PROG")"
  gcc -static -O2 -Wall -o "$PROG.tmp" "$SRC" || die "building $SRC failed"
  mv "$PROG.tmp" "$PROG"
fi

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

# the scenario's archive: replaces the tool's /workload.sh; the script and the program beside it
AR=$WORKDIR/archive; mkdir -p "$AR/bin"
cp "$ROOT/native/scenario/workload.sh" "$AR/workload.sh"
cp "$OUT/answer/script.txt" "$AR/scenario.txt"
cp "$PROG" "$AR/bin/cacheshadow-scenario"; chmod 755 "$AR/bin/cacheshadow-scenario"
(cd "$AR" && find . -mindepth 1 | sort | cpio -o -H newc --quiet | gzip -1) > "$WORKDIR/scenario.cpio.gz"
# the tool's stale-disk checks are of its own workload; the scenario has its key instead
: > "$WORKDIR/expect.tsv"

echo "cacheshadow scenario: booting Debian $KERNEL under QEMU (seed $SEED, $ROUNDS synced part(s)); log: $OUT/answer/make-evidence.log" >&2
T0=$(date +%s.%N)
rc=0
PATH="$ROOT/releng/live-guest:$PATH" CACHESHADOW_GUEST_ARCHIVE=$WORKDIR/scenario.cpio.gz CACHESHADOW_GUEST_EXPECT=$WORKDIR/expect.tsv \
  bash "$TOOL" --out "$WORKDIR/evidence" --kernel "$KERNEL" --seed "$SEED" --rounds "$ROUNDS" --no-compress --formats elf \
  --no-dbg --accel "${CACHESHADOW_ACCEL:-auto}" > "$OUT/answer/make-evidence.log" 2>&1 || rc=$?
E=$WORKDIR/evidence
if [ "$rc" != 0 ] || [ ! -f "$E/memory.elf" ]; then
  grep -E 'ERROR|FAIL|FATAL' "$OUT/answer/make-evidence.log" "$E/verify.txt" "$E/serial.log" 2>/dev/null | head -20 >&2 || true
  die "the guest run failed (exit $rc; $OUT/answer/make-evidence.log; remove $OUT before running again)"
fi
echo "cacheshadow scenario: guest run and checks $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b-a}') s" >&2

# the answer key says the disk is the last sync's listing: nothing may have reached the disk after it
python3 - "$E/rounds.tsv" "$E/writes.index.tsv" "$ROUNDS" <<'PYEOF' || die "the guest wrote to its disk after its last sync; the answer key would not hold"
import sys
rounds = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
last = int(rounds[int(sys.argv[3]) - 1][2])
late = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()[1:] if int(l.split("\t")[0]) >= last]
data = [r for r in late if int(r[4]) != 0]
if data: sys.exit(f"{len(data)} data writes after entry {last}")
PYEOF

mkdir -p "$OUT/evidence/kernel"
for f in memory.elf disk.img disk.base.img writes.log; do mv "$E/$f" "$OUT/evidence/$f"; done
for f in vmlinuz config System.map vmlinux.btf; do [ -f "$E/kernel/$f" ] && mv "$E/kernel/$f" "$OUT/evidence/kernel/$f"; done
# the tool's initramfs (the scenario's archive, which holds the script, was appended to it at boot): not evidence
cp "$E/kernel/initramfs.cpio.gz" "$OUT/answer/initramfs.tool.cpio.gz" 2>/dev/null || true
for f in manifest.tsv manifest.json pages.tsv operations.txt rounds.tsv timeline.tsv writes.index.tsv verify.txt meta.txt serial.log iomem.txt; do
  [ -f "$E/$f" ] && mv "$E/$f" "$OUT/answer/$f"
done
mv "$E"/manifest.round-*.tsv "$OUT/answer/"
# the inodes' generations the guest printed on its console at the last sync (disk) and at the snapshot (guest)
{ printf 'listing\tpath\tgeneration\n'; tr -d '\r' < "$OUT/answer/serial.log" | sed -n 's/^SCENARIO-GEN-\(disk\|guest\)\t/\1\t/p'; } > "$OUT/answer/generations.tsv"
{ echo "seed=$SEED"; echo "kernel=$KERNEL"; echo "parts=$PARTS"; echo "script=${SCRIPT:-default of seed $SEED}"; } > "$OUT/answer/scenario.txt"
(cd "$OUT/evidence" && find . -type f | sort | sed 's|^\./||' | xargs sha256sum > "$OUT/answer/evidence.SHA256SUMS")
find "$OUT/evidence" -type f -exec chmod a-w {} +

[ "$GUEST_ONLY" = 1 ] && { echo "cacheshadow scenario: $OUT: evidence/ and answer/ (no case yet: --guest-only)" >&2; exit 0; }
"$CLI" scenario assemble "$OUT" >&2
echo "cacheshadow scenario: $OUT: case/ (to examine), evidence/, answer/ (keep it from the trainee; key.tsv: the findings)" >&2
