package cacheshadow.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.JournalImporter;
import cacheshadow.journal.TimeQuality;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.TimestampedJournal;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;

/**
 * Importing a journal without time into the timestamped format, with its timing sidecar: the input is the sidecar's
 * text ({@code timeline.tsv}) followed by the journal, which starts at the first dm-log-writes (or {@code .csj}) magic
 * (no magic: the whole input is the journal, without a sidecar). The import must read back as a clean journal with
 * the same entries, each with the sidecar's time quality, times never going backwards, or be refused with an
 * {@link EvidenceFormatException} (an entry no .csj record holds) leaving no file. A sidecar or journal that is not
 * one must be refused with one too.
 */
public final class JournalImportFuzzer {
	private static final byte[] DM_MAGIC = new byte[8], CSJ_MAGIC = { 'C', 'S', 'J', 'R', 'N', 'L', '\r', '\n' };

	static {
		LittleEndian.put64(DM_MAGIC, 0, cacheshadow.journal.DmLogWritesReader.MAGIC);
	}

	private JournalImportFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		int at = Math.min(indexOf(data, DM_MAGIC), indexOf(data, CSJ_MAGIC));
		if (at == Integer.MAX_VALUE) at = 0;
		Timeline timeline = null;
		if (at > 0) {
			Path tl = JournalChecks.fresh("timeline.tsv");
			Files.write(tl, Arrays.copyOf(data, at));
			try {
				timeline = Timeline.read(tl);
			} catch (EvidenceFormatException notASidecar) {
				// imported without times
			}
		}
		if (timeline != null) {
			for (Timeline.Sample s : timeline.samples()) {
				timeline.entriesAt(s.epochNanos(), s.entries());
				timeline.entriesAt(s.epochNanos() + 1, s.entries() + 1);
			}
			timeline.firstEvent("qmp", "stopped");
		}
		Path journal = InputFile.of("import", Arrays.copyOfRange(data, at, data.length));
		WriteLog source;
		try {
			source = JournalFormat.open(journal);
		} catch (EvidenceFormatException notAJournal) {
			return;
		}
		try (source) {
			Path out = JournalChecks.fresh("imported.csj");
			JournalImporter.Report r;
			try {
				r = JournalImporter.importJournal(source, timeline, out, JournalChecks.DISK, Progress.NONE);
			} catch (EvidenceFormatException noRecordHoldsIt) {
				if (Files.exists(out)) throw new IllegalStateException("a refused import left " + out);
				return;
			}
			if (r.entries() != source.entryCount()) throw new IllegalStateException("imported " + r.entries() + " of " + source.entryCount() + " entries");
			try (TimestampedJournal j = TimestampedJournal.open(out)) {
				if (j.damage().isPresent()) throw new IllegalStateException("the imported journal reads back damaged: " + j.damage().get());
				JournalChecks.sameEntries(source, j, "imported journal");
				long last = Long.MIN_VALUE;
				for (int i = 0; i < j.entryCount(); i++) {
					TimeQuality q = j.timeQuality(i);
					TimeQuality want = source.epochNanos(i) != WriteLog.NO_TIME ? source.timeQuality(i)
							: timeline == null ? TimeQuality.NONE : timeline.timeOfEntry(i).quality();
					if (q != want) throw new IllegalStateException("entry " + i + " imported with time quality " + q + ", expected " + want);
					if (q == TimeQuality.NONE) continue;
					if (j.epochNanos(i) < last) throw new IllegalStateException("imported times go backwards at entry " + i);
					last = j.epochNanos(i);
				}
			}
		}
	}

	private static int indexOf(byte[] data, byte[] magic) {
		outer: for (int i = 0; i + magic.length <= data.length; i++) {
			for (int k = 0; k < magic.length; k++) if (data[i + k] != magic[k]) continue outer;
			return i;
		}
		return Integer.MAX_VALUE;
	}
}
