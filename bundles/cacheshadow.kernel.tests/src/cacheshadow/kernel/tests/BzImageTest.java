package cacheshadow.kernel.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.BzImage;
import cacheshadow.layers.EvidenceFormatException;

class BzImageTest {
	/** 6.1: XZ payload (LZMA2 + x86 BCJ); 6.12: ZSTD payload. */
	@org.junit.jupiter.params.ParameterizedTest
	@org.junit.jupiter.params.provider.ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void payloadGivesTheSameBtf(String set) throws Exception {
		long t0 = System.nanoTime();
		Btf fromVmlinuz = BtfParser.parse(Samples.file(set, "kernel/vmlinuz"));
		System.out.printf("%s: BTF from vmlinuz in %.0f ms%n", set, (System.nanoTime() - t0) / 1e6);
		Btf raw = Samples.btf(set);
		assertEquals(raw.typeCount(), fromVmlinuz.typeCount());
		assertEquals(raw.field("dentry", "d_name"), fromVmlinuz.field("dentry", "d_name"));
		byte[] elf = BzImage.vmlinux(Files.readAllBytes(Samples.file(set, "kernel/vmlinuz")), "vmlinuz");
		assertTrue(elf[0] == 0x7f && elf[1] == 'E' && elf[2] == 'L' && elf[3] == 'F');
		// The .BTF bytes inside the payload equal the raw section shipped next to it.
		byte[] btf = Files.readAllBytes(Samples.file(set, "kernel/vmlinux.btf"));
		int at = indexOf(elf, Arrays.copyOf(btf, 64));
		assertTrue(at > 0);
		assertArrayEquals(btf, Arrays.copyOfRange(elf, at, at + btf.length));
	}

	@org.junit.jupiter.params.ParameterizedTest
	@org.junit.jupiter.params.provider.ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void damagedPayloadsFailClearly(String set) throws Exception {
		byte[] z = Files.readAllBytes(Samples.file(set, "kernel/vmlinuz"));
		byte[] cut = Arrays.copyOf(z, z.length / 3);
		assertThrows(EvidenceFormatException.class, () -> BzImage.vmlinux(cut, "cut"));
		byte[] notKernel = new byte[4096];
		assertThrows(EvidenceFormatException.class, () -> BzImage.vmlinux(notKernel, "zeros"));
		byte[] flipped = z.clone();
		for (int i = 30_000; i < 30_064; i++) flipped[i] ^= 0x5a;
		try {
			BzImage.vmlinux(flipped, "flipped");
		} catch (EvidenceFormatException expected) {
			// damaged input may fail or decode to garbage; it must not hang or throw anything else
		}
	}

	/**
	 * A decompression bomb: 2.4 KB of valid RLE blocks of 128 KiB each (the largest block Zstandard allows) would expand to
	 * 75 MiB (a ZstdFuzzer input, regressions/ZstdFuzzer/rle-bomb, did the same with oversized blocks, which the
	 * reference library refuses as corrupt). A payload may expand at most 32-fold; a damaged gzip payload is an evidence error too.
	 */
	@Test
	void decompressionBombsAndDamagedGzipFailClearly() throws Exception {
		byte[] z = Files.readAllBytes(Samples.file("debian-6.12-kaslr", "kernel/vmlinuz"));
		int at = ((z[0x1f1] & 0xff) + 1) * 512 + (int) cacheshadow.layers.LittleEndian.u32(z, 0x248);
		java.io.ByteArrayOutputStream bomb = new java.io.ByteArrayOutputStream();
		bomb.writeBytes(new byte[] { 0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x00, 0x58 }); // frame header, 256 KiB window
		for (int i = 0; i < 600; i++) {
			int h = (1 << 17) << 3 | 1 << 1 | (i == 599 ? 1 : 0); // an RLE block of 128 KiB of one byte
			bomb.writeBytes(new byte[] { (byte) h, (byte) (h >>> 8), (byte) (h >>> 16), 0 });
		}
		byte[] image = Arrays.copyOf(z, at + bomb.size());
		System.arraycopy(bomb.toByteArray(), 0, image, at, bomb.size());
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> BzImage.vmlinux(image, "bomb"));
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("output larger than (\\d+) bytes").matcher(e.getMessage());
		assertTrue(m.find(), e.getMessage());
		assertEquals(32L * (image.length - at), Long.parseLong(m.group(1)), "stopped at 32 times the payload, not at a gigabyte");
		byte[] gz = Arrays.copyOf(z, at + 64);
		gz[at] = 0x1f;
		gz[at + 1] = (byte) 0x8b;
		gz[at + 2] = 8; // deflate, then garbage
		e = assertThrows(EvidenceFormatException.class, () -> BzImage.vmlinux(gz, "gz"));
		assertTrue(e.getMessage().startsWith("gz: gzip payload"), e.getMessage());
	}

	private static int indexOf(byte[] hay, byte[] needle) {
		outer: for (int i = 0; i + needle.length <= hay.length; i++) {
			for (int k = 0; k < needle.length; k++) if (hay[i + k] != needle[k]) continue outer;
			return i;
		}
		return -1;
	}
}
