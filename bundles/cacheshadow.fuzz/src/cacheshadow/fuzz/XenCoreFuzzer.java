package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.TruncatedEvidenceException;
import cacheshadow.layers.UnmappedAddressException;

/**
 * Xen dump-core files: ELF section headers and names, the .note.Xen notes and the dump-core header, the .xen_pfn and
 * .xen_p2m frame tables, .xen_pages; opened as the product opens a memory file (again as partial evidence when
 * refused as cut short) and read at every range's edges.
 */
public final class XenCoreFuzzer {
	private XenCoreFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		var file = InputFile.of("xen", data);
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
