package cacheshadow.fuzz;

import java.io.IOException;

/**
 * Compressed kdump files (reassembled and makedumpfile's flattened form): header, sub-header and VMCOREINFO, page
 * bitmaps, page descriptors, pages deflated, LZO- and Snappy-compressed or stored.
 */
public final class KdumpFuzzer {
	private KdumpFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		ContainerReads.memory(InputFile.of("kdump", data));
	}
}
