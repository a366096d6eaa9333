package cacheshadow.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import cacheshadow.layers.AtomicFile;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Progress;
import cacheshadow.layers.Zeros;

/** Writes a layer (e.g. a {@link DiskAtInstant}) out as a raw image; all-zero 64 KiB runs are left as sparse holes. */
public final class DiskImageExport {
	private static final int CHUNK = 1 << 20, HOLE = 1 << 16;

	private DiskImageExport() {
	}

	/**
	 * Writes {@code [0, layer.size())} to {@code out} (created or replaced, whole or not at all: {@link AtomicFile}).
	 * Refuses to write over any of {@code inputs} (the base image, the journal): evidence is never modified. Returns
	 * the bytes of data written.
	 */
	public static long write(Layer layer, Path out, Progress progress, Path... inputs) throws IOException {
		for (Path in : inputs) {
			if (in != null && Files.exists(out) && Files.exists(in) && Files.isSameFile(in, out)) {
				throw new IOException(out + ": refusing to overwrite an input of the replay");
			}
		}
		long size = layer.size();
		progress.begin("Writing " + out.getFileName(), size);
		byte[] buf = new byte[CHUNK];
		long data = 0;
		try (AtomicFile file = AtomicFile.create(out)) {
			FileChannel ch = file.channel();
			for (long pos = 0; pos < size; pos += CHUNK) {
				int n = (int) Math.min(CHUNK, size - pos);
				layer.read(pos, buf, 0, n);
				for (int h = 0; h < n; h += HOLE) {
					int m = Math.min(HOLE, n - h);
					if (Zeros.allZero(buf, h, m)) continue;
					ByteBuffer bb = ByteBuffer.wrap(buf, h, m);
					long p = pos + h;
					while (bb.hasRemaining()) p += ch.write(bb, p);
					data += m;
				}
				progress.worked(n);
				progress.checkCanceled();
			}
			if (ch.size() < size) { // the image ends in a hole: extend the file with its last (zero) byte
				ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
			}
			file.commit();
		}
		return data;
	}
}
