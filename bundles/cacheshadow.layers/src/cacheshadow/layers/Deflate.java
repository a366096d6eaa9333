package cacheshadow.layers;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** Inflating deflate data (zlib-wrapped or raw) with the JDK's zlib, into a buffer of known size. */
final class Deflate {
	private Deflate() {
	}

	/**
	 * Inflates {@code in[0..len)} into {@code out}; returns the bytes written, at most {@code out.length} (output
	 * that would run past it is not produced: a bomb costs no more than the buffer).
	 */
	static int inflate(byte[] in, int len, byte[] out, boolean zlibHeader) throws DataFormatException {
		// one inflater per thread and kind, reset between uses: setting up zlib's state costs as much as a page
		Inflater inf = (zlibHeader ? ZLIB : RAW).get();
		try {
			inf.setInput(in, 0, len);
			int got = 0;
			while (got < out.length) {
				int n = inf.inflate(out, got, out.length - got);
				if (n == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) break;
				got += n;
			}
			return got;
		} finally {
			inf.reset();
		}
	}

	private static final ThreadLocal<Inflater> ZLIB = ThreadLocal.withInitial(() -> new Inflater(false));
	private static final ThreadLocal<Inflater> RAW = ThreadLocal.withInitial(() -> new Inflater(true));
}
