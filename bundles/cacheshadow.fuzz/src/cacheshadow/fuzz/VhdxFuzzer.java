package cacheshadow.fuzz;

import java.io.IOException;

/** VHDX disks: headers and their CRC-32C, region tables, metadata items, block allocation table with its sector-bitmap entries. */
public final class VhdxFuzzer {
	private VhdxFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		ContainerReads.disk(InputFile.of("vhdx", data));
	}
}
