package cacheshadow.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;
import cacheshadow.layers.ReadableFile;

/** The journal formats this bundle reads, told apart by their first bytes. */
public enum JournalFormat {
	/** Linux dm-log-writes / QEMU blklogwrites ({@link DmLogWritesReader}). */
	DM_LOG_WRITES,
	/** The project's timestamped journal ({@link TimestampedJournal}, FORMAT.md). */
	CACHESHADOW;

	public static JournalFormat detect(Path path) throws IOException {
		byte[] b = new byte[8];
		int n;
		try (InputStream in = Files.newInputStream(path)) {
			n = in.readNBytes(b, 0, 8);
		} catch (NoSuchFileException e) {
			throw new EvidenceFormatException(path, "no such file");
		}
		JournalFormat f = of(b, n);
		if (f == null) throw new EvidenceFormatException(path, "neither a dm-log-writes log nor a CacheShadow journal");
		return f;
	}

	/** The format whose magic the first {@code n} bytes of a file are ({@code first}'s first 8), or null for neither. */
	public static JournalFormat of(byte[] first, int n) {
		if (n >= 8 && LittleEndian.u64(first, 0) == DmLogWritesReader.MAGIC) return DM_LOG_WRITES;
		if (n >= 8 && java.util.Arrays.equals(first, 0, 8, TimestampedJournal.MAGIC, 0, 8)) return CACHESHADOW;
		return null;
	}

	/** Opens a journal of either format. */
	public static WriteLog open(Path path) throws IOException {
		return open(path, Progress.NONE, EntrySink.NONE);
	}

	/**
	 * Opens a journal of either format where it lies: a local path, or a {@code webhdfs://} URL read in place
	 * ({@link WebHdfsFile}: its entry headers and then only the data asked for are fetched, never the whole file).
	 */
	public static WriteLog open(String location) throws IOException {
		return open(location, Progress.NONE, EntrySink.NONE);
	}

	/**
	 * Opens a journal for one pass over all its data (the sector-hash search), as {@link #open(String)} but a local
	 * .csj's records' CRC32C are left to that pass ({@link TimestampedJournal#openChecksumsLeftToReader}), so their
	 * data is read once.
	 */
	public static WriteLog openForOnePass(String location) throws IOException {
		if (!WebHdfs.isUrl(location) && detect(Path.of(location)) == CACHESHADOW) return TimestampedJournal.openChecksumsLeftToReader(Path.of(location));
		return open(location);
	}

	static WriteLog open(String location, Progress progress, EntrySink sink) throws IOException {
		if (!WebHdfs.isUrl(location)) return open(Path.of(location), progress, sink);
		return open(WebHdfsFile.open(location), progress, sink, false);
	}

	/**
	 * Opens a journal of either format from a file read in place elsewhere (the fleet search on Spark: Hadoop's file
	 * system streams), every .csj record's CRC32C checked as for a local file, so the entries and the damage are a
	 * local open's; closes {@code f} if it is no journal.
	 */
	public static WriteLog open(ReadableFile f) throws IOException {
		return open(f, Progress.NONE, EntrySink.NONE, true);
	}

	private static WriteLog open(ReadableFile f, Progress progress, EntrySink sink, boolean checkEveryRecord) throws IOException {
		byte[] b = new byte[8];
		int n = (int) Math.min(8, f.size());
		try {
			f.read(0, b, 0, n);
		} catch (IOException | RuntimeException e) {
			f.close();
			throw e;
		}
		JournalFormat format = of(b, n);
		if (format == null) {
			f.close();
			throw new EvidenceFormatException(f.name(), "neither a dm-log-writes log nor a CacheShadow journal");
		}
		// one walk (no second half read at the same time): a remote file's reads stay in order
		return switch (format) {
		case DM_LOG_WRITES -> DmLogWritesReader.read(f, progress, sink, 0);
		case CACHESHADOW -> handEntries(TimestampedJournal.open(f, progress, checkEveryRecord), sink);
		};
	}

	/**
	 * Opens a journal of either format and hands every valid entry to {@code sink}: a dm-log-writes log while it
	 * is read, a .csj journal (whose parse reads every record's data for its CRC anyway) once it is open.
	 */
	static WriteLog open(Path path, Progress progress, EntrySink sink) throws IOException {
		return switch (detect(path)) {
		case DM_LOG_WRITES -> DmLogWritesReader.read(path, progress, sink);
		case CACHESHADOW -> handEntries(TimestampedJournal.open(path, progress), sink);
		};
	}

	private static WriteLog handEntries(TimestampedJournal j, EntrySink sink) {
		sink.start(j.sectorSize(), j.entryCount());
		for (int i = 0; i < j.entryCount(); i++) sink.accept(j.diskOffset(i), j.length(i), j.flags(i));
		return j;
	}
}
