package cacheshadow.kernel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;

/**
 * An x86 bzImage (vmlinuz): the setup header (Documentation/arch/x86/boot.rst, magic {@code HdrS}) locates the
 * compressed payload ({@code payload_offset}, relative to the protected-mode code after the setup sectors), which
 * is the stripped vmlinux ELF — with its {@code .BTF} section. Payloads: gzip (JDK), XZ and ZSTD (pure-Java
 * decoders here); bzip2, LZMA, LZO and LZ4 are not supported.
 */
public final class BzImage {
	/** A decompressed kernel is ~70 MB; anything far larger is not a kernel. */
	private static final long MAX_KERNEL = 1L << 30;
	/**
	 * Kernels compress about 4:1 (zstd, gzip) to 8:1 (xz); a payload that expands much further is a decompression bomb
	 * (a few KiB of RLE blocks claiming a gigabyte), stopped before it is written out.
	 */
	static final int MAX_RATIO = 32;

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
		if (XzDecompressor.isXz(b, at)) return XzDecompressor.decompress(b, at, source, max);
		if (ZstdDecompressor.isZstd(b, at)) return ZstdDecompressor.decompress(b, at, source, max);
		if ((b[at] & 0xff) == 0x1f && (b[at + 1] & 0xff) == 0x8b) {
			try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(b, at, b.length - at))) {
				byte[] out = z.readNBytes((int) max + 1);
				if (out.length > max) throw new EvidenceFormatException(source, "gzip payload expands past " + max + " bytes");
				return out;
			} catch (EvidenceFormatException e) {
				throw e;
			} catch (IOException e) { // ZipException, EOFException: damaged or cut short
				throw new EvidenceFormatException(source, "gzip payload damaged (" + e.getMessage() + ")");
			}
		}
		throw new EvidenceFormatException(source, String.format("bzImage payload format not supported (starts %02x %02x %02x %02x)",
				b[at], b[at + 1], b[at + 2], b[at + 3]));
	}
}
