package cacheshadow.fuzz;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import cacheshadow.caches.CachedEntry;
import cacheshadow.testing.EvidenceSamples;

/**
 * The inode reads of the dentry walk (InodeReader: mode, owners, size, times in each series' shape, symbolic link
 * targets from {@code i_link}, ext4's inline {@code i_data} or the link's first cached page) over a real snapshot
 * whose inodes of one subtree are the input: first byte picks the sample, the rest overwrites the struct inodes of
 * {@value SubtreeWalk#DIR} one after the other (hard links share one). Findings, never an exception.
 */
public final class InodeFuzzer {
	private static final SubtreeWalk[] SUBJECTS = EvidenceSamples.SETS.stream().map(InodeFuzzer::subject)
			.toArray(SubtreeWalk[]::new);

	private InodeFuzzer() {
	}

	private static SubtreeWalk subject(String set) {
		SampleSnapshot s = SampleSnapshot.of(set);
		long size;
		try {
			size = s.kernel.btf().sizeOf("inode");
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		Set<Long> inodes = new LinkedHashSet<>();
		for (CachedEntry e : s.below(SubtreeWalk.DIR)) if (e.inode() != null) inodes.add(e.inode().address());
		List<long[]> regions = new ArrayList<>();
		for (long i : inodes) regions.add(new long[] { i, size });
		return SubtreeWalk.of(s, regions);
	}

	/** The seed of sample {@code i}: the real inodes. */
	static byte[] seed(int i) {
		return SeedBytes.withSelector(i, SUBJECTS[i].overlay().original());
	}

	/** Opens the samples before fuzzing starts (their loading is not an input's time). */
	public static void fuzzerInitialize() {
		// calling it initializes the class, whose SUBJECTS open the samples
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		if (data.length == 0) return;
		SubtreeWalk x = SUBJECTS[(data[0] & 0xff) % SUBJECTS.length];
		x.overlay().apply(Arrays.copyOfRange(data, 1, data.length));
		x.walk();
	}
}
