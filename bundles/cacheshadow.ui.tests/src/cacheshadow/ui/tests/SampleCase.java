package cacheshadow.ui.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.swt.widgets.Display;

import cacheshadow.ui.CaseJobs;
import cacheshadow.ui.CaseSession;

/** A case made in the running workbench from the real sample evidence, the way an examiner makes one. */
final class SampleCase {
	/** Every file of a sample set a case can hold: memory, disk, base disk, journal and sidecar, kernel files. */
	static final List<String> ALL = List.of("memory.elf", "disk.img", "disk.base.img", "writes.log", "timeline.tsv", "kernel/vmlinux.btf",
			"kernel/System.map");

	private SampleCase() {
	}

	/** The debian-6.1-kaslr sample set (the tests fail, not skip, without it). */
	static Path set() {
		Path set = Path.of(System.getProperty("cacheshadow.samples", "-"), "debian-6.1-kaslr");
		assertTrue(Files.isDirectory(set), "no sample set at " + set);
		return set;
	}

	/**
	 * A training scenario's answer folder made of the sample set (its manifest.tsv and round manifests, linked): the
	 * sample is a scenario of the evidence tool's own workload.
	 */
	static Path answerFolder(Path dir) throws java.io.IOException {
		Path answer = Files.createDirectories(dir);
		try (var s = Files.list(set())) {
			for (Path p : s.toList()) {
				String n = p.getFileName().toString();
				if (n.equals("manifest.tsv") || n.matches("manifest\\.round-\\d+\\.tsv")) Files.createSymbolicLink(answer.resolve(n), p);
			}
		}
		return answer;
	}

	/**
	 * Creates a case in {@code dir}, adds {@code files} of the sample set through the Job the Case view uses and waits
	 * for it (and for the journal's indexing when a journal is among them); with {@code analyze}, runs the analysis too.
	 */
	static void create(Display display, Path dir, String name, List<String> files, boolean analyze) throws Exception {
		Path set = set();
		CaseSession.get().create(dir, name);
		Job add = CaseJobs.addEvidence(files.stream().map(set::resolve).toList());
		add.schedule();
		CaseViewUiTest.waitFor(display, () -> add.getResult() != null, 120_000);
		assertTrue(add.getResult().isOK(), add.getResult().getMessage());
		if (files.contains("writes.log")) CaseViewUiTest.waitFor(display, () -> CaseSession.get().history() != null, 120_000);
		if (analyze) {
			Job a = CaseJobs.analyze();
			a.schedule();
			CaseViewUiTest.waitFor(display, () -> a.getResult() != null, 300_000);
			assertTrue(a.getResult().isOK(), a.getResult().getMessage());
		}
	}
}
