#!/usr/bin/env python3
"""Boots one of the project's QEMU guests to its snapshot, or leaves it running (releng/guest/README.md).

  boot.py --kernel VMLINUZ --initrd CPIO.GZ --disk IMG --log WRITES.LOG --out-disk IMG --dir DIR
          [--ram MB] [--accel auto|kvm|tcg] [--timeout S] [--append ARGS] [--live]
  boot.py --stop DIR         quits a guest left running with --live (QMP quit, then by its PID)

The guest's disk IMG sits behind QEMU's blklogwrites node, so every write the guest makes goes to WRITES.LOG in the
dm-log-writes format as well; a second disk (--out-disk, /dev/vdb in the guest) is where the guest leaves its
own output. The guest's console (ttyS0) goes to DIR/console.log; its /init speaks through lines there:
  CACHESHADOW-ROUND-<K>-SYNCED ...   round K is on the disk: the host samples the write log's size now
  CACHESHADOW-FATAL <why>            the guest failed (exit 1 with that line)
  CACHESHADOW-READY                  the guest is done: the host pauses it (QMP stop), dumps its memory with QMP
                                     dump-guest-memory (ELF, paging off) to DIR/memory.elf and copies IMG and
                                     WRITES.LOG while it is paused (DIR/disk.img, DIR/writes.log), then quits it
A kernel panic or QEMU's exit before READY fails the run. Written to DIR as well: timeline.tsv (the host's samples
of the write log with the guest's lines, as the shared evidence sets have it, with entries_complete),
rounds.tsv (each round: the entries complete when its SYNCED line came), writes.index.tsv (one line per log entry)
and boot.txt (accelerator, QEMU command line, times). Then checks that the whole write log replayed onto IMG as it
was before boot is DIR/disk.img, byte for byte (exit 1 when not).

With --live the guest is left running at READY instead, for tools that attach to a running guest: its RAM is the
shared file DIR/ram (memory-backend-file, share=on: the host sees the guest's memory there), QMP stays at
DIR/qmp.sock, its second serial port (ttyS1) is the UNIX socket DIR/guest.sock, QEMU's PID goes to DIR/pid and QEMU
runs in a session of its own, so it outlives this script. IMG and WRITES.LOG stay in use by the guest (no copies,
no memory dump, no replay check); timeline.tsv, rounds.tsv and writes.index.tsv are as of READY.
"""
import argparse, hashlib, json, os, re, shutil, socket, struct, subprocess, sys, time

LOG_MAGIC = 0x6a736677736872
FLAG_NAMES = ((1, "FLUSH"), (2, "FUA"), (4, "DISCARD"), (8, "MARK"), (16, "METADATA"))


def log_entries(data):
    """dm-log-writes entries: (index, header offset, data offset, sector, sectors, flags, end offset). QEMU counts
    entries in the superblock only at a flush, so the log is read past that count to its first blank header."""
    if len(data) < 28:
        return 512, []
    magic, _version, count, ssz = struct.unpack_from("<QQQI", data, 0)
    if magic != LOG_MAGIC or ssz not in (512, 1024, 2048, 4096):
        raise SystemExit(f"write log: not dm-log-writes (magic {magic:#x}, sector size {ssz})")
    out, pos = [], ssz
    while pos + 32 <= len(data):
        sector, sectors, flags, mark_len = struct.unpack_from("<QQQQ", data, pos)
        if (sector, sectors, flags, mark_len) == (0, 0, 0, 0) and len(out) >= count:
            break
        if flags & ~0x1f:
            break
        header = pos
        pos += ssz + (mark_len + ssz - 1) // ssz * ssz
        start = pos
        if not flags & 4:
            pos += sectors * ssz
        if pos > len(data):
            break
        out.append((len(out), header, start, sector, sectors, flags, pos))
    return ssz, out


class Qmp:
    def __init__(self, path, qemu, timeout=60):
        t0 = time.time()
        while True:
            self.sock = socket.socket(socket.AF_UNIX)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if qemu is not None and qemu.poll() is not None:
                    raise SystemExit(f"QEMU exited ({qemu.returncode}) before its QMP socket was up")
                if time.time() - t0 > timeout:
                    raise SystemExit(f"no QMP socket at {path} after {timeout} s")
                time.sleep(0.1)
        self.io = self.sock.makefile("rwb")
        self.reply()
        self.run("qmp_capabilities")

    def reply(self):
        while True:
            line = self.io.readline()
            if not line:
                raise EOFError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def run(self, command, **arguments):
        self.io.write(json.dumps({"execute": command, "arguments": arguments}).encode() + b"\n")
        self.io.flush()
        msg = self.reply()
        if "error" in msg:
            raise SystemExit(f"QMP {command}: {msg['error']}")
        return msg.get("return")


def kvm_boots(kernel):
    """KVM is used when a kernel boots under it: /dev/kvm can be there and still not run a guest (nested)."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    probe = "/tmp/cacheshadow-kvm-probe-%d.log" % os.getpid()
    q = subprocess.Popen(["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host,-arch-capabilities", "-m", "256", "-nodefaults",
                          "-display", "none", "-no-reboot", "-serial", "file:" + probe, "-kernel", kernel, "-append", "console=ttyS0 panic=-1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if q.poll() is not None:
                return False
            if os.path.exists(probe) and b"Linux version" in open(probe, "rb").read():
                return True
            time.sleep(0.1)
        return False
    finally:
        q.kill()
        q.wait()
        if os.path.exists(probe):
            os.unlink(probe)


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for o in ("--kernel", "--initrd", "--disk", "--log", "--out-disk", "--dir"):
        a.add_argument(o, required=True)
    a.add_argument("--ram", type=int, default=256)
    a.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto")
    a.add_argument("--timeout", type=int, default=900)
    a.add_argument("--append", default="")
    a.add_argument("--live", action="store_true")
    if sys.argv[1:2] == ["--stop"]:
        if len(sys.argv) != 3:
            a.error("--stop DIR")
        return stop(os.path.abspath(sys.argv[2]))
    o = a.parse_args()
    run = os.path.abspath(o.dir)
    os.makedirs(run, exist_ok=True)
    base = os.path.join(run, "disk.before-boot.img")
    if not o.live:
        shutil.copyfile(o.disk, base)
    open(o.log, "wb").close()
    accel = o.accel if o.accel != "auto" else ("kvm" if kvm_boots(o.kernel) else "tcg")
    qmp_path, console = os.path.join(run, "qmp.sock"), os.path.join(run, "console.log")
    ram_file, shell, pid_file = os.path.join(run, "ram"), os.path.join(run, "guest.sock"), os.path.join(run, "pid")
    for p in (qmp_path, console, ram_file, shell, pid_file):
        if os.path.exists(p):
            os.unlink(p)
    argv = ["qemu-system-x86_64"] + (["-accel", "kvm", "-cpu", "host,-arch-capabilities"] if accel == "kvm"
                                     else ["-accel", "tcg,thread=single", "-cpu", "max,la57=off"]) + [
        "-machine", "pc,memory-backend=ram0" if o.live else "pc", "-m", f"{o.ram}M", "-smp", "1", "-nodefaults", "-display", "none", "-no-reboot", "-rtc", "base=utc",
        "-kernel", o.kernel, "-initrd", o.initrd, "-append", ("console=ttyS0 loglevel=4 panic=-1 " + o.append).strip(),
        "-blockdev", f"driver=file,filename={os.path.abspath(o.disk)},node-name=hd0file",
        "-blockdev", f"driver=file,filename={os.path.abspath(o.log)},node-name=hd0log",
        "-blockdev", "driver=blklogwrites,node-name=hd0,file=hd0file,log=hd0log,log-sector-size=512",
        "-device", "virtio-blk-pci,drive=hd0,addr=0x4",
        "-blockdev", f"driver=file,filename={os.path.abspath(o.out_disk)},node-name=out0",
        "-device", "virtio-blk-pci,drive=out0,addr=0x5",
        "-serial", "file:" + console, "-qmp", f"unix:{qmp_path},server=on,wait=off"]
    if o.live:
        argv += ["-object", f"memory-backend-file,id=ram0,size={o.ram}M,mem-path={ram_file},share=on",
                 "-serial", f"unix:{shell},server=on,wait=off"]
    t0 = time.time()
    timeline = open(os.path.join(run, "timeline.tsv"), "w")
    samples = []

    def sample(event, detail=""):
        now = time.time()
        size = os.path.getsize(o.log) if os.path.exists(o.log) else -1
        count = -1
        if size >= 28:
            with open(o.log, "rb") as f:
                count = struct.unpack_from("<QQQI", f.read(28))[2]
        samples.append([f"{now:.6f}", f"{now - t0:.3f}", event, str(size), str(count), detail])
        return now - t0

    qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=open(os.path.join(run, "qemu.out"), "w"), stderr=subprocess.STDOUT,
                            start_new_session=o.live)
    times, left_running = {}, False
    try:
        sample("qemu-start", f"pid {qemu.pid} ({accel})")
        qmp = Qmp(qmp_path, qemu, timeout=180)  # a QEMU wrapper may start a service first (releng/recorder-guest)
        seen, pending, last_size, ready = 0, b"", -2, False
        while not ready:
            if time.time() - t0 > o.timeout:
                raise SystemExit(f"the guest was not ready after {o.timeout} s (console: {console})")
            if qemu.poll() is not None:
                raise SystemExit(f"QEMU exited ({qemu.returncode}) before the guest was ready (console: {console})")
            if os.path.exists(console):
                with open(console, "rb") as f:
                    f.seek(seen)
                    chunk = f.read()
                seen += len(chunk)
                pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                text = line.decode("utf-8", "replace").strip("\r")
                if text.startswith("Linux version") and "banner" not in times:
                    times["banner"] = sample("console", "kernel banner")
                if "Kernel panic" in text:
                    raise SystemExit("the guest's kernel panicked: " + text)
                if text.startswith("CACHESHADOW-"):
                    tag = text.split()[0]
                    times.setdefault(tag, sample("console", text[:200]))
                    if tag == "CACHESHADOW-FATAL":
                        raise SystemExit("the guest failed: " + text)
                    ready = tag == "CACHESHADOW-READY"
            size = os.path.getsize(o.log)
            if size != last_size:
                sample("log-size")
                last_size = size
            if not ready:
                time.sleep(0.05)
        if o.live:
            times["left_running"] = sample("host", f"guest left running (pid {qemu.pid})")
            qmp.sock.close()
            with open(pid_file, "w") as f:
                f.write(f"{qemu.pid}\n")
            left_running = True
            return finish(o, run, argv, accel, times, timeline, samples, o.log, None)
        times["stop"] = sample("qmp", "stop")
        qmp.run("stop")
        status = qmp.run("query-status")
        sample("qmp", "stopped: " + json.dumps(status))
        elf = os.path.join(run, "memory.elf")
        qmp.run("dump-guest-memory", paging=False, protocol="file:" + elf)
        times["dumped"] = sample("qmp", "dump-guest-memory done")
        # the disk and its log as they are while the guest is paused: QEMU flushes again when it quits
        shutil.copyfile(o.disk, os.path.join(run, "disk.img"))
        shutil.copyfile(o.log, os.path.join(run, "writes.log"))
        times["copied"] = sample("host", "disk and write log copied while paused")
        try:
            qmp.run("quit")
        except (EOFError, OSError):
            pass
        qemu.wait(60)
        sample("qemu-exit", str(qemu.returncode))
    except BaseException:
        write_timeline(timeline, samples, o.log, run)  # what there was, to see where it failed
        raise
    finally:
        if not left_running and qemu.poll() is None:
            qemu.kill()
            qemu.wait(30)
    log = os.path.join(run, "writes.log") if os.path.exists(os.path.join(run, "writes.log")) else o.log
    ok = replay_check(base, os.path.join(run, "writes.log"), os.path.join(run, "disk.img"), run)
    finish(o, run, argv, accel, times, timeline, samples, log, ok)
    os.unlink(base)
    if not ok:
        raise SystemExit(f"the write log replayed onto the disk as it was before boot is not the disk (see {run}/boot.txt)")


def finish(o, run, argv, accel, times, timeline, samples, log, replay_ok):
    """timeline.tsv, rounds.tsv, writes.index.tsv and boot.txt; replay_ok None: no replay check (a guest left running)."""
    write_timeline(timeline, samples, log, run)
    with open(os.path.join(run, "boot.txt"), "w") as f:
        f.write(f"accelerator={accel}\nram_mib={o.ram}\nqemu_version={subprocess.run(['qemu-system-x86_64', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}\n")
        f.write("qemu_argv=" + " ".join(argv).replace(run, "<dir>") + "\n")
        for k, v in times.items():
            f.write(f"time_{k.lower().replace('cacheshadow-', '').replace('-', '_')}_s={v:.3f}\n")
        if replay_ok is not None:
            f.write(f"replay_check={'PASS' if replay_ok else 'FAIL'}\n")


def stop(run):
    """Quits the guest left running in run: QMP quit, then SIGTERM and SIGKILL to the PID in run/pid, but only while
    that PID is still the QEMU of this folder (its command line names run/qmp.sock). The RAM file goes with it."""
    pid_file, qmp_path = os.path.join(run, "pid"), os.path.join(run, "qmp.sock")
    try:
        pid = int(open(pid_file).read().strip())
    except (OSError, ValueError):
        print(f"boot.py --stop: no guest left running in {run} (no pid file)", file=sys.stderr)
        pid = None

    def ours():
        try:
            return qmp_path.encode() in open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            return False
    if pid is not None and ours():
        try:
            q = Qmp(qmp_path, None, timeout=10)
            q.io.write(b'{"execute": "quit"}\n')
            q.io.flush()
        except (OSError, EOFError, SystemExit) as e:
            print(f"boot.py --stop: QMP quit failed ({e}); signalling {pid}", file=sys.stderr)
        for sig in (0, 15, 9):
            if sig:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
            for _ in range(100):
                if not ours():
                    break
                time.sleep(0.1)
            if not ours():
                break
        print(f"boot.py --stop: QEMU {pid} of {run} stopped", file=sys.stderr)
    for p in (pid_file, qmp_path, os.path.join(run, "ram"), os.path.join(run, "guest.sock")):
        if os.path.exists(p):
            os.unlink(p)


def write_timeline(out, samples, log, run):
    data = open(log, "rb").read()
    _, entries = log_entries(data)
    ends = [e[6] for e in entries]
    out.write("host_epoch\thost_rel_s\tevent\tlog_bytes\tlog_sb_nr_entries\tdetail\tentries_complete\n")
    rounds = []
    for s in samples:
        complete = sum(1 for e in ends if e <= int(s[3]))
        out.write("\t".join(s + [str(complete)]) + "\n")
        m = re.match(r"^CACHESHADOW-ROUND-(\d+)-SYNCED\b", s[5])
        if m:
            rounds.append((int(m.group(1)), s[0], complete, s[3], s[5]))
    out.close()
    with open(os.path.join(run, "rounds.tsv"), "w") as f:
        f.write("round\thost_epoch\tentries_complete\tlog_bytes\tguest_line\n")
        for r in sorted(rounds):
            f.write("\t".join(map(str, r)) + "\n")
    ssz, entries = log_entries(data)
    with open(os.path.join(run, "writes.index.tsv"), "w") as f:
        f.write("index\theader_offset\tdata_offset\tsector\tnr_sectors\tbyte_offset\tbyte_len\tflags\n")
        for (i, header, start, sector, sectors, flags, _) in entries:
            names = "|".join(n for bit, n in FLAG_NAMES if flags & bit) or "-"
            f.write(f"{i}\t{header}\t{start}\t{sector}\t{sectors}\t{sector * ssz}\t{sectors * ssz}\t{names}\n")


def replay_check(base, log, disk, run):
    """Every logged write applied in order onto the disk as it was before boot must give the disk."""
    data = open(log, "rb").read()
    ssz, entries = log_entries(data)
    image = bytearray(open(base, "rb").read())
    for (_, _, start, sector, sectors, flags, _) in entries:
        at, n = sector * ssz, sectors * ssz
        image[at:at + n] = bytes(n) if flags & 4 else data[start:start + n]
    got, want = hashlib.sha256(image).hexdigest(), hashlib.sha256(open(disk, "rb").read()).hexdigest()
    with open(os.path.join(run, "replay.txt"), "w") as f:
        f.write(f"{len(entries)} log entries replayed onto the disk as it was before boot: sha256 {got}\ndisk.img sha256 {want}\n")
    return got == want


if __name__ == "__main__":
    main()
