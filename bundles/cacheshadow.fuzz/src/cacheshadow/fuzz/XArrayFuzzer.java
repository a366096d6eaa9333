package cacheshadow.fuzz;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import cacheshadow.caches.CachedEntry;
import cacheshadow.kernel.Btf;
import cacheshadow.listing.Finding;
import cacheshadow.pagecache.CachedFileReader;
import cacheshadow.pagecache.PageIndexWalker;
import cacheshadow.testing.EvidenceSamples;

/**
 * The page cache walk of one real file ({@value #FILE}: on 6.1 a two-level XArray, on 6.12 one node) over a real
 * snapshot whose XArray is the input: first byte picks the sample, the rest overwrites the root ({@code xa_flags},
 * {@code xa_head}) and then every {@code xa_node} of the tree, root node first. CachedFileReader walks it
 * (XArrayWalker) and resolves each entry to its struct page; hostile trees end in findings, never an exception.
 */
public final class XArrayFuzzer {
	static final String FILE = "/mnt/disk/data/blob.bin";

	private record Subject(SampleSnapshot snapshot, CachedFileReader reader, CachedEntry file, Overlay overlay) {
	}

	private static final Subjects<Subject> SUBJECTS = Subjects.of(EvidenceSamples.SETS, XArrayFuzzer::subject, Subject::overlay);

	private XArrayFuzzer() {
	}

	private static Subject subject(String set) {
		try {
			SampleSnapshot s = SampleSnapshot.of(set);
			CachedEntry file = s.entry(FILE);
			CachedFileReader reader = new CachedFileReader(s.kernel);
			Btf b = s.kernel.btf();
			long root = file.inode().mapping() + PageIndexWalker.rootField(b).offset();
			// The nodes holding entries, and their parents up to the root node (xa_node.parent), root first.
			List<Finding> none = new ArrayList<>();
			LinkedHashSet<Long> leaves = new LinkedHashSet<>();
			reader.pageIndex().walk(root, e -> leaves.add(e.node()), none);
			leaves.remove(0L);
			long parentOff = b.field("xa_node", "parent").offset();
			List<Long> nodes = new ArrayList<>();
			for (long n : leaves) {
				List<Long> up = new ArrayList<>();
				for (long p = n; p != 0 && !nodes.contains(p) && !up.contains(p); p = s.kernel.u64(p + parentOff)) up.add(0, p);
				nodes.addAll(up);
			}
			List<long[]> regions = new ArrayList<>();
			regions.add(new long[] { root, b.sizeOf("xarray") });
			for (long n : nodes) regions.add(new long[] { n, b.sizeOf("xa_node") });
			// Where the root keeps its marks is learned once per snapshot (from the first tree that shows them, as an
			// analysis does): learned here from the clean trees, so no input can teach the next one something else.
			for (CachedEntry e : s.clean.entries()) if (e.inode() != null && reader.calibrateMarks(e.inode().address())) break;
			if (reader.pageIndex().rootMarkShift() < 0) throw new IllegalStateException("no tree of " + set + " shows where the root keeps its marks");
			return new Subject(s, reader, file, s.overlay(regions));
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	/** The seed of sample {@code i}: the real root and nodes. */
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
		List<Finding> findings = new ArrayList<>();
		FileViews.read(x.reader.file(x.file.inode(), false, findings), findings);
	}
}
