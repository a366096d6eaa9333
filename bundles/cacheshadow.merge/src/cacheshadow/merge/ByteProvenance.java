package cacheshadow.merge;

/**
 * Where a byte range of a file comes from. Never guessed: bytes no evidence supplies are {@link Source#UNKNOWN}.
 *
 * @param offset    file offset of the first byte
 * @param length    number of bytes
 * @param source    dirty page, clean page, disk block, hole or unknown
 * @param diskBlock for {@link Source#DISK_BLOCK}: the file-system block number of the first byte's block (the
 *                  range covers consecutive blocks), else -1
 */
public record ByteProvenance(long offset, long length, Source source, long diskBlock) {
	public enum Source {
		/** A page-cache page newer than the disk ({@code PG_dirty}, or under writeback). */
		DIRTY_PAGE("dirty page"),
		/** An up-to-date page-cache page (equal to the disk, or tmpfs data that has no disk). */
		CLEAN_PAGE("clean page"),
		/** A block of the disk image (through the journal replay and the block-device cache where they apply). */
		DISK_BLOCK("disk block"),
		/** Nothing allocated: a sparse hole or an unwritten extent, zeros by definition. */
		HOLE("hole"),
		/** No evidence holds these bytes (evicted or swapped-out page the disk cannot supply); read as zeros. */
		UNKNOWN("unknown");

		private final String label;

		Source(String label) {
			this.label = label;
		}

		public String label() {
			return label;
		}
	}

	public long end() {
		return offset + length;
	}

	@Override
	public String toString() {
		return offset + "+" + length + " " + source.label() + (diskBlock >= 0 ? " " + diskBlock : "");
	}
}
