package cacheshadow.layers;

import java.util.Arrays;

/**
 * Whether a run of bytes is all zero: holes of a disk image, unused inode records, the rest of a journal's header
 * sector. {@link Arrays#mismatch} against a zero block compares many bytes at a time (vectorized by the JIT), where a
 * byte loop compares one (and, under the fuzzer's instrumentation, traces each comparison).
 */
public final class Zeros {
	private static final byte[] BLOCK = new byte[64 << 10];

	private Zeros() {
	}

	public static boolean allZero(byte[] b) {
		return allZero(b, 0, b.length);
	}

	/** Whether {@code b[off, off + len)} holds only zeros. */
	public static boolean allZero(byte[] b, int off, int len) {
		for (int done = 0; done < len;) {
			int n = Math.min(len - done, BLOCK.length);
			if (Arrays.mismatch(b, off + done, off + done + n, BLOCK, 0, n) >= 0) return false;
			done += n;
		}
		return true;
	}
}
