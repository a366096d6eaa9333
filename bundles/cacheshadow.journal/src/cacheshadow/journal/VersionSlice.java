package cacheshadow.journal;

import java.io.IOException;

/**
 * One block's versions as a slice of a store's parallel entry and mask arrays, wherever they live (the heap or the
 * mapped index file): both stores answer {@link BlockVersionStore#versions} with this, so the search logic is one.
 */
final class VersionSlice implements BlockVersions {
	/** Reads the {@code i}-th entry number of the slice. */
	interface Ints {
		int at(int i) throws IOException;
	}

	private final long block;
	private final int count;
	private final Ints entries;
	private final MaskSummary.Longs masks;
	private final MaskSummary.Longs summary;

	/** @param summary the slice's {@link MaskSummary}, or null when it has at most {@link MaskSummary#G} versions */
	VersionSlice(long block, int count, Ints entries, MaskSummary.Longs masks, MaskSummary.Longs summary) {
		this.block = block;
		this.count = count;
		this.entries = entries;
		this.masks = masks;
		this.summary = summary;
	}

	@Override
	public long block() {
		return block;
	}

	@Override
	public int count() {
		return count;
	}

	@Override
	public int entry(int i) throws IOException {
		return entries.at(i);
	}

	@Override
	public long mask(int i) throws IOException {
		return masks.at(i);
	}

	@Override
	public int findPrev(int pos, long need) throws IOException {
		return MaskSummary.findPrev(masks, count, summary, pos, need);
	}
}
