package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;

/**
 * Unmodified tools on a mount against a ground-truth manifest: {@code find} lists the paths, types and link targets
 * of the given subtrees, {@code stat} every column of every path, {@code sha256sum} every regular file. The mount's
 * root stands for {@code guestRoot} ("" when it is the guest's "/").
 */
final class ManifestOnMount {
	private ManifestOnMount() {
	}

	static void check(String mountRoot, String guestRoot, List<FileRecord> manifest, List<String> subtrees) throws Exception {
		check(mountRoot, guestRoot, manifest, subtrees, false);
	}

	/** With {@code lowInodeBits}, st_ino is compared in its low 32 bits (see MergeViewTree: other file systems are tagged above). */
	static void check(String mountRoot, String guestRoot, List<FileRecord> manifest, List<String> subtrees, boolean lowInodeBits) throws Exception {
		Map<String, FileRecord> want = new TreeMap<>();
		for (FileRecord r : manifest) want.put(r.path(), r);

		// find: every path, its type and symlink target
		Map<String, String[]> found = new TreeMap<>();
		List<String> find = new ArrayList<>(List.of("find"));
		for (String s : subtrees) find.add(onMount(mountRoot, guestRoot, s));
		find.addAll(List.of("-printf", "%p\\t%y\\t%l\\n"));
		for (String l : Shell.ok(find).split("\n")) {
			String[] c = l.split("\t", -1);
			found.put(guestRoot + c[0].substring(mountRoot.length()), c);
		}
		assertEquals(want.keySet(), found.keySet(), "paths find lists on the mount vs the manifest");

		// stat: metadata of every path
		List<String> cmd = new ArrayList<>(List.of("stat", "--printf", "%n\\t%a\\t%u\\t%g\\t%s\\t%h\\t%i\\t%X\\t%.9Y\\t%Z\\n"));
		for (String p : want.keySet()) cmd.add(onMount(mountRoot, guestRoot, p));
		int checked = 0;
		for (String l : Shell.ok(cmd).split("\n")) {
			String[] c = l.split("\t", -1);
			String p = guestRoot + c[0].substring(mountRoot.length());
			FileRecord r = want.get(p);
			String[] t = c[8].split("\\.");
			String ino = lowInodeBits ? "" + (Long.parseUnsignedLong(c[6]) & 0xffffffffL) : c[6];
			String got = String.join(" ", c[1], c[2], c[3], c[4], c[5], ino, c[7], t[0], t[1], c[9]);
			String exp = String.join(" ", Integer.toOctalString(r.permissions()), "" + r.uid(), "" + r.gid(), "" + r.size(), "" + r.nlink(),
					"" + r.inode(), "" + r.atime(), "" + r.mtime(), String.format("%09d", r.mtimeNanos()), "" + r.ctime());
			assertEquals(exp, got, p + ": mode uid gid size nlink inode atime mtime nanos ctime");
			String[] f = found.get(p);
			assertEquals(typeLetter(r.type()), f[1], p + ": type");
			if (r.type() == FileType.SYMLINK) assertEquals(r.symlinkTarget(), f[2], p + ": symlink target");
			checked++;
		}
		assertEquals(want.size(), checked, "stat lines");

		// sha256sum over every regular file
		List<String> sum = new ArrayList<>(List.of("sha256sum"));
		for (FileRecord r : manifest) if (r.type().isRegular()) sum.add(onMount(mountRoot, guestRoot, r.path()));
		int hashed = 0;
		for (String l : Shell.ok(sum).split("\n")) {
			String hash = l.substring(0, 64), p = guestRoot + l.substring(66).substring(mountRoot.length());
			assertEquals(want.get(p).sha256(), hash, p + ": sha256sum on the mount");
			hashed++;
		}
		assertEquals(sum.size() - 1, hashed);
		assertTrue(hashed > 10, "regular files hashed: " + hashed);
	}

	/** Writes fail with EROFS (kernel and operations), missing paths with ENOENT; statfs gives the disk's ext4 size. */
	static void readOnly(String mountRoot, String anyRegularFile) throws Exception {
		String[] sf = Shell.ok(List.of("stat", "-f", "-c", "%S %b %c %l", mountRoot)).strip().split(" ");
		assertEquals(4, sf.length, String.join(" ", sf));
		assertTrue(Long.parseLong(sf[0]) >= 1024 && Long.parseLong(sf[1]) * Long.parseLong(sf[0]) == 64L << 20, "statfs: block size and blocks of the 64 MiB disk: " + String.join(" ", sf));
		assertTrue(Long.parseLong(sf[2]) > 0 && sf[3].equals("255"), "statfs: inodes and name length: " + String.join(" ", sf));
		Shell.Result touch = Shell.run(List.of("touch", mountRoot + "/cacheshadow-was-here"));
		assertNotEquals(0, touch.exit());
		assertTrue(touch.out().contains("Read-only file system"), touch.out());
		Shell.Result append = Shell.run(List.of("sh", "-c", "echo x >> '" + anyRegularFile + "'"));
		assertTrue(append.out().contains("Read-only file system"), append.out());
		Shell.Result mkdir = Shell.run(List.of("mkdir", mountRoot + "/new-dir"));
		assertTrue(mkdir.out().contains("Read-only file system"), mkdir.out());
		Shell.Result missing = Shell.run(List.of("stat", mountRoot + "/no/such/path"));
		assertTrue(missing.out().contains("No such file"), missing.out());
		// reading is allowed: access(2), chdir and a shared POSIX lock (kept by the kernel) succeed on a read-only mount
		Shell.ok(List.of("test", "-r", anyRegularFile));
		Shell.ok(List.of("sh", "-c", "cd \"$1\"", "sh", mountRoot));
		Shell.ok(List.of("python3", "-c", "import fcntl,sys\nwith open(sys.argv[1],'rb') as f: fcntl.lockf(f, fcntl.LOCK_SH)", anyRegularFile));
	}

	static String onMount(String mountRoot, String guestRoot, String guestPath) {
		if (!guestPath.startsWith(guestRoot)) fail(guestPath + " is not under " + guestRoot);
		return mountRoot + guestPath.substring(guestRoot.length());
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
