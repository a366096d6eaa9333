package cacheshadow.layers;

import java.lang.ref.Cleaner;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * libdeflate's whole-buffer decompressors (Debian's {@code libdeflate0}), bound by JNA's direct mapping: 2-3 times
 * faster than the JDK's zlib on a 4 KiB kdump page or a 32 KiB E01 chunk. It never writes past the space it is given
 * and checks the stream's Adler-32. Absent library or JNA: {@link #LOADED} is false and the JDK inflates.
 */
final class LibDeflate {
	/** libdeflate_result: LIBDEFLATE_SUCCESS; the others are BAD_DATA, SHORT_OUTPUT, INSUFFICIENT_SPACE. */
	private static final int SUCCESS = 0;
	static final boolean LOADED;
	static {
		boolean loaded = false;
		try {
			// the runtime package has no unversioned libdeflate.so
			Native.register(LibDeflate.class, NativeLibrary.getInstance("libdeflate.so.0"));
			loaded = true;
		} catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
			// no libdeflate (or no JNA): the JDK's zlib inflates
		}
		LOADED = loaded;
	}

	private static native Pointer libdeflate_alloc_decompressor();

	private static native void libdeflate_free_decompressor(Pointer d);

	private static native int libdeflate_zlib_decompress(Pointer d, byte[] in, long inBytes, byte[] out, long outAvail, long[] actualOut);

	private static native int libdeflate_deflate_decompress(Pointer d, byte[] in, long inBytes, byte[] out, long outAvail, long[] actualOut);

	/** A decompressor per thread (they keep state while decoding), freed when its thread's holder is collected. */
	private static final class Decompressor {
		final Pointer handle;
		final long[] actual = new long[1];

		Decompressor() {
			Pointer h = libdeflate_alloc_decompressor();
			if (h == null) throw new OutOfMemoryError("libdeflate_alloc_decompressor");
			handle = h;
			CLEANER.register(this, () -> libdeflate_free_decompressor(h));
		}
	}

	private static final Cleaner CLEANER = Cleaner.create();
	private static final ThreadLocal<Decompressor> DECOMPRESSOR = ThreadLocal.withInitial(Decompressor::new);

	private LibDeflate() {
	}

	/**
	 * Inflates {@code in[0..len)} (a whole zlib stream, or raw deflate) into {@code out}; the bytes written, or -1 if
	 * the stream is bad, cut short, fails its checksum or would not fit in {@code out}.
	 */
	static int inflate(byte[] in, int len, byte[] out, boolean zlibHeader) {
		Decompressor d = DECOMPRESSOR.get();
		int r = zlibHeader ? libdeflate_zlib_decompress(d.handle, in, len, out, out.length, d.actual)
				: libdeflate_deflate_decompress(d.handle, in, len, out, out.length, d.actual);
		return r == SUCCESS ? (int) d.actual[0] : -1;
	}
}
