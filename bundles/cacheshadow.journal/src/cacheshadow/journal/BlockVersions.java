package cacheshadow.journal;

import java.io.IOException;

/**
 * The versions of one index block: every journal entry that wrote (or discarded) any of its units, in ascending
 * entry order, each with the mask of units it covered (bit {@code u} = bytes {@code [u*unit, (u+1)*unit)} of the
 * block; a unit is one device sector, so a write covers a unit entirely or not at all).
 */
public interface BlockVersions {
	long block();

	int count();

	int entry(int i) throws IOException;

	long mask(int i) throws IOException;

	/**
	 * The newest version before position {@code pos} (a version index, e.g. {@link #countBefore}) that wrote any
	 * sector in {@code need}, or -1. Stores with {@link MaskSummary} answer in O(log count); this default scans.
	 */
	default int findPrev(int pos, long need) throws IOException {
		for (int j = pos - 1; j >= 0; j--) if ((mask(j) & need) != 0) return j;
		return -1;
	}

	/** Number of versions written by entries {@code < entryLimit}: binary search, O(log count). */
	default int countBefore(long entryLimit) throws IOException {
		int lo = 0, hi = count();
		while (lo < hi) {
			int mid = (lo + hi) >>> 1;
			if (entry(mid) < entryLimit) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}
}
