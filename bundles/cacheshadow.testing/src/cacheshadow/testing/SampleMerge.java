package cacheshadow.testing;

import java.io.IOException;

import cacheshadow.layers.Progress;
import cacheshadow.merge.MergedFileSystem;

/**
 * A sample set merged as {@code ./cacheshadow} merges it by default: its ELF memory over its stale disk image, with its
 * kernel files, the disk's journal replayed. Each call opens it anew; the caller closes it.
 */
public final class SampleMerge {
	private SampleMerge() {
	}

	public static MergedFileSystem open(String set) throws IOException {
		return MergedFileSystem.open(EvidenceSamples.file(set, "memory.elf"), EvidenceSamples.file(set, "disk.img"), EvidenceSamples.dir(set).resolve("kernel"),
				true, Progress.NONE);
	}
}
