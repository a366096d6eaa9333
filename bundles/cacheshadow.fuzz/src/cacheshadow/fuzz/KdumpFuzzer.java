package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.TruncatedEvidenceException;
import cacheshadow.layers.UnmappedAddressException;

/**
 * Compressed kdump files (reassembled and makedumpfile's flattened form): header, sub-header and VMCOREINFO, page
 * bitmaps, page descriptors, pages deflated, LZO- and Snappy-compressed or stored; opened as the product opens a
 * memory file (again as partial evidence when refused as cut short) and read at every range's edges.
 */
public final class KdumpFuzzer {
	private KdumpFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		var file = InputFile.of("kdump", data);
		try {
			try (Layer layer = Layers.openMemory(file)) {
				LayerReads.edges(layer);
			} catch (TruncatedEvidenceException cut) {
				try (Layer layer = Layers.openMemory(file, true)) {
					LayerReads.edges(layer);
				}
			}
		} catch (EvidenceFormatException | UnmappedAddressException expected) {
			// bad input, reported as such
		}
	}
}
