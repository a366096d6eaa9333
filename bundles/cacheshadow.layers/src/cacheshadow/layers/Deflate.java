package cacheshadow.layers;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflating deflate data (zlib-wrapped or raw) into a buffer of known size: by libdeflate when it is installed (see
 * {@link LibDeflate}), else, and for every stream libdeflate does not decode whole into the buffer, by the JDK's zlib.
 */
public final class Deflate {
	private Deflate() {
	}

	/**
	 * Inflates {@code in[0..len)} into {@code out}; returns the bytes written, at most {@code out.length} (output
	 * that would run past it is not produced: a bomb costs no more than the buffer).
	 */
	public static int inflate(byte[] in, int len, byte[] out, boolean zlibHeader) throws DataFormatException {
		// checked here as the JDK's setInput checks it: libdeflate reads len bytes from the array, whatever its length
		java.util.Objects.checkFromIndexSize(0, len, in.length);
		if (LibDeflate.LOADED) {
			int got = LibDeflate.inflate(in, len, out, zlibHeader);
			if (got >= 0) return got;
			// bad, cut short or larger than the buffer: the JDK's answer (a prefix, or the error) as without libdeflate,
			// over the zeros the buffer held
			java.util.Arrays.fill(out, (byte) 0);
		}
		return inflateWithJdk(in, len, out, zlibHeader);
	}

	/** Whether libdeflate inflates (else the JDK's zlib). */
	public static boolean libdeflate() {
		return LibDeflate.LOADED;
	}

	/** {@link #inflate} by the JDK's zlib alone. */
	public static int inflateWithJdk(byte[] in, int len, byte[] out, boolean zlibHeader) throws DataFormatException {
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
