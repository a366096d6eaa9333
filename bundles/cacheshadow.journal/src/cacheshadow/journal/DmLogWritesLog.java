package cacheshadow.journal;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

import cacheshadow.layers.MappedFile;

/** A parsed dm-log-writes log (see {@link DmLogWritesReader}); data is read lazily from the mapped file. */
public final class DmLogWritesLog implements WriteLog {
	private final MappedFile file;
	private final int sectorSize;
	private final long superEntries;
	private final EntryTable table;
	private final LogDamage damage;
	private final long validBytes;

	DmLogWritesLog(MappedFile file, int sectorSize, long superEntries, EntryTable table, LogDamage damage, long validBytes) {
		this.file = file;
		this.sectorSize = sectorSize;
		this.superEntries = superEntries;
		this.table = table;
		this.damage = damage;
		this.validBytes = validBytes;
	}

	@Override
	public String name() {
		return file.path().toString();
	}

	@Override
	public int sectorSize() {
		return sectorSize;
	}

	/** The super block's {@code nr_entries}: stale in a live QEMU log (rewritten on flush only). */
	public long superBlockEntries() {
		return superEntries;
	}

	@Override
	public int entryCount() {
		return table.count();
	}

	@Override
	public long diskOffset(int i) {
		return table.diskOffset(i);
	}

	@Override
	public long length(int i) {
		return table.length(i);
	}

	@Override
	public int flags(int i) {
		return table.flags(i);
	}

	@Override
	public String mark(int i) {
		return table.mark(i);
	}

	@Override
	public long epochNanos(int i) {
		return NO_TIME;
	}

	/** File offset of entry {@code i}'s header sector. */
	public long headerOffset(int i) {
		return table.dataPos(i) - sectorSize;
	}

	/** File offset of entry {@code i}'s data. */
	public long dataOffset(int i) {
		return table.dataPos(i);
	}

	@Override
	public void readData(int i, long within, byte[] buf, int off, int len) throws IOException {
		long length = table.length(i);
		if (within < 0 || len < 0 || within + len > length) {
			throw new IndexOutOfBoundsException("entry " + i + ": " + len + " bytes at " + within + " of " + length);
		}
		if ((table.flags(i) & DISCARD) != 0) {
			Arrays.fill(buf, off, off + len, (byte) 0);
			return;
		}
		file.read(table.dataPos(i) + within, buf, off, len);
	}

	@Override
	public Optional<LogDamage> damage() {
		return Optional.ofNullable(damage);
	}

	@Override
	public long validBytes() {
		return validBytes;
	}

	@Override
	public void close() {
		file.close();
	}

	@Override
	public String toString() {
		return String.format("%s: dm-log-writes, sector size %d, %d entries (super block says %d)%s", name(), sectorSize,
				entryCount(), superEntries, damage == null ? "" : "; " + damage.message());
	}
}
