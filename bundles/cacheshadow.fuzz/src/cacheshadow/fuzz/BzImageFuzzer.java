package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.kernel.BzImage;
import cacheshadow.layers.EvidenceFormatException;

/**
 * x86 bzImages (vmlinuz): the input is the whole file, setup header (setup_sects, payload_offset, payload_length) and
 * payload (XZ, ZSTD or gzip), decompressed to the vmlinux ELF as the kernel files are read. A file that is not one
 * must be refused with an {@link EvidenceFormatException}, in bounded time and memory.
 */
public final class BzImageFuzzer {
	private BzImageFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		if (!BzImage.isBzImage(data)) return;
		try {
			BzImage.vmlinux(data, "fuzz bzImage");
		} catch (EvidenceFormatException expected) {
			// not a bzImage this reader can decompress
		}
	}
}
