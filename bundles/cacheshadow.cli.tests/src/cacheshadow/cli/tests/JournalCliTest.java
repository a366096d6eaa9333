package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** replay, timeline and changes on the real write journals of every sample set, against the guest's ground truth. */
class JournalCliTest {

	static List<Path> sets() throws Exception {
		Path d = Path.of(System.getProperty("cacheshadow.samples", "-")).toRealPath();
		try (Stream<Path> s = Files.list(d)) {
			return s.filter(Files::isDirectory).sorted().toList();
		}
	}

	/** rounds.tsv: round → entries_complete. */
	static List<int[]> rounds(Path set) throws Exception {
		return Files.readAllLines(set.resolve("rounds.tsv")).stream().skip(1).map(l -> l.split("\t"))
				.map(c -> new int[] { Integer.parseInt(c[0]), Integer.parseInt(c[2]) }).toList();
	}

	@Test
	void everyRoundOfEverySetReplaysToItsManifestExactly(@TempDir Path tmp) throws Exception {
		int checked = 0;
		for (Path set : sets()) {
			for (int[] r : rounds(set)) {
				Path out = tmp.resolve(set.getFileName() + "-round-" + r[0] + ".tsv");
				CliRun run = CliRun.of("replay", "--disk", set.resolve("disk.base.img").toString(), "--journal", set.resolve("writes.log").toString(),
						"--timeline", set.resolve("timeline.tsv").toString(), "--at", "entry:" + r[1], "--manifest", out.toString(),
						"--mount-prefix", "/mnt/disk");
				assertEquals(0, run.code(), run.err());
				assertEquals(Files.readString(set.resolve("manifest.round-" + r[0] + ".tsv")), Files.readString(out),
						set.getFileName() + " round " + r[0]);
				checked++;
			}
		}
		assertTrue(checked >= 12, checked + " rounds checked");
	}

	@Test
	void replayToTheEndGivesTheFinalDiskByteForByte(@TempDir Path tmp) throws Exception {
		for (Path set : sets()) {
			Path img = tmp.resolve(set.getFileName() + ".img");
			CliRun run = CliRun.of("replay", "--disk", set.resolve("disk.base.img").toString(), "--journal", set.resolve("writes.log").toString(),
					"--at", "end", "--out", img.toString());
			assertEquals(0, run.code(), run.err());
			assertEquals(-1, Files.mismatch(img, set.resolve("disk.img")), set.toString());
			Files.delete(img);
		}
	}

	@Test
	void timelineAndChangesBetweenRounds() throws Exception {
		Path set = sets().get(0);
		CliRun tl = CliRun.of("timeline", "--journal", set.resolve("writes.log").toString(), "--timeline", set.resolve("timeline.tsv").toString(), "--json");
		assertEquals(0, tl.code(), tl.err());
		assertTrue(tl.out().contains("\"flush"), tl.out());
		List<int[]> r = rounds(set);
		CliRun ch = CliRun.of("changes", "--disk", set.resolve("disk.base.img").toString(), "--journal", set.resolve("writes.log").toString(),
				"--from", "entry:" + r.get(0)[1], "--to", "entry:" + r.get(1)[1], "--mount-prefix", "/mnt/disk");
		assertEquals(0, ch.code(), ch.err());
		// every path the guest listed after round 2 but not after round 1 is reported as added
		List<String> before = Files.readAllLines(set.resolve("manifest.round-1.tsv")).stream().map(l -> l.split("\t")[0]).toList();
		List<String> after = Files.readAllLines(set.resolve("manifest.round-2.tsv")).stream().map(l -> l.split("\t")[0]).toList();
		long added = 0;
		for (String p : after) {
			if (!before.contains(p)) {
				assertTrue(ch.out().contains("added\t" + p + "\t"), p + " in\n" + ch.out());
				added++;
			}
		}
		assertTrue(added > 0);
		for (String p : before) {
			if (!after.contains(p)) assertTrue(ch.out().contains("removed\t" + p + "\t"), p);
		}
		CliRun bad = CliRun.of("replay", "--disk", set.resolve("disk.base.img").toString(), "--journal", set.resolve("writes.log").toString(),
				"--at", "entry:999999", "--out", "/tmp/never.img");
		assertEquals(2, bad.code());
		assertTrue(bad.err().contains("past the end"), bad.err());
		assertFalse(Files.exists(Path.of("/tmp/never.img")));
	}
}
