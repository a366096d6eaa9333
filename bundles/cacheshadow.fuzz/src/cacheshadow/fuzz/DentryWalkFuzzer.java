package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.caches.CachedEntry;
import cacheshadow.testing.EvidenceSamples;

/**
 * The dentry walk over a real snapshot whose dentries of one subtree ({@value SubtreeWalk#DIR}: directories, files,
 * negative dentries, a symbolic link, hard links) are the input: first byte picks the sample (6.1: children on
 * {@code d_subdirs}, 6.12: on the {@code d_children} hlist), the rest overwrites the subtree's dentries one after
 * the other. The walk owes hostile dentries findings, never an exception; every entry it returns must make a record.
 */
public final class DentryWalkFuzzer {
	private static final Subjects<SubtreeWalk> SUBJECTS = Subjects.of(EvidenceSamples.SETS,
			set -> SubtreeWalk.over(set, "dentry", CachedEntry::dentry), SubtreeWalk::overlay);

	private DentryWalkFuzzer() {
	}

	/** The seed of sample {@code i}: the real dentries, which the walk reads as the clean analysis did. */
	static byte[] seed(int i) {
		return SUBJECTS.seed(i);
	}

	/** Opens the samples before fuzzing starts (their loading is not an input's time). */
	public static void fuzzerInitialize() {
		// calling it initializes the class, whose SUBJECTS open the samples
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		SubtreeWalk x = SUBJECTS.pick(data);
		if (x != null) x.walk();
	}
}
