package cacheshadow.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.zip.CRC32C;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;

/**
 * Appends records to a CacheShadow timestamped journal (FORMAT.md). Records are buffered and reach the file in
 * order; {@link #sync()} writes and forces them to stable storage. A crash leaves at most a torn last record, which
 * readers ignore and {@link #openForAppend} cuts off before appending again. Not thread-safe: one recorder per file.
 */
public final class JournalRecorder implements AutoCloseable {
	private final Path path;
	private final FileChannel ch;
	private final boolean ownsChannel;
	private final int sectorSize;
	private final Clock clock;
	private final ByteBuffer out = ByteBuffer.allocate(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
	private final CRC32C crc = new CRC32C();
	private final byte[] head = new byte[TimestampedJournal.RECORD_HEADER];
	private final LogDamage recovered;
	private long pos;
	private long seq;
	private long lastTime = Long.MIN_VALUE;

	private JournalRecorder(Path path, FileChannel ch, boolean ownsChannel, int sectorSize, Clock clock, long pos, long seq, long lastTime,
			LogDamage recovered) {
		this.path = path;
		this.ch = ch;
		this.ownsChannel = ownsChannel;
		this.sectorSize = sectorSize;
		this.clock = clock;
		this.pos = pos;
		this.seq = seq;
		this.lastTime = lastTime;
		this.recovered = recovered;
	}

	/** Creates a new journal (refuses to overwrite an existing file). */
	public static JournalRecorder create(Path path, int sectorSize, long diskSize) throws IOException {
		return create(path, sectorSize, diskSize, Clock.systemUTC());
	}

	public static JournalRecorder create(Path path, int sectorSize, long diskSize, Clock clock) throws IOException {
		checkSectorSize(sectorSize);
		FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
		try {
			return start(path, ch, true, sectorSize, diskSize, clock);
		} catch (IOException | RuntimeException e) {
			ch.close();
			throw e;
		}
	}

	/**
	 * A new journal in an empty channel its caller owns (an {@link cacheshadow.layers.AtomicFile}'s): closing the
	 * recorder writes what is buffered and leaves forcing and closing the channel to the caller.
	 */
	static JournalRecorder create(Path path, FileChannel ch, int sectorSize, long diskSize) throws IOException {
		checkSectorSize(sectorSize);
		return start(path, ch, false, sectorSize, diskSize, Clock.systemUTC());
	}

	private static void checkSectorSize(int sectorSize) {
		if (sectorSize < 1 || Integer.bitCount(sectorSize) != 1 || sectorSize >= (1 << 24)) throw new IllegalArgumentException("sector size " + sectorSize);
	}

	private static JournalRecorder start(Path path, FileChannel ch, boolean ownsChannel, int sectorSize, long diskSize, Clock clock) throws IOException {
		byte[] h = new byte[TimestampedJournal.HEADER_BYTES];
		System.arraycopy(TimestampedJournal.MAGIC, 0, h, 0, 8);
		h[8] = TimestampedJournal.MAJOR;
		h[10] = TimestampedJournal.MINOR;
		LittleEndian.put32(h, 12, TimestampedJournal.HEADER_BYTES);
		LittleEndian.put32(h, 16, sectorSize);
		LittleEndian.put64(h, 24, diskSize);
		LittleEndian.put64(h, 32, nanos(clock.instant()));
		CRC32C c = new CRC32C();
		c.update(h, 0, 60);
		LittleEndian.put32(h, 60, (int) c.getValue());
		ByteBuffer b = ByteBuffer.wrap(h);
		while (b.hasRemaining()) ch.write(b, b.position());
		return new JournalRecorder(path, ch, ownsChannel, sectorSize, clock, TimestampedJournal.HEADER_BYTES, 0, Long.MIN_VALUE, null);
	}

	/**
	 * Opens an existing journal to append to it. A torn or corrupt tail (a crash mid-record) is cut off first;
	 * {@link #recovered()} reports what was dropped.
	 */
	public static JournalRecorder openForAppend(Path path) throws IOException {
		return openForAppend(path, Clock.systemUTC());
	}

	public static JournalRecorder openForAppend(Path path, Clock clock) throws IOException {
		long valid, seq, last = Long.MIN_VALUE;
		int ss;
		LogDamage damage;
		try (TimestampedJournal j = TimestampedJournal.open(path)) {
			valid = j.validBytes();
			seq = j.entryCount();
			ss = j.sectorSize();
			damage = j.damage().orElse(null);
			for (int i = j.entryCount() - 1; i >= 0; i--) {
				if (j.epochNanos(i) != WriteLog.NO_TIME) {
					last = j.epochNanos(i);
					break;
				}
			}
		}
		FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.READ);
		if (ch.size() > valid) {
			ch.truncate(valid);
			ch.force(true);
		}
		return new JournalRecorder(path, ch, true, ss, clock, valid, seq, last, damage);
	}

	/** The damage cut off when the journal was reopened, if any. */
	public Optional<LogDamage> recovered() {
		return Optional.ofNullable(recovered);
	}

	public Path path() {
		return path;
	}

	/** Entries in the journal so far (the next record's sequence number). */
	public long entries() {
		return seq;
	}

	/** Records a write now (recorder clock: {@link TimeQuality#MEASURED}); returns its entry number. */
	public long write(long diskOffset, byte[] data, int off, int len, int flags) throws IOException {
		return write(diskOffset, data, off, len, flags, now(), TimeQuality.MEASURED);
	}

	/** Records a write with a given time (e.g. imported, {@link TimeQuality#INTERPOLATED}). */
	public long write(long diskOffset, byte[] data, int off, int len, int flags, long epochNanos, TimeQuality quality) throws IOException {
		if ((flags & (WriteLog.MARK | WriteLog.DISCARD)) != 0) throw new IllegalArgumentException("use mark() or discard()");
		return append(diskOffset, len, flags, data, off, len, epochNanos, quality);
	}

	public long discard(long diskOffset, long length) throws IOException {
		return discard(diskOffset, length, WriteLog.DISCARD, now(), TimeQuality.MEASURED);
	}

	public long discard(long diskOffset, long length, int flags, long epochNanos, TimeQuality quality) throws IOException {
		return append(diskOffset, length, flags | WriteLog.DISCARD, null, 0, 0, epochNanos, quality);
	}

	/** A pure flush entry (everything before it was on stable storage). */
	public long flush() throws IOException {
		return flush(now(), TimeQuality.MEASURED);
	}

	public long flush(long epochNanos, TimeQuality quality) throws IOException {
		return append(0, 0, WriteLog.FLUSH, null, 0, 0, epochNanos, quality);
	}

	public long mark(String text) throws IOException {
		return mark(text, now(), TimeQuality.MEASURED);
	}

	public long mark(String text, long epochNanos, TimeQuality quality) throws IOException {
		byte[] t = text.getBytes(StandardCharsets.UTF_8);
		if (t.length > TimestampedJournal.MAX_MARK_BYTES) throw new IllegalArgumentException("mark text longer than " + TimestampedJournal.MAX_MARK_BYTES + " bytes");
		return append(0, 0, WriteLog.MARK, t, 0, t.length, epochNanos, quality);
	}

	long now() {
		long t = nanos(clock.instant());
		return Math.max(t, lastTime); // journal times never go backwards, even if the clock does
	}

	private static long nanos(Instant i) {
		return i.getEpochSecond() * 1_000_000_000L + i.getNano();
	}

	private long append(long diskOffset, long length, int flags, byte[] payload, int off, int payloadLen, long time, TimeQuality quality)
			throws IOException {
		return append(diskOffset, length, flags, payload, off, payloadLen, null, -1, time, quality);
	}

	/**
	 * Appends entry {@code entry} of {@code source} (its data streamed, not held whole) with the given time, its disk
	 * offset kept as it is (a mark's too: the kernel writes 0 there, anything else is the evidence's). An entry no record
	 * can hold (a dm-log-writes mark of more text than a .csj mark, a write of 2 GiB or more) is an evidence error.
	 */
	long copyEntry(WriteLog source, int entry, long time, TimeQuality quality) throws IOException {
		int flags = source.flags(entry);
		if ((flags & WriteLog.MARK) != 0) {
			byte[] t = source.mark(entry).getBytes(StandardCharsets.UTF_8);
			if (t.length > TimestampedJournal.MAX_MARK_BYTES) {
				throw new EvidenceFormatException(source.name(), "entry " + entry + ": a mark of " + t.length + " bytes of text (UTF-8); a .csj record holds "
						+ TimestampedJournal.MAX_MARK_BYTES);
			}
			return append(source.diskOffset(entry), 0, flags, t, 0, t.length, null, -1, time, quality);
		}
		long len = source.length(entry);
		long payload = (flags & WriteLog.DISCARD) != 0 ? 0 : len;
		if (payload > Integer.MAX_VALUE - 64) throw new EvidenceFormatException(source.name(), "entry " + entry + ": a write of " + payload + " bytes; a .csj record holds less than 2 GiB");
		return append(source.diskOffset(entry), len, flags, null, 0, (int) payload, source, entry, time, quality);
	}

	private byte[] chunk;

	private long append(long diskOffset, long length, int flags, byte[] payload, int off, int payloadLen, WriteLog source, int entry,
			long time, TimeQuality quality) throws IOException {
		if (diskOffset < 0 || length < 0 || diskOffset % sectorSize != 0 || ((flags & WriteLog.MARK) == 0 && length % sectorSize != 0)) {
			throw new IllegalArgumentException("disk range " + diskOffset + "+" + length + " is not whole sectors of " + sectorSize);
		}
		if ((flags & ~WriteLog.KNOWN_FLAGS) != 0) throw new IllegalArgumentException("flags " + flags);
		if (quality != TimeQuality.NONE) {
			if (time < lastTime) throw new IllegalArgumentException("time goes backwards");
			lastTime = time;
		}
		long recLen = TimestampedJournal.recordLength(payloadLen);
		if (recLen > Integer.MAX_VALUE) throw new IllegalArgumentException("record too large");
		LittleEndian.put32(head, 0, TimestampedJournal.RECORD_MAGIC);
		LittleEndian.put32(head, 4, (int) recLen);
		LittleEndian.put64(head, 8, seq);
		LittleEndian.put64(head, 16, quality == TimeQuality.NONE ? 0 : time);
		LittleEndian.put64(head, 24, diskOffset);
		LittleEndian.put64(head, 32, length);
		LittleEndian.put32(head, 40, flags | quality.ordinal() << TimestampedJournal.QUALITY_SHIFT);
		LittleEndian.put32(head, 44, payloadLen);
		crc.reset();
		put(head, 0, head.length);
		if (payloadLen > 0 && source == null) put(payload, off, payloadLen);
		else if (payloadLen > 0) {
			if (chunk == null) chunk = new byte[1 << 20];
			for (long w = 0; w < payloadLen;) {
				int n = (int) Math.min(chunk.length, payloadLen - w);
				source.readData(entry, w, chunk, 0, n);
				put(chunk, 0, n);
				w += n;
			}
		}
		int pad = (int) (recLen - TimestampedJournal.RECORD_HEADER - payloadLen - 4);
		if (pad > 0) put(ZEROS, 0, pad);
		byte[] c = new byte[4];
		LittleEndian.put32(c, 0, (int) crc.getValue());
		put(c, 0, 4);
		return seq++;
	}

	private static final byte[] ZEROS = new byte[8];

	private void put(byte[] b, int off, int len) throws IOException {
		crc.update(b, off, len);
		while (len > 0) {
			if (!out.hasRemaining()) drain();
			int n = Math.min(len, out.remaining());
			out.put(b, off, n);
			off += n;
			len -= n;
		}
	}

	private void drain() throws IOException {
		out.flip();
		while (out.hasRemaining()) pos += ch.write(out, pos);
		out.clear();
	}

	/**
	 * Writes buffered records to the file without forcing them: once this returns they survive the recorder's
	 * process being killed (the kernel holds them), not a power loss ({@link #sync()}).
	 */
	public void writeBuffered() throws IOException {
		drain();
	}

	/** Writes buffered records and forces them (and the file size) to stable storage. */
	public void sync() throws IOException {
		drain();
		ch.force(true);
	}

	@Override
	public void close() throws IOException {
		if (!ownsChannel) {
			drain();
			return;
		}
		try {
			drain();
			ch.force(true);
		} finally {
			ch.close();
		}
	}

	/** Size of the journal file once buffered records are written. */
	public long bytes() {
		return pos + out.position();
	}

}
