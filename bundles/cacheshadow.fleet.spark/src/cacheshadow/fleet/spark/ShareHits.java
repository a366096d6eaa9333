package cacheshadow.fleet.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import cacheshadow.journal.KnownBlocks;
import cacheshadow.journal.SectorHashSearch;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.WriteLog;

/**
 * The hits of one task's share, kept compact (entry, disk offset, a reference to the known place: ~30 bytes a hit)
 * and made into the table's rows only as Spark writes them: a share with millions of hits (a known block that many
 * writes hold) must not hold millions of row strings.
 */
final class ShareHits {
	private int[] entries = new int[64];
	private long[] offsets = new long[64];
	private final List<KnownBlocks.Place> places = new ArrayList<>();

	void add(int entry, long diskOffset, KnownBlocks.Place place) {
		int n = places.size();
		if (n == entries.length) {
			entries = Arrays.copyOf(entries, n * 2);
			offsets = Arrays.copyOf(offsets, n * 2);
		}
		entries[n] = entry;
		offsets[n] = diskOffset;
		places.add(place);
	}

	/** The rows, in the order the search found them, as ./cacheshadow search writes them ({@code timeline}: null for none). */
	Iterator<String> rows(String journal, WriteLog log, Timeline timeline) {
		return new Iterator<>() {
			int next;

			@Override
			public boolean hasNext() {
				return next < places.size();
			}

			@Override
			public String next() {
				if (!hasNext()) throw new NoSuchElementException();
				int i = next++;
				return SectorHashSearch.row(journal, log, timeline, entries[i], offsets[i], places.get(i));
			}
		};
	}
}
