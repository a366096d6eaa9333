package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.UnmappedAddressException;

/** Reads a parsed layer the way an analysis does: its extents, and bytes at and across their edges. */
final class LayerReads {
	private static final int MAX_EXTENTS = 64;

	private LayerReads() {
	}

	static void edges(Layer layer) throws IOException {
		layer.name();
		long size = layer.size();
		byte[] b = new byte[4096];
		int n = 0;
		for (Extent e : layer.extents()) {
			if (++n > MAX_EXTENTS) break;
			int len = (int) Math.min(b.length, e.length());
			layer.read(e.start(), b, 0, len);
			layer.read(e.start() + e.length() - len, b, 0, len);
			expectHole(layer, e.start() + e.length(), size);
		}
		expectHole(layer, size, size);
		expectHole(layer, -1, size);
	}

	/** A read past an extent must be refused as unmapped (or read the next extent), never fail otherwise. */
	private static void expectHole(Layer layer, long at, long size) throws IOException {
		try {
			layer.read(at, new byte[16], 0, 16);
		} catch (UnmappedAddressException expected) {
			// the hole is reported
		}
	}
}
