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
 * The dentry walk over a real snapshot whose dentries of one subtree ({@value SubtreeWalk#DIR}: directories, files, negative
 * dentries, a symbolic link, hard links) are the input: first byte picks the sample (6.1: children on
 * {@code d_subdirs}, 6.12: on the {@code d_children} hlist), the rest overwrites the subtree's dentries one after
 * the other. The walk owes hostile dentries findings, never an exception; every entry it returns must make a record.
 */
public final class DentryWalkFuzzer {
	private static final SubtreeWalk[] SUBJECTS = EvidenceSamples.SETS.stream().map(DentryWalkFuzzer::subject).toArray(SubtreeWalk[]::new);

	private DentryWalkFuzzer() {
	}

	private static SubtreeWalk subject(String set) {
		SampleSnapshot s = SampleSnapshot.of(set);
		long size;
		try {
			size = s.kernel.btf().sizeOf("dentry");
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		Set<Long> dentries = new LinkedHashSet<>();
		for (CachedEntry e : s.below(SubtreeWalk.DIR)) dentries.add(e.dentry());
		List<long[]> regions = new ArrayList<>();
		for (long d : dentries) regions.add(new long[] { d, size });
		return SubtreeWalk.of(s, regions);
	}

	/** The seed of sample {@code i}: the real dentries, which the walk reads as the clean analysis did. */
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
