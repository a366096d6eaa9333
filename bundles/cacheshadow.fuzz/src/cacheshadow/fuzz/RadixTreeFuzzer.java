package cacheshadow.fuzz;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import cacheshadow.listing.Finding;
import cacheshadow.pagecache.CachedFileReader;
import cacheshadow.testing.RadixTreeKernel;

/**
 * The page cache walk of kernels before the XArray (RadixTreeWalker) in every radix-tree layout from 3.x to 4.19,
 * over the crafted guests of RadixTreeKernel (no sample of such a kernel exists): first byte picks the layout, the
 * rest overwrites the tree's {@code radix_tree_root} and then its nodes, top first. The tree: height 3, clean and
 * dirty pages, a shadow entry. Hostile trees end in findings, never an exception.
 */
public final class RadixTreeFuzzer {
	private record Subject(CachedFileReader reader, RadixTreeKernel.Tree tree, Overlay overlay) {
	}

	private static final Subjects<Subject> SUBJECTS = Subjects.of(List.of(RadixTreeKernel.Layout.values()), RadixTreeFuzzer::subject, Subject::overlay);

	private RadixTreeFuzzer() {
	}

	private static Subject subject(RadixTreeKernel.Layout layout) {
		try {
			RadixTreeKernel k = new RadixTreeKernel(layout);
			RadixTreeKernel.Tree t = k.file(262_144L * 4096, false);
			long[] indices = { 1, 2, 4096 + 7, 200_000, 262_143 };
			for (int i = 0; i < indices.length; i++) t.page(indices[i], i % 2 == 1 ? RadixTreeKernel.DIRTY : RadixTreeKernel.CLEAN);
			t.exceptional(70, 0x12345);
			t.write();
			List<long[]> regions = new ArrayList<>();
			regions.add(new long[] { RadixTreeKernel.pa(t.root), 16 });
			// nodes by height (top first), then by the first index they cover ("height:base" keys)
			t.nodes.entrySet().stream()
					.sorted(Comparator.<Map.Entry<String, Long>>comparingLong(e -> -Long.parseLong(e.getKey().split(":")[0]))
							.thenComparingLong(e -> Long.parseLong(e.getKey().split(":")[1])))
					.forEach(e -> regions.add(new long[] { RadixTreeKernel.pa(e.getValue()), k.nodeSize }));
			// where the root keeps its tags, learned from the clean tree (as from an analysis' first tagged tree), so no
			// input can teach the next one something else
			CachedFileReader reader = new CachedFileReader(k.kernel());
			if (!reader.calibrateMarks(t.inode)) throw new IllegalStateException("tags of the " + layout + " tree not learned");
			return new Subject(reader, t, new Overlay(k.ram, k.ram::put, regions));
		} catch (Exception e) {
			throw new IllegalStateException("radix tree guest " + layout, e);
		}
	}

	/** The seed of layout {@code i}: the tree as written. */
	static byte[] seed(int i) {
		return SUBJECTS.seed(i);
	}

	/** Builds the guests before fuzzing starts. */
	public static void fuzzerInitialize() {
		// calling it initializes the class, whose SUBJECTS build the guests
	}

	public static void fuzzerTestOneInput(byte[] data) throws Exception {
		Subject x = SUBJECTS.pick(data);
		if (x == null) return;
		List<Finding> findings = new ArrayList<>();
		FileViews.read(x.reader.file(x.tree.inode, false, findings), findings);
	}
}
