package cacheshadow.journal;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.List;

import cacheshadow.layers.MappedFile;
import cacheshadow.layers.Progress;

/**
 * Sector-hash search of a write journal (issue 16): every write entry that wrote one of the {@link KnownBlocks}
 * whole. Windows of 4 KiB are taken where the disk's 4 KiB grid falls inside each write, so a write that starts
 * mid-block (not 4 KiB-aligned) is searched at the blocks it covers whole, at their in-block offset within its data;
 * the part of a block such a write holds alone is no hit (a block is matched whole or not at all: a hash of part of
 * a block is no hash of the block). With {@code everySector} every sector offset is a window start, for file
 * systems whose blocks do not sit on the disk's 4 KiB grid (a partition at sector 63, 1 KiB ext blocks).
 *
 * <p>Per window the sample key ({@link KnownBlocks#sample}) is read in place from the journal's mapping (16 words)
 * and only a key some known block has leads to SHA-256 of the window. Discards and marks hold no data and are
 * passed over. Read-only and allocation-free per window.
 */
public final class SectorHashSearch {
	/** Receives hits in journal order: entry, the window's disk byte offset, where the block is known from. */
	public interface HitSink {
		void hit(int entry, long diskOffset, KnownBlocks.Place place) throws IOException;
	}

	/**
	 * What a search did: data bytes of write entries scanned, windows looked at and hashed, hits; and, for a journal
	 * whose records' CRC32C were left to the search ({@link TimestampedJournal#openChecksumsLeftToReader}), the first
	 * record that failed it (the journal ends there; the entries before it were searched), else null.
	 */
	public record Stats(long dataBytes, long windows, long hashed, long hits, LogDamage checksumDamage) {
	}

	private SectorHashSearch() {
	}

	public static Stats search(WriteLog log, KnownBlocks known, boolean everySector, HitSink sink, Progress progress) throws IOException {
		return search(log, 0, log.entryCount(), known, everySector, sink, progress);
	}

	/**
	 * {@link #search} of the entries {@code [from, to)} only: one split of a journal (the fleet search on Spark runs
	 * one per task, {@link #share}); the splits' hits, in split order, are the whole search's hits.
	 */
	public static Stats search(WriteLog log, int from, int to, KnownBlocks known, boolean everySector, HitSink sink, Progress progress) throws IOException {
		final int B = KnownBlocks.BLOCK;
		if (from < 0 || to > log.entryCount() || from > to) throw new IndexOutOfBoundsException("entries " + from + ".." + to + " of " + log.entryCount());
		// each record's CRC32C checked just before its data is scanned: the data is read once, and is in the CPU's cache for the scan
		TimestampedJournal unchecked = checksumsLeftToSearch(log);
		if (unchecked != null && from != 0) throw new IllegalArgumentException("a journal whose checksums are left to the search is searched from its first entry");
		LogDamage damage = null;
		int step = everySector ? Math.min(log.sectorSize(), B) : B;
		MappedFile mapped = log instanceof MappedWriteLog m && m.file instanceof MappedFile f ? f : null;
		EntryTable table = mapped != null ? ((MappedWriteLog) log).table : null;
		MessageDigest sha = KnownBlocks.sha256();
		byte[] win = new byte[B];
		boolean hashAll = known.unsampled();
		long total = 0;
		for (int i = from; i < to; i++) if (isData(log, i)) total += log.length(i);
		progress.begin("Searching " + log.name(), total);
		long bytes = 0, windows = 0, hashed = 0, hits = 0, reported = 0;
		for (int i = from; i < to; i++) {
			if (unchecked != null && (damage = unchecked.checksumDamage(i)) != null) break;
			if (!isData(log, i)) continue;
			long off = log.diskOffset(i), len = log.length(i), end = off + len;
			long first = everySector ? off : Math.floorDiv(off + B - 1, B) * B;
			long data = table != null ? table.dataPos(i) : -1;
			for (long w = first; w <= end - B; w += step) {
				long within = w - off;
				windows++;
				if (!hashAll) {
					long k;
					if (mapped != null) {
						k = KnownBlocks.sample(mapped, data + within);
					} else {
						log.readData(i, within, win, 0, B);
						k = KnownBlocks.sample(win, 0);
					}
					if (!known.mayHold(k)) continue;
				}
				log.readData(i, within, win, 0, B);
				hashed++;
				List<KnownBlocks.Place> places = known.places(sha.digest(win));
				if (places == null) continue;
				for (KnownBlocks.Place p : places) {
					sink.hit(i, w, p);
					hits++;
				}
			}
			bytes += len;
			if (bytes - reported >= (64 << 20)) {
				progress.worked(bytes - reported);
				reported = bytes;
				progress.checkCanceled();
			}
		}
		progress.worked(bytes - reported);
		return new Stats(bytes, windows, hashed, hits, damage);
	}

	/**
	 * The entries {@code [from, to)} of share {@code k} of {@code n} of a journal: shares hold about equal bytes of
	 * write data (what the search reads), an entry goes to the share its first data byte falls in; the shares of
	 * {@code k = 0 .. n-1} cover every entry once, in order.
	 */
	public static int[] share(WriteLog log, int k, int n) {
		if (n < 1 || k < 0 || k >= n) throw new IllegalArgumentException("share " + k + " of " + n);
		int count = log.entryCount();
		long total = 0;
		for (int i = 0; i < count; i++) if (isData(log, i)) total += log.length(i);
		long lo = total / n * k + total % n * k / n, hi = total / n * (k + 1) + total % n * (k + 1) / n;
		int from = k == 0 ? 0 : -1, to = k == n - 1 ? count : -1;
		long at = 0;
		for (int i = 0; i < count && (from < 0 || to < 0); i++) {
			if (from < 0 && at >= lo) from = i;
			if (to < 0 && at >= hi) to = i;
			if (isData(log, i)) at += log.length(i);
		}
		if (from < 0) from = count;
		if (to < 0) to = count;
		return new int[] { from, Math.max(from, to) };
	}

	/** The header of the search's hits table, an exact contract (issue 16). */
	public static final String HEADER = "journal\tentry\ttime\tsector\tfile\tfile_offset";

	/**
	 * One row of the hits table, without its newline: the journal as it was named, the entry, its time (the journal's
	 * own, else the timing sidecar's estimate, else {@code -}), the sector (512-byte units) and where the block is known
	 * from.
	 */
	public static String row(String journal, WriteLog log, Timeline timeline, int entry, long diskOffset, KnownBlocks.Place place) {
		return journal + "\t" + entry + "\t" + time(log, timeline, entry) + "\t" + (diskOffset / 512) + "\t" + place.file() + "\t" + place.offset();
	}

	/** The entry's time as the journal has it, else as the timing sidecar estimates it, else {@code -}. */
	public static String time(WriteLog log, Timeline timeline, int entry) {
		long t = log.epochNanos(entry);
		if (t == WriteLog.NO_TIME && timeline != null) t = timeline.timeOfEntry(entry).estimateNanos();
		return t == WriteLog.NO_TIME ? "-" : ResolvedInstant.iso(t);
	}

	/**
	 * True when some entry of the journal has a time of its own (a .csj journal; a dm-log-writes log has none). Of a
	 * journal whose checksums are left to the search, the records up to its first timed one are checked here: one
	 * failing ends the journal before any time.
	 */
	public static boolean hasTime(WriteLog log) throws IOException {
		TimestampedJournal unchecked = checksumsLeftToSearch(log);
		for (int i = 0; i < log.entryCount(); i++) {
			if (log.timeQuality(i) == TimeQuality.NONE) continue;
			for (int k = 0; unchecked != null && k <= i; k++) if (unchecked.checksumDamage(k) != null) return false;
			return true;
		}
		return false;
	}

	private static TimestampedJournal checksumsLeftToSearch(WriteLog log) {
		return log instanceof TimestampedJournal t && t.checksumsLeftToReader() ? t : null;
	}

	private static boolean isData(WriteLog log, int i) {
		return log.changesDisk(i) && (log.flags(i) & WriteLog.DISCARD) == 0;
	}
}
