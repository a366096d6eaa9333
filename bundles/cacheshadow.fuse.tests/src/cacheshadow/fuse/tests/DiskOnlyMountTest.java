package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

/**
 * The disk-only view (jbd2 replayed) of each sample's disk.img mounted through FUSE: find, stat and sha256sum run
 * in subprocesses on the mount and agree with manifest.round-6.tsv (the guest's /mnt/disk after the last sync) on
 * every path and column; writes fail with EROFS; the mount is gone from /proc/mounts after close.
 */
class DiskOnlyMountTest {
	private static final String PREFIX = "/mnt/disk";

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void toolsOnTheMountSeeManifestRound6(String set, @TempDir Path tmp) throws Exception {
		List<FileRecord> manifest = ManifestFormat.read(Samples.file(set, "manifest.round-6.tsv"));
		Path mnt = Files.createDirectory(tmp.resolve("mnt"));
		List<String> errors = new ArrayList<>();
		try (Layer disk = Layers.openDisk(Samples.file(set, "disk.img"));
				Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED)) {
			FuseMount m = FuseMount.mount(new Ext4Tree(fs), mnt, "disk-only:" + set, FuseMount.Options.DEFAULT, errors::add);
			try {
				assertTrue(FuseMount.mountedAt(mnt), "/proc/mounts lists " + mnt);
				String root = mnt.toRealPath().toString();

				// find: every path, its type and symlink target
				Map<String, String[]> found = new TreeMap<>();
				for (String l : Shell.ok(List.of("find", root, "-printf", "%p\\t%y\\t%l\\n")).split("\n")) {
					String[] c = l.split("\t", -1);
					found.put(PREFIX + c[0].substring(root.length()), c);
				}
				Map<String, FileRecord> want = new TreeMap<>();
				for (FileRecord r : manifest) want.put(r.path(), r);
				assertEquals(want.keySet(), found.keySet(), "paths find lists on the mount vs manifest.round-6.tsv");

				// stat: metadata of every path
				List<String> cmd = new ArrayList<>(List.of("stat", "--printf", "%n\\t%a\\t%u\\t%g\\t%s\\t%h\\t%i\\t%X\\t%.9Y\\t%Z\\n"));
				for (String p : want.keySet()) cmd.add(root + p.substring(PREFIX.length()));
				int checked = 0;
				for (String l : Shell.ok(cmd).split("\n")) {
					String[] c = l.split("\t", -1);
					String p = PREFIX + c[0].substring(root.length());
					FileRecord r = want.get(p);
					String[] t = c[8].split("\\.");
					String got = String.join(" ", c[1], c[2], c[3], c[4], c[5], c[6], c[7], t[0], t[1], c[9]);
					String exp = String.join(" ", Integer.toOctalString(r.permissions()), "" + r.uid(), "" + r.gid(), "" + r.size(),
							"" + r.nlink(), "" + r.inode(), "" + r.atime(), "" + r.mtime(), String.format("%09d", r.mtimeNanos()), "" + r.ctime());
					assertEquals(exp, got, p + ": mode uid gid size nlink inode atime mtime nanos ctime");
					String[] f = found.get(p);
					assertEquals(typeLetter(r.type()), f[1], p + ": type");
					if (r.type() == FileType.SYMLINK) assertEquals(r.symlinkTarget(), f[2], p + ": symlink target");
					checked++;
				}
				assertEquals(want.size(), checked, "stat lines");

				// sha256sum over every regular file
				List<String> sum = new ArrayList<>(List.of("sha256sum"));
				for (FileRecord r : manifest) if (r.type().isRegular()) sum.add(root + r.path().substring(PREFIX.length()));
				int hashed = 0;
				for (String l : Shell.ok(sum).split("\n")) {
					String hash = l.substring(0, 64), p = PREFIX + l.substring(66).substring(root.length());
					assertEquals(want.get(p).sha256(), hash, p + ": sha256sum on the mount");
					hashed++;
				}
				assertEquals(sum.size() - 1, hashed);
				assertTrue(hashed > 10, "regular files hashed: " + hashed);

				// read-only: the kernel and the operations refuse writes
				Shell.Result touch = Shell.run(List.of("touch", root + "/cacheshadow-was-here"));
				assertNotEquals(0, touch.exit());
				assertTrue(touch.out().contains("Read-only file system"), touch.out());
				String anyFile = root + manifest.stream().filter(r -> r.type() == FileType.REGULAR).findFirst().get().path().substring(PREFIX.length());
				Shell.Result append = Shell.run(List.of("sh", "-c", "echo x >> '" + anyFile + "'"));
				assertTrue(append.out().contains("Read-only file system"), append.out());
				Shell.Result missing = Shell.run(List.of("stat", root + "/no/such/path"));
				assertTrue(missing.out().contains("No such file"), missing.out());
				assertEquals(List.of(), errors, "callback errors");
			} finally {
				m.close();
			}
			assertFalse(m.isServing(), "loop ended");
			assertFalse(FuseMount.mountedAt(mnt), "/proc/mounts still lists " + mnt);
		}
	}

	private static String typeLetter(FileType t) {
		return switch (t) {
		case REGULAR, REGULAR_EMPTY -> "f";
		case DIRECTORY -> "d";
		case SYMLINK -> "l";
		case FIFO -> "p";
		case CHAR_DEVICE -> "c";
		case BLOCK_DEVICE -> "b";
		case SOCKET -> "s";
		default -> fail("type " + t);
		};
	}
}
