package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Qcow2Layer;
import cacheshadow.layers.UnmappedAddressException;

/**
 * qcow2 disk images: header, L1/L2 tables, zero and deflate-compressed clusters, backing-file names. Reads go
 * through the first clusters, the last one and a few in between, as a file system's reads would.
 */
public final class Qcow2Fuzzer {
	private Qcow2Fuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		try (Layer layer = Qcow2Layer.open(InputFile.of("qcow2", data))) {
			long size = layer.size();
			byte[] b = new byte[8192];
			for (long at : new long[] { 0, 4096, 65536 - 100, 1 << 20, size / 2, size - b.length }) {
				if (at < 0 || at >= size) continue;
				layer.read(at, b, 0, (int) Math.min(b.length, size - at));
			}
			LayerReads.edges(layer);
		} catch (EvidenceFormatException | UnmappedAddressException expected) {
			// bad input, reported as such
		}
	}
}
