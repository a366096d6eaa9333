package cacheshadow.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.MappedFile;
import cacheshadow.layers.ReadableFile;
import cacheshadow.layers.Progress;

/**
 * The project's own timestamped block-write journal ({@code .csj}), specified in FORMAT.md: a versioned,
 * checksummed header, then append-only records (time, disk offset, flags, data), each with its own CRC32C. Reading
 * stops at the first record that is torn (the file ends inside it: a crash mid-append) or corrupt; every record
 * before it is kept and {@link #damage()} says where and why.
 */
public final class TimestampedJournal extends MappedWriteLog {
	static final byte[] MAGIC = { 'C', 'S', 'J', 'R', 'N', 'L', '\r', '\n' };
	static final int HEADER_BYTES = 64;
	static final int MAJOR = 1, MINOR = 0;
	/** "CSJR" little-endian: first word of every record. */
	static final int RECORD_MAGIC = 0x524a5343;
	static final int RECORD_HEADER = 48;
	static final int QUALITY_SHIFT = 16;
	/** Longest mark text a record may carry (a hostile record must not make the reader allocate gigabytes). */
	static final int MAX_MARK_BYTES = 4096;

	private final long diskSize;
	private final long createdNanos;
	private final byte[] quality;
	/** Records' CRC32C left to the one pass that reads them ({@link #openChecksumsLeftToReader}). */
	private final boolean checksumsLeftToReader;

	private TimestampedJournal(ReadableFile file, int sectorSize, long diskSize, long createdNanos, EntryTable table, byte[] quality,
			LogDamage damage, long validBytes, boolean checksumsLeftToReader) {
		super(file, sectorSize, table, damage, validBytes);
		this.diskSize = diskSize;
		this.createdNanos = createdNanos;
		this.quality = quality;
		this.checksumsLeftToReader = checksumsLeftToReader;
	}

	public static TimestampedJournal open(Path path) throws IOException {
		return open(path, Progress.NONE);
	}

	public static TimestampedJournal open(Path path, Progress progress) throws IOException {
		return open(MappedFile.open(path), progress, true);
	}

	/**
	 * Opens a local journal checking every record's header and the last record's CRC32C only, for a reader that reads
	 * every record's data anyway (the sector-hash search): it checks each record with {@link #checksumDamage} as it
	 * comes, so the data is read once, not once for the open and again for the scan. Until that reader is through,
	 * {@link #entryCount()} and {@link #damage()} are those of the headers; a record whose CRC32C fails ends the journal
	 * there, as {@link #open(Path)} would have ended it.
	 */
	public static TimestampedJournal openChecksumsLeftToReader(Path path) throws IOException {
		MappedFile f = MappedFile.open(path);
		try {
			return parse(f, Progress.NONE, false, true);
		} catch (IOException | RuntimeException e) {
			f.close();
			throw e;
		}
	}

	/**
	 * Parses a journal already open; closes {@code f} if it is not one. {@code checkEveryRecord} false checks the
	 * CRC32C of the last record only (whether it is torn) and every record's header: a journal in HDFS is opened
	 * reading its record headers in ranges, not all its data; HDFS checksums its blocks itself.
	 */
	static TimestampedJournal open(ReadableFile f, Progress progress, boolean checkEveryRecord) throws IOException {
		try {
			return parse(f, progress, checkEveryRecord, false);
		} catch (IOException | RuntimeException e) {
			f.close();
			throw e;
		}
	}

	/** Header fields, checked; shared with the recorder when it reopens a journal for appending. */
	record Header(int sectorSize, long diskSize, long createdNanos) {
	}

	static Header readHeader(String path, byte[] h, long fileSize) throws EvidenceFormatException {
		if (fileSize < HEADER_BYTES) throw new EvidenceFormatException(path, "too short for a CacheShadow journal header (" + fileSize + " bytes)");
		for (int i = 0; i < MAGIC.length; i++) {
			if (h[i] != MAGIC[i]) throw new EvidenceFormatException(path, "not a CacheShadow journal (bad magic)");
		}
		CRC32C crc = new CRC32C();
		crc.update(h, 0, 60);
		if ((int) crc.getValue() != LittleEndian.s32(h, 60)) throw new EvidenceFormatException(path, "journal header checksum mismatch");
		int major = LittleEndian.u16(h, 8);
		if (major != MAJOR) throw new EvidenceFormatException(path, "journal format version " + major + "." + LittleEndian.u16(h, 10) + " is not supported (want 1.x)");
		if (LittleEndian.s32(h, 12) != HEADER_BYTES) throw new EvidenceFormatException(path, "unexpected journal header length " + LittleEndian.s32(h, 12));
		int ss = LittleEndian.s32(h, 16);
		if (ss < 1 || Integer.bitCount(ss) != 1 || ss >= (1 << 24)) throw new EvidenceFormatException(path, "journal sector size " + ss + " is not a power of two below 16M");
		return new Header(ss, LittleEndian.u64(h, 24), LittleEndian.u64(h, 32));
	}

	private static TimestampedJournal parse(ReadableFile f, Progress progress, boolean checkEveryRecord, boolean leftToReader) throws IOException {
		String path = f.name();
		long size = f.size();
		byte[] h = new byte[HEADER_BYTES];
		f.read(0, h, 0, (int) Math.min(HEADER_BYTES, size));
		Header hd = readHeader(path, h, size);
		EntryTable table = new EntryTable(true);
		byte[] quality = new byte[1024];
		LogDamage damage = null;
		long pos = HEADER_BYTES;
		byte[] rh = new byte[RECORD_HEADER];
		CRC32C crc = new CRC32C();
		long lastTime = Long.MIN_VALUE;
		progress.begin("Reading " + f.fileName(), size);
		long reported = 0;
		int limit = EntryTable.limit();
		while (pos < size) {
			int i = table.count();
			String p = path;
			if (i >= limit) {
				damage = new LogDamage(p, i, pos, "more entries than fit in this JVM's heap (" + limit + "); give it more memory (-Xmx)");
				break;
			}
			if (size - pos < RECORD_HEADER + 4) {
				damage = new LogDamage(p, i, pos, "torn last record (" + (size - pos) + " bytes: a crash mid-append); ignored");
				break;
			}
			f.read(pos, rh, 0, RECORD_HEADER);
			if (LittleEndian.s32(rh, 0) != RECORD_MAGIC) {
				damage = new LogDamage(p, i, pos, "no record magic (corrupt or overwritten)");
				break;
			}
			long recLen = LittleEndian.u32(rh, 4);
			long seq = LittleEndian.u64(rh, 8);
			long time = LittleEndian.u64(rh, 16);
			long off = LittleEndian.u64(rh, 24);
			long len = LittleEndian.u64(rh, 32);
			int flags = LittleEndian.s32(rh, 40);
			long payload = LittleEndian.u32(rh, 44);
			if (recLen != recordLength(payload) || recLen > Integer.MAX_VALUE) {
				damage = new LogDamage(p, i, pos, "record length " + recLen + " does not match its payload of " + payload + " bytes");
				break;
			}
			if (recLen > size - pos) {
				damage = new LogDamage(p, i, pos, "torn last record (needs " + recLen + " bytes, " + (size - pos) + " remain: a crash mid-append); ignored");
				break;
			}
			boolean check = checkEveryRecord || pos + recLen == size;
			if (check) {
				crc.reset();
				f.update(crc, pos, recLen - 4);
			}
			if (check && (int) crc.getValue() != (int) f.u32(pos + recLen - 4)) {
				damage = checksumMismatch(p, i, pos, pos + recLen == size);
				break;
			}
			String problem = checkRecord(seq, i, off, len, flags, payload, hd.sectorSize(), time, lastTime);
			if (problem != null) {
				damage = new LogDamage(p, i, pos, problem);
				break;
			}
			int q = (flags >>> QUALITY_SHIFT) & 3;
			String mark = (flags & MARK) != 0 ? markText(f, pos + RECORD_HEADER, (int) payload) : null;
			table.add(off, (flags & MARK) != 0 ? 0 : len, pos + RECORD_HEADER, flags & 0xffff, mark,
					TimeQuality.values()[q] == TimeQuality.NONE ? NO_TIME : time);
			if (i == quality.length) quality = Arrays.copyOf(quality, i * 2);
			quality[i] = (byte) q;
			if (TimeQuality.values()[q] != TimeQuality.NONE) lastTime = time;
			pos += recLen;
			if (pos - reported >= (64 << 20)) {
				progress.worked(pos - reported);
				reported = pos;
				progress.checkCanceled();
			}
		}
		progress.worked(Math.max(0, pos - reported));
		long valid = damage == null ? pos : damage.fileOffset();
		return new TimestampedJournal(f, hd.sectorSize(), hd.diskSize(), hd.createdNanos(), table, quality, damage, valid, leftToReader);
	}

	private static LogDamage checksumMismatch(String path, int entry, long pos, boolean last) {
		return new LogDamage(path, entry, pos, "record checksum mismatch" + (last ? " in the last record (torn write); ignored" : ""));
	}

	/** True when the records' CRC32C are left to the reader ({@link #openChecksumsLeftToReader}). */
	public boolean checksumsLeftToReader() {
		return checksumsLeftToReader;
	}

	/**
	 * For a journal opened with {@link #openChecksumsLeftToReader}: null when entry {@code i}'s record holds its
	 * CRC32C (or was checked at opening), else the damage {@link #open(Path)} reports there; entries from {@code i}
	 * on are then none of the journal. Always null for a journal opened otherwise.
	 */
	public LogDamage checksumDamage(int i) throws IOException {
		if (!checksumsLeftToReader) return null;
		long start = table.dataPos(i) - RECORD_HEADER, end = i + 1 < table.count() ? table.dataPos(i + 1) - RECORD_HEADER : validBytes;
		if (end == file.size()) return null; // the last record of the file: checked at opening
		CRC32C crc = new CRC32C();
		file.update(crc, start, end - start - 4);
		return (int) crc.getValue() == (int) file.u32(end - 4) ? null : checksumMismatch(file.name(), i, start, false);
	}

	private static String markText(ReadableFile f, long at, int n) throws IOException {
		byte[] b = new byte[n];
		f.read(at, b, 0, n);
		return new String(b, StandardCharsets.UTF_8);
	}

	static String checkRecord(long seq, int index, long off, long len, int flags, long payload, int sectorSize, long time, long lastTime) {
		if (seq != index) return "record sequence " + seq + " where " + index + " was expected";
		if ((flags & 0xffff & ~KNOWN_FLAGS) != 0 || (flags >>> 18) != 0) return String.format("unknown flags 0x%x", flags);
		if (off < 0 || len < 0 || off + len < 0) return "disk range overflows";
		if (off % sectorSize != 0 || ((flags & MARK) == 0 && len % sectorSize != 0)) return "disk range " + off + "+" + len + " is not whole sectors of " + sectorSize;
		boolean mark = (flags & MARK) != 0, discard = (flags & DISCARD) != 0;
		long want = mark ? payload : discard ? 0 : len;
		if (payload != want) return "payload of " + payload + " bytes for a " + WriteLog.flagNames(flags & 0xffff) + " record of " + len + " bytes";
		if (mark && len != 0) return "mark record with a disk length";
		if (mark && payload > MAX_MARK_BYTES) return "mark text of " + payload + " bytes (at most " + MAX_MARK_BYTES + ")";
		int q = (flags >>> QUALITY_SHIFT) & 3;
		if (q != TimeQuality.NONE.ordinal() && lastTime != Long.MIN_VALUE && time < lastTime) return "time goes backwards";
		return null;
	}

	/** Total bytes of a record with {@code payload} bytes: header, payload, zero padding, CRC32C; a multiple of 8. */
	static long recordLength(long payload) {
		return (RECORD_HEADER + payload + 4 + 7) & ~7L;
	}

	/** Disk size recorded in the header (0 = unknown). */
	public long diskSize() {
		return diskSize;
	}

	public long createdNanos() {
		return createdNanos;
	}

	@Override
	public long epochNanos(int i) {
		return table.epochNanos(i);
	}

	/** How entry {@code i}'s time is known (as recorded: measured by the recorder, or interpolated on import). */
	@Override
	public TimeQuality timeQuality(int i) {
		if (i < 0 || i >= table.count()) throw new IndexOutOfBoundsException(i);
		return TimeQuality.values()[quality[i]];
	}

	@Override
	public String toString() {
		return String.format("%s: CacheShadow journal, sector size %d, %d entries%s", name(), sectorSize, entryCount(),
				damage == null ? "" : "; " + damage.message());
	}
}
