package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.BigEndian;
import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.EwfLayer;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.VhdLayer;
import cacheshadow.layers.VhdxLayer;
import cacheshadow.layers.VmdkLayer;
import cacheshadow.testing.FormatEvidence;

/**
 * VMDK, VHD, VHDX and EWF images of a sample's disk.img made by qemu-img and ewfacquire, read back byte for byte
 * against the raw image; and the same formats cut short, corrupted and with hostile sizes and offsets: one line naming
 * the file, in bounded time.
 */
class DiskImageFormatsTest {
	private static final Duration BOUND = Duration.ofSeconds(20);

	@Test
	void everyFormatReadsAsTheRawDisk() throws Exception {
		Path raw = Samples.sets().get(0).resolve("disk.img");
		Path d = FormatEvidence.disks(raw.getParent().getFileName().toString());
		Map<String, Class<?>> files = Map.of("disk.sparse.vmdk", VmdkLayer.class, "disk.stream.vmdk", VmdkLayer.class, "disk.dynamic.vhd", VhdLayer.class,
				"disk.fixed.vhd", VhdLayer.class, "disk.vhdx", VhdxLayer.class, "disk.E01", EwfLayer.class, "segmented.E01", EwfLayer.class);
		try (Layer r = Layers.openDisk(raw)) {
			String want = MemoryLayersTest.sha(r, new Extent(0, r.size()));
			for (var e : files.entrySet()) {
				Path f = d.resolve(e.getKey());
				try (Layer l = Layers.openDisk(f)) {
					assertInstanceOf(e.getValue(), l, f.toString());
					assertEquals(EvidenceFormat.Kind.DISK, EvidenceFormat.detect(f).kind());
					assertEquals(r.size(), l.size(), f.toString());
					assertEquals(List.of(new Extent(0, r.size())), l.extents());
					assertEquals(want, MemoryLayersTest.sha(l, new Extent(0, l.size())), f.toString());
					// reads across block edges (2 MiB VHD blocks, 64 KiB grains, 32 KiB chunks) equal the raw ones
					for (long at : new long[] { (2 << 20) - 100, (64 << 10) - 7, (32 << 10) - 1, r.size() - 300 }) {
						byte[] a = new byte[300], b = new byte[300];
						r.read(at, a, 0, 300);
						l.read(at, b, 0, 300);
						assertArrayEquals(a, b, f + " at " + at);
					}
				}
			}
			// ewfacquire's own MD5, stored in the acquisition, is the MD5 of what the layer reads
			try (EwfLayer e = EwfLayer.open(d.resolve("segmented.E01")); EwfLayer c = EwfLayer.open(d.resolve("disk.E01"))) {
				assertEquals(4, e.segmentCount());
				assertArrayEquals(md5(r), e.storedMd5().orElseThrow());
				assertArrayEquals(md5(r), c.storedMd5().orElseThrow());
			}
			// qemu-img rounds a VHD to whole cylinders without force_size: the raw disk, then zeros
			try (Layer l = Layers.openDisk(d.resolve("disk.dynamic-chs.vhd"))) {
				assertTrue(l.size() > r.size(), l.size() + " vs " + r.size());
				assertEquals(want, MemoryLayersTest.sha(l, new Extent(0, r.size())));
				byte[] tail = new byte[(int) (l.size() - r.size())];
				l.read(r.size(), tail, 0, tail.length);
				assertArrayEquals(new byte[tail.length], tail);
			}
		}
	}

	private static byte[] md5(Layer l) throws Exception {
		MessageDigest md = MessageDigest.getInstance("MD5");
		byte[] b = new byte[1 << 20];
		for (long p = 0; p < l.size(); p += b.length) {
			int n = (int) Math.min(b.length, l.size() - p);
			l.read(p, b, 0, n);
			md.update(b, 0, n);
		}
		return md.digest();
	}

	/** A 4 MiB disk of a byte pattern with a zero MiB in it, in {@code format} by qemu-img. */
	static Path small(Path tmp, String name, String... convert) throws Exception {
		Path raw = tmp.resolve("s.raw");
		if (!Files.exists(raw)) {
			byte[] data = new byte[4 << 20];
			for (int i = 0; i < data.length; i++) data[i] = (i >= (1 << 20) && i < (2 << 20)) ? 0 : (byte) (i * 31 + (i >>> 12));
			Files.write(raw, data);
		}
		Path out = tmp.resolve(name);
		String[] cmd = new String[convert.length + 6];
		cmd[0] = "qemu-img";
		cmd[1] = "convert";
		cmd[2] = "-q";
		cmd[3] = "-f";
		cmd[4] = "raw";
		System.arraycopy(convert, 0, cmd, 5, convert.length);
		cmd[cmd.length - 1] = out.toString();
		String[] full = Arrays.copyOf(cmd, cmd.length + 1);
		full[full.length - 2] = raw.toString();
		full[full.length - 1] = out.toString();
		Qcow2LayerTest.run(full);
		return out;
	}

	/** Opens and reads all of {@code f}: it must fail with an evidence error naming the file, in bounded time. */
	static String refused(Path f, boolean partial) {
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> assertTimeoutPreemptively(BOUND, (Executable) () -> {
			try (Layer l = Layers.openDisk(f, partial)) {
				MemoryLayersTest.sha(l, new Extent(0, l.size()));
			}
		}));
		assertTrue(e.getMessage().startsWith(f.toString()) || e.getMessage().contains(f.getFileName().toString()), e.getMessage());
		assertFalse(e.getMessage().contains("\n"), e.getMessage());
		return e.getMessage();
	}

	private static byte[] readAll(Path f) throws IOException {
		try (Layer l = Layers.openDisk(f)) {
			byte[] b = new byte[(int) l.size()];
			l.read(0, b, 0, b.length);
			return b;
		}
	}

	static Path patched(Path tmp, Path from, String name, java.util.function.Consumer<byte[]> patch) throws IOException {
		byte[] b = Files.readAllBytes(from);
		patch.accept(b);
		Path out = tmp.resolve(name);
		Files.write(out, b);
		return out;
	}

	static Path cut(Path tmp, Path from, String name, long keep) throws IOException {
		Path out = tmp.resolve(name);
		Files.write(out, Arrays.copyOf(Files.readAllBytes(from), (int) keep));
		return out;
	}

	static void putLe32(byte[] b, int o, long v) {
		for (int i = 0; i < 4; i++) b[o + i] = (byte) (v >>> (8 * i));
	}

	static void putLe64(byte[] b, int o, long v) {
		for (int i = 0; i < 8; i++) b[o + i] = (byte) (v >>> (8 * i));
	}

	static void putBe32(byte[] b, int o, long v) {
		for (int i = 0; i < 4; i++) b[o + i] = (byte) (v >>> (24 - 8 * i));
	}

	/** A cut image is refused as truncated; as partial evidence its lost blocks are missing, the rest reads as before. */
	private static void cutShort(Path tmp, Path whole, String name, long keep) throws Exception {
		Path c = cut(tmp, whole, name, keep);
		assertTrue(refused(c, false).contains("truncated"), name);
		try (Layer w = Layers.openDisk(whole); Layer p = Layers.openDisk(c, true)) {
			assertFalse(p.missing().isEmpty(), name);
			Extent m = p.missing().get(0);
			assertThrows(MissingBytesException.class, () -> p.read(m.start(), new byte[16], 0, 16));
			Extent held = p.extents().get(0);
			int n = (int) Math.min(1 << 16, held.length());
			byte[] a = new byte[n], b = new byte[n];
			w.read(held.start(), a, 0, n);
			p.read(held.start(), b, 0, n);
			assertArrayEquals(a, b, name);
		}
	}

	@Test
	void vmdkCutCorruptAndHostile(@TempDir Path tmp) throws Exception {
		Path sparse = small(tmp, "s.vmdk", "-O", "vmdk", "-o", "subformat=monolithicSparse");
		Path stream = small(tmp, "t.vmdk", "-O", "vmdk", "-o", "subformat=streamOptimized");
		assertEquals(EvidenceFormat.VMDK, EvidenceFormat.detect(stream));
		cutShort(tmp, sparse, "cut.vmdk", Files.size(sparse) - (1 << 20));
		cutShort(tmp, stream, "cut-t.vmdk", Files.size(stream) / 2);
		// VMware's stream-optimized writers leave the directory's place to a footer (GD_AT_END in the first header;
		// footer marker, the header again with the real place, end-of-stream marker); qemu-img 7.2 writes none: added
		// here as the format lays it out
		byte[] t = Files.readAllBytes(stream);
		byte[] withFooter = Arrays.copyOf(t, t.length + 1536);
		putLe64(withFooter, t.length, 1);
		putLe32(withFooter, t.length + 12, 3);
		System.arraycopy(t, 0, withFooter, t.length + 512, 512);
		putLe64(withFooter, 56, -1);
		Path atEnd = tmp.resolve("at-end.vmdk");
		Files.write(atEnd, withFooter);
		assertArrayEquals(Files.readAllBytes(tmp.resolve("s.raw")), readAll(atEnd), "the footer's header locates the tables");
		assertTrue(refused(cut(tmp, atEnd, "cut-at-end.vmdk", Files.size(stream) / 2), false).contains("footer"));
		assertTrue(refused(patched(tmp, sparse, "grain.vmdk", b -> putLe64(b, 20, 3)), false).contains("grain size"));
		assertTrue(refused(patched(tmp, sparse, "gd.vmdk", b -> putLe64(b, 56, 1L << 50)), false).contains("grain directory"));
		assertTrue(refused(patched(tmp, sparse, "cap.vmdk", b -> putLe64(b, 12, Long.MAX_VALUE)), false).contains("capacity"));
		assertTrue(refused(patched(tmp, sparse, "gte.vmdk", b -> putLe32(b, 44, 0)), false).contains("grain table"));
		// tables of 8 entries, two directory entries at the same table: refused (shared tables would let a small file
		// make the table walk as long as it likes)
		byte[] img = Files.readAllBytes(sparse);
		int gd = (int) (LittleEndian.u64(img, 56) * 512);
		assertTrue(refused(patched(tmp, sparse, "shared.vmdk", b -> {
			putLe32(b, 44, 8);
			putLe32(b, gd + 4, LittleEndian.u32(b, gd));
		}), false).contains("share"));
		// a compressed grain whose deflate data is garbage, or whose marker names another sector
		byte[] s = Files.readAllBytes(stream);
		int sgd = (int) (LittleEndian.u64(s, 56) * 512);
		int gt = (int) (LittleEndian.u32(s, sgd) * 512);
		int grain = (int) (LittleEndian.u32(s, gt) * 512);
		assertTrue(refused(patched(tmp, stream, "deflate.vmdk", b -> Arrays.fill(b, grain + 12, grain + 40, (byte) 0x55)), false).contains("grain"));
		assertTrue(refused(patched(tmp, stream, "lba.vmdk", b -> putLe64(b, grain, 12345)), false).contains("marker"));
		assertTrue(refused(patched(tmp, stream, "csize.vmdk", b -> putLe32(b, grain + 8, 0x7fffffff)), false).contains("claims"));
	}

	@Test
	void vhdCutCorruptAndHostile(@TempDir Path tmp) throws Exception {
		Path dyn = small(tmp, "d.vhd", "-O", "vpc", "-o", "subformat=dynamic,force_size=on");
		Path fixed = small(tmp, "f.vhd", "-O", "vpc", "-o", "subformat=fixed,force_size=on");
		assertEquals(EvidenceFormat.VHD, EvidenceFormat.detect(fixed), "a fixed VHD is told by its footer");
		// the footer's copy at the start still says dynamic: the cut is seen, not read as zeros
		assertTrue(refused(cut(tmp, dyn, "cut.vhd", Files.size(dyn) - (1 << 20)), false).contains("truncated"));
		assertTrue(refused(patched(tmp, dyn, "sum.vhd", b -> b[48] ^= 1), false).contains("checksum"));
		byte[] img = Files.readAllBytes(dyn);
		int dh = (int) BigEndian.u64(img, 16);
		assertTrue(refused(withChecksum(patched(tmp, dyn, "bs.vhd", b -> putBe32(b, dh + 32, 3))), false).contains("block size"));
		assertTrue(refused(patched(tmp, dyn, "bat.vhd", b -> putBe32(b, dh + 16 + 4, 0x7fffffff)), false).contains("allocation table"));
		int bat = (int) BigEndian.u64(img, dh + 16);
		assertTrue(refused(patched(tmp, dyn, "block.vhd", b -> putBe32(b, bat, 0x7ffffff0L)), false).contains("truncated"));
		assertTrue(refused(withChecksum(patched(tmp, dyn, "diff.vhd", b -> putBe32(b, 60, 4))), false).contains("differencing"));
	}

	/** The VHD footer (at the start and at the end) with its checksum made right again after a patch. */
	private static Path withChecksum(Path f) throws IOException {
		byte[] b = Files.readAllBytes(f);
		for (int at : new int[] { 0, b.length - 512 }) {
			if (!new String(b, at, 8, java.nio.charset.StandardCharsets.US_ASCII).equals("conectix")) continue;
			if (at == 0) System.arraycopy(b, 0, b, b.length - 512, 512);
			long sum = 0;
			for (int i = 0; i < 512; i++) if (i < 64 || i >= 68) sum += b[at + i] & 0xff;
			putBe32(b, at + 64, ~sum);
			if (at == 0) System.arraycopy(b, 0, b, b.length - 512, 512);
		}
		Files.write(f, b);
		return f;
	}

	@Test
	void vhdxCutCorruptAndHostile(@TempDir Path tmp) throws Exception {
		Path v = small(tmp, "v.vhdx", "-O", "vhdx", "-o", "block_size=1M");
		cutShort(tmp, v, "cut.vhdx", Files.size(v) - (1 << 20));
		assertTrue(refused(cut(tmp, v, "tiny.vhdx", 100_000), false).contains("truncated"));
		assertTrue(refused(patched(tmp, v, "heads.vhdx", b -> {
			b[(64 << 10) + 8] ^= 1;
			b[(128 << 10) + 8] ^= 1;
		}), false).contains("header"));
		assertTrue(refused(patched(tmp, v, "regions.vhdx", b -> {
			b[(192 << 10) + 20] ^= 1;
			b[(256 << 10) + 20] ^= 1;
		}), false).contains("region table"));
		// a log to replay (its GUID set, the header's CRC-32C right): refused, never replayed into the evidence
		assertTrue(refused(patched(tmp, v, "log.vhdx", b -> {
			for (int at : new int[] { 64 << 10, 128 << 10 }) {
				b[at + 48] = 1;
				putLe32(b, at + 4, 0);
				java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
				crc.update(b, at, 4096);
				putLe32(b, at + 4, crc.getValue());
			}
		}), false).contains("log"));
		// the metadata's block size is not checksummed: a hostile one is refused by value
		byte[] img = Files.readAllBytes(v);
		int meta = metadataRegion(img);
		int items = LittleEndian.u16(img, meta + 10);
		int fp = -1;
		for (int i = 0; i < items; i++) {
			int e = meta + 32 + 32 * i;
			if ((img[e] & 0xff) == 0x37 && (img[e + 1] & 0xff) == 0x67) fp = meta + (int) LittleEndian.u32(img, e + 16);
		}
		assertTrue(fp > 0);
		int at = fp;
		assertTrue(refused(patched(tmp, v, "bs.vhdx", b -> putLe32(b, at, 12345)), false).contains("block size"));
		assertTrue(refused(patched(tmp, v, "parent.vhdx", b -> putLe32(b, at + 4, 2)), false).contains("differencing"));
	}

	private static int metadataRegion(byte[] img) {
		int r = 192 << 10;
		for (int i = 0; i < LittleEndian.u32(img, r + 8); i++) {
			int e = r + 16 + 32 * i;
			if ((img[e] & 0xff) == 0x06 && (img[e + 1] & 0xff) == 0xa2) return (int) LittleEndian.u64(img, e + 16);
		}
		throw new AssertionError("no metadata region");
	}

	@Test
	void ewfCutCorruptAndHostile(@TempDir Path tmp) throws Exception {
		Path raw = tmp.resolve("e.raw");
		byte[] data = new byte[3 << 20];
		for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7 + (i >>> 9));
		Files.write(raw, data);
		Qcow2LayerTest.run("ewfacquire", "-u", "-q", "-t", tmp.resolve("c").toString(), "-c", "deflate:fast", raw.toString());
		Qcow2LayerTest.run("ewfacquire", "-u", "-q", "-t", tmp.resolve("s").toString(), "-c", "none", "-S", "1MiB", raw.toString());
		Path c = tmp.resolve("c.E01"), s = tmp.resolve("s.E01");
		try (Layer l = Layers.openDisk(s); Layer k = Layers.openDisk(c)) {
			assertTrue(((EwfLayer) l).segmentCount() >= 3);
			byte[] got = new byte[data.length];
			l.read(0, got, 0, got.length);
			assertArrayEquals(data, got);
			k.read(0, got, 0, got.length);
			assertArrayEquals(data, got);
		}
		// a later segment file absent: the acquisition is cut short there
		Path dir = Files.createDirectory(tmp.resolve("two"));
		Files.copy(s, dir.resolve("s.E01"));
		Files.copy(tmp.resolve("s.E02"), dir.resolve("s.E02"));
		String why = refused(dir.resolve("s.E01"), false);
		assertTrue(why.contains("truncated") && why.contains("s.E03 is missing"), why);
		try (Layer p = Layers.openDisk(dir.resolve("s.E01"), true)) {
			assertFalse(p.missing().isEmpty());
			assertEquals(p.size(), p.missing().get(p.missing().size() - 1).end());
			byte[] b = new byte[4096];
			p.read(0, b, 0, b.length);
			assertArrayEquals(Arrays.copyOf(data, 4096), b);
		}
		assertTrue(refused(cut(tmp, c, "cut.E01", Files.size(c) / 2), false).contains("truncated"));
		// the section chain pointing back at itself, a chunk table pointing past the file, garbage deflate data
		byte[] img = Files.readAllBytes(c);
		int vol = indexOf(img, "volume");
		assertTrue(refused(patched(tmp, c, "loop.E01", b -> putLe64(b, vol + 16, 13)), false).contains("section chain"));
		int table = indexOf(img, "table");
		assertTrue(refused(patched(tmp, c, "offset.E01", b -> putLe32(b, table + 76 + 24, 0x7ffffff0)), false).contains("truncated"));
		int first = (int) (LittleEndian.u32(img, table + 76 + 24) & 0x7fffffff) + (int) LittleEndian.u64(img, table + 76 + 8);
		assertTrue(refused(patched(tmp, c, "deflate.E01", b -> Arrays.fill(b, first + 2, first + 40, (byte) 0x33)), false).contains("chunk"));
		assertTrue(refused(patched(tmp, c, "spc.E01", b -> putLe32(b, vol + 76 + 8, 0)), false).contains("chunks of"));
		assertTrue(refused(patched(tmp, c, "ewf2.E01", b -> {
			b[3] = '2';
			b[6] = (byte) 0x81;
		}), false).contains("EWF2"));
	}

	private static int indexOf(byte[] b, String section) {
		byte[] s = section.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
		outer: for (int i = 13; i < b.length - 16; i++) {
			for (int j = 0; j < s.length; j++) if (b[i + j] != s[j]) continue outer;
			if (b[i + s.length] == 0) return i;
		}
		throw new AssertionError("no " + section + " section");
	}

	static String hex(byte[] b) {
		return HexFormat.of().formatHex(b);
	}
}
