package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cli.BackgroundMount;
import cacheshadow.pagecache.QmpClient;
import cacheshadow.testing.GuestShell;

/**
 * {@code mount --live} following the running guest of {@code -Dcacheshadow.live=DIR} (releng/live-guest.sh), which
 * changes its own files through its command shell (GuestShell) while mounted. The guest's files live on a tmpfs of
 * their own ({@code /srv/live-mount}, mounted for the test and removed after it), so the ground truth the other live
 * tests compare with ({@code /mnt/disk}, {@code /mnt/tmp}) is untouched.
 * <ul>
 * <li>SIGHUP, sent to this process (where the command runs): after the guest rewrote one file, deleted one and a
 * directory and created one, the refresh's stderr line names those changes; new opens, stat and listings show the new
 * state, files opened before keep reading theirs (a deleted one too, fstat included); with {@code --max-generations 2}
 * a third refresh while both are held by open files is refused naming them, and made once they are closed; a refresh
 * that fails (the disk image taken away) says why and the refresh before stays served, the next one works again.
 * <li>Interval and directory-open policies: a listing after the guest's change shows it (the refresh runs on the
 * opendir), and interval refreshes come on their own.
 * </ul>
 * The guest keeps running throughout (its shell answers) and after.
 */
@EnabledIfSystemProperty(named = "cacheshadow.live", matches = ".+")
class LiveMountCliTest {
	private static final String T = "/srv/live-mount";

	private static Path guest() throws Exception {
		Path dir = cacheshadow.testing.LiveGuestDir.await();
		Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse on this system: FUSE cannot mount here");
		assertTrue(GuestShell.present(dir), "the live guest in " + dir + " has no command shell (guest.sock): start it with releng/live-guest.sh");
		// a tmpfs of the test's own, fresh each run
		GuestShell.ok(dir, "umount " + T + " 2>/dev/null; mkdir -p " + T + " && mount -t tmpfs -o size=4m tmpfs " + T);
		return dir;
	}

	private static void done(Path dir) throws Exception {
		GuestShell.ok(dir, "umount " + T);
		try (QmpClient q = QmpClient.connect(dir.resolve("qmp.sock"))) {
			assertTrue(q.running(), "the guest runs after the mount");
		}
	}

	/** The test's own oracle of an ignored SIGHUP: proc(5)'s SigIgn mask, bit 0. */
	private static boolean hupIgnored() throws IOException {
		for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
			if (l.startsWith("SigIgn:")) return (Long.parseUnsignedLong(l.substring(7).trim(), 16) & 1) != 0;
		}
		return false;
	}

	private static void hup() throws Exception {
		Process p = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true).start();
		assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
	}

	/** The first stderr line of the mount that {@code wanted} accepts, waiting up to a minute. */
	private static String line(BackgroundMount m, Predicate<String> wanted, String what) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (System.nanoTime() < deadline) {
			for (String l : m.err().lines().toList()) if (wanted.test(l)) return l;
			Thread.sleep(100);
		}
		throw new AssertionError("no " + what + " within 60 s; stderr:\n" + m.err());
	}

	private static String read(FileChannel f) throws IOException {
		ByteBuffer b = ByteBuffer.allocate(4096);
		int n = f.read(b, 0);
		return new String(b.array(), 0, Math.max(n, 0), StandardCharsets.UTF_8);
	}

	private static List<String> names(Path dir) throws IOException {
		try (var l = Files.list(dir)) {
			return l.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	@Test
	void sighupRefreshesWhileFilesOpenedBeforeKeepTheirState(@TempDir Path tmp) throws Exception {
		Path dir = guest();
		GuestShell.ok(dir, "cd " + T + " && echo before > keep.txt && echo doomed > gone.txt && mkdir sub && echo x > sub/x.txt");
		Path mnt = Files.createDirectory(tmp.resolve("mnt")), t = mnt.resolve(T.substring(1)), keep = t.resolve("keep.txt"), gone = t.resolve("gone.txt");
		// the guest's disk through a link of the test's, to make one refresh fail by taking it away
		Path disk = Files.createSymbolicLink(tmp.resolve("disk.img"), dir.resolve("disk.img").toAbsolutePath());
		if (hupIgnored()) {
			// this JVM inherited SIGHUP ignored (a run under nohup): the mount must refuse the option, not hang
			CliRun r = CliRun.of("mount", "--live", dir.toString(), "--disk", disk.toString(), "--refresh-on-hup", mnt.toString());
			assertEquals(2, r.code(), r.out() + r.err());
			assertTrue(r.err().contains("SIGHUP is ignored in this process"), r.err());
			Assumptions.abort("SIGHUP is ignored in this test JVM (started under nohup): the refusal was checked, the refreshes cannot be");
		}
		try (BackgroundMount m = BackgroundMount.start(mnt, 300, "--live", dir.toString(), "--disk", disk.toString(), "--refresh-on-hup", "--max-generations", "2")) {
			String first = line(m, l -> l.contains("refresh 1 (mount) at "), "first refresh");
			System.out.println("LiveMountCliTest: " + first);
			assertEquals("before\n", Files.readString(keep));
			assertEquals(List.of("gone.txt", "keep.txt", "sub"), names(t));
			try (FileChannel oldKeep = FileChannel.open(keep); FileChannel oldGone = FileChannel.open(gone)) {
				GuestShell.ok(dir, "cd " + T + " && echo after, and longer > keep.txt && rm gone.txt && rm -r sub && echo new > new.txt");
				hup();
				String second = line(m, l -> l.contains("refresh 2 (SIGHUP) at "), "refresh on SIGHUP");
				System.out.println("LiveMountCliTest: " + second);
				assertTrue(second.contains("guest paused ") && second.contains(" ms"), second);
				for (String c : List.of("changed " + T + "/keep.txt", "gone " + T + "/gone.txt", "gone " + T + "/sub", "tmpfs " + T + "/new.txt")) {
					assertTrue(second.contains(c), c + " in " + second);
				}
				// new lookups: the new refresh
				assertEquals("after, and longer\n", Files.readString(keep));
				assertEquals(18, Files.size(keep));
				assertEquals("new\n", Files.readString(t.resolve("new.txt")));
				assertFalse(Files.exists(gone), "deleted in the guest: gone from the mount");
				assertFalse(Files.exists(t.resolve("sub/x.txt")));
				assertEquals(List.of("keep.txt", "new.txt"), names(t));
				// files opened before: their own refresh, the deleted one too
				assertEquals("before\n", read(oldKeep));
				assertEquals("doomed\n", read(oldGone));
				assertEquals(7, oldGone.size(), "fstat of an open file whose name is gone");
				// refreshes 1 and 2 both held by open files, at most 2 kept: the next is refused, naming them
				try (FileChannel held = FileChannel.open(keep)) {
					GuestShell.ok(dir, "echo third > " + T + "/keep.txt");
					hup();
					String no = line(m, l -> l.contains("no refresh (SIGHUP), still serving refresh 2"), "refused refresh");
					System.out.println("LiveMountCliTest: " + no);
					assertTrue(no.contains("refresh 1 by 2 open files (" + T + "/gone.txt, " + T + "/keep.txt)") && no.contains("refresh 2 by 1 open file (" + T
							+ "/keep.txt)"), no);
					assertEquals("after, and longer\n", Files.readString(keep));
					assertEquals("after, and longer\n", read(held));
				}
				assertEquals("before\n", read(oldKeep), "still refresh 1");
			}
			// the kernel releases the files after close(2) returns: signal until the refresh is made
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (!m.err().contains("refresh 3 (SIGHUP) at ") && System.nanoTime() < deadline) {
				hup();
				Thread.sleep(1500);
			}
			System.out.println("LiveMountCliTest: " + line(m, l -> l.contains("refresh 3 (SIGHUP) at "), "refresh 3"));
			assertEquals("third\n", Files.readString(keep));
			// a refresh that fails says why and leaves the refresh before served
			Files.delete(disk);
			GuestShell.ok(dir, "echo fourth > " + T + "/keep.txt");
			hup();
			String failed = line(m, l -> l.contains("refresh (SIGHUP) at ") && l.contains(" failed, still serving refresh 3: "), "failed refresh");
			System.out.println("LiveMountCliTest: " + failed);
			assertTrue(failed.contains("disk.img"), failed);
			assertEquals("third\n", Files.readString(keep));
			Files.createSymbolicLink(disk, dir.resolve("disk.img").toAbsolutePath());
			hup();
			line(m, l -> l.contains("refresh 4 (SIGHUP) at ") && l.contains("changed " + T + "/keep.txt"), "refresh 4");
			assertEquals("fourth\n", Files.readString(keep));
			assertTrue(GuestShell.ok(dir, "cat /proc/uptime").matches("[0-9.]+ [0-9.]+"), "the guest runs while mounted");
		}
		done(dir);
	}

	@Test
	void intervalAndDirectoryOpenRefreshes(@TempDir Path tmp) throws Exception {
		Path dir = guest();
		GuestShell.ok(dir, "echo one > " + T + "/f.txt");
		Path mnt = Files.createDirectory(tmp.resolve("mnt")), t = mnt.resolve(T.substring(1)), f = t.resolve("f.txt");
		try (BackgroundMount m = BackgroundMount.start(mnt, 300, "--live", dir.toString(), "--refresh", "4s", "--refresh-on-open", "1s")) {
			assertEquals("one\n", Files.readString(f));
			GuestShell.ok(dir, "echo two > " + T + "/f.txt && echo a > " + T + "/added.txt");
			// a listing a second or more after the last refresh refreshes first, so it already shows the change
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (!m.err().contains("(open " + T + ") at ") && System.nanoTime() < deadline) {
				Thread.sleep(1200);
				List<String> listed = names(t);
				if (m.err().contains("(open " + T + ") at ")) assertEquals(List.of("added.txt", "f.txt"), listed);
			}
			String open = line(m, l -> l.contains("(open " + T + ") at "), "refresh on opening " + T);
			System.out.println("LiveMountCliTest: " + open);
			assertEquals("two\n", Files.readString(f));
			String every = line(m, l -> l.contains("(every 4s) at "), "interval refresh");
			System.out.println("LiveMountCliTest: " + every);
			GuestShell.ok(dir, "echo three > " + T + "/f.txt");
			String changed = line(m, l -> l.contains("(every 4s) at ") && l.contains("changed " + T + "/f.txt data"), "interval refresh with the change");
			assertTrue(changed.contains("guest paused "), changed);
			assertEquals("three\n", Files.readString(f));
		}
		done(dir);
	}
}
