package cacheshadow.journal;

import java.util.Arrays;

/**
 * Builds a {@link HeapBlockVersionStore}: every version (block, entry, unit mask) of a journal's entries, grouped by
 * block with entries ascending within a block. Fed the entries in order as an {@link EntrySink} (by the parser while
 * it reads, or from a parsed log), it only counts each block's versions; {@link #build} then puts every version
 * straight into its final slot, a counting sort: one more pass over the entries, no array of (block, entry) pairs
 * and no sort scratch, so the memory an import touches is little more than the store itself (fresh memory is most
 * of what a cold import pays for). When the written blocks are too sparse for a counter per block (a huge disk
 * written in few places, a hostile offset) it collects the triples and radix-sorts them instead
 * ({@link BlockMajorSort}); both give the same store.
 */
final class BlockVersionsBuilder implements EntrySink {
	/** Counters for this many blocks are always allowed (16 MiB: a 16 GiB disk of 4 KiB blocks); more only while there are at least half as many versions. */
	private static final int DENSE_FLOOR = 1 << 22;

	private int blockSize, unitSize, blockShift;
	private int[] counts = new int[1024]; // versions per block; null once the blocks proved too sparse
	private long versions;
	private long maxBlock = -1;
	private int accepted; // entries fed (indexed or not)
	/** Counts of the entries from {@link #laterFrom} on, kept apart so that {@link #build} places them on a second thread. */
	private BlockVersionsBuilder later;
	private int laterFrom;

	@Override
	public void start(int sectorSize, int expectedEntries) {
		unitSize = sectorSize;
		blockSize = BlockVersionStore.blockSizeFor(sectorSize);
		blockShift = Integer.numberOfTrailingZeros(blockSize);
	}

	/** Counts the blocks of every entry that changes the disk, except large discards (ranges, see {@link JournalIndex}). */
	@Override
	public void accept(long diskOffset, long length, int flags) {
		accepted++;
		if (!indexed(length, flags)) return;
		long b0 = diskOffset >>> blockShift, b1 = (diskOffset + length - 1) >>> blockShift;
		versions += b1 - b0 + 1;
		if (b1 > maxBlock) maxBlock = b1;
		if (counts == null || b1 >= counts.length && !growCounts(b1 + 1)) return;
		for (long b = b0; b <= b1; b++) counts[(int) b]++;
	}

	@Override
	public BlockVersionsBuilder part() {
		BlockVersionsBuilder p = new BlockVersionsBuilder();
		p.start(unitSize, 0);
		return p;
	}

	/**
	 * Takes {@code part}'s counts: kept apart (entries from here on are placed by a second thread), or added to the
	 * part kept already, whose entries they follow.
	 */
	@Override
	public void absorb(EntrySink part) {
		BlockVersionsBuilder p = (BlockVersionsBuilder) part;
		versions += p.versions;
		maxBlock = Math.max(maxBlock, p.maxBlock);
		if (counts == null || p.counts == null || maxBlock >= counts.length && !growCounts(maxBlock + 1)) {
			counts = null; // too sparse: build sorts instead, which needs no counts
			later = null;
		} else if (later == null) {
			later = p;
			laterFrom = accepted;
		} else {
			if (p.counts.length > later.counts.length) later.counts = Arrays.copyOf(later.counts, p.counts.length);
			for (int b = 0; b < p.counts.length; b++) later.counts[b] += p.counts[b];
		}
		accepted += p.accepted;
	}

	private static boolean indexed(long length, int flags) {
		return WriteLog.changesDisk(length, flags) && !JournalIndex.isLargeDiscard(length, flags);
	}

	private boolean growCounts(long needed) {
		long allowed = Math.max(DENSE_FLOOR, 2 * versions);
		if (needed > allowed) {
			counts = null;
			return false;
		}
		counts = Arrays.copyOf(counts, (int) Math.min(allowed, Math.max(needed, 2L * counts.length)));
		return true;
	}

	/** True while the blocks seen are dense enough for a counter each, i.e. {@link #build} will lay out by counts. */
	boolean countsPerBlock() {
		return counts != null;
	}

	/** The store of {@code log}, which must hold exactly the entries this builder was fed. */
	HeapBlockVersionStore build(WriteLog log) {
		if (blockSize == 0) start(log.sectorSize(), 0); // fed nothing
		if (versions > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(log.name() + ": too many block versions for one in-memory index");
		return counts != null ? placeByCounts(log, (int) versions) : sortTriples(log, (int) versions);
	}

	/**
	 * Lays out the blocks by their counts, then puts each version in its block's next free slot: the entries
	 * before {@link #laterFrom} here, the later ones (whose slots in each block follow) on a second thread.
	 */
	private HeapBlockVersionStore placeByCounts(WriteLog log, int v) {
		int[] next = counts; // per block: where its next version goes
		int[] laterNext = later == null ? new int[0] : later.counts; // the same for the later entries
		int n = (int) Math.min(next.length, maxBlock + 1);
		int written = 0;
		for (int b = 0; b < n; b++) if (next[b] != 0 || b < laterNext.length && laterNext[b] != 0) written++;
		long[] blocks = new long[written];
		int[] starts = new int[written + 1];
		for (int b = 0, k = 0, at = 0; b < n; b++) {
			int c = next[b], cl = b < laterNext.length ? laterNext[b] : 0;
			if (c + cl == 0) continue;
			blocks[k] = b;
			starts[k++] = at;
			next[b] = at;
			if (cl != 0) laterNext[b] = at + c;
			at += c + cl;
		}
		starts[written] = v;
		int[] entries = new int[v];
		long[] masks = new long[v];
		int split = later == null ? log.entryCount() : Math.min(laterFrom, log.entryCount());
		long[] placed = new long[2];
		RuntimeException[] failed = new RuntimeException[1];
		Thread second = later == null ? null : Thread.ofPlatform().name("index " + log.name()).start(() -> {
			try {
				forEachVersion(log, split, log.entryCount(), (b, i, mask) -> {
					int at = laterNext[(int) b]++;
					entries[at] = i;
					masks[at] = mask;
					placed[1]++;
				});
			} catch (RuntimeException e) {
				failed[0] = e;
			}
		});
		forEachVersion(log, 0, split, (b, i, mask) -> {
			int at = next[(int) b]++;
			entries[at] = i;
			masks[at] = mask;
			placed[0]++;
		});
		if (second != null) {
			try {
				second.join();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted while indexing " + log.name(), e);
			}
			if (failed[0] != null) throw failed[0];
		}
		if (placed[0] + placed[1] != v) throw new IllegalStateException(log.name() + ": the log has other entries than the builder was fed");
		counts = null; // consumed
		later = null;
		return new HeapBlockVersionStore(blockSize, unitSize, log.entryCount(), blocks, starts, entries, masks);
	}

	/** One version: entry {@code entry} wrote the units {@code mask} of block {@code block}. */
	private interface VersionSink {
		void accept(long block, int entry, long mask);
	}

	/** Every block version of the log's indexed entries {@code [from, to)}, in entry order and block order within an entry. */
	private void forEachVersion(WriteLog log, int from, int to, VersionSink sink) {
		for (int i = from; i < to; i++) {
			long length = log.length(i);
			int flags = log.flags(i);
			if (!indexed(length, flags)) continue;
			long start = log.diskOffset(i), end = start + length;
			for (long b = start >>> blockShift, b1 = (end - 1) >>> blockShift; b <= b1; b++) {
				sink.accept(b, i, JournalIndex.unitMask(b, blockSize, unitSize, start, end));
			}
		}
	}

	private HeapBlockVersionStore sortTriples(WriteLog log, int v) {
		long[] pb = new long[v];
		int[] pe = new int[v];
		long[] pm = new long[v];
		int[] filled = { 0 };
		forEachVersion(log, 0, log.entryCount(), (b, i, mask) -> {
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
