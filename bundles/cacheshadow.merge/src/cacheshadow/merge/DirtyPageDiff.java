package cacheshadow.merge;

import java.util.List;

/**
 * One dirty page of a file against the disk block that holds that range on the disk today. The whole 4 KiB page
 * is compared, because the whole page is what write-back would put in the block: bytes past the cached end of file
 * (zeroed by a truncate, say) count too, and {@link #validLength} tells where the file ends.
 *
 * @param pageIndex   page index in the file
 * @param fileOffset  {@code pageIndex * 4096}
 * @param validLength bytes of the page inside the cached file size
 * @param diskBlock   the device block holding the page's first byte on the disk, or -1 when the disk has none
 * @param allocated   false when the disk maps no block (or an unwritten extent) here: delayed allocation, or a new
 *                    file; then {@link #runs} is one run of the whole page against nothing
 * @param diskFileSize the disk inode's size (bytes of the block past it are stale on the disk), -1 when no disk inode
 * @param runs        maximal runs of differing bytes, by offset
 */
public record DirtyPageDiff(long pageIndex, long fileOffset, int validLength, long diskBlock, boolean allocated, long diskFileSize,
		List<ByteRun> runs) {

	/**
	 * Bytes that differ at one place.
	 *
	 * @param fileOffset file offset of the first byte
	 * @param disk       the disk's bytes, or null when nothing is allocated there
	 * @param cache      the dirty page's bytes
	 */
	public record ByteRun(long fileOffset, byte[] disk, byte[] cache) {
		public int length() {
			return cache.length;
		}
	}

	/**
	 * 16 bytes from {@code from} (fewer before {@code to}) as a hex-dump line: hex padded to 16 columns, then the
	 * bytes as text between bars, every byte that is not printable ASCII as '.'. What {@code diff} prints and the
	 * examiner's report shows.
	 */
	public static String hexLine(byte[] b, int from, int to) {
		StringBuilder sb = new StringBuilder(70);
		for (int i = from; i < from + 16; i++) {
			if (i < to) sb.append(String.format("%02x ", b[i] & 0xff));
			else sb.append("   ");
		}
		sb.append(" |");
		for (int i = from; i < to; i++) {
			int c = b[i] & 0xff;
			sb.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
		}
		return sb.append('|').toString();
	}

	/** Number of differing bytes on the page. */
	public long differingBytes() {
		long n = 0;
		for (ByteRun r : runs) n += r.length();
		return n;
	}
}
