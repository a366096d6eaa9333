package cacheshadow.fuzz;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import cacheshadow.kernel.KernelAddressSpace;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.PageTableWalker;
import cacheshadow.layers.UnmappedAddressException;
import cacheshadow.testing.EvidenceSamples;

/**
 * x86-64 address translation (PageTableWalker, KernelAddressSpace) over a real snapshot whose page-table pages
 * are the input: first byte picks the sample, the rest overwrites, 4 KiB each, the tables on the paths of real
 * addresses (init_task in the kernel image, a dentry in the direct map, the vmemmap, vmalloc space), top table
 * first. Those addresses, and ones made of each table's present entries, are then translated and read across page
 * edges. A translation either gives an address or an UnmappedAddressException, never anything else.
 */
public final class PageTableFuzzer {
	private static final long PRESENT = 1, LARGE = 1L << 7, ADDR_MASK = 0x000f_ffff_ffff_f000L;

	private record Subject(SampleSnapshot snapshot, long[] addresses, Overlay overlay) {
	}

	private static final Subjects<Subject> SUBJECTS = Subjects.of(EvidenceSamples.SETS, PageTableFuzzer::subject, Subject::overlay);

	private PageTableFuzzer() {
	}

	private static Subject subject(String set) {
		try {
			SampleSnapshot s = SampleSnapshot.of(set);
			LinuxKernel k = s.kernel;
			List<Long> vas = new ArrayList<>(List.of(k.initTask(), s.entry(SubtreeWalk.DIR).dentry(), s.entry(SubtreeWalk.DIR).inode().address()));
			if (k.vmemmapBase() != null) vas.add(k.vmemmapBase() + 0x1000 * 64L);
			if (k.vmallocBase() != null) vas.add(k.vmallocBase());
			// The table pages on each address's path, top table first (read from the real tables, as the walker does).
			LinkedHashSet<Long> tables = new LinkedHashSet<>();
			PageTableWalker w = k.pageTables();
			for (long va : vas) {
				long table = w.topTable();
				for (int level = w.fiveLevel() ? 5 : 4; level >= 1; level--) {
					tables.add(table);
					long e = k.physical().readU64(table + ((va >>> (12 + 9 * (level - 1))) & 0x1ff) * 8);
					if ((e & PRESENT) == 0 || level == 1 || ((level == 2 || level == 3) && (e & LARGE) != 0)) break;
					table = e & ADDR_MASK;
				}
			}
			List<long[]> regions = new ArrayList<>();
			for (long t : tables) regions.add(new long[] { t, 4096 });
			return new Subject(s, vas.stream().mapToLong(Long::longValue).toArray(), s.overlayPhysical(regions));
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	/** The seed of sample {@code i}: the real page tables. */
	static byte[] seed(int i) {
		return SUBJECTS.seed(i);
	}

	/** Opens the samples before fuzzing starts (their loading is not an input's time). */
	public static void fuzzerInitialize() {
		// calling it initializes the class, whose SUBJECTS open the samples
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		Subject x = SUBJECTS.pick(data);
		if (x == null) return;
		PageTableWalker w = x.snapshot.kernel.pageTables();
		// a fresh walker: the kernel's own caches translations of the real tables
		PageTableWalker fuzzed = new PageTableWalker(x.snapshot.memory, w.topTable(), w.fiveLevel());
		KernelAddressSpace vas = new KernelAddressSpace(fuzzed);
		List<Long> vas2 = new ArrayList<>();
		for (long va : x.addresses) vas2.add(va);
		// addresses through the first present entries of the top table, as a hostile table would lead a walk
		byte[] top = new byte[4096];
		x.snapshot.memory.read(w.topTable(), top, 0, top.length);
		int found = 0;
		for (int i = 0; i < 512 && found < 8; i++) {
			long e = cacheshadow.layers.LittleEndian.u64(top, i * 8);
			if ((e & PRESENT) == 0) continue;
			found++;
			long va = (long) i << (w.fiveLevel() ? 48 : 39);
			vas2.add(w.fiveLevel() ? va << 7 >> 7 : va << 16 >> 16);
		}
		byte[] b = new byte[16];
		for (long va : vas2) {
			fuzzed.translateOrNegative(va);
			vas.isMapped(va - 8, 16);
			try {
				fuzzed.translate(va);
				vas.read(va + 4096 - 8, b, 0, 16); // across a page edge
			} catch (UnmappedAddressException expected) {
				// not mapped, said so
			}
		}
	}
}
