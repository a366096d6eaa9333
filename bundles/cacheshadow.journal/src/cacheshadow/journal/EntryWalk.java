package cacheshadow.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.ReadableFile;
import cacheshadow.layers.Progress;
import cacheshadow.layers.Zeros;

/**
 * Walks consecutive dm-log-writes entries from one header position, validating each as {@link DmLogWritesReader}
 * describes, into its own {@link EntryTable} and {@link EntrySink}, until the end of the file, the first problem,
 * or the position where a {@link SecondHalfWalk} took over. Headers are read in place from the mapped log, so
 * the data between them is never copied; what that costs is mapping the pages, which two walks over two halves
 * do at once.
 *
 * <p>A walk may begin mid-log, where the absolute number of its first entry is not yet known; so it records how
 * it ended ({@link End}) and {@link #damage} judges that once the number is known (an all-zero header is the
 * normal end only past the super block's entry count).
 */
final class EntryWalk {
	/** How a walk ended. */
	enum End {
		RUNNING, FILE_END, ZERO_HEADER, SHORT_HEADER, MALFORMED, ENTRY_LIMIT, HANDED_OVER, INTERRUPTED
	}

	private final ReadableFile file;
	private final long size;
	private final int sectorSize;
	private final byte[] header;
	/** Null for a probe that only checks that entries validate. */
	final EntryTable table;
	final EntrySink sink;

	long pos;
	int count;
	End end = End.RUNNING;
	private String problem; // MALFORMED
	private boolean shortZero; // SHORT_HEADER: the bytes left are all zero
	private long reported; // progress reported up to here

	// the entry next() read last
	private long sector, bytes, dataBytes;
	private int flags;
	private String markText;

	EntryWalk(ReadableFile file, int sectorSize, long pos, EntryTable table, EntrySink sink) {
		this.file = file;
		this.size = file.size();
		this.sectorSize = sectorSize;
		this.header = new byte[sectorSize];
		this.table = table;
		this.sink = sink;
		restart(pos);
	}

	/** Starts over at {@code at}, keeping the table (for a probe, which has none, a fresh walk). */
	void restart(long at) {
		pos = at;
		reported = at;
		end = End.RUNNING;
		if (table == null) count = 0;
	}

	/**
	 * Walks on until the end of the file, a problem, {@code maxEntries} entries, or the position where
	 * {@code successor} begins (as long as it may: a walk that passes that position cancels it and goes on alone).
	 */
	void run(SecondHalfWalk successor, Progress progress, int maxEntries) throws IOException {
		end = End.RUNNING;
		while (true) {
			if (successor != null) {
				long s = successor.start();
				if (pos == s) {
					end = End.HANDED_OVER;
					return;
				}
				if (pos > s) {
					successor.cancel(); // its guess was no header, or it found none
					successor = null;
				}
			}
			if (pos >= size) {
				end = End.FILE_END;
				return;
			}
			if (count >= maxEntries) {
				end = End.ENTRY_LIMIT;
				return;
			}
			if (Thread.currentThread().isInterrupted()) {
				end = End.INTERRUPTED;
				return;
			}
			if (!next()) return;
			if (table != null) table.add(sector * sectorSize, bytes, pos + sectorSize, flags, markText, WriteLog.NO_TIME);
			sink.accept(sector * sectorSize, bytes, flags);
			count++;
			pos += sectorSize + dataBytes;
			if (pos - reported >= (64 << 20)) {
				progress.worked(pos - reported);
				reported = pos;
				progress.checkCanceled();
			}
		}
	}

	/** Where progress was last reported (the walk's start, if never). */
	long reportedUpTo() {
		return reported;
	}

	/** Reads and validates the entry at {@link #pos}; false (with {@link #end} set) if there is none. */
	private boolean next() throws IOException {
		if (pos + sectorSize > size) {
			int rest = (int) (size - pos);
			file.read(pos, header, 0, rest);
			shortZero = Zeros.allZero(header, 0, rest);
			end = End.SHORT_HEADER;
			return false;
		}
		file.read(pos, header, 0, sectorSize);
		sector = LittleEndian.u64(header, 0);
		long nrSectors = LittleEndian.u64(header, 8);
		long f = LittleEndian.u64(header, 16);
		long dataLen = LittleEndian.u64(header, 24);
		if (f == 0 && nrSectors == 0) {
			if (Zeros.allZero(header, 0, sectorSize)) {
				end = End.ZERO_HEADER;
				return false;
			}
			return malformed("malformed entry: no flags and no sectors");
		}
		if ((f & ~(long) WriteLog.KNOWN_FLAGS) != 0) return malformed(String.format("malformed entry: unknown flags 0x%x", f));
		boolean mark = (f & WriteLog.MARK) != 0;
		boolean discard = (f & WriteLog.DISCARD) != 0;
		markText = null;
		if (mark) {
			// log_mark(): at most sectorsize - sizeof(entry) - 1 bytes of text, written inline after the header.
			// data_len is a u64: one past 2^63 reads negative here, and is as over-long as any
			if (dataLen < 0 || dataLen > sectorSize - DmLogWritesReader.ENTRY_HEADER_BYTES - 1 || nrSectors != 0) {
				return malformed("malformed mark entry (data_len " + Long.toUnsignedString(dataLen) + ", nr_sectors " + Long.toUnsignedString(nrSectors) + ")");
			}
			int n = (int) dataLen;
			if (!Zeros.allZero(header, DmLogWritesReader.ENTRY_HEADER_BYTES + n, sectorSize - DmLogWritesReader.ENTRY_HEADER_BYTES - n)) {
				return malformed("malformed mark entry: garbage after the mark text");
			}
			markText = new String(header, DmLogWritesReader.ENTRY_HEADER_BYTES, n, StandardCharsets.UTF_8);
		} else if (!Zeros.allZero(header, DmLogWritesReader.ENTRY_HEADER_BYTES, sectorSize - DmLogWritesReader.ENTRY_HEADER_BYTES)) {
			// write_metadata() zero-fills the header sector after the entry; replay-log's log_entry_valid checks this.
			return malformed("malformed entry: non-zero padding after the header (garbage)");
		}
		long maxSectors = Long.MAX_VALUE / sectorSize;
		if (nrSectors > maxSectors || sector > maxSectors || sector + nrSectors > maxSectors || nrSectors < 0 || sector < 0) {
			return malformed("malformed entry: sector " + Long.toUnsignedString(sector) + " + " + Long.toUnsignedString(nrSectors) + " overflows");
		}
		long all = nrSectors * sectorSize;
		dataBytes = discard ? 0 : all;
		if (!discard && !mark && Long.compareUnsigned(dataLen, dataBytes) > 0) {
			return malformed("malformed entry: data_len " + Long.toUnsignedString(dataLen) + " exceeds its " + dataBytes + " bytes of sectors");
		}
		long dataPos = pos + sectorSize;
		if (dataBytes > size - dataPos) {
			return malformed("truncated: entry needs " + dataBytes + " bytes of data, the file has " + (size - dataPos) + " after its header");
		}
		bytes = mark ? 0 : all;
		flags = (int) f;
		return true;
	}

	private boolean malformed(String why) {
		problem = why;
		end = End.MALFORMED;
		return false;
	}

	/**
	 * The damage where this walk ended, if it ended at the log's end or a problem, {@code entry} being the absolute
	 * number of the entry it stopped at; null for a normal end (the file's end, or an all-zero header where no
	 * further entry was promised).
	 */
	LogDamage damage(String name, int entry, long superEntries) {
		return switch (end) {
		case FILE_END -> null;
		case ZERO_HEADER -> entry >= superEntries ? null
				: new LogDamage(name, entry, pos, "all-zero entry header, but the super block promises " + superEntries + " entries");
		case SHORT_HEADER -> shortZero && entry >= superEntries ? null
				: new LogDamage(name, entry, pos, "truncated entry header (" + (size - pos) + " of " + sectorSize + " bytes)");
		case MALFORMED -> new LogDamage(name, entry, pos, problem);
		case ENTRY_LIMIT -> new LogDamage(name, entry, pos, "more entries than fit in this JVM's heap (" + entry + "); give it more memory (-Xmx)");
		default -> throw new IllegalStateException("walk not ended: " + end);
		};
	}
}
