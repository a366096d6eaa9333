package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;

/** Truncated, corrupt and hostile inputs: one clear line naming the file and the problem, and nothing written. */
class BadEvidenceTest {

	static String failOpen(Path f) {
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> Layers.openMemory(f).close());
		assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
		assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
		return e.getMessage();
	}

	@Test
	void truncatedElfCore(@TempDir Path tmp) throws Exception {
		Path real = Samples.sets().get(0).resolve("memory.elf");
		byte[] head = new byte[1 << 20];
		try (var in = Files.newInputStream(real)) {
			in.readNBytes(head, 0, head.length);
		}
		Path cut = tmp.resolve("cut.elf");
		Files.write(cut, head);
		assertTrue(failOpen(cut).contains("truncated"));
		Path tiny = tmp.resolve("tiny.elf");
		Files.write(tiny, Arrays.copyOf(head, 40));
		assertTrue(failOpen(tiny).contains("truncated"));
		// program header count that runs past the file
		byte[] h = Arrays.copyOf(head, 4096);
		h[56] = (byte) 0xfe;
		h[57] = 0x7f;
		Path many = tmp.resolve("many.elf");
		Files.write(many, h);
		failOpen(many);
	}

	@Test
	void limeInvertedOverlappingAndTruncated(@TempDir Path tmp) throws Exception {
		Path inv = tmp.resolve("inv.lime");
		Files.write(inv, range(0x2000, 0x1000, 0));
		assertTrue(failOpen(inv).contains("inverted"));
		Path ovl = tmp.resolve("ovl.lime");
		Files.write(ovl, concat(range(0x1000, 0x2fff, 0x2000), range(0x2000, 0x2fff, 0x1000)));
		assertTrue(failOpen(ovl).contains("overlap"));
		Path cut = tmp.resolve("cut.lime");
		Files.write(cut, Arrays.copyOf(range(0x1000, 0x1fff, 0x1000), 32 + 100));
		assertTrue(failOpen(cut).contains("truncated"));
		Path good = tmp.resolve("good.lime");
		Files.write(good, concat(range(0x1000, 0x1fff, 0x1000), range(0x8000, 0x8fff, 0x1000)));
		try (Layer l = Layers.openMemory(good)) {
			assertEquals(2, l.extents().size());
			assertThrows(cacheshadow.layers.UnmappedAddressException.class, () -> l.read(0x2000, new byte[1], 0, 1));
		}
	}

	@Test
	void wrongKindMissingFileAndDirectory(@TempDir Path tmp) throws Exception {
		Path map = Samples.sets().get(0).resolve("kernel/System.map");
		assertTrue(failOpen(map).contains("not a memory snapshot"));
		EvidenceFormatException d = assertThrows(EvidenceFormatException.class, () -> Layers.openDisk(map));
		assertTrue(d.getMessage().contains("not a disk image"));
		assertTrue(failOpen(tmp.resolve("nothing-here")).contains("no such file"));
		Path empty = tmp.resolve("empty");
		Files.write(empty, new byte[0]);
		assertTrue(failOpen(empty).contains("empty"));
		assertTrue(failOpen(tmp).contains(tmp.toString()));
	}

	@Test
	void readingEvidenceNeverModifiesIt() throws Exception {
		for (Path set : Samples.sets()) {
			for (String f : new String[] { "memory.elf", "disk.img" }) {
				Path p = set.resolve(f);
				FileTime before = Files.getLastModifiedTime(p);
				long size = Files.size(p);
				try (Layer l = Layers.open(p)) {
					l.read(l.extents().get(0).start(), new byte[4096], 0, 4096);
				}
				assertEquals(before, Files.getLastModifiedTime(p));
				assertEquals(size, Files.size(p));
			}
		}
	}

	static byte[] range(long s, long e, int dataLen) {
		byte[] b = new byte[32 + dataLen];
		LittleEndian.put32(b, 0, 0x4C694D45);
		LittleEndian.put32(b, 4, 1);
		LittleEndian.put64(b, 8, s);
		LittleEndian.put64(b, 16, e);
		for (int i = 32; i < b.length; i++) b[i] = (byte) i;
		return b;
	}

	static byte[] concat(byte[] a, byte[] b) {
		byte[] c = Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, c, a.length, b.length);
		return c;
	}
}
