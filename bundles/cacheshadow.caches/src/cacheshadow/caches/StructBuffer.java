package cacheshadow.caches;

import java.io.IOException;

import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;

/**
 * One kernel structure read in a single call (a dentry, an inode), then decoded field by field: walkers touch many
 * fields of each object, and one read per object keeps them fast. Not thread-safe; one per walker.
 */
final class StructBuffer {
	private final Layer layer;
	private final byte[] b;
	private long address;

	StructBuffer(Layer layer, long size) {
		this.layer = layer;
		this.b = new byte[(int) size];
	}

	StructBuffer load(long va) throws IOException {
		layer.read(va, b, 0, b.length);
		address = va;
		return this;
	}

	long address() {
		return address;
	}

	int size() {
		return b.length;
	}

	long u64(long off) {
		return LittleEndian.u64(b, (int) off);
	}

	long u32(long off) {
		return LittleEndian.u32(b, (int) off);
	}

	int u16(long off) {
		return LittleEndian.u16(b, (int) off);
	}

	/** {@code len} bytes at {@code off} as a guest name in its {@link cacheshadow.listing.GuestName} text form, without an intermediate copy. */
	String name(long off, int len) {
		return cacheshadow.listing.GuestName.of(b, (int) off, len);
	}

	byte[] bytes(long off, int len) {
		byte[] out = new byte[len];
		System.arraycopy(b, (int) off, out, 0, len);
		return out;
	}
}
