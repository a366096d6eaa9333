package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.fuse.FuseMount;
import cacheshadow.fuse.LiveMountTree;
import cacheshadow.fuse.MountedTree;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.testing.FuseDevice;

/**
 * The generations of a live mount on small trees: a file opened before a refresh reads the state it was opened in, new lookups see the new one at once, a generation is closed when its last open file or request
 * lets go, and the number kept is bounded (refused with the holding files named); then the same through a real FUSE
 * mount, read by the kernel.
 */
class LiveMountTreeTest {
	/** A few regular files and the directories above them, as one refresh might show them; unreadable once closed. */
	static final class SmallTree implements MountedTree, AutoCloseable {
		final Map<String, byte[]> files = new TreeMap<>();
		final long mtime;
		volatile boolean closed;

		SmallTree(long mtime, String... pathsAndContents) {
			this.mtime = mtime;
			for (int i = 0; i < pathsAndContents.length; i += 2) files.put(pathsAndContents[i], pathsAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
		}

		private boolean isDirectory(String path) {
			if (path.equals("/")) return true;
			for (String f : files.keySet()) if (f.startsWith(path + "/")) return true;
			return false;
		}

		@Override
		public FileRecord getattr(String path) throws IOException {
			if (closed) throw new IOException("closed");
			byte[] b = files.get(path);
			if (b != null) return new FileRecord(path, FileType.REGULAR, 0100644, 0, 0, b.length, 1, 1000 + (path.hashCode() & 0xffff), mtime, mtime, mtime, 0, null, null);
			if (isDirectory(path)) return new FileRecord(path, FileType.DIRECTORY, 040755, 0, 0, 4096, 2, 2000 + (path.hashCode() & 0xffff), mtime, mtime, mtime, 0, null, null);
			return null;
		}

		@Override
		public List<String> readdir(String path) throws IOException {
			if (closed) throw new IOException("closed");
			if (!isDirectory(path)) return null;
			String prefix = path.equals("/") ? "/" : path + "/";
			TreeSet<String> names = new TreeSet<>();
			for (String f : files.keySet()) {
				if (!f.startsWith(prefix)) continue;
				String rest = f.substring(prefix.length());
				names.add(rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest);
			}
			return new ArrayList<>(names);
		}

		@Override
		public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
			if (closed) throw new IOException("read after close: " + path);
			byte[] b = files.get(path);
			if (b == null) throw new NoSuchFileException(path);
			if (offset >= b.length) return 0;
			int n = (int) Math.min(len, b.length - offset);
			System.arraycopy(b, (int) offset, buf, off, n);
			return n;
		}

		@Override
		public String readlink(String path) {
			return null;
		}

		@Override
		public void close() {
			closed = true;
		}
	}

	private static String read(MountedTree.OpenFile f) throws IOException {
		byte[] b = new byte[100];
		int n = f.read(0, b, 0, b.length);
		return new String(b, 0, Math.max(n, 0), StandardCharsets.UTF_8);
	}

	private final List<String> problems = new ArrayList<>();

	@Test
	void anOpenFileKeepsItsRefreshUntilReleased() throws Exception {
		SmallTree one = new SmallTree(1000, "/d/a.txt", "old a", "/d/gone.txt", "soon gone");
		SmallTree two = new SmallTree(2000, "/d/a.txt", "new a, longer", "/d/new.txt", "fresh");
		try (LiveMountTree t = new LiveMountTree(one, one, 4, problems::add)) {
			MountedTree.OpenFile a = t.open("/d/a.txt"), gone = t.open("/d/gone.txt");
			assertEquals(5, a.attributes().size());
			assertEquals(2, t.install(two, two));
			// new lookups: the new refresh, all at once
			assertEquals(List.of("a.txt", "new.txt"), t.readdir("/d"));
			assertNull(t.getattr("/d/gone.txt"), "a path gone in the new refresh is gone for new lookups");
			assertEquals(13, t.getattr("/d/a.txt").size());
			MountedTree.OpenFile a2 = t.open("/d/a.txt");
			assertEquals("new a, longer", read(a2));
			// the files opened before: the state they opened, data and attributes
			assertEquals("old a", read(a));
			assertEquals(5, a.attributes().size());
			assertEquals(1000, a.attributes().mtime());
			assertEquals("soon gone", read(gone));
			assertEquals(List.of(1L, 2L), t.aliveNumbers());
			a.close();
			assertFalse(one.closed, "still held by an open file");
			gone.close();
			assertTrue(one.closed, "closed with its last open file");
			assertEquals(List.of(2L), t.aliveNumbers());
			gone.close(); // a second release changes nothing
			assertFalse(two.closed);
			a2.close();
			assertFalse(two.closed, "the current refresh stays");
			assertThrows(NoSuchFileException.class, () -> t.open("/d/gone.txt"));
			assertEquals(List.of(2L), t.aliveNumbers(), "a failed open holds nothing");
		}
		assertTrue(two.closed, "closing the tree closes the current refresh");
		assertEquals(List.of(), problems);
	}

	@Test
	void aRefreshNoFileHoldsIsClosedAtOnceAndARequestInFlightHoldsItsOwn() throws Exception {
		SmallTree one = new SmallTree(1, "/a", "1"), two = new SmallTree(2, "/a", "2"), three = new SmallTree(3, "/a", "3");
		try (LiveMountTree t = new LiveMountTree(one, one, 2, problems::add)) {
			t.install(two, two);
			assertTrue(one.closed, "nothing held refresh 1");
			try (MountedTree.Snapshot s = t.snapshot()) {
				t.install(three, three);
				assertFalse(two.closed, "a request still reads refresh 2");
				assertEquals(2, s.tree().getattr("/a").mtime(), "the request's answers all come from refresh 2");
				assertEquals(List.of("a"), s.tree().readdir("/"));
			}
			assertTrue(two.closed, "closed when the request is answered");
			assertEquals(3, t.getattr("/a").mtime());
		}
	}

	@Test
	void theRefreshesKeptAreBoundedAndTheHoldingFilesNamed() throws Exception {
		SmallTree[] g = new SmallTree[5];
		for (int i = 1; i < g.length; i++) g[i] = new SmallTree(i, "/f" + i, "gen " + i, "/x", "x" + i);
		try (LiveMountTree t = new LiveMountTree(g[1], g[1], 2, problems::add)) {
			MountedTree.OpenFile f1 = t.open("/f1");
			assertNull(t.refused(), "refresh 1 held, the new one: two kept");
			t.install(g[2], g[2]);
			MountedTree.OpenFile x2 = t.open("/x");
			String no = t.refused();
			assertNotNull(no, "refreshes 1 and 2 held: a third would be over the limit");
			assertTrue(no.contains("refresh 1 by 1 open file (/f1)") && no.contains("refresh 2 by 1 open file (/x)") && no.contains("at most 2"), no);
			assertThrows(IllegalStateException.class, () -> t.install(g[3], g[3]));
			assertFalse(g[3].closed, "a refused refresh's resources stay the caller's");
			assertEquals(List.of(1L, 2L), t.aliveNumbers());
			assertEquals("gen 1", read(f1));
			f1.close();
			assertTrue(g[1].closed);
			assertNull(t.refused());
			assertEquals(3, t.install(g[3], g[3]));
			assertEquals("x2", read(x2), "still its own refresh after two more");
			x2.close();
			assertTrue(g[2].closed);
		}
		// one refresh kept: no refresh while any file is open, then at once
		SmallTree a = new SmallTree(1, "/a", "a"), b = new SmallTree(2, "/a", "b");
		try (LiveMountTree t = new LiveMountTree(a, a, 1, problems::add)) {
			MountedTree.OpenFile f = t.open("/a");
			assertNotNull(t.refused());
			f.close();
			assertNull(t.refused());
			t.install(b, b);
			assertTrue(a.closed);
		}
	}

	@Test
	void throughTheKernel(@TempDir Path tmp) throws Exception {
		FuseDevice.assumePresent();
		SmallTree one = new SmallTree(1_000_000, "/d/a.txt", "old a", "/d/b.txt", "a long old content", "/d/gone.txt", "soon gone");
		SmallTree two = new SmallTree(2_000_000, "/d/a.txt", "new a, longer", "/d/b.txt", "short", "/d/new.txt", "fresh");
		Path mnt = Files.createDirectory(tmp.resolve("mnt"));
		List<String> errors = new ArrayList<>();
		try (LiveMountTree t = new LiveMountTree(one, one, 4, errors::add)) {
			FuseMount m = FuseMount.mount(t, mnt, "live-test", FuseMount.Options.DEFAULT, errors::add);
			try {
				Path a = mnt.resolve("d/a.txt"), gone = mnt.resolve("d/gone.txt");
				assertEquals("old a", Files.readString(a));
				try (FileChannel oldA = FileChannel.open(a); FileChannel oldB = FileChannel.open(mnt.resolve("d/b.txt")); FileChannel oldGone = FileChannel.open(gone)) {
					ByteBuffer first = ByteBuffer.allocate(3);
					oldA.read(first, 0);
					assertEquals(1_000_000, Files.getLastModifiedTime(mnt).toMillis() / 1000);
					t.install(two, two);
					assertEquals(2_000_000, Files.getLastModifiedTime(mnt).toMillis() / 1000, "the root's attributes too");
					// the kernel keeps nothing: the next stat, listing and open see refresh 2
					assertEquals(13, Files.size(a));
					try (var list = Files.list(mnt.resolve("d"))) {
						assertEquals(List.of("a.txt", "b.txt", "new.txt"), list.map(p -> p.getFileName().toString()).sorted().toList());
					}
					assertFalse(Files.exists(gone), "gone for new lookups");
					assertEquals("new a, longer", Files.readString(a));
					assertEquals("fresh", Files.readString(mnt.resolve("d/new.txt")));
					// the files opened before: their own bytes and size, after and across the refresh
					ByteBuffer all = ByteBuffer.allocate(100);
					int n = oldA.read(all, 0);
					assertArrayEquals("old a".getBytes(StandardCharsets.UTF_8), java.util.Arrays.copyOf(all.array(), n));
					// past the new, shorter end: the old handle reads to its own end (the kernel does not cut it at the size
					// stat now shows, which is the new refresh's: one inode for both)
					ByteBuffer b = ByteBuffer.allocate(100);
					n = oldB.read(b, 0);
					assertEquals("a long old content", new String(b.array(), 0, n, StandardCharsets.UTF_8));
					ByteBuffer g = ByteBuffer.allocate(100);
					n = oldGone.read(g, 0);
					assertEquals("soon gone", new String(g.array(), 0, n, StandardCharsets.UTF_8));
					// fstat of a file whose name is gone: its attributes as opened (not ENOENT, which makes cat fail)
					assertEquals(9, oldGone.size());
					assertEquals(List.of(1L, 2L), t.aliveNumbers());
				}
				// the kernel sends the releases after close(2) returns
				for (int i = 0; i < 100 && !one.closed; i++) Thread.sleep(20);
				assertTrue(one.closed, "refresh 1 closed once its files were released");
				assertEquals(List.of(2L), t.aliveNumbers());
			} finally {
				m.close();
			}
		}
		assertEquals(List.of(), errors, "callback errors");
	}
}
