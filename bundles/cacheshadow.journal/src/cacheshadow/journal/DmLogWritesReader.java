package cacheshadow.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.MappedFile;
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
		return read(path, progress, sink, ReadAheadFile.DEFAULT_CHUNK);
	}

	/**
	 * Headers are parsed from chunks of {@code chunkBytes} read ahead on another thread (the data between them is
	 * read over too: one system call per chunk is cheaper than a page fault or a read per header); entry data is
	 * later read lazily from the mapped file.
	 */
	static DmLogWritesLog read(Path path, Progress progress, EntrySink sink, int chunkBytes) throws IOException {
		MappedFile file = MappedFile.open(path);
		try (ReadAheadFile ahead = new ReadAheadFile(path, file.size(), chunkBytes)) {
			return parse(file, ahead, progress, sink);
		} catch (IOException | RuntimeException e) {
			file.close();
			throw e;
		}
	}

	private static DmLogWritesLog parse(MappedFile file, ReadAheadFile ahead, Progress progress, EntrySink sink) throws IOException {
		Path path = file.path();
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
		int expected = (int) Math.min(Math.min(hint, room), EntryTable.limit() / 4);
		EntryTable table = new EntryTable(false, expected);
		sink.start(sectorSize, expected);
		LogDamage damage = null;
		byte[] header = new byte[sectorSize];
		long pos = sectorSize;
		progress.begin("Reading " + path.getFileName(), size);
		long reported = 0;
		int limit = EntryTable.limit();
		while (true) {
			int i = table.count();
			if (pos >= size) break;
			if (i >= limit) {
				damage = new LogDamage(path.toString(), i, pos, "more entries than fit in this JVM's heap (" + limit + "); give it more memory (-Xmx)");
				break;
			}
			if (pos + sectorSize > size) {
				int rest = (int) (size - pos);
				ahead.read(pos, header, 0, rest);
				if (allZero(header, 0, rest) && i >= superEntries) break;
				damage = new LogDamage(path.toString(), i, pos, "truncated entry header (" + rest + " of " + sectorSize + " bytes)");
				break;
			}
			ahead.read(pos, header, 0, sectorSize);
			long sector = LittleEndian.u64(header, 0);
			long nrSectors = LittleEndian.u64(header, 8);
			long flags = LittleEndian.u64(header, 16);
			long dataLen = LittleEndian.u64(header, 24);
			if (flags == 0 && nrSectors == 0) {
				if (allZero(header, 0, sectorSize)) {
					if (i >= superEntries) break; // normal end: nothing more was promised
					damage = new LogDamage(path.toString(), i, pos, "all-zero entry header, but the super block promises " + superEntries + " entries");
				} else {
					damage = new LogDamage(path.toString(), i, pos, "malformed entry: no flags and no sectors");
				}
				break;
			}
			if ((flags & ~(long) WriteLog.KNOWN_FLAGS) != 0) {
				damage = new LogDamage(path.toString(), i, pos, String.format("malformed entry: unknown flags 0x%x", flags));
				break;
			}
			boolean mark = (flags & WriteLog.MARK) != 0;
			boolean discard = (flags & WriteLog.DISCARD) != 0;
			String markText = null;
			if (mark) {
				// log_mark(): at most sectorsize - sizeof(entry) - 1 bytes of text, written inline after the header.
				if (dataLen > sectorSize - ENTRY_HEADER_BYTES - 1 || nrSectors != 0) {
					damage = new LogDamage(path.toString(), i, pos, "malformed mark entry (data_len " + dataLen + ", nr_sectors " + nrSectors + ")");
					break;
				}
				int n = (int) dataLen;
				if (!allZero(header, ENTRY_HEADER_BYTES + n, sectorSize - ENTRY_HEADER_BYTES - n)) {
					damage = new LogDamage(path.toString(), i, pos, "malformed mark entry: garbage after the mark text");
					break;
				}
				markText = new String(header, ENTRY_HEADER_BYTES, n, StandardCharsets.UTF_8);
			} else if (!allZero(header, ENTRY_HEADER_BYTES, sectorSize - ENTRY_HEADER_BYTES)) {
				// write_metadata() zero-fills the header sector after the entry; replay-log's log_entry_valid checks this.
				damage = new LogDamage(path.toString(), i, pos, "malformed entry: non-zero padding after the header (garbage)");
				break;
			}
			long maxSectors = Long.MAX_VALUE / sectorSize;
			if (nrSectors > maxSectors || sector > maxSectors || sector + nrSectors > maxSectors || nrSectors < 0 || sector < 0) {
				damage = new LogDamage(path.toString(), i, pos, "malformed entry: sector " + Long.toUnsignedString(sector) + " + " + Long.toUnsignedString(nrSectors) + " overflows");
				break;
			}
			long bytes = nrSectors * sectorSize;
			long dataBytes = discard ? 0 : bytes;
			if (!discard && !mark && dataLen > dataBytes) {
				damage = new LogDamage(path.toString(), i, pos, "malformed entry: data_len " + dataLen + " exceeds its " + dataBytes + " bytes of sectors");
				break;
			}
			long dataPos = pos + sectorSize;
			if (dataBytes > size - dataPos) {
				damage = new LogDamage(path.toString(), i, pos,
						"truncated: entry needs " + dataBytes + " bytes of data, the file has " + (size - dataPos) + " after its header");
				break;
			}
			table.add(sector * sectorSize, mark ? 0 : bytes, dataPos, (int) flags, markText, WriteLog.NO_TIME);
			sink.accept(i, sector * sectorSize, mark ? 0 : bytes, (int) flags);
			pos = dataPos + dataBytes;
			if (pos - reported >= (64 << 20)) {
				progress.worked(pos - reported);
				reported = pos;
				progress.checkCanceled();
			}
		}
		progress.worked(Math.max(0, Math.min(size, pos) - reported));
		if (damage == null && table.count() < superEntries) {
			damage = new LogDamage(path.toString(), table.count(), pos,
					"log ends early: the super block promises " + superEntries + " entries");
		}
		long valid = damage == null ? Math.min(pos, size) : damage.fileOffset();
		return new DmLogWritesLog(file, sectorSize, superEntries, table, damage, valid);
	}

	private static byte[] zeros = new byte[4096];

	/** Vectorized zero check (Arrays.mismatch against a shared zero block). */
	static boolean allZero(byte[] b, int off, int len) {
		byte[] z = zeros;
		if (z.length < len) zeros = z = new byte[Integer.highestOneBit(len - 1) << 1];
		return java.util.Arrays.mismatch(b, off, off + len, z, 0, len) < 0;
	}
}
