package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.testing.EvidenceSamples;

/**
 * The inode reads of the dentry walk (InodeReader: mode, owners, size, times in each series' shape, symbolic link
 * targets from {@code i_link}, ext4's inline {@code i_data} or the link's first cached page) over a real snapshot
 * whose inodes of one subtree are the input: first byte picks the sample, the rest overwrites the struct inodes of
 * {@value SubtreeWalk#DIR} one after the other (hard links share one). Findings, never an exception.
 */
public final class InodeFuzzer {
	private static final Subjects<SubtreeWalk> SUBJECTS = Subjects.of(EvidenceSamples.SETS,
			set -> SubtreeWalk.over(set, "inode", e -> e.inode() == null ? 0 : e.inode().address()), SubtreeWalk::overlay);

	private InodeFuzzer() {
	}

	/** The seed of sample {@code i}: the real inodes. */
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
