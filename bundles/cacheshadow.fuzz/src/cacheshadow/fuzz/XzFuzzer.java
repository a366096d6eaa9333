package cacheshadow.fuzz;

import cacheshadow.layers.EvidenceFormatException;

/**
 * The XZ decoder (.xz container, LZMA2 chunks, the LZMA range decoder, the x86 BCJ filter) of
 * bzImage payloads: the input is the payload, put behind a minimal bzImage setup header and decompressed as a
 * kernel image is. Damaged or hostile streams must end with an {@link EvidenceFormatException}, in bounded time and
 * memory.
 */
public final class XzFuzzer {
	private XzFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) {
		KernelImages.decompressPayload(data);
	}
}
