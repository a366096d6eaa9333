package cacheshadow.layers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A file read as it is: a raw disk image, or raw guest RAM (file offset = guest-physical address). */
public final class RawFileLayer implements Layer {
	private final MappedFile file;
	private final String kind;

	public RawFileLayer(Path path, String kind) throws IOException {
		this.file = MappedFile.open(path);
		this.kind = kind;
	}

	public RawFileLayer(Path path) throws IOException {
		this(path, "raw");
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
		return file.size();
	}

	@Override
	public List<Extent> extents() {
		return List.of(new Extent(0, file.size()));
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		if (offset < 0 || offset + len > file.size() || offset + len < offset) {
			throw new UnmappedAddressException(name(), offset < 0 || offset >= file.size() ? offset : file.size());
		}
		file.read(offset, buf, off, len);
	}

	@Override
	public void close() {
		file.close();
	}
}
