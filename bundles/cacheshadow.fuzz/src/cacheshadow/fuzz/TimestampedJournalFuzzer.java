package cacheshadow.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.JournalIndex;
import cacheshadow.journal.JournalRecorder;
import cacheshadow.journal.TimeQuality;
import cacheshadow.journal.TimestampedJournal;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;

/**
 * The project's own timestamped journal ({@code .csj}, FORMAT.md): the input is the file. It is read twice: as it
 * is, and with the header's and every record's CRC32C made right (so the fuzzer gets past the checksums to the
 * fields behind them). Each journal that opens is read through, indexed and checked against a naive replay, and
 * reopened for appending (recovery of a torn or damaged tail): the entries kept plus one appended write must read
 * back. A file that is not a journal must be refused with an {@link EvidenceFormatException}; damage inside it ends
 * the journal ({@code LogDamage}), never an exception.
 */
public final class TimestampedJournalFuzzer {
	private static final int HEADER = 64, RECORD_HEADER = 48;

	private TimestampedJournalFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		check(data);
		byte[] fixed = data.clone();
		if (fixChecksums(fixed)) check(fixed);
	}

	private static void check(byte[] data) throws IOException {
		Path f = InputFile.of("journal", data);
		WriteLog log;
		try {
			if (JournalFormat.detect(f) != JournalFormat.CACHESHADOW) return;
			log = JournalFormat.open(f);
		} catch (EvidenceFormatException notAJournal) {
			return;
		}
		try (log) {
			TimestampedJournal j = (TimestampedJournal) log;
			j.diskSize();
			j.createdNanos();
			j.toString();
			JournalChecks.walk(j);
			try (JournalIndex idx = JournalChecks.indexAndReplay(j)) {
				idx.entryCount();
			}
			appendAfterRecovery(j, data);
		}
	}

	/** Reopens a copy for appending: what was valid stays, one more write reads back after it. */
	private static void appendAfterRecovery(TimestampedJournal j, byte[] data) throws IOException {
		Path copy = JournalChecks.fresh("journal-append.csj");
		Files.write(copy, data);
		try (JournalRecorder r = JournalRecorder.openForAppend(copy)) {
			if (r.entries() != j.entryCount()) throw new IllegalStateException("reopened for appending with " + r.entries() + " entries, read " + j.entryCount());
			r.write(0, new byte[j.sectorSize()], 0, j.sectorSize(), 0, Long.MAX_VALUE, TimeQuality.MEASURED); // never before the last
		} catch (EvidenceFormatException refused) {
			return; // a header the recorder will not append to
		}
		try (TimestampedJournal again = TimestampedJournal.open(copy)) {
			if (again.entryCount() != j.entryCount() + 1 || again.damage().isPresent()) {
				throw new IllegalStateException("after recovery and one append: " + again.entryCount() + " entries, damage " + again.damage()
						+ " (had " + j.entryCount() + ")");
			}
			JournalChecks.samePrefix(j, again, j.entryCount(), "journal recovered for appending");
		}
	}

	/**
	 * Recomputes the header CRC and, walking the records by their own length fields, each record's CRC, as FORMAT.md
	 * defines them; false when there was nothing to fix.
	 */
	static boolean fixChecksums(byte[] b) {
		if (b.length < HEADER) return false;
		CRC32C crc = new CRC32C();
		crc.update(b, 0, 60);
		boolean changed = LittleEndian.s32(b, 60) != (int) crc.getValue();
		LittleEndian.put32(b, 60, (int) crc.getValue());
		for (int pos = HEADER; pos + RECORD_HEADER + 4 <= b.length;) {
			long len = LittleEndian.u32(b, pos + 4);
			if (len < RECORD_HEADER + 4 || len > b.length - pos) break;
			crc.reset();
			crc.update(b, pos, (int) len - 4);
			int at = pos + (int) len - 4;
			changed |= LittleEndian.s32(b, at) != (int) crc.getValue();
			LittleEndian.put32(b, at, (int) crc.getValue());
			pos += (int) len;
		}
		return changed;
	}
}
