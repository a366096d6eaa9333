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
