package cacheshadow.fuzz;

import java.io.IOException;
import java.nio.file.Path;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.TruncatedEvidenceException;
import cacheshadow.layers.UnmappedAddressException;

/**
 * A container disk image (VMDK, VHD, VHDX, EWF) opened as the product opens a disk and read as a file system would:
 * the first blocks, the middle, the end and the edges; an image refused as cut short is opened again as partial
 * evidence and read the same way.
 */
final class DiskImageReads {
	private DiskImageReads() {
	}

	static void openAndRead(Path file) throws IOException {
		try {
			try (Layer layer = Layers.openDisk(file)) {
				read(layer);
			} catch (TruncatedEvidenceException cut) {
				try (Layer layer = Layers.openDisk(file, true)) {
					read(layer);
				}
			}
		} catch (EvidenceFormatException | UnmappedAddressException expected) {
			// bad input, reported as such (a read of missing bytes is an unmapped one)
		}
	}

	private static void read(Layer layer) throws IOException {
		long size = layer.size();
		byte[] b = new byte[8192];
		for (long at : new long[] { 0, 4096, 32768 - 100, 65536 - 100, 1 << 20, (2 << 20) - 10, size / 2, size - b.length }) {
			if (at < 0 || at >= size) continue;
			try {
				layer.read(at, b, 0, (int) Math.min(b.length, size - at));
			} catch (UnmappedAddressException missing) {
				// a partial image's missing blocks
			}
		}
		LayerReads.edges(layer);
	}
}
