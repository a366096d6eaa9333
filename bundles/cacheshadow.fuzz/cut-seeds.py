#!/usr/bin/env python3
"""Cuts small seed inputs for the memory-side fuzz targets out of the evidence samples (releng/samples.sh):
real headers, notes and structures, with ranges shrunk so each seed stays a few KiB. Run from the repository root:
    python3 bundles/cacheshadow.fuzz/cut-seeds.py build/samples
Seeds it writes: seeds/ElfCoreFuzzer, LimeFuzzer, Qcow2Fuzzer (qemu-img), BtfFuzzer, SystemMapFuzzer, KallsymsFuzzer.
The targets over a sample snapshot get theirs from `releng/fuzz.sh --make-seeds`."""
import json
import os, shutil, struct, subprocess, sys, tempfile

SAMPLES = sys.argv[1] if len(sys.argv) > 1 else "build/samples"
SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
SETS = sorted(d for d in os.listdir(SAMPLES) if os.path.isdir(os.path.join(SAMPLES, d)))


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def elf_core(path, keep, extra_note=b""):
    """The core's ELF header, program headers and PT_NOTE as they are (plus `extra_note` at the end of the PT_NOTE);
    each PT_LOAD cut to its first `keep` bytes."""
    with open(path, "rb") as f:
        h = f.read(64)
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        ph = bytearray(f.read(phentsize * phnum))
        out = bytearray(h) + bytearray(phoff - 64) + ph
        body = []
        for i in range(phnum):
            t, _, off, _, _, fs, _, _ = struct.unpack_from("<IIQQQQQQ", ph, i * phentsize)
            n = fs if t == 4 else min(fs, keep)
            f.seek(off)
            body.append((i, t, f.read(n) + (extra_note if t == 4 else b"")))
        for i, t, data in body:
            struct.pack_into("<Q", out, phoff + i * phentsize + 8, len(out))
            struct.pack_into("<Q", out, phoff + i * phentsize + 32, len(data))
            if t == 1:
                struct.pack_into("<Q", out, phoff + i * phentsize + 40, len(data))
            out += data
        return bytes(out)


def lime(path, keep):
    """Every LiME range header as it is, each range cut to its first `keep` bytes."""
    out = bytearray()
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        pos = 0
        while pos + 32 <= size:
            f.seek(pos)
            h = bytearray(f.read(32))
            s, e = struct.unpack_from("<QQ", h, 8)
            n = min(e - s + 1, keep)
            struct.pack_into("<Q", h, 16, s + n - 1)
            out += h + f.read(n)
            pos += 32 + (e - s + 1)
    return bytes(out)


BTF_REF_KINDS = {2, 8, 9, 10, 11, 12, 13, 14, 17, 18}  # sizeOrType is a type id
BTF_VLEN_SIZE = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}
BTF_EXTRA = {1: 4, 3: 12, 14: 4, 17: 4}


def btf_types(blob):
    """(header length, type records as (offset, end), strings bytes) of a raw BTF blob."""
    hdr_len, = struct.unpack_from("<I", blob, 4)
    type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", blob, 8)
    t0, s0 = hdr_len + type_off, hdr_len + str_off
    recs, p = [], t0
    while p < t0 + type_len:
        info, = struct.unpack_from("<I", blob, p + 4)
        kind, vlen = (info >> 24) & 0x1f, info & 0xffff
        end = p + 12 + BTF_EXTRA.get(kind, 0) + BTF_VLEN_SIZE.get(kind, 0) * vlen
        recs.append((p, end))
        p = end
    return recs, blob[s0:s0 + str_len]


def btf_subset(blob, roots, depth):
    """The types reachable from the structs named in `roots` within `depth` references, renumbered; references
    leaving the subset become 0 (void), strings rebuilt: a small BTF of real layouts that parses."""
    recs, strs = btf_types(blob)
    name = lambda off: strs[off:strs.index(b"\0", off)].decode()
    rec = lambda i: blob[recs[i - 1][0]:recs[i - 1][1]]

    def refs(i):
        r = bytearray(rec(i))
        info, = struct.unpack_from("<I", r, 4)
        kind, vlen = (info >> 24) & 0x1f, info & 0xffff
        out = []
        if kind in BTF_REF_KINDS: out.append(8)
        if kind == 3: out += [12, 16]
        step, first = BTF_VLEN_SIZE.get(kind, 0), 12 + BTF_EXTRA.get(kind, 0)
        for k in range(vlen if kind in (4, 5, 13, 15) else 0):
            out.append(first + k * step + (4 if kind in (4, 5, 13) else 0))
        return r, kind, vlen, out

    keep, frontier = [], [i for i in range(1, len(recs) + 1) if struct.unpack_from("<I", rec(i), 0)[0] and
                          (struct.unpack_from("<I", rec(i), 4)[0] >> 24) & 0x1f in (4, 5) and name(struct.unpack_from("<I", rec(i), 0)[0]) in roots]
    seen = set(frontier)
    for _ in range(depth + 1):
        keep += frontier
        nxt = []
        for i in frontier:
            r, _, _, offs = refs(i)
            for o in offs:
                t, = struct.unpack_from("<I", r, o)
                if 0 < t <= len(recs) and t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    keep.sort()
    new_id = {old: k + 1 for k, old in enumerate(keep)}
    new_strs, str_at = bytearray(b"\0"), {0: 0}

    def string(off):
        if off not in str_at:
            str_at[off] = len(new_strs)
            new_strs.extend(name(off).encode() + b"\0")
        return str_at[off]

    types = bytearray()
    for i in keep:
        r, kind, vlen, offs = refs(i)
        for o in offs:
            t, = struct.unpack_from("<I", r, o)
            struct.pack_into("<I", r, o, new_id.get(t, 0))
        struct.pack_into("<I", r, 0, string(struct.unpack_from("<I", r, 0)[0]))
        step, first = BTF_VLEN_SIZE.get(kind, 0), 12 + BTF_EXTRA.get(kind, 0)
        if kind in (4, 5, 6, 13, 19):  # members, enumerators, params carry a name first
            for k in range(vlen):
                o = first + k * step
                struct.pack_into("<I", r, o, string(struct.unpack_from("<I", r, o)[0]))
        types += r
    hdr = struct.pack("<HBBIIIII", 0xeb9f, 1, 0, 24, 0, len(types), len(types), len(new_strs))
    return hdr + bytes(types) + bytes(new_strs)


def kallsyms(d, keep):
    """The kernel's own kallsyms tables cut from the snapshot, in the kernel's layout, keeping the first `keep`
    symbols and init_task: u64 init_task address (what the target checks against), then the tables as memory."""
    info = json.load(open(os.path.join(d, "manifest.json")))["info"]
    smap = {}
    for line in open(os.path.join(d, "kernel/System.map")):
        a, _, n = line.split()[:3]
        smap.setdefault(n, int(a, 16))
    code_pa = int(info["iomem_kernel_code"].split("-")[0], 16)
    with open(os.path.join(d, "memory.elf"), "rb") as f:
        h = f.read(64)
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
        loads = [struct.unpack_from("<IIQQQQ", ph, i * phentsize) for i in range(phnum)]

        def read(sym, n):
            pa = code_pa + smap[sym] - smap["_text"]
            for t, _, off, _, paddr, fs in loads:
                if t == 1 and paddr <= pa < paddr + fs:
                    f.seek(off + pa - paddr)
                    return f.read(n)
            raise ValueError(sym)

        num, = struct.unpack("<I", read("kallsyms_num_syms", 4))
        names = read("kallsyms_names", smap["kallsyms_markers"] - smap["kallsyms_names"])
        table = read("kallsyms_token_table", smap["kallsyms_token_index"] - smap["kallsyms_token_table"])
        index = read("kallsyms_token_index", 512)
        offsets = read("kallsyms_offsets", 4 * num)
        rel_base, = struct.unpack("<Q", read("kallsyms_relative_base", 8))
    tokens = [table[o:table.index(b"\0", o)] for o in struct.unpack("<256H", index)]
    entries, p = [], 0
    for i in range(num):
        n = names[p]
        head = 1
        if n & 0x80:
            n, head = (n & 0x7f) | names[p + 1] << 7, 2
        entries.append((names[p:p + head + n], b"".join(tokens[t] for t in names[p + head:p + head + n])[1:]))
        p += head + n
    init = next(i for i, e in enumerate(entries) if e[1] == b"init_task")
    chosen = list(range(keep)) + [init]
    blob = b"".join(entries[i][0] for i in chosen)
    markers, at = [], 0
    for k, i in enumerate(chosen):
        if k % 256 == 0:
            markers.append(at)
        at += len(entries[i][0])
    pad = lambda b: b + bytes(-len(b) % 8)
    n = len(chosen)
    offs = b"".join(offsets[4 * i:4 * i + 4] for i in chosen)
    o, = struct.unpack_from("<i", offs, 4 * (n - 1))
    init_va = o if o >= 0 else rel_base - 1 - o
    assert init_va == int(info["kallsyms_init_task"], 16), "init_task at %x" % init_va
    head = struct.pack("<II", n, 0) + pad(blob) + pad(struct.pack("<%dI" % len(markers), *markers)) + pad(table) + index
    if smap["kallsyms_offsets"] < smap["kallsyms_num_syms"]:  # up to 6.1: offsets, relative_base, num_syms, ...
        mem = pad(offs) + struct.pack("<Q", rel_base) + head
    else:  # later: num_syms, names, markers, tokens, offsets, relative_base
        mem = head + pad(offs) + struct.pack("<Q", rel_base)
    mem = bytes(64) + mem
    return struct.pack("<Q", init_va) + mem + bytes(-len(mem) % 4096)  # whole pages: the scan reads page by page


WALKED_STRUCTS = {"dentry", "inode", "super_block", "qstr", "xarray", "xa_node", "address_space", "page", "folio",
                  "mount", "vfsmount", "list_head", "hlist_node", "hlist_bl_node", "task_struct", "radix_tree_node"}

for s in SETS:
    d = os.path.join(SAMPLES, s)
    write("ElfCoreFuzzer", s + ".elf", elf_core(os.path.join(d, "memory.elf"), 512))
    # as kdump and QEMU's vmcoreinfo device leave it: a VMCOREINFO note with the guest's own values
    info = json.load(open(os.path.join(d, "manifest.json")))["info"]
    text = ("OSRELEASE=%s\nPAGESIZE=4096\nSYMBOL(init_task)=%s\nSYMBOL(init_top_pgt)=%s\nKERNELOFFSET=%x\n" % (
        info["uname_r"], info["kallsyms_init_task"], info["kallsyms_init_top_pgt"],
        int(info["kallsyms__text"], 16) - 0xffffffff81000000)).encode()
    note = struct.pack("<III", 11, len(text), 0) + b"VMCOREINFO\0\0" + text + bytes(-len(text) % 4)
    write("ElfCoreFuzzer", s + ".vmcoreinfo.elf", elf_core(os.path.join(d, "memory.elf"), 512, note))
    btf = open(os.path.join(d, "kernel/vmlinux.btf"), "rb").read()
    write("BtfFuzzer", s + ".structs.btf", btf_subset(btf, WALKED_STRUCTS, 0))
    write("BtfFuzzer", s + ".dentry.btf", btf_subset(btf, {"dentry", "qstr"}, 2))
    smap = open(os.path.join(d, "kernel/System.map"), "rb").read()
    write("SystemMapFuzzer", s + ".head.map", smap[:smap.rindex(b"\n", 0, 4096) + 1])
    mid = smap.index(b"\n", len(smap) // 2) + 1
    write("SystemMapFuzzer", s + ".middle.map", smap[mid:smap.rindex(b"\n", 0, mid + 4096) + 1])
    write("KallsymsFuzzer", s + ".kallsyms", kallsyms(d, 1023))
    if shutil.which("qemu-img"):
        with tempfile.TemporaryDirectory() as tmp:
            for name, kib, opts in (("plain", 24, ["-o", "cluster_size=4096"]), ("compressed", 256, ["-c", "-o", "cluster_size=4096"]),
                                    ("v2-512", 24, ["-o", "compat=0.10,cluster_size=512"])):
                raw = os.path.join(tmp, "disk.raw")
                with open(os.path.join(d, "disk.img"), "rb") as f, open(raw, "wb") as o:
                    o.write(f.read(kib << 10))  # boot block, superblock, group descriptors ... of the real disk
                out = os.path.join(tmp, name + ".qcow2")
                subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", *opts, raw, out], check=True)
                write("Qcow2Fuzzer", s + "." + name + ".qcow2", open(out, "rb").read())
            top = os.path.join(tmp, "overlay.qcow2")
            subprocess.run(["qemu-img", "create", "-q", "-u", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.qcow2",
                            "-F", "qcow2", top, "256K"], check=True)
            write("Qcow2Fuzzer", s + ".backing.qcow2", open(top, "rb").read())
    if os.path.exists(os.path.join(d, "memory.lime")):
        write("LimeFuzzer", s + ".lime", lime(os.path.join(d, "memory.lime"), 512))
