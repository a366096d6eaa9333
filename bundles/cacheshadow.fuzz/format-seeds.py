#!/usr/bin/python3
"""Seeds for the fuzz targets of the container formats, made by the real tools from the evidence samples' disks
(qemu-img: VMDK, VHD, VHDX; ewfacquire: E01) and cut from the compressed kdump files of releng/formats/format-evidence.sh
(build/formats/dumps: the first pages kept, headers and bitmaps shrunk to them). Run from the repository root:
    bundles/cacheshadow.fuzz/format-seeds.py build/samples build/formats/dumps
Writes seeds/VmdkFuzzer, VhdFuzzer, VhdxFuzzer, EwfFuzzer, KdumpFuzzer."""
import os, struct, subprocess, sys, tempfile

SAMPLES, DUMPS = sys.argv[1], sys.argv[2]
SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def disk_seeds(s):
    raw_disk = os.path.join(SAMPLES, s, "disk.img")
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "head.raw")
        with open(raw_disk, "rb") as f, open(raw, "wb") as o:
            o.write(f.read(256 << 10))  # the boot block, super block, group descriptors, first bitmaps and inodes
        def qemu(target, name, *opts):
            out = os.path.join(tmp, name)
            subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", *opts, raw, out], check=True)
            data = open(out, "rb").read()
            write(target, s + "." + name, data)
            return data
        qemu("VmdkFuzzer", "sparse.vmdk", "-O", "vmdk", "-o", "subformat=monolithicSparse")
        t = qemu("VmdkFuzzer", "stream.vmdk", "-O", "vmdk", "-o", "subformat=streamOptimized")
        # the footer layout of VMware's stream-optimized writers (GD_AT_END in the first header)
        f = bytearray(t) + bytearray(1536)
        struct.pack_into("<QII", f, len(t), 1, 0, 3)
        f[len(t) + 512:len(t) + 1024] = t[:512]
        struct.pack_into("<q", f, 56, -1)
        write("VmdkFuzzer", s + ".stream-footer.vmdk", bytes(f))
        qemu("VhdFuzzer", "fixed.vhd", "-O", "vpc", "-o", "subformat=fixed,force_size=on")
        if s == "debian-6.1-kaslr":  # a dynamic VHD holds whole 2 MiB blocks: one seed of it is enough
            qemu("VhdFuzzer", "dynamic.vhd", "-O", "vpc", "-o", "subformat=dynamic,force_size=on")
        if s == "debian-6.1-kaslr":
            vhdx = qemu("VhdxFuzzer", "disk.vhdx", "-O", "vhdx", "-o", "block_size=1M")
            os.remove(os.path.join(SEEDS, "VhdxFuzzer", s + ".disk.vhdx"))
            write("VhdxFuzzer", s + ".compact.vhdx", compact_vhdx(vhdx))
        for name, opts in [("deflate", ["-c", "deflate:best"]), ("stored", ["-c", "none", "-f", "encase5"])]:
            subprocess.run(["ewfacquire", "-u", "-q", "-t", os.path.join(tmp, name), *opts, raw], check=True, capture_output=True)
            write("EwfFuzzer", s + "." + name + ".E01", open(os.path.join(tmp, name + ".E01"), "rb").read())


def compact_vhdx(v):
    """qemu-img's VHDX with its regions packed: headers and region tables as they are, then the metadata region at
    1 MiB, the block allocation table right after it, the one data block at 2 MiB (3 MiB instead of 9)."""
    import zlib
    BAT = bytes.fromhex("6677c22d23f600429d64115e9bfd4a08")
    META = bytes.fromhex("06a27c8b90479a4bb8fe575f050f886e")
    out = bytearray(v[:1 << 20])
    r = 192 << 10
    count, = struct.unpack_from("<I", v, r + 8)
    meta = bat = None
    for i in range(count):
        e = r + 16 + 32 * i
        off, ln = struct.unpack_from("<QI", v, e + 16)
        if v[e:e + 16] == META: meta = (e, off, ln)
        if v[e:e + 16] == BAT: bat = (e, off, ln)
    out += v[meta[1]:meta[1] + (128 << 10)]
    bat_at = len(out)
    entries = bytearray(v[bat[1]:bat[1] + 4096])
    e0, = struct.unpack_from("<Q", entries, 0)
    block = (e0 >> 20) << 20
    struct.pack_into("<Q", entries, 0, (2 << 20) | (e0 & 0xfffff))
    out += entries
    out += bytes((2 << 20) - len(out))
    out += v[block:block + (1 << 20)]
    for table in (192 << 10, 256 << 10):
        struct.pack_into("<QI", out, meta[0] - r + table + 16, 1 << 20, 128 << 10)
        struct.pack_into("<QI", out, bat[0] - r + table + 16, bat_at, 1 << 20)
        struct.pack_into("<I", out, table + 4, 0)
        import binascii
        struct.pack_into("<I", out, table + 4, crc32c(bytes(out[table:table + (64 << 10)])))
    return bytes(out)


def crc32c(b):
    crc = 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1))
    return crc ^ 0xffffffff


def kdump_head(path, keep_pages):
    """The dump with its first `keep_pages` page frames only: header and sub-header as they are, both bitmaps cut to
    them in one block each, their descriptors and data."""
    d = open(path, "rb").read()
    block, sub, bitmaps = struct.unpack_from("<III", d, 428)
    bm1 = (1 + sub) * block
    bm2 = bm1 + bitmaps * block // 2
    out = bytearray(d[:(1 + sub) * block])
    struct.pack_into("<II", out, 436, 2, keep_pages)
    struct.pack_into("<Q", out, block + 96, keep_pages)
    nbytes = keep_pages // 8
    b1 = d[bm1:bm1 + nbytes] + bytes(block - nbytes)
    b2 = d[bm2:bm2 + nbytes] + bytes(block - nbytes)
    out += b1 + b2
    dumped = sum(bin(x).count("1") for x in d[bm2:bm2 + nbytes])
    desc_old = (1 + sub + bitmaps) * block
    desc_new = len(out)
    data_at = desc_new + 24 * dumped
    body, placed = bytearray(), {}
    descs = bytearray()
    for i in range(dumped):
        off, size, flags, pf = struct.unpack_from("<QIIQ", d, desc_old + 24 * i)
        if off not in placed:
            placed[off] = data_at + len(body)
            body += d[off:off + size]
        descs += struct.pack("<QIIQ", placed[off], size, flags, pf)
    return bytes(out + descs + body)


def flattened(dump):
    """makedumpfile's flattened form of a dump: the 4 KiB header, then one record per 64 KiB, then the end record."""
    out = bytearray(b"makedumpfile\0\0\0\0" + struct.pack(">QQ", 1, 1))
    out += bytes(4096 - len(out))
    for at in range(0, len(dump), 65536):
        part = dump[at:at + 65536]
        out += struct.pack(">qq", at, len(part)) + part
    return bytes(out + struct.pack(">qq", -1, 0))


for s in sorted(x for x in os.listdir(SAMPLES) if os.path.isdir(os.path.join(SAMPLES, x))):
    disk_seeds(s)
for method in ("zlib", "lzo", "snappy"):
    head = kdump_head(os.path.join(DUMPS, "memory.kdump-" + method), 64)
    write("KdumpFuzzer", "guest." + method + ".kdump", head)
write("KdumpFuzzer", "guest.zlib.flat", flattened(kdump_head(os.path.join(DUMPS, "memory.kdump-zlib"), 64)))
