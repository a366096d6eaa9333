package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.layers.UnmappedAddressException;
import cacheshadow.layers.VmwareLayer;

/**
 * VMware suspend/snapshot memory, built here to the layout {@link VmwareLayer} documents (no VMware product on this
 * machine): the sample's ELF dump as a {@code .vmem} whose pages lie in another order than their addresses, laid
 * out by the regions of a {@code .vmss}; a {@code .vmsn} holding the memory in its {@code Memory} tag; a {@code .vmem}
 * without regions; and cut, corrupt and hostile state files.
 */
class VmwareLayerTest {
	private static final int PAGE = VmwareLayer.PAGE;
	private static final byte[][] MAGIC = { { (byte) 0xd0, (byte) 0xbe, (byte) 0xd2, (byte) 0xbe }, { (byte) 0xd2, (byte) 0xbe, (byte) 0xd2, (byte) 0xbe } };

	/** A region: {@code pages} pages at guest page {@code ppn}, from page {@code pageNum} of the memory. */
	record Region(long ppn, long pageNum, long pages) {
	}

	/** One tag: flags (value size, or 62 for a long value), name, indices, the value's bytes. */
	private static void tag(ByteArrayOutputStream out, String name, int[] indices, byte[] value, boolean longValue, int version) {
		int len = longValue ? 62 : value.length;
		out.write(len | indices.length << 6);
		out.write(name.length());
		out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
		for (int i : indices) out.writeBytes(le(i, 4));
		if (longValue) {
			int sizeLen = version == 0 ? 4 : 8;
			out.writeBytes(le(value.length, sizeLen));
			out.writeBytes(le(value.length, sizeLen));
			out.writeBytes(new byte[2]);
		}
		out.writeBytes(value);
	}

	static byte[] le(long v, int n) {
		byte[] b = new byte[n];
		for (int i = 0; i < n; i++) b[i] = (byte) (v >>> (8 * i));
		return b;
	}

	/**
	 * A state file: header, groups {@code cpu} (one tag) and {@code memory} (regionsCount, regionPPN, regionPageNum,
	 * regionSize per region, then a {@code Memory} tag with {@code memory} when it is not null).
	 */
	static byte[] state(int version, List<Region> regions, byte[] memory) {
		ByteArrayOutputStream cpu = new ByteArrayOutputStream(), mem = new ByteArrayOutputStream();
		tag(cpu, "numVCPUs", new int[0], le(1, 4), false, version);
		cpu.writeBytes(new byte[2]);
		tag(mem, "regionsCount", new int[0], le(regions.size(), 4), false, version);
		for (int i = 0; i < regions.size(); i++) {
			tag(mem, "regionPageNum", new int[] { i }, le(regions.get(i).pageNum(), 4), false, version);
			tag(mem, "regionPPN", new int[] { i }, le(regions.get(i).ppn(), 4), false, version);
			tag(mem, "regionSize", new int[] { i }, le(regions.get(i).pages(), 4), false, version);
		}
		if (memory != null) tag(mem, "Memory", new int[] { 0, 0 }, memory, true, version);
		mem.writeBytes(new byte[2]);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(MAGIC[version == 0 ? 0 : 1]);
		out.writeBytes(le(0, 4));
		out.writeBytes(le(2, 4));
		long cpuAt = 12 + 2 * 80, memAt = cpuAt + cpu.size();
		for (Object[] g : new Object[][] { { "cpu", cpuAt }, { "memory", memAt } }) {
			out.writeBytes(java.util.Arrays.copyOf(((String) g[0]).getBytes(StandardCharsets.US_ASCII), 64));
			out.writeBytes(le((Long) g[1], 8));
			out.writeBytes(le(0, 8));
		}
		out.writeBytes(cpu.toByteArray());
		out.writeBytes(mem.toByteArray());
		return out.toByteArray();
	}

	/** The ELF dump's RAM as a .vmem, its extents in reverse order (the first one in two regions), and its regions. */
	private static List<Region> vmem(Layer elf, Path out) throws IOException {
		List<Extent> parts = new ArrayList<>();
		for (Extent e : elf.extents()) {
			assertEquals(0, e.start() % PAGE + e.length() % PAGE, "page-aligned RAM");
			if (parts.isEmpty() && e.length() > 2 * PAGE) {
				long half = e.length() / PAGE / 2 * PAGE;
				parts.add(new Extent(e.start(), half));
				parts.add(new Extent(e.start() + half, e.length() - half));
			} else {
				parts.add(e);
			}
		}
		List<Region> regions = new ArrayList<>();
		long at = 0;
		byte[] b = new byte[1 << 20];
		try (OutputStream o = Files.newOutputStream(out)) {
			for (int i = parts.size() - 1; i >= 0; i--) {
				Extent e = parts.get(i);
				regions.add(new Region(e.start() / PAGE, at / PAGE, e.length() / PAGE));
				for (long p = e.start(); p < e.end(); p += b.length) {
					int n = (int) Math.min(b.length, e.end() - p);
					elf.read(p, b, 0, n);
					o.write(b, 0, n);
				}
				at += e.length();
			}
		}
		return regions;
	}

	@Test
	void aVmemLaidOutByItsVmssReadsAsTheElfDump(@TempDir Path tmp) throws Exception {
		try (Layer elf = Layers.openMemory(Samples.sets().get(0).resolve("memory.elf"))) {
			Path vmem = tmp.resolve("guest.vmem"), vmss = tmp.resolve("guest.vmss");
			List<Region> regions = vmem(elf, vmem);
			assertTrue(regions.size() >= 2);
			Files.write(vmss, state(1, regions, null));
			assertEquals(EvidenceFormat.VMWARE_STATE, EvidenceFormat.detect(vmss));
			for (Path f : List.of(vmem, vmss)) {
				try (Layer v = Layers.openMemory(f)) {
					assertInstanceOf(VmwareLayer.class, v);
					assertTrue(v.name().startsWith("guest.vmem (VMware .vmem, regions of guest.vmss"), v.name());
					assertEquals(elf.extents(), v.extents(), f.toString());
					for (Extent e : elf.extents()) assertEquals(MemoryLayersTest.sha(elf, e), MemoryLayersTest.sha(v, e), f + " " + e);
					assertThrows(UnmappedAddressException.class, () -> v.read(elf.extents().get(elf.extents().size() - 1).end(), new byte[8], 0, 8));
				}
			}
			// without its state file the .vmem is raw memory, file offset = address
			Files.delete(vmss);
			try (Layer raw = Layers.openMemory(vmem)) {
				assertInstanceOf(RawFileLayer.class, raw);
			}
		}
	}

	@Test
	void aVmsnHoldingTheMemoryAndAVmemWithoutRegions(@TempDir Path tmp) throws Exception {
		try (Layer elf = Layers.openMemory(Samples.sets().get(0).resolve("memory.elf"))) {
			byte[] mem = new byte[4 << 20];
			elf.read(0, mem, 0, mem.length);
			// version 0 (4-byte sizes of a long value); the first MiB at guest 0, the rest at 16 MiB, stored the other way round
			byte[] stored = new byte[mem.length];
			System.arraycopy(mem, 1 << 20, stored, 0, 3 << 20);
			System.arraycopy(mem, 0, stored, 3 << 20, 1 << 20);
			Path vmsn = tmp.resolve("snap.vmsn");
			Files.write(vmsn, state(0, List.of(new Region(0, 768, 256), new Region(4096, 0, 768)), stored));
			try (Layer v = Layers.openMemory(vmsn)) {
				assertEquals(List.of(new Extent(0, 1 << 20), new Extent(16 << 20, 3 << 20)), v.extents());
				byte[] b = new byte[1 << 20];
				v.read(0, b, 0, b.length);
				assertArrayEquals(java.util.Arrays.copyOf(mem, 1 << 20), b);
				v.read(16 << 20, b, 0, b.length);
				assertArrayEquals(java.util.Arrays.copyOfRange(mem, 1 << 20, 2 << 20), b);
				assertThrows(UnmappedAddressException.class, () -> v.read(1 << 20, new byte[8], 0, 8));
			}
			// no regions (a guest below 3 GiB): the .vmem from address 0
			Path flat = tmp.resolve("flat.vmem");
			Files.write(flat, mem);
			Files.write(tmp.resolve("flat.vmss"), state(1, List.of(), null));
			try (Layer v = Layers.openMemory(flat)) {
				assertInstanceOf(VmwareLayer.class, v);
				assertEquals(List.of(new Extent(0, mem.length)), v.extents());
				assertEquals(MemoryLayersTest.sha(elf, new Extent(0, mem.length)), MemoryLayersTest.sha(v, new Extent(0, mem.length)));
			}
		}
	}

	@Test
	void cutCorruptAndHostileStateFiles(@TempDir Path tmp) throws Exception {
		byte[] mem = new byte[16 * PAGE];
		List<Region> two = List.of(new Region(0, 0, 8), new Region(256, 8, 8));
		byte[] good = state(1, two, mem);
		Files.write(tmp.resolve("good.vmsn"), good);
		try (Layer v = Layers.openMemory(tmp.resolve("good.vmsn"))) {
			assertEquals(List.of(new Extent(0, 8 * PAGE), new Extent(256L * PAGE, 8 * PAGE)), v.extents());
		}
		// cut in the memory group's tags, or in the group table
		assertTrue(refused(tmp, "cut.vmsn", java.util.Arrays.copyOf(good, 200 + 40)).contains("truncated"));
		assertTrue(refused(tmp, "table.vmsn", java.util.Arrays.copyOf(good, 100)).contains("truncated"));
		// a region past the Memory tag, overlapping regions, a region without its size, absurd counts
		assertTrue(refused(tmp, "past.vmsn", state(1, List.of(new Region(0, 10, 8)), mem)).contains("past the Memory tag"));
		assertTrue(refused(tmp, "overlap.vmsn", state(1, List.of(new Region(0, 0, 8), new Region(4, 8, 8)), mem)).contains("overlap"));
		byte[] count = state(1, two, mem);
		int at = indexOf(count, "regionsCount") + "regionsCount".length();
		count[at] = (byte) 0xff;
		count[at + 1] = (byte) 0xff;
		count[at + 2] = (byte) 0xff;
		assertTrue(refused(tmp, "count.vmsn", count).contains("regions"));
		byte[] lacking = state(1, two, mem);
		lacking[indexOf(lacking, "regionSize") + 6] = 'X'; // regionSize[0] renamed
		assertTrue(refused(tmp, "lacking.vmsn", lacking).contains("lacks"));
		// a long value claiming more than the file; no memory group; neither .vmem nor Memory tag
		byte[] huge = state(1, two, mem);
		int m = indexOf(huge, "Memory") + "Memory".length() + 8;
		System.arraycopy(le(1L << 40, 8), 0, huge, m, 8);
		assertTrue(refused(tmp, "huge.vmsn", huge).contains("truncated"));
		byte[] noMemory = state(1, two, mem);
		noMemory[indexOf(noMemory, "memory")] = 'M';
		assertTrue(refused(tmp, "nomem.vmsn", noMemory).contains("without a memory group"));
		assertTrue(refused(tmp, "alone.vmss", state(1, two, null)).contains("no .vmem"));
		// a .vmem shorter than its regions: refused, or as partial evidence the pages it lacks are missing
		Files.write(tmp.resolve("short.vmem"), new byte[12 * PAGE]);
		Files.write(tmp.resolve("short.vmss"), state(1, two, null));
		assertTrue(refused(tmp, "short.vmem", null).contains("truncated"));
		try (Layer v = Layers.openMemory(tmp.resolve("short.vmem"), true)) {
			assertEquals(List.of(new Extent(256L * PAGE + 4 * PAGE, 4 * PAGE)), v.missing());
		}
	}

	private static int indexOf(byte[] b, String s) {
		byte[] t = s.getBytes(StandardCharsets.US_ASCII);
		outer: for (int i = 0; i + t.length <= b.length; i++) {
			for (int j = 0; j < t.length; j++) if (b[i + j] != t[j]) continue outer;
			return i;
		}
		throw new AssertionError(s);
	}

	/** Writes {@code bytes} (unless null) to {@code name} and opens it: one line naming the file, within seconds. */
	private static String refused(Path tmp, String name, byte[] bytes) throws IOException {
		Path f = tmp.resolve(name);
		if (bytes != null) Files.write(f, bytes);
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
			try (Layer l = Layers.openMemory(f)) {
				for (Extent x : l.extents()) MemoryLayersTest.sha(l, x);
			}
		}));
		assertTrue(e.getMessage().contains(name), e.getMessage());
		assertFalse(e.getMessage().contains("\n"), e.getMessage());
		return e.getMessage();
	}
}
