package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Extent;
import cacheshadow.layers.KdumpLayer;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.UnmappedAddressException;
import cacheshadow.testing.FormatEvidence;

/**
 * Compressed kdump files of one pause of the live guest (QEMU's kdump-zlib as written, flattened, and reassembled by
 * makedumpfile; its pages recompressed by liblzo2 and libsnappy) read page for page as the ELF dump of the same pause;
 * and those files cut short, corrupted and with hostile sizes: one line naming the file, in bounded time.
 */
class KdumpLayerTest {
	private static final String[] DUMPS = { "memory.kdump-zlib.flat", "memory.kdump-zlib", "memory.kdump-lzo", "memory.kdump-snappy" };

	@Test
	void everyPageEqualsTheElfDumps() throws Exception {
		Path d = FormatEvidence.dumps();
		try (Layer elf = Layers.openMemory(d.resolve("memory.elf"))) {
			for (String f : DUMPS) {
				try (Layer k = Layers.openMemory(d.resolve(f))) {
					assertInstanceOf(KdumpLayer.class, k);
					assertEquals(elf.extents(), k.extents(), f);
					for (Extent e : elf.extents()) assertEquals(MemoryLayersTest.sha(elf, e), MemoryLayersTest.sha(k, e), f + " " + e);
					Extent last = elf.extents().get(elf.extents().size() - 1);
					assertThrows(UnmappedAddressException.class, () -> k.read(last.end(), new byte[8], 0, 8));
					long hole = elf.extents().get(0).end();
					if (elf.extents().size() > 1) assertThrows(UnmappedAddressException.class, () -> k.read(hole, new byte[8], 0, 8));
					// a read across a page edge and across pages
					byte[] a = new byte[10000], b = new byte[10000];
					elf.read(4096 * 37 - 5, a, 0, a.length);
					k.read(4096 * 37 - 5, b, 0, b.length);
					assertArrayEquals(a, b, f);
				}
			}
		}
	}

	@Test
	void cutCorruptAndHostileDumps(@TempDir Path tmp) throws Exception {
		Path d = FormatEvidence.dumps();
		Path zlib = d.resolve("memory.kdump-zlib"), flat = d.resolve("memory.kdump-zlib.flat");
		byte[] img = Files.readAllBytes(zlib);
		// cut short: refused; as partial evidence the pages whose data is gone are missing, the rest reads
		Path cut = DiskImageFormatsTest.cut(tmp, zlib, "cut.kdump", img.length / 2);
		assertTrue(refusedMemory(cut, false).contains("truncated"));
		try (Layer p = Layers.openMemory(cut, true); Layer whole = Layers.openMemory(zlib)) {
			assertFalse(p.missing().isEmpty());
			assertThrows(MissingBytesException.class, () -> p.read(p.missing().get(0).start(), new byte[8], 0, 8));
			Extent held = p.extents().get(0);
			assertEquals(MemoryLayersTest.sha(whole, new Extent(held.start(), 1 << 20)), MemoryLayersTest.sha(p, new Extent(held.start(), 1 << 20)));
		}
		assertTrue(refusedMemory(DiskImageFormatsTest.cut(tmp, flat, "cut.flat", Files.size(flat) / 3), false).contains("truncated"));
		int block = (int) LittleEndian.u32(img, 428);
		long sub = LittleEndian.u32(img, 432), bitmaps = LittleEndian.u32(img, 436);
		int desc = (int) ((1 + sub + bitmaps) * block);
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, zlib, "bs.kdump", b -> DiskImageFormatsTest.putLe32(b, 428, 3000)), false).contains("block size"));
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, zlib, "bitmaps.kdump", b -> DiskImageFormatsTest.putLe32(b, 436, 0x7fffffff)), false).contains("bitmaps"));
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, zlib, "mapnr.kdump", b -> DiskImageFormatsTest.putLe64(b, block + 96, Long.MAX_VALUE / 2)), false).contains("pages"));
		// the first page's descriptor: data outside the dump, a size past a page, garbage deflate data
		long data = LittleEndian.u64(img, desc);
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, zlib, "far.kdump", b -> DiskImageFormatsTest.putLe64(b, desc, 1L << 60)), false).contains("truncated"));
		try (Layer p = Layers.openMemory(DiskImageFormatsTest.patched(tmp, zlib, "far-partial.kdump", b -> DiskImageFormatsTest.putLe64(b, desc, 1L << 60)), true)) {
			assertEquals(4096, p.missing().get(0).length());
		}
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, zlib, "size.kdump", b -> DiskImageFormatsTest.putLe32(b, desc + 8, 100_000)), false).contains("places"));
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, zlib, "garbage.kdump", b -> Arrays.fill(b, (int) data + 2, (int) data + 30, (byte) 0x41)), false).contains("page"));
		for (String f : new String[] { "memory.kdump-lzo", "memory.kdump-snappy" }) {
			Path src = d.resolve(f);
			byte[] c = Files.readAllBytes(src);
			long at = LittleEndian.u64(c, desc);
			assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, src, "garbage-" + f, b -> Arrays.fill(b, (int) at, (int) at + 30, (byte) 0xf1)), false).contains("page"), f);
		}
		// a flattened record claiming more than the file, overlapping records
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, flat, "rec.flat", b -> {
			for (int i = 0; i < 8; i++) b[4096 + 8 + i] = (byte) (i == 0 ? 0x40 : 0);
		}), false).contains("record"));
		assertEquals(EvidenceFormat.KDUMP, EvidenceFormat.detect(flat));
	}

	private static String refusedMemory(Path f, boolean partial) {
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> {
			try (Layer l = Layers.openMemory(f, partial)) {
				for (Extent x : l.extents()) MemoryLayersTest.sha(l, x);
			}
		}));
		assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
		assertFalse(e.getMessage().contains("\n"), e.getMessage());
		return e.getMessage();
	}
}
