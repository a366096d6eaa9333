package cacheshadow.fuzz;

import java.io.IOException;

/** VMDK sparse extents (monolithic sparse, stream-optimized): header, footer, grain directory and tables, grain markers, deflated grains, the embedded descriptor. */
public final class VmdkFuzzer {
	private VmdkFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		ContainerReads.disk(InputFile.of("vmdk", data));
	}
}
