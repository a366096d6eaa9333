package cacheshadow.layers;

import java.io.IOException;
import java.util.List;

/**
 * A layer read from one evidence file (its first one, for evidence in several files): the file, the size of the
 * address space it declares, what of that the file holds ({@linkplain #extents() extents}) and what it declares but no
 * longer holds ({@linkplain #missing() missing}), and the check that a read lies inside the declared space.
 */
public abstract class FileBackedLayer implements Layer {
	protected final MappedFile file;
	protected final long size;
	private final String kind;
	private List<Extent> extents, missing;

	/**
	 * @param kind what the file is, shown after its name: {@code "qcow2"}, {@code "ELF core"}
	 */
	protected FileBackedLayer(MappedFile file, String kind, long size, List<Extent> extents, List<Extent> missing) {
		this.file = file;
		this.kind = kind;
		this.size = size;
		this.extents = extents;
		this.missing = missing;
	}

	/** Adds {@code [start, start+length)} to ascending ranges, joining it to the last one when they touch. */
	protected static void addRange(List<Extent> ranges, long start, long length) {
		if (length <= 0) return;
		if (!ranges.isEmpty() && ranges.get(ranges.size() - 1).end() == start) {
			Extent last = ranges.remove(ranges.size() - 1);
			ranges.add(new Extent(last.start(), last.length() + length));
		} else {
			ranges.add(new Extent(start, length));
		}
	}

	/** Sets what the file holds and what it is missing, once the format has found out (after its tables are read). */
	protected final void coverage(List<Extent> extents, List<Extent> missing) {
		this.extents = extents;
		this.missing = missing;
	}

	/**
	 * Refuses a read of {@code [offset, offset+len)} that goes outside {@code [0, size)} (an
	 * {@link UnmappedAddressException} at the first byte outside) or touches a missing range (noted in
	 * {@link MissingReads}); holes inside the space are the format's to report.
	 */
	protected final void checkRead(long offset, int len) throws IOException {
		if (offset < 0 || offset + len > size || offset + len < offset) {
			throw new UnmappedAddressException(name(), offset < 0 || offset >= size ? offset : size);
		}
		if (!missing.isEmpty() && isMissing(offset, len)) {
			for (Extent m : missing) {
				if (m.end() > offset && m.start() < offset + len) throw MissingReads.missing(name(), Math.max(offset, m.start()));
			}
		}
	}

	@Override
	public String name() {
		return file.path().getFileName() + " (" + kind + ")";
	}

	@Override
	public String source() {
		return file.path().toString();
	}

	@Override
	public long size() {
		return size;
	}

	@Override
	public List<Extent> extents() {
		return extents;
	}

	@Override
	public List<Extent> missing() {
		return missing;
	}

	@Override
	public void close() throws IOException {
		file.close();
	}
}
