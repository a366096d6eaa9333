package cacheshadow.journal;

/**
 * A 4 KiB disk block written between two instants: {@code writes} entries touched it, the first and last of them
 * being {@code firstEntry} and {@code lastEntry}. {@code contentDiffers} is null until the contents at both instants
 * were compared (a block can be rewritten with the bytes it already had).
 */
public record BlockChange(long block, int writes, int firstEntry, int lastEntry, Boolean contentDiffers) {
	public static final int BLOCK_SIZE = 4096;

	public long offset() {
		return block * BLOCK_SIZE;
	}

	BlockChange withContentDiffers(boolean differs) {
		return new BlockChange(block, writes, firstEntry, lastEntry, differs);
	}
}
