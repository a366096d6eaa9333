#!/usr/bin/env bash
# A real Debian kernel for the project's own QEMU guests (releng/guest/README.md), fetched as the archive ships it and
# kept in a cache; prints the folder that holds it:
#   releng/guest/kernel.sh 6.1|6.12
#   vmlinuz  config  System.map   the package's /boot files as they are (System.map: the package's own, a stub; the
#                                 real one is in the -dbg package, about 1 GB, which the guests do not need)
#   modules/ *.ko  order          what the guest's /init loads for its virtio disks and ext4, uncompressed
#                                 (busybox's insmod reads no .ko.xz), in load order; built-in drivers are skipped
#   package.txt                   package, version, kernel release, the suite it came from
# The packages are those the samples were made with (build/samples/*/meta.txt): 6.1 = linux-image-6.1.0-56-amd64
# 6.1.192-2 (bookworm-security), 6.12 = linux-image-6.12.117+deb13-amd64-unsigned 6.12.117-1 (trixie); when the
# archive no longer has one, the suite's current kernel of that series (its linux-image-amd64), said on stderr.
# 6.12 on a bookworm host comes from trixie through a private apt state in the cache (the system's apt is not
# changed; the archive URIs are the system's own). Cache: CACHESHADOW_GUEST_CACHE, default
# ${XDG_CACHE_HOME:-~/.cache}/cacheshadow-guest; the .deb is verified by apt (signed Release, SHA-256).
set -euo pipefail
die() { echo "guest kernel: $*" >&2; exit 2; }
series=${1:-}
case "$series" in
  6.1) want=linux-image-6.1.0-56-amd64; suite=bookworm;;
  6.12) want=linux-image-6.12.117+deb13-amd64-unsigned; suite=trixie;;
  *) die "usage: kernel.sh 6.1|6.12";;
esac
CACHE=${CACHESHADOW_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cacheshadow-guest}
mkdir -p "$CACHE"; CACHE=$(cd "$CACHE" && pwd)
for t in dpkg-deb depmod modprobe xz zstd; do command -v "$t" >/dev/null || die "needs $t (dpkg, kmod, xz-utils, zstd)"; done

# apt as the system has it when it knows the series' packages, else a private state for the suite; a system whose
# package lists were never fetched (a fresh container) gets them first
apt_opts=()
apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt-get update -qq >&2 || die "apt-get update failed"
if ! apt-cache show "$want" >/dev/null 2>&1 && ! grep -qs "^VERSION_CODENAME=$suite$" /etc/os-release; then
  state=$CACHE/apt-$suite
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  key=/usr/share/keyrings/debian-archive-keyring.gpg
  # the system's archive URIs (deb822 .sources or one-line .list), the main one and the security one
  uris=$({ cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | sed -n 's/^URIs:[[:space:]]*//p'
         { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
           awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }')
  main=$(grep -v -- -security <<< "$uris" | grep -m1 debian || true); sec=$(grep -m1 -- -security <<< "$uris" || true)
  [ -n "$main" ] || die "no Debian archive URI in the system's apt sources"
  { echo "deb [signed-by=$key] $main $suite main"; [ -z "$sec" ] || echo "deb [signed-by=$key] $sec $suite-security main"; } > "$state/sources.list.new"
  cmp -s "$state/sources.list.new" "$state/sources.list" || { mv "$state/sources.list.new" "$state/sources.list"; rm -f "$state/updated"; }
  rm -f "$state/sources.list.new"
  apt_opts=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$state/lists"
    -o "Dir::Cache=$state/cache")
  if [ ! -f "$state/updated" ] || [ -n "$(find "$state/updated" -mmin +1440)" ]; then
    echo "guest kernel: apt update of $suite (private state in $state)" >&2
    apt-get "${apt_opts[@]}" update -qq > "$state/update.log" 2>&1 || { cat "$state/update.log" >&2; die "apt-get update of $suite failed"; }
    touch "$state/updated"
  fi
fi
pkg=$want
if ! apt-cache "${apt_opts[@]}" show "$pkg" >/dev/null 2>&1; then
  [ -f "$CACHE/$pkg/package.txt" ] || {
    pkg=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    case "$pkg" in linux-image-$series[.-]*) ;; *) die "the archive has neither $want nor a $series kernel behind linux-image-amd64 ('$pkg')";; esac
    echo "guest kernel: $want is no longer in the archive; using $pkg" >&2; }
fi
K=$CACHE/$pkg
if [ ! -f "$K/package.txt" ]; then
  work=$CACHE/.work-$$; rm -rf "$work"; mkdir -p "$work/x"
  trap 'rm -rf "$work"' EXIT
  echo "guest kernel: downloading $pkg" >&2
  (cd "$work" && apt-get "${apt_opts[@]}" download "$pkg" > download.log 2>&1) || { cat "$work/download.log" >&2; die "apt-get download $pkg failed"; }
  deb=$(ls "$work"/*.deb)
  dpkg-deb -x "$deb" "$work/x"
  # bookworm keeps modules in /lib/modules, trixie in /usr/lib/modules (merged /usr)
  base=$work/x; [ -d "$base/lib/modules" ] || base=$work/x/usr
  release=$(ls "$base/lib/modules")
  [ -f "$work/x/boot/vmlinuz-$release" ] || die "$pkg has no /boot/vmlinuz-$release"
  rm -rf "$K.new"; mkdir -p "$K.new/modules"
  cp "$work/x/boot/vmlinuz-$release" "$K.new/vmlinuz"
  cp "$work/x/boot/config-$release" "$K.new/config"
  cp "$work/x/boot/System.map-$release" "$K.new/System.map"
  depmod -b "$base" "$release"
  # virtio-pci and virtio-blk for the disks, ext4 with what it needs, crc32c for its checksums: modprobe's own order
  : > "$K.new/modules/order"
  for m in virtio_pci virtio_blk ext4 crc32c_generic; do
    modprobe -d "$base" -S "$release" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }'
  done | awk '!seen[$0]++' | while read -r ko; do
    name=$(basename "$ko"); name=${name%%.ko*}.ko
    case "$ko" in *.xz) xz -dc "$ko";; *.zst) zstd -qdc "$ko";; *.gz) gzip -dc "$ko";; *) cat "$ko";; esac > "$K.new/modules/$name"
    echo "$name" >> "$K.new/modules/order"
  done
  printf 'package=%s\nversion=%s\nrelease=%s\nsuite=%s\nsha256=%s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" "$release" \
    "$(grep -h "^Get:" "$work/download.log" | head -n 1 | awk '{ print $3 }')" "$(sha256sum < "$deb" | cut -d' ' -f1)" > "$K.new/package.txt"
  rm -rf "$K"; mv "$K.new" "$K"
fi
echo "$K"
