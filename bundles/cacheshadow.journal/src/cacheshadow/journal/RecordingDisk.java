package cacheshadow.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

import cacheshadow.layers.EvidenceFormatException;

/**
 * A guest's disk image served by the recorder ({@link NbdServer}): reads come from the image; every write, discard
 * and flush is first appended to the {@code .csj} journal with the host's clock, then applied to the image. The
 * durability rule (FORMAT.md, "Recording"): a write or discard is acknowledged only once its record is written to
 * the journal file (so a kill of the recorder cannot lose it); a flush, and a write or discard with FUA, only once
 * the journal and the image are forced to stable storage (so a power loss cannot lose it either).
 *
 * <p>At most one record can be in the journal and not yet on the image (one request is applied at a time): when a
 * journal is reopened after a crash its torn tail is cut and its last record applied to the image again, which is
 * idempotent, so replaying the journal onto the base always gives the image.
 */
public final class RecordingDisk implements AutoCloseable {
	public static final int SECTOR = 512;
	/** Largest write or discard applied in one request: what the NBD server announces as its maximum block size. */
	public static final int MAX_REQUEST = 32 << 20;

	private final FileChannel image;
	private final JournalRecorder journal;
	private final long size;
	private final String reopened;
	private final byte[] zeros = new byte[1 << 20];

	private RecordingDisk(FileChannel image, JournalRecorder journal, long size, String reopened) {
		this.image = image;
		this.journal = journal;
		this.size = size;
		this.reopened = reopened;
	}

	/**
	 * Opens the image read-write and the journal: created when absent, else reopened for appending (its torn tail
	 * cut, its last record applied to the image again). The image must be whole sectors; a journal of another sector
	 * size or disk size is refused.
	 */
	public static RecordingDisk open(Path imagePath, Path journalPath) throws IOException {
		if (!Files.isRegularFile(imagePath)) throw new EvidenceFormatException(imagePath, "no such disk image");
		FileChannel image = FileChannel.open(imagePath, StandardOpenOption.READ, StandardOpenOption.WRITE);
		try {
			long size = image.size();
			if (size == 0 || size % SECTOR != 0) throw new EvidenceFormatException(imagePath, "disk image of " + size + " bytes is not whole 512-byte sectors");
			if (!Files.exists(journalPath)) {
				return new RecordingDisk(image, JournalRecorder.create(journalPath, SECTOR, size), size, null);
			}
			String note;
			try (TimestampedJournal j = TimestampedJournal.open(journalPath)) {
				if (j.sectorSize() != SECTOR || j.diskSize() != size) {
					throw new EvidenceFormatException(journalPath, "journal of a disk of " + j.diskSize() + " bytes in sectors of " + j.sectorSize() + "; the image has "
							+ size + " bytes");
				}
				int last = j.entryCount() - 1;
				if (last >= 0 && j.changesDisk(last)) reapply(j, last, image);
				note = j.entryCount() + " entries kept" + j.damage().map(d -> "; cut: " + d.message()).orElse("")
						+ (last >= 0 && j.changesDisk(last) ? "; entry " + last + " applied to the image again" : "");
			}
			return new RecordingDisk(image, JournalRecorder.openForAppend(journalPath), size, note);
		} catch (IOException | RuntimeException e) {
			image.close();
			throw e;
		}
	}

	private static void reapply(WriteLog j, int i, FileChannel image) throws IOException {
		byte[] b = new byte[1 << 20];
		long len = j.length(i);
		for (long w = 0; w < len; w += b.length) {
			int n = (int) Math.min(b.length, len - w);
			j.readData(i, w, b, 0, n); // a discard reads as zeros
			writeFully(image, ByteBuffer.wrap(b, 0, n), j.diskOffset(i) + w);
		}
		image.force(false);
	}

	/** What reopening an existing journal kept, cut and applied again; empty for a new journal. */
	public Optional<String> reopened() {
		return Optional.ofNullable(reopened);
	}

	public long size() {
		return size;
	}

	/** Entries in the journal so far. */
	public synchronized long entries() {
		return journal.entries();
	}

	/** Null when the range is whole sectors inside the disk, else why not. */
	public String checkRange(long offset, long length) {
		if (offset < 0 || length < 0 || offset > size || length > size - offset) return "range " + offset + "+" + length + " outside the disk of " + size + " bytes";
		if (offset % SECTOR != 0 || length % SECTOR != 0) return "range " + offset + "+" + length + " is not whole 512-byte sectors";
		return null;
	}

	public void read(long offset, ByteBuffer into) throws IOException {
		while (into.hasRemaining()) {
			int n = image.read(into, offset);
			if (n < 0) throw new IOException("disk image ends early");
			offset += n;
		}
	}

	public synchronized void write(long offset, byte[] data, int len, boolean fua) throws IOException {
		journal.write(offset, data, 0, len, fua ? WriteLog.FUA : 0);
		journal.writeBuffered();
		writeFully(image, ByteBuffer.wrap(data, 0, len), offset);
		if (fua) force();
	}

	public synchronized void discard(long offset, long length, boolean fua) throws IOException {
		journal.discard(offset, length, fua ? WriteLog.FUA : 0, journal.now(), TimeQuality.MEASURED);
		journal.writeBuffered();
		for (long w = 0; w < length; w += zeros.length) writeFully(image, ByteBuffer.wrap(zeros, 0, (int) Math.min(zeros.length, length - w)), offset + w);
		if (fua) force();
	}

	/** A flush: a FLUSH record, then the journal and the image forced. */
	public synchronized void flush() throws IOException {
		journal.flush();
		force();
	}

	private void force() throws IOException {
		journal.sync();
		image.force(false);
	}

	private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
		while (b.hasRemaining()) at += ch.write(b, at);
	}

	@Override
	public synchronized void close() throws IOException {
		try {
			journal.close();
		} finally {
			image.force(false);
			image.close();
		}
	}
}
