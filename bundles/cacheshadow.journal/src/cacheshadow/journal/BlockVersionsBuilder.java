package cacheshadow.journal;

/**
 * Builds a {@link HeapBlockVersionStore}: every version (block, entry, unit mask) of a journal's entries, grouped by
 * block with entries ascending within a block. Fed the entries in order as an {@link EntrySink} (by the parser while
 * it reads, or from a parsed log), it appends each version to its partition of blocks ({@link VersionPartitions});
 * {@link #build} then sorts each partition by block on its own (both cores share the partitions), a counting sort
 * whose counters and output slice stay in the core's cache, and concatenates them: no pass over the log again.
 * When the written blocks are too sparse for partitions (a huge disk written in few places, a hostile offset) it
 * collects the triples from the log and radix-sorts them instead ({@link BlockMajorSort}); both give the same store.
 */
final class BlockVersionsBuilder implements EntrySink {
	/** Partitions for this many blocks are always allowed (16 Mi blocks: a 64 GiB disk of 4 KiB blocks); more only while there are at least half as many versions. */
	private static final long DENSE_FLOOR = 1L << 24;

	private int blockSize, unitSize, blockShift;
	private VersionPartitions parts = new VersionPartitions(); // null once the blocks proved too sparse
	private long versions;
	private long maxBlock = -1;
	private int accepted; // entries fed (indexed or not)
	/** The versions of the entries from {@link #laterFrom} on, kept apart (fed on another thread, see {@link #part}). */
	private BlockVersionsBuilder later;
	private int laterFrom;

	@Override
	public void start(int sectorSize, int expectedEntries) {
		unitSize = sectorSize;
		blockSize = BlockVersionStore.blockSizeFor(sectorSize);
		blockShift = Integer.numberOfTrailingZeros(blockSize);
	}

	/** Keeps the versions of every entry that changes the disk, except large discards (ranges, see {@link JournalIndex}). */
	@Override
	public void accept(long diskOffset, long length, int flags) {
		int entry = accepted++;
		if (!indexed(length, flags)) return;
		long end = diskOffset + length;
		long b0 = diskOffset >>> blockShift, b1 = (end - 1) >>> blockShift;
		versions += b1 - b0 + 1;
		if (b1 > maxBlock) maxBlock = b1;
		if (parts == null || !dense()) {
			parts = null;
			return;
		}
		eachVersion(entry, diskOffset, length, toParts);
	}

	private final VersionSink toParts = (b, i, mask) -> parts.add(b, i, mask);

	/** Whether the blocks written so far are dense enough for partitions of {@link VersionPartitions#BLOCKS}. */
	private boolean dense() {
		return maxBlock < Math.max(DENSE_FLOOR, 2 * versions);
	}

	@Override
	public BlockVersionsBuilder part() {
		BlockVersionsBuilder p = new BlockVersionsBuilder();
		p.start(unitSize, 0);
		return p;
	}

	/**
	 * Takes {@code part}'s versions: kept apart (the first part, sorted in with these at {@link #build}), or appended
	 * to the part kept already, whose entries they follow.
	 */
	@Override
	public void absorb(EntrySink part) {
		BlockVersionsBuilder p = (BlockVersionsBuilder) part;
		versions += p.versions;
		maxBlock = Math.max(maxBlock, p.maxBlock);
		if (parts == null || p.parts == null || !dense() || later != null && later.parts == null) {
			parts = null; // too sparse: build sorts instead, from the log
			later = null;
		} else if (later == null) {
			later = p;
			laterFrom = accepted;
		} else {
			later.parts.append(p.parts, later.accepted);
			later.accepted += p.accepted;
		}
		accepted += p.accepted;
	}

	private static boolean indexed(long length, int flags) {
		return WriteLog.changesDisk(length, flags) && !JournalIndex.isLargeDiscard(length, flags);
	}

	/** True while the blocks seen are dense enough for partitions, i.e. {@link #build} will not sort from the log. */
	boolean partitioned() {
		return parts != null;
	}

	/** The store of {@code log}, which must hold exactly the entries this builder was fed. */
	HeapBlockVersionStore build(WriteLog log) {
		if (blockSize == 0) start(log.sectorSize(), 0); // fed nothing
		if (versions > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(log.name() + ": too many block versions for one in-memory index");
		if (parts == null) return sortTriples(log, (int) versions);
		if (accepted != log.entryCount()) throw new IllegalStateException(log.name() + ": the log has other entries than the builder was fed");
		return placeByPartitions(log, (int) versions);
	}

	/** Sorts each partition into its slice of the store (partitions shared by two threads), then lists the blocks. */
	private HeapBlockVersionStore placeByPartitions(WriteLog log, int v) {
		VersionPartitions laterParts = later == null ? null : later.parts;
		int np = Math.max(parts.partitions(), laterParts == null ? 0 : laterParts.partitions());
		int[] at = new int[np + 1];
		for (int p = 0; p < np; p++) at[p + 1] = at[p] + parts.size(p) + (laterParts == null ? 0 : laterParts.size(p));
		if (at[np] != v) throw new IllegalStateException(log.name() + ": " + at[np] + " versions kept, " + v + " counted");
		int[] entries = new int[v];
		long[] masks = new long[v];
		int[][] blocksOf = new int[np][];
		java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
		RuntimeException[] failed = new RuntimeException[1];
		Runnable sorter = () -> {
			try {
				int[] counts = new int[VersionPartitions.BLOCKS];
				for (int p; (p = next.getAndIncrement()) < np;) blocksOf[p] = parts.sortInto(p, laterParts, laterFrom, counts, entries, masks, at[p]);
			} catch (RuntimeException e) {
				failed[0] = e;
			}
		};
		Thread second = v < 1 << 16 ? null : Thread.ofPlatform().name("index " + log.name()).start(sorter);
		sorter.run();
		if (second != null) {
			try {
				second.join();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted while indexing " + log.name(), e);
			}
		}
		if (failed[0] != null) throw failed[0];
		int written = 0;
		for (int[] b : blocksOf) written += b.length / 2;
		long[] blocks = new long[written];
		int[] starts = new int[written + 1];
		for (int p = 0, k = 0; p < np; p++) {
			int[] b = blocksOf[p];
			for (int d = 0; d < b.length; d += 2, k++) {
				blocks[k] = ((long) p << VersionPartitions.SHIFT) + b[d];
				starts[k] = at[p] + b[d + 1];
			}
		}
		starts[written] = v;
		parts = null; // consumed
		later = null;
		return new HeapBlockVersionStore(blockSize, unitSize, log.entryCount(), blocks, starts, entries, masks);
	}

	/** One version: entry {@code entry} wrote the units {@code mask} of block {@code block}. */
	private interface VersionSink {
		void accept(long block, int entry, long mask);
	}

	/** Every block version of the log's indexed entries, in entry order and block order within an entry. */
	private void forEachVersion(WriteLog log, VersionSink sink) {
		for (int i = 0; i < log.entryCount(); i++) {
			long length = log.length(i);
			if (indexed(length, log.flags(i))) eachVersion(i, log.diskOffset(i), length, sink);
		}
	}

	/** The versions entry {@code entry} makes: one per block it touches, with the units of the block it covers. */
	private void eachVersion(int entry, long diskOffset, long length, VersionSink sink) {
		long end = diskOffset + length;
		for (long b = diskOffset >>> blockShift, b1 = (end - 1) >>> blockShift; b <= b1; b++) {
			sink.accept(b, entry, JournalIndex.unitMask(b, blockSize, unitSize, diskOffset, end));
		}
	}

	private HeapBlockVersionStore sortTriples(WriteLog log, int v) {
		long[] pb = new long[v];
		int[] pe = new int[v];
		long[] pm = new long[v];
		int[] filled = { 0 };
		forEachVersion(log, (b, i, mask) -> {
			int k = filled[0]++;
			if (k == v) throw new IllegalStateException(log.name() + ": the log has other entries than the builder was fed");
			pb[k] = b;
			pe[k] = i;
			pm[k] = mask;
		});
		int p = filled[0];
		if (p != v) throw new IllegalStateException(log.name() + ": the log has other entries than the builder was fed");
		BlockMajorSort.sort(pb, pe, pm, p, maxBlock);
		int written = 0;
		for (int k = 0; k < p; k++) {
			if (k == 0 || pb[k] != pb[k - 1]) written++;
		}
		long[] blocks = new long[written];
		int[] starts = new int[written + 1];
		for (int k = 0, bi = -1; k < p; k++) {
			if (k == 0 || pb[k] != pb[k - 1]) {
				blocks[++bi] = pb[k];
				starts[bi] = k;
			}
		}
		starts[written] = p;
		return new HeapBlockVersionStore(blockSize, unitSize, log.entryCount(), blocks, starts, pe, pm);
	}
}
