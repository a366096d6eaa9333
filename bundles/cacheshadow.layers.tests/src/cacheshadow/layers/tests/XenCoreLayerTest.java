package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.UnmappedAddressException;
import cacheshadow.layers.XenCoreLayer;
import cacheshadow.testing.FormatEvidence;
import cacheshadow.testing.XenDumpCoreWriter;

/**
 * Xen dump-core files built to the published layout (no Xen host here: {@link XenDumpCoreWriter}) from a sample's
 * ELF dump, HVM (.xen_pfn, pages in another order than their frames, invalid frames) and PV (.xen_p2m), read back
 * page for page; and cut, corrupt and hostile ones.
 */
class XenCoreLayerTest {
	@Test
	void hvmAndPvDumpCoresReadAsTheElfDump(@TempDir Path tmp) throws Exception {
		Path elf = Samples.sets().get(0).resolve("memory.elf");
		Path hvm = FormatEvidence.xenCore(Samples.sets().get(0).getFileName().toString());
		Path pv = tmp.resolve("pv.xen");
		try (Layer e = Layers.openMemory(elf)) {
			XenDumpCoreWriter.write(e, pv, false, false, 0);
			for (Path f : List.of(hvm, pv)) {
				assertEquals(EvidenceFormat.XEN_CORE, EvidenceFormat.detect(f));
				try (Layer x = Layers.openMemory(f)) {
					assertInstanceOf(XenCoreLayer.class, x);
					assertEquals(e.extents(), x.extents(), f.toString());
					for (Extent ex : e.extents()) assertEquals(MemoryLayersTest.sha(e, ex), MemoryLayersTest.sha(x, ex), f + " " + ex);
					assertThrows(UnmappedAddressException.class, () -> x.read(e.extents().get(0).end(), new byte[8], 0, 8));
				}
			}
		}
	}

	/** The first 4 MiB of the sample's memory as a small HVM dump-core, with two invalid frames. */
	private static Path small(Path tmp) throws Exception {
		Path out = tmp.resolve("small.xen");
		try (Layer e = Layers.openMemory(Samples.sets().get(0).resolve("memory.elf"))) {
			XenDumpCoreWriter.write(XenDumpCoreWriter.firstBytes(e, 4 << 20), out, true, true, 2);
		}
		return out;
	}

	@Test
	void cutCorruptAndHostileDumpCores(@TempDir Path tmp) throws Exception {
		Path x = small(tmp);
		byte[] img = Files.readAllBytes(x);
		long shoff = LittleEndian.u64(img, 40);
		int pagesSh = (int) shoff + 4 * 64, tableSh = (int) shoff + 5 * 64, notesSh = (int) shoff + 2 * 64;
		long pagesOff = LittleEndian.u64(img, pagesSh + 24);
		try (Layer l = Layers.openMemory(x)) {
			assertEquals(List.of(new Extent(0, 4 << 20)), l.extents(), "invalid frames are no memory");
		}
		// cut in its pages: refused, naming the cut (the frame table, written after the pages, is gone with them)
		long tableOff = LittleEndian.u64(img, tableSh + 24);
		assertTrue(refusedMemory(DiskImageFormatsTest.cut(tmp, x, "cut.xen", pagesOff + (2 << 20))).contains("truncated"));
		// the last pages cut but the table whole (the table's place moved before the pages' end): as partial evidence
		// the lost pages are missing and the rest reads
		byte[] front = Arrays.copyOf(img, (int) pagesOff + (3 << 20));
		System.arraycopy(img, (int) tableOff, front, (int) pagesOff, (int) LittleEndian.u64(img, tableSh + 32));
		Path c = tmp.resolve("table-inside.xen");
		// the table stored in a spare copy inside the first page's place, the pages after it shifted by nothing: the
		// first page then reads the table's bytes, which the check below leaves out
		DiskImageFormatsTest.putLe64(front, tableSh + 24, pagesOff);
		Files.write(c, front);
		assertTrue(refusedMemory(c).contains("truncated"));
		try (Layer p = Layers.openMemory(c, true)) {
			assertFalse(p.missing().isEmpty());
			assertThrows(MissingBytesException.class, () -> p.read(p.missing().get(0).start(), new byte[8], 0, 8));
			assertTrue(p.extents().stream().mapToLong(Extent::length).sum() >= (2 << 20), p.extents().toString());
		}
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, x, "magic.xen", b -> b[indexOf(b, 0xF00FEBEEL)] = 0x11)).contains("header note"));
		int header = indexOf(img, 0xF00FEBEEL);
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, x, "page.xen", b -> DiskImageFormatsTest.putLe64(b, header + 24, 3))).contains("page size"));
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, x, "count.xen", b -> DiskImageFormatsTest.putLe64(b, header + 16, Long.MAX_VALUE / 8))).contains("frame table"));
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, x, "dup.xen", b -> DiskImageFormatsTest.putLe64(b, (int) tableOff + 8, LittleEndian.u64(b, (int) tableOff)))).contains("overlap"));
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, x, "frame.xen", b -> DiskImageFormatsTest.putLe64(b, (int) tableOff, Long.MAX_VALUE))).contains("frame"));
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, x, "notes.xen", b -> DiskImageFormatsTest.putLe64(b, notesSh + 24, 1L << 40))).contains("truncated"));
		assertTrue(refusedMemory(DiskImageFormatsTest.patched(tmp, x, "shnum.xen", b -> {
			b[60] = (byte) 0xff;
			b[61] = (byte) 0x7f;
		})).contains("section headers"));
	}

	private static int indexOf(byte[] b, long magic) {
		for (int i = 0; i + 8 <= b.length; i += 4) if (LittleEndian.u64(b, i) == magic) return i;
		throw new AssertionError("no magic");
	}

	private static String refusedMemory(Path f) {
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
			try (Layer l = Layers.openMemory(f)) {
				for (Extent ex : l.extents()) MemoryLayersTest.sha(l, ex);
			}
		}));
		assertTrue(e.getMessage().contains(f.getFileName().toString()) && !e.getMessage().contains("\n"), e.getMessage());
		return e.getMessage();
	}
}
