package cacheshadow.testing;

import java.io.IOException;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingReads;

/**
 * A layer with one range of its bytes missing from the evidence, from when the test says so: a read touching it
 * throws the {@link cacheshadow.layers.MissingBytesException} a cut image's layer throws, noted by {@link MissingReads}.
 */
public final class HoledLayer implements Layer {
	private final Layer base;
	private long holeStart = -1, holeEnd = -1;

	public HoledLayer(Layer base) {
		this.base = base;
	}

	/** Makes {@code length} bytes from {@code start} missing (a later call moves the hole). */
	public HoledLayer hole(long start, long length) {
		holeStart = start;
		holeEnd = start + length;
		return this;
	}

	@Override
	public String name() {
		return "holed " + base.name();
	}

	@Override
	public String source() {
		return base.source();
	}

	@Override
	public long size() {
		return base.size();
	}

	@Override
	public List<Extent> extents() {
		return base.extents();
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < holeEnd && offset + len > holeStart) throw MissingReads.missing(name(), Math.max(offset, holeStart));
		base.read(offset, buf, off, len);
	}

	@Override
	public void close() {
		// the base belongs to whoever opened it
	}
}
