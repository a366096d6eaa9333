package cacheshadow.layers;

import java.io.IOException;
import java.util.List;

/**
 * Anything that reads bytes at an offset: a memory snapshot's physical address space, a disk image,
 * a kernel virtual address space, the disk as a write journal says it stood at an instant.
 *
 * <p>Reads go into the caller's buffer (no allocation per read). A layer never invents bytes: an
 * offset that no backing store covers is an {@linkplain #extents() unmapped hole}, and reading it
 * throws {@link UnmappedAddressException} instead of returning zeros. Evidence cut short and opened as partial
 * evidence has {@linkplain #missing() missing} ranges: holes too, whose reads throw {@link MissingBytesException}
 * and are noted in {@link MissingReads}. Implementations are safe for concurrent readers.
 */
public interface Layer extends AutoCloseable {

	/** Short human name, e.g. {@code "memory.elf (ELF core)"}. */
	String name();

	/** What this layer reads from: a file path, or the name of the layer below it. */
	String source();

	/** One past the highest address of this layer's address space. */
	long size();

	/**
	 * The mapped ranges in ascending order, non-overlapping. A layer with no holes returns one extent
	 * {@code [0, size())}.
	 */
	List<Extent> extents();

	/**
	 * The ranges the evidence declares but does not hold (a file cut short, opened as partial evidence), ascending
	 * and non-overlapping; empty for whole evidence. They are not among {@link #extents()}; reading them throws
	 * {@link MissingBytesException}. Declared, the evidence covers {@link #extents()} and these together.
	 */
	default List<Extent> missing() {
		return List.of();
	}

	/** True when any byte of {@code [offset, offset+len)} lies in a {@linkplain #missing() missing} range. */
	default boolean isMissing(long offset, long len) {
		if (len <= 0) return false;
		long end = offset + len;
		for (Extent e : missing()) {
			if (e.start() >= end) return false;
			if (e.end() > offset) return true;
		}
		return false;
	}

	/**
	 * Reads exactly {@code len} bytes at {@code offset} into {@code buf[off..off+len)}.
	 *
	 * @throws UnmappedAddressException if any byte of the range lies in a hole or past {@link #size()}
	 * @throws IOException if the backing store cannot be read
	 */
	void read(long offset, byte[] buf, int off, int len) throws IOException;

	/**
	 * True when every byte of {@code [offset, offset+len)} is mapped. Asking about bytes missing from partial evidence
	 * is noted in {@link MissingReads} as their read would be: a caller that goes on without them is as unsure.
	 */
	default boolean isMapped(long offset, long len) {
		if (len <= 0) return true;
		long end = offset + len;
		for (Extent e : extents()) {
			if (e.start() <= offset && end <= e.end()) return true;
			if (e.start() > offset) break;
		}
		if (isMissing(offset, len)) MissingReads.note(name(), offset);
		return false;
	}

	/** Little-endian unsigned 8/16/32-bit and 64-bit reads; convenient for parsers, not for bulk data. */
	default long readU64(long offset) throws IOException {
		byte[] b = Scratch.get();
		read(offset, b, 0, 8);
		return LittleEndian.u64(b, 0);
	}

	default long readU32(long offset) throws IOException {
		byte[] b = Scratch.get();
		read(offset, b, 0, 4);
		return LittleEndian.u32(b, 0);
	}

	default int readU16(long offset) throws IOException {
		byte[] b = Scratch.get();
		read(offset, b, 0, 2);
		return LittleEndian.u16(b, 0);
	}

	default int readU8(long offset) throws IOException {
		byte[] b = Scratch.get();
		read(offset, b, 0, 1);
		return b[0] & 0xff;
	}

	@Override
	void close() throws IOException;
}
