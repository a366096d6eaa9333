package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.pagecache.QmpClient;

/**
 * The command line against a running guest started by {@code make-evidence.sh --live DIR}, named by
 * {@code -Dcacheshadow.live=DIR} (as LiveGuestTest): {@code analyze --live DIR} gives the guest's own
 * {@code manifest.tsv} (the same comparison as MergeCliTest's on snapshots); {@code watch --live DIR --count 2}
 * lists the workload's phase-2 changes on the first refresh as expect.tsv and manifest.tsv name them, and nothing on
 * the second (the guest is idle); {@code case snapshot --live DIR} adds the guest's RAM and disk to a case, which then
 * analyzes to the guest's manifest like any snapshot; the guest runs after each command.
 */
@EnabledIfSystemProperty(named = "cacheshadow.live", matches = ".+")
class LiveCliTest {
	private static Path dir() throws Exception {
		Path dir = cacheshadow.testing.LiveGuestDir.await();
		assertTrue(Files.isRegularFile(dir.resolve("ram")), "no live guest in " + dir);
		return dir;
	}

	private static void assertRunning(Path dir) throws Exception {
		try (QmpClient q = QmpClient.connect(dir.resolve("qmp.sock"))) {
			assertTrue(q.running(), "the guest runs after the command");
		}
	}

	@Test
	void analyzeLiveIsTheGuestsManifest(@TempDir Path tmp) throws Exception {
		Path dir = dir();
		Path only = tmp.resolve("only.tsv");
		CliRun r = CliRun.of("analyze", "--live", dir.toString(), "--under", "/mnt/disk,/mnt/tmp", "--manifest", only.toString());
		System.out.print(r.err().lines().filter(l -> l.startsWith("live guest")).map(l -> "LiveCliTest analyze: " + l + "\n").reduce("", String::concat));
		assertEquals(0, r.code(), r.err());
		assertRunning(dir);
		// --disk defaulted to DIR/disk.img: a status column follows the manifest's 14 columns, which are manifest.tsv byte for byte
		List<String> cut = new ArrayList<>();
		for (String l : Files.readAllLines(only)) cut.add(l.substring(0, l.lastIndexOf('\t')));
		assertEquals(Files.readAllLines(dir.resolve("manifest.tsv")), cut);
		assertTrue(r.err().lines().anyMatch(l -> l.startsWith("live guest") && l.contains("guest paused")), r.err());
		// the same from --ram FILE --qmp SOCKET with the disk and kernel files named
		Path ram = tmp.resolve("ram.tsv");
		CliRun r2 = CliRun.of("analyze", "--ram", dir.resolve("ram").toString(), "--qmp", dir.resolve("qmp.sock").toString(), "--disk",
				dir.resolve("disk.img").toString(), "--under", "/mnt/disk,/mnt/tmp", "--manifest", ram.toString());
		assertEquals(0, r2.code(), r2.err());
		assertEquals(Files.readAllLines(only), Files.readAllLines(ram));
		assertRunning(dir);
	}

	@Test
	void exportAndDiffLive(@TempDir Path tmp) throws Exception {
		Path dir = dir();
		Path out = tmp.resolve("out");
		CliRun e = CliRun.of("export", "--live", dir.toString(), "--under", "/mnt/disk", "--out", out.toString());
		assertEquals(0, e.code(), e.err());
		assertRunning(dir);
		// every regular file of the guest's manifest under /mnt/disk exported with the guest's own bytes
		int files = 0;
		for (String l : Files.readAllLines(dir.resolve("manifest.tsv")).subList(1, Files.readAllLines(dir.resolve("manifest.tsv")).size())) {
			String[] c = l.split("\t", -1);
			if (!c[0].startsWith("/mnt/disk/") || !c[1].startsWith("regular")) continue;
			byte[] b = Files.readAllBytes(out.resolve(c[0].substring(1)));
			assertEquals(c[12], java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b)), c[0]);
			files++;
		}
		assertTrue(files > 10, "files compared: " + files);
		CliRun d = CliRun.of("diff", "--live", dir.toString(), "--path", "/mnt/disk/var/log/app.log");
		assertEquals(0, d.code(), d.err());
		assertTrue(d.out().contains("cache"), d.out());
		assertRunning(dir);
	}

	@Test
	void watchListsPhaseTwoOnceThenNothing() throws Exception {
		Path dir = dir();
		CliRun r = CliRun.of("watch", "--live", dir.toString(), "--count", "2", "--every", "1s");
		System.out.print(r.err().lines().map(l -> "LiveCliTest watch: " + l + "\n").reduce("", String::concat));
		assertEquals(0, r.code(), r.err());
		assertRunning(dir);
		Map<String, String> first = new TreeMap<>();
		for (String l : r.out().lines().toList()) {
			String[] c = l.split("\t", -1);
			assertEquals(5, c.length, l);
			assertEquals("1", c[0], "only the first refresh reports changes (the guest is idle): " + l);
			assertTrue(c[1].matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), l);
			first.put(c[3], c[2] + "\t" + c[4]);
		}
		List<String> wrong = new ArrayList<>();
		for (String l : Files.readAllLines(dir.resolve("expect.tsv"))) {
			String[] c = l.split("\t");
			String s = first.get(c[1]);
			boolean ok = switch (c[0]) {
			case "absent" -> s != null && s.startsWith("cache-only\t");
			case "gone" -> s != null && s.startsWith("deleted\t");
			case "content" -> s != null && s.startsWith("differs\t") && s.contains("data");
			case "mode" -> s != null && s.startsWith("differs\t") && s.contains("mode");
			case "owner" -> s != null && s.startsWith("differs\t") && s.contains("owner");
			default -> true;
			};
			if (!ok) wrong.add(l + " → " + s);
		}
		// every file and directory of the guest's tmpfs (manifest.tsv lists /mnt/tmp too)
		for (String l : Files.readAllLines(dir.resolve("manifest.tsv"))) {
			String p = l.split("\t")[0];
			if (p.equals("/mnt/tmp") || p.startsWith("/mnt/tmp/")) {
				if (!("tmpfs\t-").equals(first.get(p))) wrong.add("tmpfs " + p + " → " + first.get(p));
			}
		}
		assertEquals(List.of(), wrong, r.out());
		assertTrue(r.err().contains("refresh 2 at ") && r.err().contains(": 0 changes;"), r.err());
		// --json: the same changes, one object per line
		CliRun j = CliRun.of("watch", "--live", dir.toString(), "--count", "1", "--json");
		assertEquals(0, j.code(), j.err());
		assertEquals(first.size(), j.out().lines().count());
		assertTrue(j.out().lines().allMatch(l -> l.startsWith("{\"refresh\":1,\"time\":\"") && l.endsWith("}")), j.out());
		assertRunning(dir);
	}

	@Test
	void caseSnapshotOfTheRunningGuestIsAnalyzedLikeAnySnapshot(@TempDir Path tmp) throws Exception {
		Path dir = dir();
		Path kase = tmp.resolve("case");
		assertEquals(0, CliRun.of("case", "new", kase.toString()).code());
		CliRun s = CliRun.of("case", "snapshot", kase.toString(), "--live", dir.toString());
		System.out.print(s.err().lines().filter(l -> l.startsWith("live snapshot")).map(l -> "LiveCliTest case snapshot: " + l + "\n").reduce("", String::concat));
		assertEquals(0, s.code(), s.err());
		assertRunning(dir);
		List<String> added = s.out().lines().filter(l -> l.startsWith("added #")).toList();
		assertEquals(2, added.size(), s.out());
		Path memory = Path.of(added.get(0).split("\\s+")[2]), disk = Path.of(added.get(1).split("\\s+")[2]);
		assertEquals("memory.elf", memory.getFileName().toString());
		assertEquals("disk.img", disk.getFileName().toString());
		assertTrue(memory.startsWith(kase.resolve("live").toRealPath()) || memory.startsWith(kase.resolve("live")), memory.toString());
		CliRun v = CliRun.of("case", "verify", kase.toString());
		assertEquals(0, v.code(), v.out());
		assertTrue(CliRun.of("case", "log", kase.toString()).out().contains("live-snapshot "), "custody log names the snapshot");
		// the snapshot, analyzed like any snapshot, is the guest's own listing
		Path m = tmp.resolve("snap.tsv");
		CliRun r = CliRun.of("analyze", "--memory", memory.toString(), "--disk", disk.toString(), "--under", "/mnt/disk,/mnt/tmp", "--manifest", m.toString());
		assertEquals(0, r.code(), r.err());
		List<String> cut = new ArrayList<>();
		for (String l : Files.readAllLines(m)) cut.add(l.substring(0, l.lastIndexOf('\t')));
		assertEquals(Files.readAllLines(dir.resolve("manifest.tsv")), cut);
		// no guest: one line, exit 2, nothing added
		CliRun none = CliRun.of("case", "snapshot", kase.toString(), "--live", tmp.resolve("nothing").toString());
		assertEquals(2, none.code(), none.err());
		assertTrue(none.err().contains("no guest RAM file"), none.err());
		assertEquals(2, CliRun.of("case", "snapshot", kase.toString()).code());
	}
}
