package cacheshadow.merge;

/**
 * Where a byte range of a file comes from. Never guessed: bytes no evidence supplies are {@link Source#UNKNOWN}.
 *
 * @param offset    file offset of the first byte
 * @param length    number of bytes
 * @param source    dirty page, clean page, disk block, hole or unknown; for the disk at a recorded instant
 *                  ({@link InstantTree}) journal entry or base image
 * @param diskBlock for {@link Source#DISK_BLOCK}, {@link Source#JOURNAL_ENTRY} and {@link Source#BASE_IMAGE}: the
 *                  file-system block number of the first byte's block (the range covers consecutive blocks), else -1
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
		UNKNOWN("unknown"),
		/**
		 * The disk at a recorded instant ({@link InstantTree}): bytes a write-journal entry at or before the instant
		 * wrote last ({@link InstantTree#lastWriters} says which entry).
		 */
		JOURNAL_ENTRY("journal entry"),
		/** The disk at a recorded instant: bytes no journal entry up to the instant wrote, still the base image's. */
		BASE_IMAGE("base image");

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

	/**
	 * The runs of {@code runs} (in file order, as {@link FileTree#provenance} gives them) clipped to
	 * {@code [from, from + length)}: where the bytes of one range come from. A run's disk block moves with the clip
	 * (blocks of {@code blockSize} bytes; pass 0 to keep it as it is).
	 */
	public static java.util.List<ByteProvenance> within(java.util.List<ByteProvenance> runs, long from, long length, int blockSize) {
		java.util.List<ByteProvenance> out = new java.util.ArrayList<>();
		long to = from + length;
		for (ByteProvenance r : runs) {
			long s = Math.max(r.offset, from), e = Math.min(r.end(), to);
			if (s >= e) continue;
			long block = r.diskBlock < 0 || blockSize <= 0 ? r.diskBlock : r.diskBlock + (s - r.offset) / blockSize;
			out.add(new ByteProvenance(s, e - s, r.source, block));
		}
		return out;
	}

	@Override
	public String toString() {
		return offset + "+" + length + " " + source.label() + (diskBlock >= 0 ? " " + diskBlock : "");
	}
}
