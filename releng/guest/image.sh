# What the project's own guests are made of (releng/guest/README.md), shared by releng/scenario.sh and
# releng/live-guest.sh: sourced, with ROOT set to the checkout.
#   guest_needs WHO                    installs what building and booting a guest needs and is missing
#   guest_program                      builds native/scenario/scenario-run.c static (when its source changed); sets PROG
#   seed_tree DIR SEED                 the disk's files before a script runs
#   guest_initramfs OUT KERNEL SCRIPT [FILE...]   the initramfs: busybox, the program, native/scenario/init as /init,
#                                      SCRIPT as /scenario.txt, the kernel's modules, and each FILE at its root

guest_needs() {
  local need=()
  command -v gcc >/dev/null && [ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(gcc libc6-dev)
  command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
  [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || need+=(busybox-static)
  for t in mke2fs:e2fsprogs cpio:cpio depmod:kmod xz:xz-utils zstd:zstd python3:python3; do command -v "${t%%:*}" >/dev/null || need+=("${t#*:}"); done
  if [ ${#need[@]} -gt 0 ]; then
    echo "$1: installing ${need[*]} (the guest is built and booted here)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
  fi
}

# the guest program, built static from native/ (rebuilt when its source changed)
guest_program() {
  local src=$ROOT/native/scenario/scenario-run.c
  PROG=$ROOT/build/native/cacheshadow-scenario
  if [ ! -x "$PROG" ] || [ "$src" -nt "$PROG" ]; then
    mkdir -p "$(dirname "$PROG")"
    gcc -static -O2 -Wall -o "$PROG.tmp.$$" "$src" || { echo "building $src failed" >&2; return 2; }
    mv "$PROG.tmp.$$" "$PROG"
  fi
}

# the disk's files before the script runs: a small server's tree (the paths native/scenario/README.md names), its
# contents seeded
seed_tree() {
  local d=$1 seed=$2 i n size
  RANDOM=$seed   # one fixed sequence; only ever read in this shell (a subshell or a pipe's side reseeds it)
  mkdir -p "$d/etc" "$d/docs" "$d/var/log" "$d/data" "$d/home/user" "$d/a/b/c/d" "$d/srv/archive"
  printf 'name=scenario-server\nseed=%s\nworkers=%s\n' "$seed" $((RANDOM % 16 + 1)) > "$d/etc/app.conf"
  echo "srv-$seed" > "$d/etc/hostname"
  n=$((RANDOM % 30 + 8))
  { echo "Operations handbook of srv-$seed"; for ((i = 1; i <= n; i++)); do echo "$i. check the backups, rotate the logs ($RANDOM)"; done; } > "$d/docs/readme.txt"
  ln -s readme.txt "$d/docs/latest"
  n=$((RANDOM % 200 + 60))
  for ((i = 1; i <= n; i++)); do
    printf '2026-01-0%d %02d:%02d:%02d app[%d]: request %d served in %d ms\n' $((i % 7 + 1)) $((i % 24)) $((i % 60)) $((RANDOM % 60)) $((seed % 900 + 100)) "$i" $((RANDOM % 900))
  done > "$d/var/log/app.log"
  size=$((RANDOM % 300 * 1024 + 40000))
  python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(int(sys.argv[1])).randbytes(int(sys.argv[2])))' "$seed" "$size" > "$d/data/blob.bin"
  printf 'renew the certificate\nmove the archive to cold storage\n' > "$d/home/user/todo.txt"
  echo "deep file of seed $seed" > "$d/a/b/c/d/deep.txt"
  n=$((RANDOM % 4 + 5))
  for ((i = 1; i <= n; i++)); do
    size=$((RANDOM % 8000 + 500))
    { echo "archived report $i of seed $seed"; head -c "$size" /dev/zero | tr '\0' "$(printf "\\$(printf '%03o' $((96 + i)))")"; echo; } > "$d/srv/archive/file_$i.txt"
  done
  chown -R 1000:1000 "$d/home/user" 2>/dev/null || true
}

guest_initramfs() {
  local out=$1 k=$2 script=$3 i
  shift 3
  i=$(mktemp -d "$out.d.XXXXXX")
  mkdir -p "$i/bin" "$i/lib/modules" "$i/proc" "$i/sys" "$i/dev" "$i/tmp"
  cp /bin/busybox "$i/bin/busybox"
  cp "$PROG" "$i/bin/cacheshadow-scenario"
  cp "$ROOT/native/scenario/init" "$i/init"
  cp "$script" "$i/scenario.txt"
  cp "$k"/modules/* "$i/lib/modules/"
  [ $# -eq 0 ] || cp "$@" "$i/"
  chmod 755 "$i/init" "$i/bin/busybox" "$i/bin/cacheshadow-scenario"
  (cd "$i" && find . -mindepth 1 | sort | cpio -o -H newc --quiet | gzip -1) > "$out"
  rm -rf "$i"
}
