package cacheshadow.journal;

import java.io.IOException;
import java.util.Optional;

/**
 * A block-write journal read as an ordered list of entries: every write, flush, discard and mark that reached
 * the disk, in log order. Implemented by the dm-log-writes reader and by the project's own timestamped journal,
 * so the index, {@link DiskAtInstant} and the instant names work on either.
 *
 * <p>Entry {@code i} is the {@code i}-th entry (0-based); "the disk after {@code n} entries" is the base image
 * with entries {@code [0, n)} applied. Flag bits are dm-log-writes' own (drivers/md/dm-log-writes.c).
 * Implementations are immutable after opening and safe for concurrent readers.
 */
public interface WriteLog extends AutoCloseable {
	/** REQ_PREFLUSH: everything logged before this entry was on stable storage. */
	int FLUSH = 1;
	/** REQ_FUA: this write bypassed the device cache. */
	int FUA = 1 << 1;
	/** Discard of {@link #length} bytes: no data in the log; read back as zeros here. */
	int DISCARD = 1 << 2;
	/** A user mark ({@code dmsetup message ... mark TEXT}); {@link #mark} holds the text. */
	int MARK = 1 << 3;
	/** REQ_META: file-system metadata (newer kernels only). */
	int METADATA = 1 << 4;
	/** Every flag bit either format defines. */
	int KNOWN_FLAGS = FLUSH | FUA | DISCARD | MARK | METADATA;

	/** Sentinel of {@link #epochNanos} for a journal without time. */
	long NO_TIME = Long.MIN_VALUE;

	/** The journal file, for messages. */
	String name();

	/** Sector size of the logged device in bytes; offsets and lengths are multiples of it. */
	int sectorSize();

	/** Number of valid entries (the prefix before any damage). */
	int entryCount();

	/** Byte offset on the disk of entry {@code i}'s first sector. */
	long diskOffset(int i);

	/** Bytes of disk the entry writes or discards; 0 for a pure flush or a mark. */
	long length(int i);

	/** Flag bits ({@link #FLUSH}, {@link #FUA}, ...). */
	int flags(int i);

	/** The mark text of a {@link #MARK} entry, else null. */
	String mark(int i);

	/** Wall-clock time the journal itself recorded for entry {@code i} (ns since the epoch), or {@link #NO_TIME}. */
	long epochNanos(int i);

	/** How entry {@code i}'s {@link #epochNanos} is known: {@link TimeQuality#NONE} when the journal has no time. */
	default TimeQuality timeQuality(int i) {
		return epochNanos(i) == NO_TIME ? TimeQuality.NONE : TimeQuality.MEASURED;
	}

	/**
	 * Copies {@code len} bytes of entry {@code i}'s data starting {@code within} bytes into it. A discard reads as
	 * zeros.
	 */
	void readData(int i, long within, byte[] buf, int off, int len) throws IOException;

	/** True when entry {@code i} changes disk content (a write or a discard with a non-zero length). */
	default boolean changesDisk(int i) {
		return changesDisk(length(i), flags(i));
	}

	/** {@link #changesDisk(int)} of an entry with this length and these flags. */
	static boolean changesDisk(long length, int flags) {
		return length > 0 && (flags & MARK) == 0;
	}

	/** Where and why reading stopped early, if it did: everything before it is valid and kept. */
	Optional<LogDamage> damage();

	/** Bytes of the file the valid entries span (from its start). */
	long validBytes();

	/** Bytes of the journal file as it was opened (a journal in HDFS: its length then). */
	default long fileSize() throws IOException {
		return java.nio.file.Files.size(java.nio.file.Path.of(name()));
	}

	/** Human-readable flag names, e.g. {@code "FLUSH|FUA"}, {@code "-"} for none. */
	static String flagNames(int flags) {
		StringBuilder sb = new StringBuilder();
		String[] names = { "FLUSH", "FUA", "DISCARD", "MARK", "METADATA" };
		for (int b = 0; b < names.length; b++) {
			if ((flags & (1 << b)) != 0) sb.append(sb.isEmpty() ? "" : "|").append(names[b]);
		}
		int unknown = flags & ~KNOWN_FLAGS;
		if (unknown != 0) sb.append(sb.isEmpty() ? "" : "|").append(String.format("0x%x", unknown));
		return sb.isEmpty() ? "-" : sb.toString();
	}

	@Override
	void close() throws IOException;
}
