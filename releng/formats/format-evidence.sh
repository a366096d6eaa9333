#!/usr/bin/env bash
# Real evidence in the formats examiners receive, made by the real tools at test time and cached under build/:
#   format-evidence.sh disks SET_DIR OUT_DIR
#       SET_DIR/disk.img converted by qemu-img (VMDK monolithic sparse and stream-optimized, VHD dynamic and fixed,
#       exact and CHS-rounded sizes, VHDX) and acquired by ewfacquire (E01: deflate best in one segment; stored chunks
#       in 20 MiB segments .E01-.E04). About 2 s.
#   format-evidence.sh dumps LIVE_DIR OUT_DIR
#       the running guest of releng/live-guest.sh paused once over QMP and dumped by dump-guest-memory as ELF and as
#       kdump-zlib (QEMU writes makedumpfile's flattened form), resumed; makedumpfile -R reassembles the kdump file;
#       kdump-lzo and kdump-snappy are that dump's pages compressed again by liblzo2 / libsnappy
#       (kdump-recompress.py) where this QEMU lacks those formats (Debian's QEMU 7.2 offers elf, kdump-zlib, win-dmp);
#       the guest's kernel/ copied beside. About 10 s on a 256 MiB guest.
# OUT_DIR/complete marks a finished set: an existing one is kept (delete OUT_DIR to make it again).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cmd=${1:-}; src=${2:-}; out=${3:-}
[ -n "$out" ] || { echo "usage: format-evidence.sh disks SET_DIR OUT_DIR | dumps LIVE_DIR OUT_DIR" >&2; exit 2; }
[ -f "$out/complete" ] && exit 0
rm -rf "$out.tmp"; mkdir -p "$out.tmp"; t="$out.tmp"
case "$cmd" in
  disks)
    raw="$src/disk.img"
    qemu-img convert -q -f raw -O vmdk -o subformat=monolithicSparse "$raw" "$t/disk.sparse.vmdk"
    qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized "$raw" "$t/disk.stream.vmdk"
    qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on "$raw" "$t/disk.dynamic.vhd"
    qemu-img convert -q -f raw -O vpc -o subformat=fixed,force_size=on "$raw" "$t/disk.fixed.vhd"
    qemu-img convert -q -f raw -O vpc -o subformat=dynamic "$raw" "$t/disk.dynamic-chs.vhd"
    qemu-img convert -q -f raw -O vhdx "$raw" "$t/disk.vhdx"
    ewfacquire -u -q -t "$t/disk" -c deflate:best -d sha256 "$raw" > "$t/ewfacquire.log" 2>&1
    ewfacquire -u -q -t "$t/segmented" -c none -S 20MiB "$raw" >> "$t/ewfacquire.log" 2>&1
    ;;
  dumps)
    command -v makedumpfile >/dev/null || { echo "format-evidence.sh: no makedumpfile (apt-get install makedumpfile)" >&2; exit 2; }
    /usr/bin/python3 - "$src/qmp.sock" "$t" <<'PYEOF'
import json, socket, sys
sock, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX); s.settimeout(300); s.connect(sock); f = s.makefile("rw")
def call(cmd, **args):
    f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "error" in r: sys.exit(f"QMP {cmd}: {r['error']}")
        if "return" in r: return r["return"]
json.loads(f.readline()); call("qmp_capabilities")
was_running = call("query-status")["running"]
if was_running: call("stop")
try:
    for fmt, name in [("elf", "memory.elf"), ("kdump-zlib", "memory.kdump-zlib.flat")]:
        call("dump-guest-memory", paging=False, protocol="file:" + out + "/" + name, format=fmt)
finally:
    if was_running: call("cont")
PYEOF
    makedumpfile -R "$t/memory.kdump-zlib" < "$t/memory.kdump-zlib.flat" > "$t/makedumpfile.log" 2>&1
    "$HERE/kdump-recompress.py" lzo "$t/memory.kdump-zlib" "$t/memory.kdump-lzo"
    "$HERE/kdump-recompress.py" snappy "$t/memory.kdump-zlib" "$t/memory.kdump-snappy"
    cp -r "$src/kernel" "$t/kernel"
    ;;
  *) echo "format-evidence.sh: unknown command $cmd" >&2; exit 2 ;;
esac
chmod a-w "$t"/*.* 2>/dev/null || true
touch "$t/complete"
rm -rf "$out"; mv "$t" "$out"
