package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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

	/**
	 * Pages are decoded once per place in the dump (QEMU points every zero page at one copy): a descriptor that points
	 * at bytes another page was decoded from, with another length, is decoded with its own length, not given the other
	 * page's bytes.
	 */
	@Test
	void pagesSharingDataAreDecodedByTheirOwnDescriptor(@TempDir Path tmp) throws Exception {
		Path src = FormatEvidence.dumps().resolve("memory.kdump-lzo");
		byte[] img = Files.readAllBytes(src);
		int block = (int) LittleEndian.u32(img, 428);
		long sub = LittleEndian.u32(img, 432), bitmaps = LittleEndian.u32(img, 436);
		int desc = (int) ((1 + sub + bitmaps) * block);
		// the shared zero page: the data most descriptors point at; the last descriptor pointing elsewhere
		Map<Long, Integer> uses = new HashMap<>();
		int count = (int) ((LittleEndian.u64(img, desc) - desc) / 24); // the first page's data follows the descriptors
		for (int i = 0; i < count; i++) uses.merge(LittleEndian.u64(img, desc + 24 * i), 1, Integer::sum);
		int last = count - 1;
		long zero = uses.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
		assertTrue(uses.get(zero) > 1000, "QEMU's dump shares one zero page: " + uses.get(zero));
		int zeroDesc = 0;
		while (LittleEndian.u64(img, desc + 24 * zeroDesc) != zero) zeroDesc++;
		long zeroLen = LittleEndian.u32(img, desc + 24 * zeroDesc + 8), zeroFlags = LittleEndian.u32(img, desc + 24 * zeroDesc + 12);
		while (LittleEndian.u64(img, desc + 24 * last) == zero) last--;
		int at = desc + 24 * last;
		// the same data, length and method: a zero page like the others
		Path same = DiskImageFormatsTest.patched(tmp, src, "same.kdump", b -> {
			DiskImageFormatsTest.putLe64(b, at, zero);
			DiskImageFormatsTest.putLe32(b, at + 8, zeroLen);
			DiskImageFormatsTest.putLe32(b, at + 12, zeroFlags);
		});
		try (Layer l = Layers.openMemory(same); Layer whole = Layers.openMemory(src)) {
			long zeros = 0, other = 0;
			byte[] page = new byte[4096];
			for (Extent e : l.extents()) {
				for (long p = e.start(); p < e.end(); p += 4096) {
					l.read(p, page, 0, 4096);
					boolean z = Arrays.equals(page, new byte[4096]);
					if (z) zeros++;
					else other++;
				}
			}
			long wholeZeros = 0;
			for (Extent e : whole.extents()) {
				for (long p = e.start(); p < e.end(); p += 4096) {
					whole.read(p, page, 0, 4096);
					if (Arrays.equals(page, new byte[4096])) wholeZeros++;
				}
			}
			assertEquals(wholeZeros + 1, zeros, "the repointed page reads as zeros, the others as before");
			assertTrue(other > 0);
		}
		// one byte short of the shared data: decoded on its own, so refused, not given the zero page kept
		Path shorter = DiskImageFormatsTest.patched(tmp, src, "shorter.kdump", b -> {
			DiskImageFormatsTest.putLe64(b, at, zero);
			DiskImageFormatsTest.putLe32(b, at + 8, zeroLen - 1);
			DiskImageFormatsTest.putLe32(b, at + 12, zeroFlags);
		});
		assertTrue(refusedMemory(shorter, false).contains("page"));
	}

	@Test
	void repeatedPagesAreSharedOnlyUnderTheirOwnMethod(@TempDir Path tmp) throws Exception {
		Path src = FormatEvidence.dumps().resolve("memory.kdump-zlib");
		byte[] img = Files.readAllBytes(src);
		int block = (int) LittleEndian.u32(img, 428);
		int desc = (int) ((1 + LittleEndian.u32(img, 432) + LittleEndian.u32(img, 436)) * block);
		int count = (int) ((LittleEndian.u64(img, desc) - desc) / 24);
		// the zlib form most pages are stored in at places of their own (a fill page; QEMU shares only the zero page)
		Map<String, Integer> forms = new HashMap<>();
		Map<String, Integer> lastOf = new HashMap<>();
		for (int i = 0; i < count; i++) {
			int d = desc + 24 * i;
			if ((LittleEndian.u32(img, d + 12) & 1) == 0) continue;
			int at = (int) LittleEndian.u64(img, d), len = (int) LittleEndian.u32(img, d + 8);
			String form = java.util.HexFormat.of().formatHex(img, at, at + len);
			forms.merge(form, 1, Integer::sum);
			lastOf.put(form, d);
		}
		String fill = forms.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
		assertTrue(forms.get(fill) > 1000, "pages stored alike: " + forms.get(fill));
		// the last of them said to be LZO: decoded as LZO (refused), not given the zlib page decoded before
		int last = lastOf.get(fill);
		Path lzo = DiskImageFormatsTest.patched(tmp, src, "lzo.kdump", b -> DiskImageFormatsTest.putLe32(b, last + 12, 0x2));
		assertTrue(refusedMemory(lzo, false).contains("page"));
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
