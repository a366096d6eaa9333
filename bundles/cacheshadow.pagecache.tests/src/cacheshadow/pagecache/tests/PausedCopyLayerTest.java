package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.Layer;
import cacheshadow.pagecache.GuestRamLayout;
import cacheshadow.pagecache.GuestRamLayout.Segment;
import cacheshadow.pagecache.PausedCopyLayer;

/**
 * The check a refresh of a running guest makes in its pause ({@link PausedCopyLayer#changedPages}), on a RAM file
 * mapped read-only as a guest's is and written meanwhile as QEMU writes it: a byte the build read that changed is
 * found, a byte beside it that no one read is not (unless every changed page is asked for), a forgotten page is read
 * again, a page unchanged since the refresh before shares that refresh's copy, and a disk copy inherits the one before.
 */
class PausedCopyLayerTest {
	private static void write(Path f, long at, byte... b) throws IOException {
		try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
			ch.write(ByteBuffer.wrap(b), at);
		}
	}

	private static Layer ram(Path f) throws IOException {
		return GuestRamLayout.layer(f, List.of(new Segment(0, 0x4000, 0)));
	}

	@Test
	void theCheckFindsExactlyTheBytesReadThatChanged(@TempDir Path dir) throws Exception {
		Path f = dir.resolve("ram");
		byte[] b = new byte[0x4000];
		for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + (i >> 12));
		Files.write(f, b);
		try (Layer live = ram(f)) {
			PausedCopyLayer.InPlace inPlace = (offset, length) -> {
				byte[] now = new byte[length];
				try {
					live.read(offset, now, 0, now.length);
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
				return ByteBuffer.wrap(now).asReadOnlyBuffer();
			};
			for (PausedCopyLayer.InPlace fast : java.util.Arrays.asList(null, inPlace)) {
				Files.write(f, b);
				PausedCopyLayer c = new PausedCopyLayer(live, null, fast);
				byte[] x = new byte[8];
				c.read(0x1010, x, 0, 8); // bytes 0x10-0x17 of page 1
				c.read(0x2ffc, x, 0, 8); // the end of page 2 and the start of page 3
				assertEquals(List.of(), c.changedPages(false, fast));
				assertEquals(3 * 64, c.check().bytes(), "the check reads the 64-byte lines read, not the pages");
				write(f, 0x1018, (byte) 1); // beside what was read, in the same line
				write(f, 0x3100, (byte) 1); // in a page read, not at the bytes read
				assertEquals(List.of(), c.changedPages(false, fast), "no byte read changed");
				assertEquals(List.of(1L, 3L), sorted(c.changedPages(true, fast)));
				write(f, 0x3003, (byte) (b[0x3003] + 1)); // the last byte read
				assertEquals(List.of(3L), c.changedPages(false, fast));
				write(f, 0x1010, (byte) (b[0x1010] + 1)); // the first byte read
				assertEquals(List.of(1L, 3L), sorted(c.changedPages(false, fast)));
				// the copy still serves what it read; forgotten, a page is read again from the live layer
				c.read(0x1010, x, 0, 1);
				assertEquals(b[0x1010], x[0]);
				c.forget(List.of(1L, 3L));
				c.read(0x1010, x, 0, 1);
				assertEquals((byte) (b[0x1010] + 1), x[0]);
				assertEquals(List.of(), c.changedPages(false, fast));
				// a page read whole is compared whole, at whatever byte it changed
				byte[] whole = new byte[4096];
				c.read(0, whole, 0, whole.length);
				assertEquals(4096 + 2 * 64, c.check().bytes(), "page 0 whole, a line each of pages 1 and 2 (page 3 forgotten)");
				write(f, 0xfff, (byte) (b[0xfff] + 1));
				assertEquals(List.of(0L), c.changedPages(false, fast));
				write(f, 0xfff, b[0xfff]);
				c.forget(List.of(0L));
				c.freeze();
				assertThrows(IOException.class, () -> c.read(0, x, 0, 1), "page 0 was forgotten and not read again");
				assertThrows(IllegalStateException.class, () -> c.forget(List.of(1L)));
				write(f, 0x1010, (byte) 0x55); // after the freeze the live bytes no longer matter
				c.read(0x1010, x, 0, 1);
				assertEquals((byte) (b[0x1010] + 1), x[0]);
			}
		}
	}

	@Test
	void aRefreshSharesUnchangedPagesWithTheOneBeforeAndADiskCopyInheritsIt(@TempDir Path dir) throws Exception {
		Path f = dir.resolve("ram");
		byte[] b = new byte[0x4000];
		for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 3);
		Files.write(f, b);
		try (Layer live = ram(f)) {
			PausedCopyLayer first = new PausedCopyLayer(live);
			byte[] page = new byte[4096];
			for (int p = 0; p < 3; p++) first.read(p * 4096L, page, 0, page.length);
			first.freeze();
			write(f, 0x1800, (byte) (b[0x1800] + 1));
			for (PausedCopyLayer.InPlace fast : java.util.Arrays.asList(null, (PausedCopyLayer.InPlace) (o, length) -> null)) {
				PausedCopyLayer second = new PausedCopyLayer(live, first, fast);
				for (int p = 0; p < 4; p++) second.read(p * 4096L, page, 0, page.length);
				assertTrue(second.sameAs(first, 0) && second.sameAs(first, 0x2fff), "pages 0 and 2 unchanged");
				assertFalse(second.sameAs(first, 0x1000), "page 1 changed");
				assertFalse(second.sameAs(first, 0x3000), "page 3 was not read before");
				second.read(0x1800, page, 0, 1);
				assertEquals((byte) (b[0x1800] + 1), page[0]);
			}
			// a disk nothing wrote to: the copies before are this refresh's too, pages read here stay
			PausedCopyLayer disk = new PausedCopyLayer(live, first, null);
			disk.read(0x1800, page, 0, 1);
			disk.inherit(first);
			disk.freeze();
			byte[] x = new byte[4096];
			disk.read(0, x, 0, x.length);
			assertArrayEquals(java.util.Arrays.copyOf(b, 4096), x);
			disk.read(0x1800, x, 0, 1);
			assertEquals((byte) (b[0x1800] + 1), x[0]);
			assertThrows(IOException.class, () -> disk.read(0x3000, x, 0, 1));
		}
	}

	private static List<Long> sorted(List<Long> l) {
		return l.stream().sorted().toList();
	}
}
