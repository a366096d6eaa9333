package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layers;
import cacheshadow.layers.UnmappedAddressException;

/** LiME memory images: range headers and their bytes, opened as the product opens a memory file, then read. */
public final class LimeFuzzer {
	private LimeFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		try (var layer = Layers.openMemory(InputFile.of("lime", data))) {
			LayerReads.edges(layer);
		} catch (EvidenceFormatException | UnmappedAddressException expected) {
			// bad input, reported as such
		}
	}
}
