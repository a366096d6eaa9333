package cacheshadow.journal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.function.LongUnaryOperator;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.MappedFile;
import cacheshadow.layers.ReadableFile;
import cacheshadow.layers.Progress;

/**
 * Reads a dm-log-writes write log, as Linux's dm-log-writes target (drivers/md/dm-log-writes.c,
 * Documentation/admin-guide/device-mapper/log-writes.rst) and QEMU's {@code blklogwrites} driver
 * (block/blklogwrites.c) write it.
 *
 * <p>Layout: sector 0 holds {@code log_write_super {le64 magic 0x6a736677736872; le64 version 1; le64 nr_entries;
 * le32 sectorsize}}. Each entry is one sector beginning with {@code log_write_entry {le64 sector; le64 nr_sectors;
 * le64 flags; le64 data_len}} (sector and nr_sectors in units of {@code sectorsize}), the rest of the sector zero
 * except for a MARK's text ({@code data_len} bytes right after the header), then {@code nr_sectors * sectorsize}
 * bytes of data (none for a DISCARD).
 *
 * <p>{@code nr_entries} is only a hint: the kernel rewrites it after FUA and MARK entries and QEMU after flushes,
 * so the reader walks on to the last whole entry. Entries are validated as xfstests' replay-log does
 * ({@code log_entry_valid}: an all-zero header, or a non-mark entry whose padding is not zero, is malformed), plus
 * unknown flag bits, over-long marks, offsets that overflow and data past the end of the file. The first problem
 * ends the log: it is reported as a {@link LogDamage} and every entry before it is kept. An all-zero sector where
 * no further entry was promised is the normal end of a preallocated log.
 */
public final class DmLogWritesReader {
	/** {@code WRITE_LOG_MAGIC}. */
	public static final long MAGIC = 0x6a736677736872L;
	/** {@code WRITE_LOG_VERSION}. */
	public static final long VERSION = 1;
	/** {@code sizeof(struct log_write_entry)}. */
	public static final int ENTRY_HEADER_BYTES = 32;
	private static final int SUPER_BYTES = 28;

	private DmLogWritesReader() {
	}

	/** Opens and validates {@code path}; a damaged log yields its valid prefix, with {@link WriteLog#damage()} set. */
	public static DmLogWritesLog read(Path path) throws IOException {
		return read(path, Progress.NONE);
	}

	public static DmLogWritesLog read(Path path, Progress progress) throws IOException {
		return read(path, progress, EntrySink.NONE);
	}

	/** {@link #read}, handing each entry to {@code sink} as soon as it is accepted. */
	static DmLogWritesLog read(Path path, Progress progress, EntrySink sink) throws IOException {
		return read(path, progress, sink, SPLIT);
	}

	/** Logs at least this large are walked in two halves at once (when there is a second core). */
	static final long SPLIT_BYTES = 64 << 20;
	/** {@link #read}'s choice of where the second walk begins: the middle of a large log, or 0 (none). */
	static final LongUnaryOperator SPLIT = size -> size >= SPLIT_BYTES && Runtime.getRuntime().availableProcessors() > 1 ? size / 2 : 0;

	/**
	 * Entry headers are read in place from the mapped log (see {@link EntryWalk}); entry data is never read here.
	 * {@code splitAt} gives, for the file's size, where a {@link SecondHalfWalk} starts looking for an entry
	 * (0: one walk does it all); the parse is the same wherever it is.
	 */
	static DmLogWritesLog read(Path path, Progress progress, EntrySink sink, LongUnaryOperator splitAt) throws IOException {
		MappedFile file = MappedFile.open(path);
		return read(file, progress, sink, splitAt.applyAsLong(file.size()));
	}

	/**
	 * Parses a log already open (a remote one: read in one walk, {@code splitAt} 0, so its reads stay sequential);
	 * closes {@code file} if it is not one.
	 */
	static DmLogWritesLog read(ReadableFile file, Progress progress, EntrySink sink, long splitAt) throws IOException {
		try {
			return parse(file, progress, sink, splitAt);
		} catch (IOException | RuntimeException e) {
			file.close();
			throw e;
		}
	}

	private static DmLogWritesLog parse(ReadableFile file, Progress progress, EntrySink sink, long splitAt) throws IOException {
		String path = file.name();
		long size = file.size();
		if (size < SUPER_BYTES) {
			throw new EvidenceFormatException(path, "too short for a dm-log-writes super block (" + size + " bytes)");
		}
		byte[] sb = new byte[SUPER_BYTES];
		file.read(0, sb, 0, SUPER_BYTES);
		long magic = LittleEndian.u64(sb, 0);
		if (magic != MAGIC) {
			throw new EvidenceFormatException(path, String.format("not a dm-log-writes log (magic 0x%x, want 0x%x)", magic, MAGIC));
		}
		long version = LittleEndian.u64(sb, 8);
		if (version != VERSION) {
			throw new EvidenceFormatException(path, "dm-log-writes version " + version + " is not supported (want 1)");
		}
		long superEntries = LittleEndian.u64(sb, 16);
		long sectorSizeU = LittleEndian.u32(sb, 24);
		// QEMU's blk_log_writes_sector_size_valid: a power of two, large enough for the headers, below 16 MiB.
		if (sectorSizeU < ENTRY_HEADER_BYTES || sectorSizeU >= (1 << 24) || Long.bitCount(sectorSizeU) != 1) {
			throw new EvidenceFormatException(path, "dm-log-writes sector size " + sectorSizeU + " is not a power of two in [32, 16M)");
		}
		int sectorSize = (int) sectorSizeU;
		// nr_entries is a hint (stale in a live log), but a good first size; bounded by what the file can hold
		long room = (size - sectorSize) / sectorSize;
		long hint = superEntries < 0 || superEntries > room ? room : superEntries + superEntries / 16 + 1024;
		int limit = EntryTable.limit();
		int expected = (int) Math.min(Math.min(hint, room), limit / 4);
		sink.start(sectorSize, expected);
		progress.begin("Reading " + file.fileName(), size);
		EntryTable table = new EntryTable(false, expected);
		EntryWalk first = new EntryWalk(file, sectorSize, sectorSize, table, sink), last = first;
		// the second walk cannot reach the entry limit (the file has no room for that many), so only the first judges it
		SecondHalfWalk second = splitAt > sectorSize && splitAt < size && room < limit
				? SecondHalfWalk.start(file, sectorSize, splitAt, (int) (expected * (double) (size - splitAt) / size) + 1024, limit, sink.part())
				: null;
		try {
			first.run(second, progress, limit);
			if (first.end == EntryWalk.End.HANDED_OVER) {
				EntryWalk rest = second.join();
				if (rest != null) {
					table.append(rest.table);
					sink.absorb(rest.sink);
					last = rest;
				} else {
					first.run(null, progress, limit);
				}
			}
		} finally {
			if (second != null) second.close();
		}
		if (last.end == EntryWalk.End.INTERRUPTED) throw new InterruptedIOException("reading " + path);
		progress.worked(Math.max(0, Math.min(size, last.pos) - first.reportedUpTo()));
		LogDamage damage = last.damage(path, table.count(), superEntries);
		if (damage == null && table.count() < superEntries) {
			damage = new LogDamage(path, table.count(), last.pos, "log ends early: the super block promises " + superEntries + " entries");
		}
		long valid = damage == null ? Math.min(last.pos, size) : damage.fileOffset();
		return new DmLogWritesLog(file, sectorSize, superEntries, table, damage, valid);
	}
}
