package cacheshadow.fuzz;

import cacheshadow.layers.EvidenceFormatException;

/**
 * The Zstandard decoder (frame header, raw, RLE and compressed blocks, Huffman literals, FSE sequence tables, repeat offsets) of
 * bzImage payloads: the input is the payload, put behind a minimal bzImage setup header and decompressed as a
 * kernel image is. Damaged or hostile streams must end with an {@link EvidenceFormatException}, in bounded time and
 * memory.
 */
public final class ZstdFuzzer {
	private ZstdFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) {
		KernelImages.decompressPayload(data);
	}
}
