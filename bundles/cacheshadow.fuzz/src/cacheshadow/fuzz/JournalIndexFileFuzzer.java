package cacheshadow.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

import cacheshadow.journal.DiskAtInstant;
import cacheshadow.journal.DmLogWritesReader;
import cacheshadow.journal.DmLogWritesWriter;
import cacheshadow.journal.JournalIndex;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;

/**
 * A case's journal index file ({@code <case>/index/journal-N.idx}, FORMAT.md "block version index"), damaged in its
 * body: the header (tied to its journal by entry count, size and fingerprint) stays the real one, the input replaces
 * the body (block numbers, version ranges, entry numbers, unit masks, summary table and levels) from its start, the
 * file keeping its size. As it is, the body's checksum no longer matches and the index must be rebuilt; with the
 * checksums made right (a crafted index) it is taken as the journal's, and every question the disk at an instant asks
 * of it must be answered or refused with an IOException: wrong bytes maybe, never an internal error or a hang.
 */
public final class JournalIndexFileFuzzer {
	private static final WriteLog LOG;
	private static final byte[] HEADER, BODY;
	/** The disk read at an instant, reused by every input. */
	private static final byte[] DISK = new byte[JournalChecks.DISK];

	static {
		try {
			Path dm = Files.createTempFile(InputFile.dir(), "indexed", ".log");
			writeJournal(dm);
			LOG = DmLogWritesReader.read(dm);
			Path idx = Files.createTempFile(InputFile.dir(), "journal", ".idx");
			Files.delete(idx);
			JournalIndex.openOrBuild(LOG, idx, Progress.NONE).close();
			byte[] all = Files.readAllBytes(idx);
			HEADER = Arrays.copyOf(all, 64);
			BODY = Arrays.copyOfRange(all, 64, all.length);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private JournalIndexFileFuzzer() {
	}

	/**
	 * A journal whose index has every part: blocks written once and many times (more than a summary group), partial
	 * writes of single sectors, a small discard and a large one (kept as a range).
	 */
	static void writeJournal(Path dm) throws IOException {
		byte[] data = new byte[8 * 512];
		try (DmLogWritesWriter w = new DmLogWritesWriter(dm, 512)) {
			for (int i = 0; i < 60; i++) {
				Arrays.fill(data, (byte) i);
				w.write((i * 7L) % 40, data, 0, 512 * (1 + i % 8), i % 5 == 0 ? WriteLog.FUA : 0);
				if (i % 13 == 0) w.discard(i % 16, 3);
			}
			w.discard(0, (2L << 20) / 512);
			for (int i = 0; i < 30; i++) w.write(5, data, 0, 512, 0); // one sector, many versions
		}
	}

	/** The seed: the index body as it was written. */
	static byte[] seed() {
		return BODY.clone();
	}

	/** Builds the journal and its index before the first input is timed. */
	public static void fuzzerInitialize() {
		// calling it initializes the class
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		byte[] file = Arrays.copyOf(HEADER, 64 + BODY.length);
		System.arraycopy(BODY, 0, file, 64, BODY.length);
		System.arraycopy(data, 0, file, 64, Math.min(data.length, BODY.length));
		ask(file);
		CRC32C crc = new CRC32C();
		crc.update(file, 64, file.length - 64);
		LittleEndian.put32(file, 20, (int) crc.getValue());
		crc.reset();
		crc.update(file, 0, 60);
		LittleEndian.put32(file, 60, (int) crc.getValue());
		ask(file);
	}

	/** Opens the index file (or rebuilds it) and asks it what the disk at an instant asks. */
	private static void ask(byte[] file) throws IOException {
		Path idx = JournalChecks.fresh("damaged.idx");
		Files.write(idx, file);
		try (JournalIndex index = JournalIndex.openOrBuild(LOG, idx, Progress.NONE)) {
			int n = LOG.entryCount();
			for (int at : new int[] { 0, 1, n / 2, n }) {
				try {
					new DiskAtInstant(JournalChecks.baseLayer(), index, at, null).read(0, DISK, 0, DISK.length);
				} catch (EvidenceFormatException refused) {
					// the damage was noticed
				}
			}
			for (int i = 0; i < n; i += 7) {
				try {
					index.latestWrite(LOG.diskOffset(i), Math.max(1, LOG.length(i)), n);
					index.lastWrites(LOG.diskOffset(i), Math.min(LOG.length(i), 1 << 20), i + 1);
				} catch (EvidenceFormatException refused) {
					// the damage was noticed
				}
			}
		}
	}
}
