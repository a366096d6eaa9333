package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cli.Aide;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;

/**
 * {@link Aide} against the real aide on a plain directory of this host: what {@link Aide.Report} reads from aide's
 * report is exactly the set of paths changed, and {@link Aide#differences} of the tree's listings before and after
 * predicts exactly what aide reports (content with the same size, a mode shared by two hard links, a removed and an
 * added file whose name holds ": ", a file that stops being empty, a symbolic link made again to another target, an
 * mtime moved alone, a directory tree appearing under a second selection). releng/test.sh installs aide.
 */
class AideTest {
	private static final List<String> SELECTION = List.of("/mnt/disk", "/mnt/tmp");

	@Test
	void reportAndPredictionAgreeWithAide(@TempDir Path tmp) throws Exception {
		Path root = tmp.resolve("root"), disk = Files.createDirectories(root.resolve("mnt/disk"));
		Files.writeString(disk.resolve("a.txt"), "alpha");
		Files.writeString(disk.resolve("b.txt"), "bravo");
		Files.createLink(disk.resolve("b.hard"), disk.resolve("b.txt"));
		Files.writeString(Files.createDirectories(disk.resolve("d")).resolve("e.txt"), "echo");
		Files.createSymbolicLink(disk.resolve("l"), Path.of("a.txt"));
		Files.createFile(disk.resolve("z"));
		Files.writeString(disk.resolve("keep.txt"), "unchanged");
		Files.writeString(disk.resolve("still.txt"), "not touched at all");
		Aide aide = new Aide(Files.createDirectories(tmp.resolve("aide")), SELECTION);
		Aide.Report init = aide.init(root);
		assertEquals(10, init.entries(), init.text());
		List<FileRecord> before = listing(root);

		// aide keeps times in seconds: let the clock pass a second so each change moves them
		long next = (System.currentTimeMillis() / 1000 + 1) * 1000 + 100;
		Thread.sleep(Math.max(0, next - System.currentTimeMillis()));
		Files.writeString(disk.resolve("a.txt"), "ALPHA");
		Files.setPosixFilePermissions(disk.resolve("b.txt"), PosixFilePermissions.fromString("rw-------"));
		Files.delete(disk.resolve("d/e.txt"));
		Files.writeString(disk.resolve("d/x: y.txt"), "a name with a colon and a space");
		Files.writeString(disk.resolve("z"), "no longer empty");
		Files.delete(disk.resolve("l"));
		Files.createSymbolicLink(disk.resolve("l"), Path.of("b.txt"));
		Files.setLastModifiedTime(disk.resolve("keep.txt"), FileTime.from(1_000_000_000L, TimeUnit.SECONDS));
		Files.writeString(Files.createDirectories(root.resolve("mnt/tmp")).resolve("s"), "session");
		Aide.Report check = aide.check(root);
		List<FileRecord> after = listing(root);

		Aide.Differences said = check.differences();
		assertEquals(Set.of("/mnt/disk/d/x: y.txt", "/mnt/tmp", "/mnt/tmp/s"), said.added(), check.text());
		assertEquals(Set.of("/mnt/disk/d/e.txt"), said.removed(), check.text());
		assertEquals(new TreeSet<>(List.of("/mnt/disk", "/mnt/disk/a.txt", "/mnt/disk/b.txt", "/mnt/disk/b.hard", "/mnt/disk/d", "/mnt/disk/z", "/mnt/disk/l",
				"/mnt/disk/keep.txt")), said.changed(), check.text());
		assertEquals(1 | 2 | 4, check.exit());
		assertEquals(12, check.entries(), check.text()); // what the tree holds now
		assertEquals(said, Aide.differences(before, after, SELECTION));
		// and a check with nothing changed since says nothing
		aide.init(root);
		Aide.Report again = aide.check(root);
		assertEquals(0, again.exit(), again.text());
		assertTrue(again.differences().none(), again.text());
	}

	/** The tree under {@code root} in the guest manifest's form, paths as {@code /} + the path below root. */
	private static List<FileRecord> listing(Path root) throws Exception {
		List<FileRecord> out = new ArrayList<>();
		try (Stream<Path> s = Files.walk(root.resolve("mnt"))) {
			for (Path p : s.toList()) {
				Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
				int mode = (Integer) a.get("mode");
				long size = (Long) a.get("size");
				FileType t = FileType.fromMode(mode, size);
				String sha = t.isRegular() ? HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))) : null;
				String target = t == FileType.SYMLINK ? Files.readSymbolicLink(p).toString() : null;
				out.add(new FileRecord("/" + root.relativize(p), t, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), size,
						(Integer) a.get("nlink"), (Long) a.get("ino"), seconds(a.get("lastAccessTime")), seconds(a.get("lastModifiedTime")),
						seconds(a.get("ctime")), 0, sha, target));
			}
		}
		return out;
	}

	private static long seconds(Object fileTime) {
		return ((FileTime) fileTime).to(TimeUnit.SECONDS);
	}
}
