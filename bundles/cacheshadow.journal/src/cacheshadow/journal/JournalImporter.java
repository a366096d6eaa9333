package cacheshadow.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import cacheshadow.layers.Progress;

/**
 * Converts a journal without time (dm-log-writes) plus its timing sidecar into the timestamped format: each record
 * gets the sidecar's interpolated completion time of its entry and that time's {@link TimeQuality}; without a
 * sidecar the records carry {@link TimeQuality#NONE}. A journal that has its own times keeps them.
 */
public final class JournalImporter {
	/** What an import did: {@code sourceBytes} read, {@code journalBytes} written, in {@code nanos}. */
	public record Report(int entries, long sourceBytes, long journalBytes, long nanos, Optional<LogDamage> sourceDamage) {
		public double megabytesPerSecond() {
			return sourceBytes / 1e6 / (nanos / 1e9);
		}
	}

	private JournalImporter() {
	}

	/** Writes every valid entry of {@code source} to a new journal at {@code out} (which must not exist). */
	public static Report importJournal(WriteLog source, Timeline timeline, Path out, long diskSize, Progress progress) throws IOException {
		long t0 = System.nanoTime();
		int n = source.entryCount();
		progress.begin("Importing " + source.name(), n);
		long bytes;
		try (JournalRecorder rec = JournalRecorder.create(out, source.sectorSize(), diskSize)) {
			long last = Long.MIN_VALUE;
			for (int i = 0; i < n; i++) {
				long time;
				TimeQuality q;
				long own = source.epochNanos(i);
				if (own != WriteLog.NO_TIME) {
					time = own;
					q = source.timeQuality(i);
				} else if (timeline != null) {
					Timeline.EntryTime et = timeline.timeOfEntry(i);
					time = et.estimateNanos();
					q = et.quality();
				} else {
					time = 0;
					q = TimeQuality.NONE;
				}
				if (q != TimeQuality.NONE) {
					time = Math.max(time, last);
					last = time;
				}
				rec.copyEntry(source, i, time, q);
				if ((i & 0x3fff) == 0x3fff) {
					progress.worked(0x4000);
					progress.checkCanceled();
				}
			}
			progress.worked(n & 0x3fff);
			bytes = rec.bytes();
		}
		return new Report(n, source.validBytes(), bytes, System.nanoTime() - t0, source.damage());
	}
}
