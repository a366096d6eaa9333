package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.UnmappedAddressException;
import cacheshadow.pagecache.GuestRamLayout;
import cacheshadow.pagecache.GuestRamLayout.Segment;
import cacheshadow.pagecache.PausedCopyLayer;

/**
 * Where a live guest's RAM file lies in guest-physical memory, from QEMU's own {@code query-memdev} and
 * {@code info mtree} (text as QEMU 7.2's pc machine prints it): one segment below 4 GiB, or RAM split around the
 * PCI hole; refusals; and the paused copy of a layer.
 */
class GuestRamLayoutTest {
	private static final String MEMDEV = "{\"return\": [{\"share\": true, \"reserve\": true, \"prealloc\": false, \"host-nodes\": [], \"size\": %d, \"merge\": true, \"dump\": true, \"policy\": \"default\", \"id\": \"ram0\"}]}";

	/** {@code info mtree} of a pc machine: the two RAM aliases, PCI, and the PAM/SMRAM overlays of the same backend. */
	private static String mtree(String below, String above) {
		return "address-space: cpu-memory-0\n"
				+ "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
				+ "    0000000000000000-ffffffffffffffff (prio 0, i/o): alias bus master @system 0000000000000000-ffffffffffffffff\n\n"
				+ "address-space: memory\n"
				+ "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
				+ "    " + below + "\n"
				+ (above == null ? "" : "    " + above + "\n")
				+ "    0000000000000000-ffffffffffffffff (prio -1, i/o): pci\n"
				+ "      00000000000c0000-00000000000dffff (prio 1, rom): pc.rom\n"
				+ "    00000000000a0000-00000000000bffff (prio 1, i/o): alias smram-region @pci 00000000000a0000-00000000000bffff\n"
				+ "    00000000000c0000-00000000000c3fff (prio 1, ram): alias pam-rom @ram0 00000000000c0000-00000000000c3fff\n"
				+ "\nmemory-region: smram\n"
				+ "  0000000000000000-00000000ffffffff (prio 0, i/o): smram\n"
				+ "    00000000000a0000-00000000000bffff (prio 0, ram): alias smram-low @ram0 00000000000a0000-00000000000bffff\n\n"
				+ "memory-region: ram0\n"
				+ "  0000000000000000-000000000fffffff (prio 0, ram): ram0\n";
	}

	@Test
	void belowFourGiB() throws Exception {
		long size = 256L << 20;
		List<Segment> s = GuestRamLayout.parse(String.format(MEMDEV, size),
				mtree("0000000000000000-000000000fffffff (prio 0, ram): alias ram-below-4g @ram0 0000000000000000-000000000fffffff", null),
				Path.of("ram"), size);
		assertEquals(List.of(new Segment(0, size, 0)), s);
	}

	@Test
	void splitAroundThePciHole() throws Exception {
		long size = 6L << 30; // 6 GiB: [0, 3 GiB) at GPA 0, [3 GiB, 6 GiB) of the file at GPA 4 GiB
		List<Segment> s = GuestRamLayout.parse(String.format(MEMDEV, size),
				mtree("0000000000000000-00000000bfffffff (prio 0, ram): alias ram-below-4g @ram0 0000000000000000-00000000bfffffff",
						"0000000100000000-00000001bfffffff (prio 0, ram): alias ram-above-4g @ram0 00000000c0000000-000000017fffffff"),
				Path.of("ram"), size);
		assertEquals(List.of(new Segment(0, 3L << 30, 0), new Segment(4L << 30, 3L << 30, 3L << 30)), s);
	}

	@Test
	void refusesWhatItCannotCheck() {
		long size = 6L << 30;
		String below = "0000000000000000-00000000bfffffff (prio 0, ram): alias ram-below-4g @ram0 0000000000000000-00000000bfffffff";
		// the upper part of the backend mapped nowhere
		IOException e = assertThrows(IOException.class, () -> GuestRamLayout.parse(String.format(MEMDEV, size), mtree(below, null), Path.of("ram"), size));
		assertTrue(e.getMessage().contains("covers"), e.getMessage());
		// a backend that is not share=on: the file is not the guest's RAM
		assertThrows(IOException.class, () -> GuestRamLayout.parse(String.format(MEMDEV, size).replace("\"share\": true", "\"share\": false"), mtree(below, null),
				Path.of("ram"), size));
		// no backend of the file's size
		assertThrows(IOException.class, () -> GuestRamLayout.parse(String.format(MEMDEV, size), mtree(below, null), Path.of("ram"), size + 4096));
		// no alias of the backend at all
		assertThrows(IOException.class, () -> GuestRamLayout.parse(String.format(MEMDEV, size), "address-space: memory\n", Path.of("ram"), size));
	}

	@Test
	void layerReadsEachSegmentFromItsOffsetAndCopiesWhilePaused(@TempDir Path dir) throws Exception {
		byte[] b = new byte[0x5000];
		for (int i = 0; i < b.length; i++) b[i] = (byte) (i >> 12 | i);
		Path ram = dir.resolve("ram");
		Files.write(ram, b);
		List<Segment> segs = List.of(new Segment(0, 0x3000, 0), new Segment(0x10000, 0x2000, 0x3000));
		try (Layer l = GuestRamLayout.layer(ram, segs)) {
			assertEquals(List.of(new Extent(0, 0x3000), new Extent(0x10000, 0x2000)), l.extents());
			byte[] x = new byte[16];
			l.read(0x10000, x, 0, 16);
			assertArrayEquals(java.util.Arrays.copyOfRange(b, 0x3000, 0x3010), x);
			assertThrows(UnmappedAddressException.class, () -> l.read(0x4000, x, 0, 1));
			PausedCopyLayer copy = new PausedCopyLayer(l);
			copy.read(0x10ff8, x, 0, 16); // crosses a page
			copy.freeze();
			byte[] y = new byte[16];
			copy.read(0x10ff8, y, 0, 16);
			assertArrayEquals(java.util.Arrays.copyOfRange(b, 0x3ff8, 0x4008), y);
			assertEquals(0x2000, copy.copiedBytes());
			IOException e = assertThrows(IOException.class, () -> copy.read(0, y, 0, 1));
			assertTrue(e.getMessage().contains("not read while the guest was paused"), e.getMessage());
		}
	}
}
