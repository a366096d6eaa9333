package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import cacheshadow.kernel.KernelAddressSpace;
import cacheshadow.kernel.PageTableWalker;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.UnmappedAddressException;

/** Crafted page tables in a small physical memory: 4 and 5 levels, 1 GiB / 2 MiB / 4 KiB pages, holes. */
class PageTableWalkerTest {
	private static final long P = 1, RW = 2, PS = 0x80;

	/** 8 MiB of physical memory in a byte array. */
	static final class Ram implements Layer {
		final byte[] b = new byte[8 << 20];

		void entry(long table, int index, long value) {
			LittleEndian.put64(b, (int) (table + 8L * index), value);
		}

		@Override
		public String name() {
			return "ram";
		}

		@Override
		public String source() {
			return "test";
		}

		@Override
		public long size() {
			return b.length;
		}

		@Override
		public List<Extent> extents() {
			return List.of(new Extent(0, b.length));
		}

		@Override
		public void read(long offset, byte[] buf, int off, int len) throws IOException {
			if (offset < 0 || offset + len > b.length) throw new UnmappedAddressException("ram", offset);
			System.arraycopy(b, (int) offset, buf, off, len);
		}

		@Override
		public void close() {
		}
	}

	private static int idx(long va, int level) {
		return (int) ((va >>> (12 + 9 * (level - 1))) & 0x1ff);
	}

	@Test
	void fourLevelWithLargePagesAndHoles() throws Exception {
		Ram ram = new Ram();
		long pml4 = 0x1000, pdpt = 0x2000, pd = 0x3000, pt = 0x4000;
		long va4k = 0xffff_8880_0020_3000L, va2m = 0xffff_8880_0040_0000L, va1g = 0xffff_8881_0000_0000L;
		ram.entry(pml4, idx(va4k, 4), pdpt | P | RW);
		ram.entry(pdpt, idx(va4k, 3), pd | P | RW);
		ram.entry(pd, idx(va4k, 2), pt | P | RW);
		ram.entry(pt, idx(va4k, 1), 0x50_0000 | P | RW);
		ram.entry(pd, idx(va2m, 2), 0x60_0000 | P | RW | PS);
		ram.entry(pdpt, idx(va1g, 3), 0x4000_0000L | P | RW | PS);
		PageTableWalker w = new PageTableWalker(ram, pml4, false);
		assertEquals(0x50_0123, w.translate(va4k + 0x123));
		assertEquals(0x61_2345, w.translate(va2m + 0x1_2345));
		assertEquals(0x4123_4567L, w.translate(va1g + 0x123_4567));
		// Cached translation gives the same answer.
		assertEquals(0x50_0123, w.translate(va4k + 0x123));
		// Not present at the PT level, the PD level, and a non-canonical address.
		assertThrows(UnmappedAddressException.class, () -> w.translate(va4k + 0x1000));
		assertThrows(UnmappedAddressException.class, () -> w.translate(va2m + 0x20_0000));
		assertThrows(UnmappedAddressException.class, () -> w.translate(0x0000_8000_0000_0000L));
		// A page table pointing outside physical memory is reported, not followed.
		ram.entry(pd, idx(va2m + 0x20_0000, 2), 0x7fff_f000_0000L | P);
		assertThrows(UnmappedAddressException.class, () -> w.translate(va2m + 0x20_0000));
		// Reads spanning two pages go through the walker page by page.
		KernelAddressSpace vas = new KernelAddressSpace(w);
		ram.b[0x50_0ffe] = 7;
		ram.b[0x50_0fff] = 8;
		byte[] buf = new byte[2];
		vas.read(va4k + 0xffe, buf, 0, 2);
		assertEquals(7, buf[0]);
		assertEquals(8, buf[1]);
		assertTrue(vas.isMapped(va4k, 4096));
		assertTrue(!vas.isMapped(va4k, 4097));
	}

	@Test
	void fiveLevel() throws Exception {
		Ram ram = new Ram();
		long pml5 = 0x1000, pml4 = 0x2000, pdpt = 0x3000, pd = 0x4000;
		long va = 0xff11_0000_0040_0000L; // a 5-level direct-map address (57-bit canonical)
		ram.entry(pml5, idx(va, 5), pml4 | P);
		ram.entry(pml4, idx(va, 4), pdpt | P);
		ram.entry(pdpt, idx(va, 3), pd | P);
		ram.entry(pd, idx(va, 2), 0x20_0000 | P | PS);
		PageTableWalker w = new PageTableWalker(ram, pml5, true);
		assertEquals(0x20_0042, w.translate(va + 0x42));
		// Under 4-level paging the same address is not canonical.
		assertThrows(UnmappedAddressException.class, () -> new PageTableWalker(ram, pml5, false).translate(va));
	}

	@Test
	void kallsymsCaptureSkipsModules() throws Exception {
		SymbolTable t = SymbolTable.parse("ffffffff89800000 T _text\nffffffff8b21aa40 D init_task\nffffffffc0a00000 t ext4_fill_super\t[ext4]\n",
				true, "kallsyms");
		assertTrue(t.isRuntime());
		assertEquals(2, t.size());
		assertEquals(0xffffffff8b21aa40L, t.address("init_task"));
		assertThrows(IOException.class, () -> SymbolTable.parse("not a symbol file\n", false, "x"));
	}
}
