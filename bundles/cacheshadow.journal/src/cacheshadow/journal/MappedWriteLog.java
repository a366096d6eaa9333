package cacheshadow.journal;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

import cacheshadow.layers.ReadableFile;

/**
 * What both journal formats share once parsed: a read-only file (mapped, or read in ranges from HDFS), the table of its entries, and the damage
 * found while parsing. Entry data is read lazily from the file; discarded ranges read as zeros.
 */
abstract class MappedWriteLog implements WriteLog {
	protected final ReadableFile file;
	protected final int sectorSize;
	protected final EntryTable table;
	protected final LogDamage damage;
	protected final long validBytes;

	MappedWriteLog(ReadableFile file, int sectorSize, EntryTable table, LogDamage damage, long validBytes) {
		this.file = file;
		this.sectorSize = sectorSize;
		this.table = table;
		this.damage = damage;
		this.validBytes = validBytes;
	}

	@Override
	public String name() {
		return file.name();
	}

	@Override
	public int sectorSize() {
		return sectorSize;
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
	public long fileSize() {
		return file.size();
	}

	@Override
	public void close() {
		file.close();
	}
}
