package cacheshadow.journal;

import java.io.IOException;

/**
 * Block → versions of a journal: the data structure behind {@link JournalIndex}. Like a state history tree with
 * one attribute per disk block, but since a block's history is a sorted list of entry numbers, a query is two
 * binary searches (block, then entry) instead of a tree descent. Implementations: {@link HeapBlockVersionStore}
 * (built in memory) and {@link MappedBlockVersionStore} (the compact index file). A remote or distributed store
 * implements this interface and nothing that uses the index changes.
 */
public interface BlockVersionStore extends AutoCloseable {
	/** Bytes per index block (4096 for sector sizes 64..4096). */
	int blockSize();

	/** Bytes per mask bit: the journal's sector size; {@code blockSize / unitSize <= 64}. */
	int unitSize();

	/** Entries of the journal the store was built from. */
	int entryCount();

	/** Number of distinct blocks ever written. */
	long writtenBlockCount();

	/** The {@code k}-th written block number, ascending. */
	long writtenBlock(long k) throws IOException;

	/** The versions of {@code block}, or null if no entry ever wrote it. */
	BlockVersions versions(long block) throws IOException;

	/** Total number of (block, entry) versions. */
	long versionCount();

	@Override
	void close() throws IOException;

	/** Index block geometry for a journal sector size: at most 64 sectors per block, 4 KiB where possible. */
	static int blockSizeFor(int sectorSize) {
		if (sectorSize >= 4096) return sectorSize;
		if (sectorSize >= 64) return 4096;
		return sectorSize * 64;
	}
}
