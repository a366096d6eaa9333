package cacheshadow.fuzz;

import cacheshadow.layers.EvidenceFormatException;

/**
 * XZ bzImage payloads as the product decodes them (XZ for Java's single-stream decoder behind our memory and
 * output limits; the library is instrumented too, releng/fuzz.sh): the input is the payload, put behind a minimal
 * bzImage setup header and decompressed as a kernel image is. Damaged or hostile streams must end with an
 * {@link EvidenceFormatException}, in bounded time and memory.
 */
public final class XzFuzzer {
	private XzFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) {
		KernelImages.decompressPayload(data);
	}
}
