package cacheshadow.kernel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import org.tukaani.xz.SingleXZInputStream;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;

/**
 * An x86 bzImage (vmlinuz): the setup header (Documentation/arch/x86/boot.rst, magic {@code HdrS}) locates the
 * compressed payload ({@code payload_offset}, relative to the protected-mode code after the setup sectors), which
 * is the stripped vmlinux ELF — with its {@code .BTF} section. Payloads: gzip (JDK), XZ (XZ for Java) and ZSTD
 * (zstd-jni, the reference library); bzip2, LZMA, LZO and LZ4 are not supported.
 */
public final class BzImage {
	/** A decompressed kernel is ~70 MB; anything far larger is not a kernel. */
	private static final long MAX_KERNEL = 1L << 30;
	/**
	 * Kernels compress about 4:1 (zstd, gzip) to 8:1 (xz); a payload that expands much further is a decompression bomb
	 * (a few KiB of RLE blocks claiming a gigabyte), stopped before it is written out.
	 */
	static final int MAX_RATIO = 32;
	/**
	 * The XZ dictionary a payload may ask for: the kernel's scripts/xz_wrap.sh uses 32 MiB; a header asking for more
	 * is refused before the decoder allocates it.
	 */
	private static final int XZ_MEMORY_KIB = 64 << 10;
	private static final byte[] XZ_MAGIC = { (byte) 0xfd, '7', 'z', 'X', 'Z', 0 };
	private static final byte[] ZSTD_MAGIC = { 0x28, (byte) 0xb5, 0x2f, (byte) 0xfd };

	private BzImage() {
	}

	public static boolean isBzImage(byte[] b) {
		return b.length > 0x260 && b[0x202] == 'H' && b[0x203] == 'd' && b[0x204] == 'r' && b[0x205] == 'S';
	}

	/** The decompressed payload (the vmlinux ELF). */
	public static byte[] vmlinux(byte[] b, String source) throws IOException {
		if (!isBzImage(b)) throw new EvidenceFormatException(source, "not a bzImage (no HdrS setup header)");
		int setupSects = b[0x1f1] & 0xff;
		if (setupSects == 0) setupSects = 4;
		long payload = (setupSects + 1L) * 512 + LittleEndian.u32(b, 0x248);
		if (payload + 4 > b.length) throw new EvidenceFormatException(source, "payload offset past the end of the bzImage");
		int at = (int) payload;
		long max = Math.min(MAX_KERNEL, (long) MAX_RATIO * (b.length - at));
		ByteArrayInputStream rest = new ByteArrayInputStream(b, at, b.length - at);
		if (startsWith(b, at, XZ_MAGIC)) {
			// one stream: the payload is followed by the kernel's appended size, which is no second stream
			return expand("XZ", () -> new SingleXZInputStream(rest, XZ_MEMORY_KIB), source, max);
		}
		if (startsWith(b, at, ZSTD_MAGIC)) {
			// the frame alone, found from its block headers: the appended size after it would read as a damaged frame
			return expand("ZSTD", () -> new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(b, at, zstdFrameLength(b, at))), source, max);
		}
		if ((b[at] & 0xff) == 0x1f && (b[at + 1] & 0xff) == 0x8b) return expand("gzip", () -> new GZIPInputStream(rest), source, max);
		throw new EvidenceFormatException(source, String.format("bzImage payload format not supported (starts %02x %02x %02x %02x)",
				b[at], b[at + 1], b[at + 2], b[at + 3]));
	}

	private static boolean startsWith(byte[] b, int at, byte[] magic) {
		return at + magic.length <= b.length && Arrays.equals(b, at, at + magic.length, magic, 0, magic.length);
	}

	private static int zstdFrameLength(byte[] b, int at) throws IOException {
		long n;
		try {
			n = Zstd.findFrameCompressedSize(b, at, b.length - at);
		} catch (ZstdException e) { // the library's error code for a frame it cannot delimit
			throw new IOException(e.getMessage());
		}
		if (n <= 0 || n > b.length - at) throw new IOException("no complete frame");
		return (int) n;
	}

	private interface Decoder {
		InputStream open() throws IOException;
	}

	/** The decoded stream, at most {@code max} bytes; the decoders' errors on damaged input (IOExceptions) become one evidence error. */
	private static byte[] expand(String format, Decoder decoder, String source, long max) throws EvidenceFormatException {
		byte[] out;
		try (InputStream z = decoder.open()) {
			out = z.readNBytes((int) max + 1);
		} catch (IOException e) {
			throw new EvidenceFormatException(source, format + " payload damaged (" + e.getMessage() + ")");
		}
		if (out.length > max) throw new EvidenceFormatException(source, format + " payload: output larger than " + max + " bytes");
		return out;
	}
}
