package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.ScenarioKey;

/**
 * A scenario generated on a real guest: {@code -Dcacheshadow.scenario=DIR} names the folder releng/scenario.sh
 * --guest-only made (releng/test.sh runs it in the background while the build runs; {@code DIR.rc} its exit status,
 * {@code DIR.log} its output). The case is assembled as {@code ./cacheshadow scenario} does it (into a copy of the
 * layout, the evidence linked); the analysis of the case's evidence is the guest's own {@code manifest.tsv} line
 * for line and finds exactly the answer key; those findings score perfect. When the guest could not be run here
 * (no QEMU, no kernel package) the test is aborted with the script's log, not passed.
 */
@EnabledIfSystemProperty(named = "cacheshadow.scenario", matches = ".+")
class ScenarioTest {
	private static Path generated() throws Exception {
		Path dir = Path.of(System.getProperty("cacheshadow.scenario"));
		Path rc = dir.resolveSibling(dir.getFileName() + ".rc"), log = dir.resolveSibling(dir.getFileName() + ".log");
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
		while (!Files.isRegularFile(rc) && System.nanoTime() < deadline) Thread.sleep(1000);
		String tail = Files.isRegularFile(log) ? String.join("\n", Files.readAllLines(log).stream().skip(Math.max(0, Files.readAllLines(log).size() - 15)).toList())
				: "(no log)";
		if (!Files.isRegularFile(rc) || !Files.readString(rc).strip().equals("0")) {
			String why = "the scenario in " + dir + " was not generated (" + (Files.isRegularFile(rc) ? "exit " + Files.readString(rc).strip() : "timeout") + "):\n" + tail;
			System.out.println("SCENARIO TEST SKIPPED: " + why);
			Assumptions.abort(why);
		}
		System.out.println("scenario generated: " + tail);
		return dir;
	}

	@Test
	void generatedScenarioIsExaminedToItsKey(@TempDir Path tmp) throws Exception {
		Path dir = generated();
		// the layout the issue names, the evidence read-only
		for (String f : List.of("evidence/memory.elf", "evidence/disk.img", "evidence/disk.base.img", "evidence/writes.log", "evidence/kernel/vmlinux.btf",
				"answer/manifest.tsv", "answer/script.txt")) {
			assertTrue(Files.isRegularFile(dir.resolve(f)), f);
		}
		assertTrue(!Files.isWritable(dir.resolve("evidence/memory.elf")) || System.getProperty("user.name").equals("root"), "evidence read-only");
		assertEquals(Files.readAllLines(dir.resolve("answer/manifest.tsv")).get(0),
				"path\ttype\tmode\tuid\tgid\tsize\tnlink\tinode\tatime\tmtime\tctime\tmtime_full\tsha256\tsymlink_target");

		// assembled as ./cacheshadow scenario does, into a copy of the layout (the answer copied, the evidence linked)
		Path s = tmp.resolve("scenario"), answer = Files.createDirectories(s.resolve("answer"));
		Files.createSymbolicLink(s.resolve("evidence"), dir.resolve("evidence").toAbsolutePath());
		try (var l = Files.list(dir.resolve("answer"))) {
			for (Path p : l.toList()) if (Files.isRegularFile(p)) Files.copy(p, answer.resolve(p.getFileName()));
		}
		CliRun a = CliRun.of("scenario", "assemble", s.toString());
		assertEquals(0, a.code(), a.err());
		CliRun sum = CliRun.of("case", "summary", s.resolve("case").toString());
		assertEquals(0, sum.code(), sum.err());
		for (String f : List.of("memory.elf", "disk.img", "disk.base.img", "writes.log", "vmlinux.btf")) assertTrue(sum.out().contains(f), sum.out());
		assertEquals(0, CliRun.of("case", "verify", s.resolve("case").toString()).code());
		ScenarioKey key = ScenarioKey.of(answer);
		assertEquals(key.tsv(), Files.readString(answer.resolve("key.tsv")));
		assertTrue(key.findings().size() >= 5, key.tsv());

		// the analysis of the case's evidence: the guest's own listing, line for line
		Path ev = s.resolve("evidence");
		Map<String, String> statuses = ScenarioAnswers.statuses(ev.resolve("memory.elf"), ev.resolve("disk.img"), ev.resolve("kernel"), tmp);
		List<String> merged = new ArrayList<>();
		for (String l : Files.readAllLines(tmp.resolve("analysis-merged.tsv"))) merged.add(l.substring(0, l.lastIndexOf('\t')));
		assertEquals(Files.readAllLines(dir.resolve("answer/manifest.tsv")), merged);
		ScenarioAnswers.assertAnalysisIsTheKey(key, statuses);

		// the trainee's answers in the scenario's own case: what the analysis shows scores perfect
		for (String p : statuses.keySet()) {
			CliRun b = CliRun.of("case", "bookmark", s.resolve("case").toString(), "--view", "merged", "--path", p, "--answer", "--note", statuses.get(p));
			assertEquals(0, b.code(), b.err());
		}
		ScenarioAnswers.Score perfect = ScenarioAnswers.score(s.resolve("case"), answer);
		assertEquals(0, perfect.code(), perfect.text());
		assertEquals(key.findings().stream().map(ScenarioKey.Entry::path).toList(), perfect.of("found"));
		System.out.print("ScenarioTest: " + perfect.text());
	}
}
