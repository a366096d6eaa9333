package cacheshadow.layers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A file read as it is: a raw disk image, or raw guest RAM (file offset = guest-physical address). A disk image cut
 * short, opened as partial evidence, keeps the size its file system declares; the bytes past the end of the file are
 * {@linkplain #missing() missing}.
 */
public final class RawFileLayer implements Layer {
	private final MappedFile file;
	private final String kind;
	private final long size;
	private final List<Extent> missing;

	public RawFileLayer(Path path, String kind) throws IOException {
		this(path, kind, -1);
	}

	public RawFileLayer(Path path) throws IOException {
		this(path, "raw");
	}

	/**
	 * @param declaredSize the size the content declares (an ext4 file system's blocks), past the end of the file
	 *                     for a file cut short; -1 for the file's own size
	 */
	public RawFileLayer(Path path, String kind, long declaredSize) throws IOException {
		this.file = MappedFile.open(path);
		this.kind = kind;
		this.size = Math.max(declaredSize, file.size());
		this.missing = size > file.size() ? List.of(new Extent(file.size(), size - file.size())) : List.of();
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
		return List.of(new Extent(0, file.size()));
	}

	@Override
	public List<Extent> missing() {
		return missing;
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0 || offset + len > file.size() || offset + len < offset) {
			long at = offset < 0 || offset >= file.size() ? offset : file.size();
			if (offset >= 0 && offset + len >= offset && offset + len <= size) throw MissingReads.missing(name(), at);
			throw new UnmappedAddressException(name(), at);
		}
		file.read(offset, buf, off, len);
	}

	@Override
	public void close() {
		file.close();
	}
}
