package cacheshadow.testing;

import java.util.ArrayList;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.UnmappedAddressException;

/** Guest-physical memory held in byte arrays, one per RAM range, with holes between them; writable by the test. */
public final class RamLayer implements Layer {
	private final List<Extent> extents = new ArrayList<>();
	private final List<byte[]> banks = new ArrayList<>();

	/** Adds RAM at {@code [start, start + length)}; ranges must be added in ascending order. */
	public RamLayer bank(long start, int length) {
		extents.add(new Extent(start, length));
		banks.add(new byte[length]);
		return this;
	}

	private int bankOf(long pa, long len) throws UnmappedAddressException {
		for (int i = 0; i < extents.size(); i++) {
			Extent e = extents.get(i);
			if (e.start() <= pa && pa + len <= e.end()) return i;
		}
		throw new UnmappedAddressException(name(), pa);
	}

	public void put(long pa, byte[] b) {
		try {
			int i = bankOf(pa, b.length);
			System.arraycopy(b, 0, banks.get(i), (int) (pa - extents.get(i).start()), b.length);
		} catch (UnmappedAddressException e) {
			throw new IllegalArgumentException(e);
		}
	}

	public void put64(long pa, long v) {
		byte[] b = new byte[8];
		LittleEndian.put64(b, 0, v);
		put(pa, b);
	}

	public void put32(long pa, long v) {
		byte[] b = new byte[4];
		LittleEndian.put32(b, 0, (int) v);
		put(pa, b);
	}

	public void put8(long pa, int v) {
		put(pa, new byte[] { (byte) v });
	}

	@Override
	public String name() {
		return "test RAM";
	}

	@Override
	public String source() {
		return "test";
	}

	@Override
	public long size() {
		return extents.isEmpty() ? 0 : extents.get(extents.size() - 1).end();
	}

	@Override
	public List<Extent> extents() {
		return List.copyOf(extents);
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws UnmappedAddressException {
		int i = bankOf(offset, len);
		System.arraycopy(banks.get(i), (int) (offset - extents.get(i).start()), buf, off, len);
	}

	@Override
	public void close() {
	}
}
