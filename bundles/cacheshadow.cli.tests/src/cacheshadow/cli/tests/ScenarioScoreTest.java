package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.cases.ScenarioKey;

/**
 * The answer key and scoring of training scenarios on the real samples, each a scenario of the evidence tool's own
 * workload (synced rounds, then cache-only changes): its answer folder is its {@code manifest.tsv} and round
 * manifests. The key holds what the tool's own stale-disk checks ({@code expect.tsv}) say; the tool's analysis of the
 * sample finds exactly the key; those findings as answers score perfect, half of them and a wrong claim partial, none
 * empty — each with the right paths found, missed and wrongly claimed.
 */
class ScenarioScoreTest {
	private static Path answer(String set, Path tmp) throws Exception {
		Path d = MergeCliTest.dir(set), a = Files.createDirectories(tmp.resolve("answer"));
		try (var s = Files.list(d)) {
			for (Path p : s.toList()) {
				String n = p.getFileName().toString();
				if (n.equals("manifest.tsv") || n.matches("manifest\\.round-\\d+\\.tsv")) Files.createSymbolicLink(a.resolve(n), p);
			}
		}
		return a;
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void keyHoldsTheToolsChecks(String set, @TempDir Path tmp) throws Exception {
		ScenarioKey key = ScenarioKey.of(answer(set, tmp));
		int checked = 0;
		for (String l : Files.readAllLines(MergeCliTest.dir(set).resolve("expect.tsv"))) {
			String[] c = l.split("\t");
			ScenarioKey.Entry e = key.entry(c[1]);
			assertTrue(e != null && !e.incidental(), c[1] + " (" + c[0] + ") is no finding of the key: " + e);
			switch (c[0]) {
			case "absent" -> assertEquals("cache-only", e.kind(), l);
			case "gone" -> assertEquals("deleted", e.kind(), l);
			case "mode" -> assertTrue(e.kind().equals("differs") && e.detail().contains("mode"), l + ": " + e);
			case "owner" -> assertTrue(e.kind().equals("differs") && e.detail().contains("uid"), l + ": " + e);
			case "content" -> assertTrue(e.kind().equals("differs") && e.detail().contains("sha256"), l + ": " + e);
			default -> throw new AssertionError("unknown check " + l);
			}
			checked++;
		}
		assertTrue(checked >= 10, "checks " + checked);
		// the tmpfs files, the mount point only incidental
		assertTrue(key.findings().stream().anyMatch(e -> e.path().equals("/mnt/tmp/secret.key") && e.kind().equals("tmpfs")), key.tsv());
		assertTrue(key.entry("/mnt/tmp").incidental(), key.tsv());
		// the CLI prints the same key
		CliRun r = CliRun.of("scenario", "key", "--answer", tmp.resolve("answer").toString());
		assertEquals(0, r.code(), r.err());
		assertEquals(key.tsv(), r.out());
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void analysisScoresPerfectPartialAndEmpty(String set, @TempDir Path tmp) throws Exception {
		Path d = MergeCliTest.dir(set), answer = answer(set, tmp);
		ScenarioKey key = ScenarioKey.of(answer);
		Map<String, String> statuses = ScenarioAnswers.statuses(d.resolve("memory.elf"), d.resolve("disk.img"), d.resolve("kernel"), tmp);
		ScenarioAnswers.assertAnalysisIsTheKey(key, statuses);

		List<String> findings = key.findings().stream().map(ScenarioKey.Entry::path).toList();
		// perfect: every path the analysis does not call same (the incidental directories among them count neither way)
		ScenarioAnswers.Score perfect = ScenarioAnswers.score(ScenarioAnswers.caseWith(tmp.resolve("perfect"), new ArrayList<>(statuses.keySet())), answer);
		assertEquals(0, perfect.code(), perfect.text());
		assertEquals(findings, perfect.of("found"), perfect.text());
		assertTrue(perfect.of("missed").isEmpty() && perfect.of("wrong").isEmpty(), perfect.text());
		assertTrue(!perfect.of("incidental").isEmpty(), "the directories whose entries changed: " + perfect.text());
		assertTrue(perfect.text().contains("score: " + findings.size() + " of " + findings.size() + " findings found, 0 missed, 0 wrongly claimed (perfect)"),
				perfect.text());

		// partial: every other finding, and a path as it is on the disk
		List<String> half = new ArrayList<>(), rest = new ArrayList<>();
		for (int i = 0; i < findings.size(); i++) (i % 2 == 0 ? half : rest).add(findings.get(i));
		List<String> claims = new ArrayList<>(half);
		claims.add("/mnt/disk/a/b/c");
		ScenarioAnswers.Score partial = ScenarioAnswers.score(ScenarioAnswers.caseWith(tmp.resolve("partial"), claims), answer);
		assertEquals(1, partial.code(), partial.text());
		assertEquals(half, partial.of("found"), partial.text());
		assertEquals(rest, partial.of("missed"), partial.text());
		assertEquals(List.of("/mnt/disk/a/b/c"), partial.of("wrong"), partial.text());
		assertTrue(partial.text().contains("score: " + half.size() + " of " + findings.size() + " findings found, " + rest.size() + " missed, 1 wrongly claimed\n"),
				partial.text());

		// empty: no answers (the case's one bookmark is no answer)
		ScenarioAnswers.Score empty = ScenarioAnswers.score(ScenarioAnswers.caseWith(tmp.resolve("empty"), List.of()), answer);
		assertEquals(1, empty.code(), empty.text());
		assertTrue(empty.of("found").isEmpty() && empty.of("wrong").isEmpty(), empty.text());
		assertEquals(findings, empty.of("missed"), empty.text());
	}

	@Test
	void badUsageAndAnswerFolders(@TempDir Path tmp) throws Exception {
		assertEquals(2, CliRun.of("scenario", "key").code());
		assertEquals(2, CliRun.of("scenario", "--out", tmp.resolve("x").toString()).code());
		CliRun r = CliRun.of("scenario", "key", "--answer", tmp.toString());
		assertEquals(2, r.code());
		assertTrue(r.err().contains("no manifest.tsv"), r.err());
		Files.writeString(tmp.resolve("manifest.tsv"), "path\ttype\tmode\tuid\tgid\tsize\tnlink\tinode\tatime\tmtime\tctime\tmtime_full\tsha256\tsymlink_target\n");
		CliRun r2 = CliRun.of("scenario", "key", "--answer", tmp.toString());
		assertEquals(2, r2.code());
		assertTrue(r2.err().contains("no manifest.round-K.tsv"), r2.err());
		assertEquals(2, CliRun.of("scenario", "score", "--answer", tmp.toString()).code());
	}
}
