#!/usr/bin/env python3
"""Cuts small seed inputs for the memory-side fuzz targets out of the evidence samples (releng/samples.sh):
real headers, notes and structures, with ranges shrunk so each seed stays a few KiB. Run from the repository root:
    python3 bundles/cacheshadow.fuzz/cut-seeds.py build/samples
Seeds it writes: seeds/ElfCoreFuzzer, seeds/LimeFuzzer (others are cut by the targets' own sections below)."""
import os, struct, sys

SAMPLES = sys.argv[1] if len(sys.argv) > 1 else "build/samples"
SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
SETS = sorted(d for d in os.listdir(SAMPLES) if os.path.isdir(os.path.join(SAMPLES, d)))


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def elf_core(path, keep):
    """The core's ELF header, program headers and PT_NOTE as they are; each PT_LOAD cut to its first `keep` bytes."""
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
            body.append((i, t, f.read(n)))
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


for s in SETS:
    d = os.path.join(SAMPLES, s)
    write("ElfCoreFuzzer", s + ".elf", elf_core(os.path.join(d, "memory.elf"), 512))
    if os.path.exists(os.path.join(d, "memory.lime")):
        write("LimeFuzzer", s + ".lime", lime(os.path.join(d, "memory.lime"), 512))
