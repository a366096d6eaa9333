package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import cacheshadow.cases.ScenarioKey;

/**
 * What an examiner finds in a scenario with the tool, as a trainee would answer: {@code analyze} with the disk (merged
 * and disk-only views, the guest's mounts), every path whose status is not {@code same}. Then scoring: the answers as
 * bookmarks tagged {@code --answer} in a case, {@code scenario score} against the answer folder.
 */
final class ScenarioAnswers {
	private ScenarioAnswers() {
	}

	/** Path to status (the analysis's status column) of every path not {@code same}, merged and disk-only views. */
	static Map<String, String> statuses(Path memory, Path disk, Path kernel, Path tmp) throws Exception {
		Map<String, String> out = new TreeMap<>();
		for (String view : List.of("merged", "disk-only")) {
			Path m = tmp.resolve("analysis-" + view + ".tsv");
			CliRun r = CliRun.of("analyze", "--memory", memory.toString(), "--disk", disk.toString(), "--kernel", kernel.toString(), "--view", view,
					"--under", "/mnt/disk,/mnt/tmp", "--manifest", m.toString());
			assertEquals(0, r.code(), r.err());
			List<String> lines = Files.readAllLines(m);
			assertTrue(lines.get(0).endsWith("\tstatus"), lines.get(0));
			for (String l : lines.subList(1, lines.size())) {
				String[] c = l.split("\t", -1);
				if (!c[14].equals("same")) out.put(c[0], c[14]);
			}
		}
		return out;
	}

	/**
	 * Every finding of the key is what the analysis says of its path (tmpfs and cache-only paths cache-only, deleted
	 * ones deleted, differing ones differs, renames naming the same other end), and every path the analysis says
	 * differs is in the key: the tool finds exactly what the guest's own listings say.
	 */
	static void assertAnalysisIsTheKey(ScenarioKey key, Map<String, String> statuses) {
		for (ScenarioKey.Entry e : key.findings()) {
			String s = statuses.get(e.path());
			assertNotNull(s, "the analysis calls " + e.path() + " same; the key: " + e);
			String kind = s.split("[: ]", 2)[0];
			assertEquals(e.kind().equals("tmpfs") ? "cache-only" : e.kind(), kind, e.path() + ": " + s + " vs " + e);
			if (e.detail().startsWith("renamed-")) assertTrue(s.endsWith(" " + e.detail()), e.path() + ": " + s + " vs " + e);
		}
		for (String p : statuses.keySet()) assertNotNull(key.entry(p), "the analysis says " + p + " is " + statuses.get(p) + "; not in the key");
	}

	/** A case in {@code dir} holding {@code answers} as answer bookmarks, and one bookmark that is no answer. */
	static Path caseWith(Path dir, List<String> answers) {
		CliRun n = CliRun.of("case", "new", dir.toString(), "--name", "trainee");
		assertEquals(0, n.code(), n.err());
		for (String p : answers) {
			CliRun b = CliRun.of("case", "bookmark", dir.toString(), "--view", "merged", "--path", p, "--note", "found it", "--answer");
			assertEquals(0, b.code(), b.err());
		}
		CliRun b = CliRun.of("case", "bookmark", dir.toString(), "--view", "merged", "--path", "/mnt/disk/etc/app.conf", "--note", "not an answer: just a note");
		assertEquals(0, b.code(), b.err());
		return dir;
	}

	/** {@code scenario score}: its lines by verdict (found, missed, wrong, incidental) and its exit status. */
	record Score(int code, Map<String, List<String>> byVerdict, String text) {
		List<String> of(String verdict) {
			return byVerdict.getOrDefault(verdict, List.of());
		}
	}

	static Score score(Path caseDir, Path answer) {
		CliRun r = CliRun.of("scenario", "score", "--case", caseDir.toString(), "--answer", answer.toString());
		assertTrue(r.code() == 0 || r.code() == 1, r.err());
		Map<String, List<String>> m = new TreeMap<>();
		for (String l : r.out().lines().toList()) {
			if (l.startsWith("score: ")) continue;
			String[] c = l.split("\t", -1);
			m.computeIfAbsent(c[0], k -> new ArrayList<>()).add(c[1]);
		}
		return new Score(r.code(), m, r.out());
	}
}
