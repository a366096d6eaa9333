package cacheshadow.kernel;

import cacheshadow.layers.EvidenceFormatException;

/** Placeholder until the ZSTD decoder lands: recognizes the frame magic only. */
final class ZstdDecompressor {
	private ZstdDecompressor() {
	}

	static boolean isZstd(byte[] b, int at) {
		return at + 4 <= b.length && (b[at] & 0xff) == 0x28 && (b[at + 1] & 0xff) == 0xb5 && (b[at + 2] & 0xff) == 0x2f
				&& (b[at + 3] & 0xff) == 0xfd;
	}

	static byte[] decompress(byte[] b, int at, String source, long max) throws EvidenceFormatException {
		throw new EvidenceFormatException(source, "ZSTD payloads are not supported yet");
	}
}
