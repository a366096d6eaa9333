package cacheshadow.fuzz;

import java.io.IOException;
import java.nio.file.Path;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.TruncatedEvidenceException;
import cacheshadow.layers.UnmappedAddressException;

/**
 * A container file opened as the product opens evidence and read: a disk image (VMDK, VHD, VHDX, EWF) as a file
 * system would (the first blocks, the middle, the end and the edges), a memory snapshot (kdump, Xen dump-core, VMware) at
 * every range's edges; a file refused as cut short is opened again as partial evidence and read the same way.
 */
final class ContainerReads {
	private ContainerReads() {
	}

	/** How a target opens its input: as a disk or as a memory snapshot, partial or not. */
	private interface Opener {
		Layer open(Path file, boolean partial) throws IOException;
	}

	static void disk(Path file) throws IOException {
		openAndRead(file, Layers::openDisk, true);
	}

	static void memory(Path file) throws IOException {
		openAndRead(file, Layers::openMemory, false);
	}

	private static void openAndRead(Path file, Opener opener, boolean disk) throws IOException {
		try {
			try (Layer layer = opener.open(file, false)) {
				read(layer, disk);
			} catch (TruncatedEvidenceException cut) {
				try (Layer layer = opener.open(file, true)) {
					read(layer, disk);
				}
			}
		} catch (EvidenceFormatException | UnmappedAddressException expected) {
			// bad input, reported as such (a read of missing bytes is an unmapped one)
		}
	}

	private static void read(Layer layer, boolean disk) throws IOException {
		if (!disk) {
			LayerReads.edges(layer);
			return;
		}
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
