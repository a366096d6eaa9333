package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running-guest options without a guest: {@code --memory} together with {@code --live} or {@code --ram/--qmp},
 * half of {@code --ram/--qmp}, both guest forms, bad {@code watch} values, {@code mount}'s refresh options without a
 * guest or its disk or with bad values, and a guest that is not there: each exits 2 with one line naming the problem,
 * no stack trace.
 */
class LiveOptionsCliTest {
	@Test
	void badAttachOptionsExit2WithOneLine(@TempDir Path tmp) throws Exception {
		String mem = tmp.resolve("memory.elf").toString(), live = tmp.resolve("live").toString(), out = tmp.resolve("x.tsv").toString();
		Files.createDirectories(tmp.resolve("live"));
		Files.createDirectories(tmp.resolve("mnt"));
		String mnt = tmp.resolve("mnt").toString();
		for (String[] args : List.of(
				new String[] { "analyze", "--memory", mem, "--live", live, "--manifest", out },
				new String[] { "analyze", "--memory", mem, "--ram", mem, "--qmp", mem, "--manifest", out },
				new String[] { "analyze", "--ram", mem, "--manifest", out },
				new String[] { "analyze", "--qmp", mem, "--manifest", out },
				new String[] { "analyze", "--live", live, "--ram", mem, "--qmp", mem, "--manifest", out },
				new String[] { "analyze", "--live", live, "--sweep", "--manifest", out },
				new String[] { "diff", "--memory", mem, "--live", live, "--disk", mem, "--path", "/x" },
				new String[] { "export", "--memory", mem, "--live", live, "--out", out },
				new String[] { "mount", "--memory", mem, "--live", live, mnt },
				new String[] { "watch", "--memory", mem },
				new String[] { "watch" },
				new String[] { "watch", "--live", live, "--count", "0" },
				new String[] { "watch", "--live", live, "--every", "soon" },
				new String[] { "watch", "--ram", mem, "--qmp", mem },
				// refresh policies: only with a running guest and its disk, well-formed
				new String[] { "mount", "--memory", mem, "--disk", mem, "--refresh", "5s", mnt },
				new String[] { "mount", "--live", live, "--disk", mem, "--refresh", "soon", mnt },
				new String[] { "mount", "--live", live, "--disk", mem, "--refresh-on-open", "0", mnt },
				new String[] { "mount", "--live", live, "--disk", mem, "--refresh-on-hup", "--max-generations", "0", mnt },
				new String[] { "mount", "--live", live, "--disk", mem, "--max-generations", "3", mnt },
				new String[] { "mount", "--ram", mem, "--qmp", mem, "--view", "cache-only", "--refresh-on-hup", mnt },
				// a guest that is not running: no RAM file, no QMP socket
				new String[] { "mount", "--live", live, "--disk", mem, "--refresh", "5s", mnt },
				new String[] { "analyze", "--live", live, "--manifest", out },
				new String[] { "watch", "--live", live, "--disk", mem, "--count", "1" })) {
			CliRun r = CliRun.of(args);
			assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
			assertEquals(1, r.err().lines().filter(l -> l.startsWith("cacheshadow ")).count(), String.join(" ", args) + ": " + r.err());
			assertTrue(!r.err().contains("\tat "), r.err());
		}
		CliRun both = CliRun.of("analyze", "--memory", mem, "--live", live, "--manifest", out);
		assertTrue(both.err().contains("not both"), both.err());
		CliRun noGuest = CliRun.of("mount", "--memory", mem, "--disk", mem, "--refresh-on-hup", mnt);
		assertTrue(noGuest.err().contains("need a running guest"), noGuest.err());
		CliRun noDisk = CliRun.of("mount", "--ram", mem, "--qmp", mem, "--view", "cache-only", "--refresh", "1m", mnt);
		assertTrue(noDisk.err().contains("--disk D"), noDisk.err());
	}

	@Test
	void helpNamesTheOptionsAndTheWatchLineFormat() {
		for (String c : List.of("analyze", "diff", "export", "mount")) {
			CliRun r = CliRun.of("help", c);
			assertTrue(r.out().contains("--live DIR") && r.out().contains("--ram FILE --qmp SOCKET"), c + ": " + r.out());
		}
		String mount = CliRun.of("help", "mount").out();
		for (String o : List.of("--refresh T", "--refresh-on-hup", "--refresh-on-open T", "--max-generations N")) assertTrue(mount.contains(o), o + ": " + mount);
		CliRun w = CliRun.of("help", "watch");
		assertEquals(0, w.code());
		assertTrue(w.out().contains("REFRESH<TAB>TIME<TAB>EVENT<TAB>PATH<TAB>DETAIL"), w.out());
		assertTrue(CliRun.of("--help").out().contains("watch"));
	}
}
