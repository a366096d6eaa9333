package cacheshadow.ext4;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * A file's logical block → device block map: sorted, non-overlapping {@link BlockRun}s; a logical block in no
 * run is a hole. Built from an extent tree or from (double/triple) indirect blocks.
 */
public final class BlockMap {
	public static final BlockMap EMPTY = new BlockMap(List.of(), List.of());

	private final List<BlockRun> runs;
	private final List<Long> metadataBlocks;

	BlockMap(List<BlockRun> runs, List<Long> metadataBlocks) {
		this.runs = Collections.unmodifiableList(runs);
		this.metadataBlocks = List.copyOf(metadataBlocks);
	}

	/**
	 * Device blocks holding the map itself (extent tree nodes below the root, indirect blocks), in the order
	 * they were read.
	 */
	public List<Long> metadataBlocks() {
		return metadataBlocks;
	}

	/** Sorts, drops overlaps (keeping the first) and merges adjacent runs. */
	static BlockMap of(List<BlockRun> in, List<Long> metadataBlocks) {
		List<BlockRun> s = new ArrayList<>(in);
		s.sort(Comparator.comparingLong(BlockRun::logical));
		List<BlockRun> out = new ArrayList<>(s.size());
		for (BlockRun r : s) {
			if (r.length() <= 0) continue;
			if (!out.isEmpty()) {
				BlockRun last = out.get(out.size() - 1);
				if (r.logical() < last.logicalEnd()) continue; // overlap in corrupt metadata
				if (r.logical() == last.logicalEnd() && r.physical() == last.physical() + last.length()
						&& r.unwritten() == last.unwritten()) {
					out.set(out.size() - 1, new BlockRun(last.logical(), last.physical(), last.length() + r.length(), r.unwritten()));
					continue;
				}
			}
			out.add(r);
		}
		return new BlockMap(out, metadataBlocks);
	}

	public List<BlockRun> runs() {
		return runs;
	}

	/** The run holding {@code logicalBlock}, or null for a hole. */
	public BlockRun runAt(long logicalBlock) {
		int lo = 0, hi = runs.size() - 1;
		while (lo <= hi) {
			int mid = (lo + hi) >>> 1;
			BlockRun r = runs.get(mid);
			if (logicalBlock < r.logical()) hi = mid - 1;
			else if (logicalBlock >= r.logicalEnd()) lo = mid + 1;
			else return r;
		}
		return null;
	}

	/** Index of the first run ending after {@code logicalBlock} (runs.size() if none). */
	int firstRunEndingAfter(long logicalBlock) {
		int lo = 0, hi = runs.size();
		while (lo < hi) {
			int mid = (lo + hi) >>> 1;
			if (runs.get(mid).logicalEnd() <= logicalBlock) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	/** Device block of {@code logicalBlock}, or -1 for a hole (unwritten blocks return their device block). */
	public long physical(long logicalBlock) {
		BlockRun r = runAt(logicalBlock);
		return r == null ? -1 : r.physical() + (logicalBlock - r.logical());
	}

	/** Number of mapped blocks (unwritten included). */
	public long mappedBlocks() {
		long n = 0;
		for (BlockRun r : runs) n += r.length();
		return n;
	}

	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder();
		for (BlockRun r : runs) {
			if (sb.length() > 0) sb.append(", ");
			sb.append(r.logical()).append('-').append(r.logicalEnd() - 1).append(':').append(r.physical()).append('-')
					.append(r.physical() + r.length() - 1);
			if (r.unwritten()) sb.append("(u)");
		}
		return sb.toString();
	}
}
