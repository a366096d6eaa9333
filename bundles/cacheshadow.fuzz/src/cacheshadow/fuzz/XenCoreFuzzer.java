package cacheshadow.fuzz;

import java.io.IOException;

/**
 * Xen dump-core files: ELF section headers and names, the .note.Xen notes and the dump-core header, the .xen_pfn and
 * .xen_p2m frame tables, .xen_pages.
 */
public final class XenCoreFuzzer {
	private XenCoreFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		ContainerReads.memory(InputFile.of("xen", data));
	}
}
