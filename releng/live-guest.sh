#!/usr/bin/env bash
# A live QEMU guest for LiveGuestTest (issue #4: attach to a running guest, pause, analyze, resume), started with
# the shared evidence tool: make-evidence.sh --live DIR boots a real Debian kernel, runs the workload and leaves
# the guest running with its RAM in DIR/ram, QMP at DIR/qmp.sock and the guest's ground truth in DIR.
#   releng/live-guest.sh start DIR [OPTIONS]   # runs in the foreground; DIR.log gets the output, DIR.rc the exit status
#       OPTIONS go to make-evidence.sh and size the guest as the examiner needs, e.g.
#       --ram 1024 --workload files:10000 (1 GiB, 10,000 dirty cached files) or --ram 4096 (RAM split around the
#       PCI hole); later options win over the CI guest's defaults (--rounds 2 --no-dbg --seed 404).
#   releng/live-guest.sh stop DIR    # quits the guest (QMP quit, then by PID)
#   releng/live-guest.sh run DIR CMD # runs CMD (one line of sh) in the running guest: its output, its exit status
# The guest has a command shell on a second serial port, DIR/guest.sock (live-guest/: a QEMU wrapper first on PATH
# adds it; live-guest/guest-shell is the guest's side and its protocol), so tests can make it change its files.
# The test waits for DIR/live.txt (ready) or DIR.rc (failed), so test.sh starts the guest in the background and
# builds meanwhile.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOL="${CACHESHADOW_SHARED:-$ROOT/../shared}/evidence/make-evidence.sh"
cmd=${1:-}; dir=${2:-}
[ -n "$dir" ] || { echo "usage: live-guest.sh start DIR [make-evidence options] | stop DIR | run DIR COMMAND" >&2; exit 2; }
case "$cmd" in
  start)
    rm -rf "$dir.rc"; mkdir -p "$(dirname "$dir")"
    # Every way out leaves DIR.rc, so the waiting test never waits for a guest that is not coming.
    if [ ! -f "$TOOL" ]; then echo "live-guest.sh: no $TOOL" > "$dir.log"; echo 2 > "$dir.rc"; exit 2; fi
    bash "$TOOL" --stop "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
    # Two synced rounds are enough for the page cache; no -dbg download (the test reads the snapshot alone).
    shift 2
    PATH="$ROOT/releng/live-guest:$PATH" bash "$TOOL" --live "$dir" --rounds 2 --no-dbg --seed 404 "$@" > "$dir.log" 2>&1
    rc=$?
    echo "$rc" > "$dir.rc"
    exit "$rc";;
  stop)
    [ -f "$TOOL" ] && bash "$TOOL" --stop "$dir" >> "$dir.log" 2>&1 || true;;
  run)
    [ $# -eq 3 ] || { echo "usage: live-guest.sh run DIR COMMAND" >&2; exit 2; }
    exec python3 - "$dir/guest.sock" "$3" <<'PYEOF'
import socket, sys
sock, cmd = sys.argv[1], sys.argv[2]
if "\n" in cmd or "\r" in cmd: sys.exit("live-guest.sh run: the command must be one line")
s = socket.socket(socket.AF_UNIX)
s.settimeout(120)
try: s.connect(sock)
except OSError as e: sys.exit(f"live-guest.sh run: {sock}: {e} (no guest shell: started by an older live-guest.sh?)")
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
