package cacheshadow.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;

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
		if (n == 8 && LittleEndian.u64(b, 0) == DmLogWritesReader.MAGIC) return DM_LOG_WRITES;
		if (n == 8 && java.util.Arrays.equals(b, TimestampedJournal.MAGIC)) return CACHESHADOW;
		throw new EvidenceFormatException(path, "neither a dm-log-writes log nor a CacheShadow journal");
	}

	/** Opens a journal of either format. */
	public static WriteLog open(Path path) throws IOException {
		return switch (detect(path)) {
		case DM_LOG_WRITES -> DmLogWritesReader.read(path);
		case CACHESHADOW -> TimestampedJournal.open(path);
		};
	}
}
