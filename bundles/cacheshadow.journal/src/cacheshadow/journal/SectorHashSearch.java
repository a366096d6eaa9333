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

	/** What a search did: data bytes of write entries scanned, windows looked at and hashed, hits. */
	public record Stats(long dataBytes, long windows, long hashed, long hits) {
	}

	private SectorHashSearch() {
	}

	public static Stats search(WriteLog log, KnownBlocks known, boolean everySector, HitSink sink, Progress progress) throws IOException {
		final int B = KnownBlocks.BLOCK;
		int step = everySector ? Math.min(log.sectorSize(), B) : B;
		MappedFile mapped = log instanceof MappedWriteLog m ? m.file : null;
		EntryTable table = mapped != null ? ((MappedWriteLog) log).table : null;
		MessageDigest sha = KnownBlocks.sha256();
		byte[] win = new byte[B];
		boolean hashAll = known.unsampled();
		long total = 0;
		int n = log.entryCount();
		for (int i = 0; i < n; i++) if (isData(log, i)) total += log.length(i);
		progress.begin("Searching " + log.name(), total);
		long bytes = 0, windows = 0, hashed = 0, hits = 0, reported = 0;
		for (int i = 0; i < n; i++) {
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
		return new Stats(bytes, windows, hashed, hits);
	}

	private static boolean isData(WriteLog log, int i) {
		return log.changesDisk(i) && (log.flags(i) & WriteLog.DISCARD) == 0;
	}
}
