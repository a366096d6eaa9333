package cacheshadow.fuzz;

import cacheshadow.layers.EvidenceFormatException;

/**
 * Zstandard bzImage payloads as the product decodes them (the frame delimited by zstd-jni, then streamed through
 * the reference library behind our output limit; native code, so the coverage is of our side only): the input is the
 * payload, put behind a minimal bzImage setup header and decompressed as a kernel image is. Damaged or hostile
 * streams must end with an {@link EvidenceFormatException}, in bounded time and memory.
 */
public final class ZstdFuzzer {
	private ZstdFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) {
		KernelImages.decompressPayload(data);
	}
}
