package cacheshadow.ext4;

/**
 * Contiguous file blocks {@code [logical, logical+length)} stored at device blocks
 * {@code [physical, physical+length)}. {@code unwritten} runs are allocated but read as zeros (an
 * uninitialized extent, "Extent Tree").
 */
public record BlockRun(long logical, long physical, long length, boolean unwritten) {
	public long logicalEnd() {
		return logical + length;
	}

	public boolean contains(long logicalBlock) {
		return logicalBlock >= logical && logicalBlock - logical < length;
	}
}
