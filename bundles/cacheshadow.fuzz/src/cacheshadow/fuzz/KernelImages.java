package cacheshadow.fuzz;

import java.io.IOException;

import cacheshadow.kernel.BzImage;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;

/** Kernel images around a fuzzed payload: the smallest x86 bzImage setup header that locates it (boot.rst). */
final class KernelImages {
	private static final int SETUP = 1024;

	private KernelImages() {
	}

	/** Decompresses {@code payload} as a kernel image's; only an {@link EvidenceFormatException} is an expected end. */
	static void decompressPayload(byte[] payload) {
		try {
			BzImage.vmlinux(bzImage(payload), "fuzz payload");
		} catch (EvidenceFormatException expected) {
			// not a payload these decoders can read
		} catch (IOException e) {
			throw new IllegalStateException("an in-memory payload failed with an I/O error", e);
		}
	}

	/** A bzImage of one setup sector whose payload, right after it, is {@code payload}. */
	static byte[] bzImage(byte[] payload) {
		byte[] b = new byte[SETUP + payload.length];
		b[0x1f1] = 1; // setup_sects: the protected-mode code starts at (1 + 1) * 512
		b[0x202] = 'H';
		b[0x203] = 'd';
		b[0x204] = 'r';
		b[0x205] = 'S';
		LittleEndian.put32(b, 0x248, 0); // payload_offset, from the protected-mode code
		LittleEndian.put32(b, 0x24c, payload.length); // payload_length
		System.arraycopy(payload, 0, b, SETUP, payload.length);
		return b;
	}
}
