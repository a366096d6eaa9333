package cacheshadow.layers;

/** A mapped range {@code [start, start+length)} of a layer's address space. */
public record Extent(long start, long length) {
	public Extent {
		if (length < 0 || start < 0 || start + length < start) {
			throw new IllegalArgumentException("bad extent " + start + "+" + length);
		}
	}

	public long end() {
		return start + length;
	}

	public boolean contains(long offset) {
		return offset >= start && offset - start < length;
	}
}
