package cacheshadow.testing;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.MissingReads;

/**
 * Physical memory with some 64-bit words overwritten: crafted hostile kernel structures over a real snapshot. Also
 * counts the bytes read through it, for tests that bound how much of a snapshot an operation touches, and can make a
 * range of the base missing from the evidence, as a cut image's layer does ({@link #hole}).
 */
public final class PatchedLayer implements Layer {
	private final Layer base;
	private final TreeMap<Long, Long> words = new TreeMap<>();

	public PatchedLayer(Layer base) {
		this.base = base;
	}

	public PatchedLayer put64(long pa, long value) {
		words.put(pa, value);
		return this;
	}

	/** Overwrites {@code data.length} bytes at {@code pa}. */
	public PatchedLayer put(long pa, byte[] data) {
		bytes.put(pa, data.clone());
		return this;
	}

	private final TreeMap<Long, byte[]> bytes = new TreeMap<>();
	private long bytesRead;
	private long holeStart = -1, holeEnd = -1;

	/**
	 * Makes {@code length} bytes from {@code start} missing (a later call moves the hole): a read touching them throws
	 * the {@link cacheshadow.layers.MissingBytesException} a cut image's layer throws, noted by {@link MissingReads}.
	 */
	public PatchedLayer hole(long start, long length) {
		holeStart = start;
		holeEnd = start + length;
		return this;
	}

	/** The patched ranges as {start, length}: every 64-bit word and byte run put, in address order. */
	public List<long[]> patchedRanges() {
		List<long[]> out = new java.util.ArrayList<>();
		for (Long pa : words.keySet()) out.add(new long[] { pa, 8 });
		for (Map.Entry<Long, byte[]> e : bytes.entrySet()) out.add(new long[] { e.getKey(), e.getValue().length });
		out.sort((a, b) -> Long.compare(a[0], b[0]));
		return out;
	}

	/** Bytes read through this layer so far. */
	public long bytesRead() {
		return bytesRead;
	}

	@Override
	public String name() {
		return base.name() + " (patched)";
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
		bytesRead += len;
		base.read(offset, buf, off, len);
		byte[] w = new byte[8];
		for (Map.Entry<Long, Long> e : words.subMap(offset - 7, offset + len).entrySet()) {
			LittleEndian.put64(w, 0, e.getValue());
			for (int i = 0; i < 8; i++) {
				long at = e.getKey() + i - offset;
				if (at >= 0 && at < len) buf[off + (int) at] = w[i];
			}
		}
		overlayBytes(offset, buf, off, len);
	}

	private void overlayBytes(long offset, byte[] buf, int off, int len) {
		for (Map.Entry<Long, byte[]> e : bytes.headMap(offset + len).entrySet()) {
			byte[] d = e.getValue();
			long from = Math.max(offset, e.getKey()), to = Math.min(offset + len, e.getKey() + d.length);
			if (from < to) System.arraycopy(d, (int) (from - e.getKey()), buf, off + (int) (from - offset), (int) (to - from));
		}
	}

	@Override
	public void close() {
	}
}
