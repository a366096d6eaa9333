package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.fuse.Ext4Tree;
import cacheshadow.fuse.FuseMount;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.testing.FuseDevice;

/**
 * The disk-only view (jbd2 replayed, ext4 alone) of each sample's disk.img mounted through FUSE: find, stat and
 * sha256sum run in subprocesses on the mount and agree with manifest.round-6.tsv (the guest's /mnt/disk after the
 * last sync) on every path and column; writes fail with EROFS; after close the loop has ended and the mount is
 * gone from /proc/mounts; an unmount from outside (fusermount3 -u) ends the loop too.
 */
class DiskOnlyMountTest {
	private static final String GUEST_ROOT = "/mnt/disk";

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void toolsOnTheMountSeeManifestRound6(String set, @TempDir Path tmp) throws Exception {
		FuseDevice.assumePresent();
		List<FileRecord> manifest = ManifestFormat.read(Samples.file(set, "manifest.round-6.tsv"));
		Path mnt = Files.createDirectory(tmp.resolve("mnt"));
		List<String> errors = new ArrayList<>();
		try (Layer disk = Layers.openDisk(Samples.file(set, "disk.img"));
				Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED)) {
			FuseMount m = FuseMount.mount(new Ext4Tree(fs), mnt, "disk-only:" + set, FuseMount.Options.DEFAULT, errors::add);
			try {
				assertTrue(FuseMount.mountedAt(mnt), "/proc/mounts lists " + mnt);
				String root = mnt.toRealPath().toString();
				ManifestOnMount.check(root, GUEST_ROOT, manifest, List.of(GUEST_ROOT));
				FileRecord file = manifest.stream().filter(r -> r.type() == FileType.REGULAR).findFirst().get();
				ManifestOnMount.readOnly(root, ManifestOnMount.onMount(root, GUEST_ROOT, file.path()));
				// user.cacheshadow.inode of every path not a symlink (the kernel keeps user xattrs off symlinks), blocks of a file
				for (FileRecord r : manifest) {
					if (r.type() == FileType.SYMLINK) continue;
					Path p = Path.of(ManifestOnMount.onMount(root, GUEST_ROOT, r.path()));
					assertEquals("" + r.inode(), Xattrs.get(p, "inode"), r.path());
				}
				Path f = Path.of(ManifestOnMount.onMount(root, GUEST_ROOT, file.path()));
				assertEquals(List.of("cacheshadow.inode", "cacheshadow.blocks"), Xattrs.names(f));
				assertTrue(Xattrs.get(f, "blocks").matches("(0\\+\\d+ at block \\d+\n)(\\d+\\+\\d+ at block \\d+( unwritten)?\n)*"), Xattrs.get(f, "blocks"));
				assertEquals(List.of(), errors, "callback errors");
			} finally {
				m.close();
			}
			assertFalse(m.isServing(), "loop ended");
			assertFalse(FuseMount.mountedAt(mnt), "/proc/mounts still lists " + mnt);
		}
	}

	/**
	 * Files open FOPEN_DIRECT_IO (every read(2) reaches the handler, none is answered from the kernel's page cache,
	 * which keeps the benchmark's reads cold), and MAP_SHARED mmap still works (FUSE_DIRECT_IO_ALLOW_MMAP granted;
	 * without it the kernel refuses with ENODEV): Python's mmap in a subprocess hashes the file as the manifest says.
	 */
	@org.junit.jupiter.api.Test
	void readsReachTheHandlerAndSharedMmapWorks(@TempDir Path tmp) throws Exception {
		FuseDevice.assumePresent();
		String set = "debian-6.1-kaslr";
		FileRecord file = largestFile(set);
		Path mnt = Files.createDirectory(tmp.resolve("mnt"));
		try (Layer disk = Layers.openDisk(Samples.file(set, "disk.img"));
				Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED);
				FuseMount m = FuseMount.mount(new Ext4Tree(fs), mnt, "disk-only", FuseMount.Options.DEFAULT, System.err::println)) {
			Path f = Path.of(ManifestOnMount.onMount(mnt.toRealPath().toString(), GUEST_ROOT, file.path()));
			int len = (int) Math.min(file.size(), 64 << 10);
			try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
				for (int i = 0; i < 2; i++) {
					long asked = m.readStatistics()[1];
					java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(len);
					while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
					}
					assertTrue(m.readStatistics()[1] - asked >= len, "read " + i + " of " + file.path() + " reached the handler");
				}
			}
			assertEquals(file.sha256(), sha256Mapped(f.toString()), "sha256 of " + file.path() + " mapped MAP_SHARED");
		}
	}

	/**
	 * With keepCache the mount serves files through the kernel's page cache and keeps it across opens: a file read a
	 * second time, by a new open in another process, asks the handler nothing and hashes as the manifest says, and
	 * MAP_SHARED mmap works through the page cache.
	 */
	@org.junit.jupiter.api.Test
	void keepCacheAnswersRereadsFromThePageCache(@TempDir Path tmp) throws Exception {
		FuseDevice.assumePresent();
		String set = "debian-6.1-kaslr";
		FileRecord file = largestFile(set);
		Path mnt = Files.createDirectory(tmp.resolve("mnt"));
		try (Layer disk = Layers.openDisk(Samples.file(set, "disk.img"));
				Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED);
				FuseMount m = FuseMount.mount(new Ext4Tree(fs), mnt, "disk-only", new FuseMount.Options(true, true, false), System.err::println)) {
			String f = ManifestOnMount.onMount(mnt.toRealPath().toString(), GUEST_ROOT, file.path());
			long before = m.readStatistics()[1];
			assertEquals(file.sha256(), Shell.ok(List.of("sha256sum", f)).split(" ")[0], "first read");
			assertTrue(m.readStatistics()[1] - before >= file.size(), "the first read reached the handler");
			long asked = m.readStatistics()[1];
			assertEquals(file.sha256(), Shell.ok(List.of("sha256sum", f)).split(" ")[0], "second read");
			assertEquals(asked, m.readStatistics()[1], "the second read was answered from the page cache");
			assertEquals(file.sha256(), sha256Mapped(f), "sha256 of " + file.path() + " mapped MAP_SHARED");
		}
	}

	@org.junit.jupiter.api.Test
	void unmountFromOutsideEndsTheLoop(@TempDir Path tmp) throws Exception {
		FuseDevice.assumePresent();
		Path mnt = Files.createDirectory(tmp.resolve("mnt"));
		try (Layer disk = Layers.openDisk(Samples.file("debian-6.1-kaslr", "disk.img"));
				Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED)) {
			FuseMount m = FuseMount.mount(new Ext4Tree(fs), mnt, "disk-only", FuseMount.Options.DEFAULT, System.err::println);
			try {
				Shell.ok(List.of("fusermount3", "-u", mnt.toString()));
				Thread waiter = new Thread(() -> {
					try {
						m.awaitUnmounted();
					} catch (InterruptedException e) {
						Thread.currentThread().interrupt();
					}
				});
				waiter.start();
				waiter.join(10_000);
				assertFalse(m.isServing(), "fuse_loop returned after fusermount3 -u");
				assertFalse(FuseMount.mountedAt(mnt));
			} finally {
				m.close();
			}
		}
	}

	private static FileRecord largestFile(String set) throws java.io.IOException {
		return ManifestFormat.read(Samples.file(set, "manifest.round-6.tsv")).stream().filter(r -> r.type() == FileType.REGULAR)
				.max(java.util.Comparator.comparingLong(FileRecord::size)).get();
	}

	/** SHA-256 of the file as python3 reads it mapped MAP_SHARED, in a subprocess. */
	private static String sha256Mapped(String file) throws Exception {
		String py = "import hashlib,mmap,sys\nwith open(sys.argv[1],'rb') as f:\n m=mmap.mmap(f.fileno(),0,flags=mmap.MAP_SHARED,prot=mmap.PROT_READ)\n print(hashlib.sha256(m).hexdigest())\n m.close()";
		return Shell.ok(List.of("python3", "-c", py, file)).strip();
	}
}
