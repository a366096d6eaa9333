package cacheshadow.journal;


import cacheshadow.layers.ReadableFile;

/** A parsed dm-log-writes log (see {@link DmLogWritesReader}); data is read lazily from the mapped file. */
public final class DmLogWritesLog extends MappedWriteLog {
	private final long superEntries;

	DmLogWritesLog(ReadableFile file, int sectorSize, long superEntries, EntryTable table, LogDamage damage, long validBytes) {
		super(file, sectorSize, table, damage, validBytes);
		this.superEntries = superEntries;
	}

	/** The super block's {@code nr_entries}: stale in a live QEMU log (rewritten on flush only). */
	public long superBlockEntries() {
		return superEntries;
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
	public String toString() {
		return String.format("%s: dm-log-writes, sector size %d, %d entries (super block says %d)%s", name(), sectorSize,
				entryCount(), superEntries, damage == null ? "" : "; " + damage.message());
	}
}
