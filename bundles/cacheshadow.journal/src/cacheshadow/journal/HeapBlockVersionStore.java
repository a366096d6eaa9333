package cacheshadow.journal;

import java.util.Arrays;

import cacheshadow.layers.Progress;

/**
 * A {@link BlockVersionStore} in three arrays (compressed-row layout): ascending block numbers, where each block's
 * versions start, and the versions' (entry, mask) pairs. Built from a journal in one pass plus a stable radix
 * sort by block ({@link BlockVersionsBuilder}), O(n) in the number of (block, entry) pairs.
 */
public final class HeapBlockVersionStore implements BlockVersionStore {
	final int blockSize;
	final int unitSize;
	final int entryCount;
	final long[] blocks;
	final int[] starts; // blocks.length + 1; the last is the version count
	final int[] entries; // may be longer than the version count, as may masks
	final long[] masks;
	/** Blocks (by position in {@link #blocks}) with more than {@link MaskSummary#G} versions, ascending. */
	final int[] summarized;
	/** Where each summarized block's {@link MaskSummary} levels start in {@link #summary}. */
	final int[] summaryStart;
	final long[] summary;

	HeapBlockVersionStore(int blockSize, int unitSize, int entryCount, long[] blocks, int[] starts, int[] entries, long[] masks) {
		this.blockSize = blockSize;
		this.unitSize = unitSize;
		this.entryCount = entryCount;
		this.blocks = blocks;
		this.starts = starts;
		this.entries = entries;
		this.masks = masks;
		int n = 0, total = 0;
		for (int k = 0; k < blocks.length; k++) {
			int c = starts[k + 1] - starts[k];
			if (c > MaskSummary.G) {
				n++;
				total += MaskSummary.size(c);
			}
		}
		summarized = new int[n];
		summaryStart = new int[n];
		summary = new long[total];
		for (int k = 0, i = 0, at = 0; k < blocks.length; k++) {
			int c = starts[k + 1] - starts[k];
			if (c <= MaskSummary.G) continue;
			summarized[i] = k;
			summaryStart[i++] = at;
			MaskSummary.build(masks, starts[k], c, summary, at);
			at += MaskSummary.size(c);
		}
	}

	/** Indexes every entry of {@code log} that changes the disk, except large discards (see {@link JournalIndex}). */
	public static HeapBlockVersionStore build(WriteLog log, Progress progress) {
		int n = log.entryCount();
		progress.begin("Indexing " + log.name(), n);
		BlockVersionsBuilder versions = new BlockVersionsBuilder();
		versions.start(log.sectorSize(), n);
		for (int i = 0; i < n; i++) {
			versions.accept(log.diskOffset(i), log.length(i), log.flags(i));
			if ((i & 0xffff) == 0xffff) {
				progress.worked(0x10000);
				progress.checkCanceled();
			}
		}
		progress.worked(n & 0xffff);
		return versions.build(log);
	}

	@Override
	public int blockSize() {
		return blockSize;
	}

	@Override
	public int unitSize() {
		return unitSize;
	}

	@Override
	public int entryCount() {
		return entryCount;
	}

	@Override
	public long writtenBlockCount() {
		return blocks.length;
	}

	@Override
	public long writtenBlock(long k) {
		return blocks[Math.toIntExact(k)];
	}

	@Override
	public long versionCount() {
		return starts[blocks.length];
	}

	@Override
	public BlockVersions versions(long block) {
		int k = Arrays.binarySearch(blocks, block);
		if (k < 0) return null;
		int s = starts[k], c = starts[k + 1] - s;
		int si = c > MaskSummary.G ? Arrays.binarySearch(summarized, k) : -1;
		MaskSummary.Longs sum = si < 0 ? null : i -> summary[summaryStart[si] + i];
		MaskSummary.Longs own = i -> masks[s + i];
		return new VersionSlice(block, c, i -> entries[s + i], own, sum);
	}

	@Override
	public void close() {
	}
}
