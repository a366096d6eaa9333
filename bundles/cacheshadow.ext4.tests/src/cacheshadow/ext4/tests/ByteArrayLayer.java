package cacheshadow.ext4.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.UnmappedAddressException;

/** An image held in memory so tests can damage it byte by byte. */
final class ByteArrayLayer implements Layer {
	final byte[] data;

	ByteArrayLayer(byte[] data) {
		this.data = data;
	}

	static ByteArrayLayer of(Path p) throws Exception {
		return new ByteArrayLayer(Files.readAllBytes(p));
	}

	ByteArrayLayer copy() {
		return new ByteArrayLayer(data.clone());
	}

	void put16(long off, int v) {
		data[(int) off] = (byte) v;
		data[(int) off + 1] = (byte) (v >>> 8);
	}

	void put32(long off, long v) {
		LittleEndian.put32(data, (int) off, (int) v);
	}

	int u16(long off) {
		return LittleEndian.u16(data, (int) off);
	}

	long u32(long off) {
		return LittleEndian.u32(data, (int) off);
	}

	@Override
	public String name() {
		return "memory image";
	}

	@Override
	public String source() {
		return "test";
	}

	@Override
	public long size() {
		return data.length;
	}

	@Override
	public List<Extent> extents() {
		return List.of(new Extent(0, data.length));
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws UnmappedAddressException {
		if (offset < 0 || offset + len > data.length) throw new UnmappedAddressException(name(), Math.max(offset, data.length));
		System.arraycopy(data, (int) offset, buf, off, len);
	}

	@Override
	public void close() {
	}
}
