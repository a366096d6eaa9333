#!/usr/bin/python3
"""Rewrites a compressed kdump file (makedumpfile's diskdump format, reassembled) with every page compressed again by
another real library: LZO1X-1 by liblzo2 (python3-lzo) or Snappy by libsnappy (python3-snappy), flags as makedumpfile
sets them (a page that does not shrink is stored). Header, sub-header, notes and bitmaps are kept byte for byte; pages
sharing data (QEMU's one zero page) still share it. Used where the QEMU at hand cannot write kdump-lzo/kdump-snappy.
    kdump-recompress.py lzo|snappy IN OUT"""
import struct, sys

FLAGS = {"lzo": 0x2, "snappy": 0x4}


def main():
    method, src, dst = sys.argv[1:4]
    if method == "lzo":
        import lzo
        compress = lambda b: lzo.compress(b, 1, False)
    else:
        import snappy
        compress = snappy.compress
    d = open(src, "rb").read()
    assert d[:8] == b"KDUMP   ", "not a reassembled compressed kdump"
    version, = struct.unpack_from("<I", d, 8)
    block, sub_blocks, bitmap_blocks, max_mapnr = struct.unpack_from("<IIII", d, 428)
    if version >= 6:
        max_mapnr, = struct.unpack_from("<Q", d, block + 96)
    bitmap2 = (1 + sub_blocks) * block + bitmap_blocks * block // 2
    dumped = sum(bin(b).count("1") for b in d[bitmap2:bitmap2 + (max_mapnr + 7) // 8])
    desc_off = (1 + sub_blocks + bitmap_blocks) * block
    data_off = desc_off + 24 * dumped
    out = bytearray(d[:data_off])
    placed = {}
    for i in range(dumped):
        p = desc_off + 24 * i
        off, size, flags, page_flags = struct.unpack_from("<QIIQ", d, p)
        if off not in placed:
            raw = d[off:off + size]
            if flags & 0x1:
                import zlib
                raw = zlib.decompress(raw)
            elif flags:
                sys.exit(f"page {i}: flags {flags:#x} (only zlib or stored pages are recompressed)")
            assert len(raw) == block, f"page {i} holds {len(raw)} bytes"
            c = compress(raw)
            new_flags = FLAGS[method] if len(c) < block else 0
            body = c if new_flags else raw
            placed[off] = (len(out), len(body), new_flags)
            out += body
        at, n, f = placed[off]
        struct.pack_into("<QIIQ", out, p, at, n, f, page_flags)
    open(dst, "wb").write(out)


main()
