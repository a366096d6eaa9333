package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;

import org.junit.jupiter.api.Test;

import cacheshadow.layers.Deflate;
import cacheshadow.layers.LittleEndian;
import cacheshadow.testing.FormatEvidence;

/**
 * Inflation by libdeflate (where Debian's libdeflate0 is installed, also inside OSGi) gives exactly what the JDK's zlib
 * gives: on every zlib page of QEMU's kdump-zlib dump, and on those pages cut, corrupted bit by bit, with a wrong
 * checksum or into a buffer too small (there the JDK's prefix or error, as before libdeflate).
 */
class DeflateTest {
	@Test
	void libdeflateInflatesWhereItIsInstalled() {
		assertEquals(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libdeflate.so.0")), Deflate.libdeflate());
	}

	@Test
	void everyZlibPageOfTheDumpInflatesAsByTheJdk() throws Exception {
		List<byte[]> pages = zlibPages();
		assertTrue(pages.size() > 10_000, pages.size() + " zlib pages");
		for (byte[] p : pages) {
			byte[] a = new byte[4096], b = new byte[4096];
			assertEquals(4096, Deflate.inflate(p, p.length, a, true));
			assertEquals(4096, Deflate.inflateWithJdk(p, p.length, b, true));
			assertArrayEquals(b, a);
		}
	}

	@Test
	void badStreamsGiveTheJdksAnswer() throws Exception {
		List<byte[]> pages = zlibPages();
		// a page of a few hundred bytes of deflate data: every prefix and every single bit flipped
		byte[] p = pages.stream().filter(x -> x.length > 300 && x.length < 600).findFirst().orElseThrow();
		int prefixes = 0, flips = 0, refused = 0;
		for (int len = 0; len < p.length; len++, prefixes++) refused += same(p, len, 4096, true);
		for (int i = 0; i < p.length * 8; i++, flips++) {
			byte[] q = p.clone();
			q[i / 8] ^= (byte) (1 << (i % 8));
			refused += same(q, q.length, 4096, true);
		}
		assertTrue(refused > (prefixes + flips) / 2, refused + " of " + (prefixes + flips) + " refused");
		// a wrong Adler-32; output past a smaller buffer (a bomb stops at the buffer); raw deflate of a zlib stream
		byte[] adler = p.clone();
		adler[adler.length - 1] ^= 1;
		assertEquals(1, same(adler, adler.length, 4096, true));
		assertEquals(0, same(p, p.length, 1000, true));
		byte[] cut = new byte[1000];
		assertEquals(1000, Deflate.inflate(p, p.length, cut, true));
		same(p, p.length, 4096, false);
		same(Arrays.copyOfRange(p, 2, p.length), p.length - 2, 4096, false);
	}

	@Test
	void aLengthPastTheInputIsRefusedBeforeTheNativeDecoderReadsPastIt() throws Exception {
		byte[] data = new byte[4096];
		for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 / 7);
		java.util.zip.Deflater d = new java.util.zip.Deflater();
		d.setInput(data);
		d.finish();
		byte[] z = new byte[8192];
		byte[] in = Arrays.copyOf(z, d.deflate(z));
		d.end();
		byte[] out = new byte[4096];
		// libdeflate is given the length as it stands: a length past the array had it read the heap beyond it
		assertThrows(IndexOutOfBoundsException.class, () -> Deflate.inflate(in, in.length + 16, out, true));
		assertThrows(IndexOutOfBoundsException.class, () -> Deflate.inflate(in, -1, out, false));
		assertEquals(4096, Deflate.inflate(in, in.length, out, true));
		assertArrayEquals(data, out);
	}

	/** Inflates {@code in[0..len)} both ways into buffers of {@code out} bytes: same count and bytes, or both refuse (1). */
	private static int same(byte[] in, int len, int out, boolean zlib) {
		byte[] a = new byte[out], b = new byte[out];
		int ga, gb;
		try {
			ga = Deflate.inflate(in, len, a, zlib);
		} catch (DataFormatException e) {
			ga = -1;
		}
		try {
			gb = Deflate.inflateWithJdk(in, len, b, zlib);
		} catch (DataFormatException e) {
			gb = -1;
		}
		assertEquals(gb, ga, "bytes inflated from " + len);
		assertArrayEquals(b, a);
		return ga < 0 || ga < 4096 && out == 4096 ? 1 : 0;
	}

	/** The compressed bytes of each zlib page of QEMU's kdump-zlib dump (descriptor flag 0x1). */
	static List<byte[]> zlibPages() throws Exception {
		byte[] img = Files.readAllBytes(FormatEvidence.dumps().resolve("memory.kdump-zlib"));
		int block = (int) LittleEndian.u32(img, 428);
		long desc = (1 + LittleEndian.u32(img, 432) + LittleEndian.u32(img, 436)) * block;
		List<byte[]> out = new ArrayList<>();
		for (long d = desc;; d += 24) {
			long at = LittleEndian.u64(img, (int) d), len = LittleEndian.u32(img, (int) d + 8);
			if (at < desc || len == 0 || len > block || at + len > img.length) break;
			if ((LittleEndian.u32(img, (int) d + 12) & 1) != 0) out.add(Arrays.copyOfRange(img, (int) at, (int) (at + len)));
		}
		return out;
	}
}
