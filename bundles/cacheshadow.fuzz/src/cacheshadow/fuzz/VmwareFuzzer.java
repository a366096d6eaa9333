package cacheshadow.fuzz;

import java.io.IOException;

/**
 * VMware .vmss/.vmsn state files holding the memory themselves: header, group table, the memory group's tags (sizes,
 * indices, long values), its regions over the Memory tag.
 */
public final class VmwareFuzzer {
	private VmwareFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		ContainerReads.memory(InputFile.of("vmsn", data));
	}
}
