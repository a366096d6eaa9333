package cacheshadow.layers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A file read as it is: a raw disk image, or raw guest RAM (file offset = guest-physical address). A disk image cut
 * short, opened as partial evidence, keeps the size its file system declares; the bytes past the end of the file are
 * {@linkplain #missing() missing}.
 */
public final class RawFileLayer extends FileBackedLayer {
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
		this(MappedFile.open(path), kind, declaredSize);
	}

	private RawFileLayer(MappedFile file, String kind, long declaredSize) {
		super(file, kind, Math.max(declaredSize, file.size()), List.of(new Extent(0, file.size())),
				declaredSize > file.size() ? List.of(new Extent(file.size(), declaredSize - file.size())) : List.of());
	}

	@Override
	public void read(long offset, byte[] buf, int off, int len) throws IOException {
		checkRead(offset, len);
		file.read(offset, buf, off, len);
	}

	@Override
	public void close() {
		file.close();
	}
}
