package cacheshadow.journal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

import cacheshadow.layers.AtomicFile;
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

	/**
	 * Writes every valid entry of {@code source} to a new journal at {@code out} (which must not exist). The journal
	 * appears whole or not at all ({@link AtomicFile}): an interrupted import leaves no {@code out}, so it is never
	 * read as a shorter journal (a torn tail would be valid as one), and running it again starts afresh.
	 */
	public static Report importJournal(WriteLog source, Timeline timeline, Path out, long diskSize, Progress progress) throws IOException {
		long t0 = System.nanoTime();
		int n = source.entryCount();
		progress.begin("Importing " + source.name(), n);
		long bytes;
		if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(out.toString(), null, "the journal to import into exists");
		try (AtomicFile file = AtomicFile.create(out)) {
			JournalRecorder rec = JournalRecorder.create(out, file.channel(), source.sectorSize(), diskSize);
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
			rec.close();
			bytes = rec.bytes();
			file.commitNew();
		}
		return new Report(n, source.validBytes(), bytes, System.nanoTime() - t0, source.damage());
	}
}
