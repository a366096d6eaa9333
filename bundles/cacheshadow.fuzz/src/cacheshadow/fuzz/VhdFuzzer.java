package cacheshadow.fuzz;

import java.io.IOException;

/** VHD disks (fixed and dynamic): footer and its checksum, dynamic header, block allocation table, sector bitmaps. */
public final class VhdFuzzer {
	private VhdFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		ContainerReads.disk(InputFile.of("vhd", data));
	}
}
