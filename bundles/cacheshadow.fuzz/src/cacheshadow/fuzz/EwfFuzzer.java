package cacheshadow.fuzz;

import java.io.IOException;

/** EWF/E01 acquisitions (one segment file): section chain, volume, tables of chunk offsets, deflated and stored chunks, hash. */
public final class EwfFuzzer {
	private EwfFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		ContainerReads.disk(InputFile.of("E01", data));
	}
}
