package cacheshadow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.cases.ScenarioKey;
import cacheshadow.cases.ScenarioScore;

/**
 * {@code scenario}: training scenarios. Booting the guest is releng/scenario.sh's (./cacheshadow runs it for
 * {@code scenario --out DIR ...}); this command does the parts that are the product's: the scenario's case with its
 * evidence registered ({@code assemble}, the script's last step), its answer key ({@code key}) and a trainee's
 * answers scored against it ({@code score}).
 */
public final class ScenarioCommand implements Command {
	/** The evidence a scenario registers in its case, as DIR/evidence names it (kernel files where present). */
	static final List<String> EVIDENCE = List.of("memory.elf", "disk.img", "disk.base.img", "writes.log", "kernel/vmlinux.btf", "kernel/System.map",
			"kernel/config");

	@Override
	public String name() {
		return "scenario";
	}

	@Override
	public String summary() {
		return "training scenarios: a real guest runs a script; a case to examine and its answer key; answers scored";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow scenario --out DIR [--kernel 6.1|6.12] [--seed N] [--script FILE]
				       ./cacheshadow scenario score --case DIR/case --answer DIR/answer
				       ./cacheshadow scenario key --answer DIR/answer
				  scenario --out DIR: boots a real Debian kernel under QEMU that runs a scenario script (the default
				  one a seed chooses, or FILE: see native/scenario/README.md) and writes DIR/case/ (a case with the
				  evidence registered), DIR/evidence/ (memory.elf, disk.img, disk.base.img, writes.log, kernel/) and,
				  kept apart, DIR/answer/ (manifest.tsv: the guest's own listing at the snapshot; manifest.round-K.tsv:
				  its disk at each sync; key.tsv: what differs, the findings to make). releng/scenario.sh does it.
				  score: the case's bookmarks tagged as answers (the note starts with "answer:"; case bookmark
				  --answer) against the key: each finding found or missed, each claim the key does not hold (wrong),
				  each claim of an incidental path (a directory whose entries changed: counts neither way); a summary
				  line. Exit 0 when every finding is found and nothing wrong is claimed, 1 otherwise.
				  key: the answer key as TSV (path, kind: cache-only|tmpfs|deleted|differs, detail, counts:
				  finding|incidental), from the answer folder's manifests.
				  assemble DIR: releng/scenario.sh's last step: DIR/case from DIR/evidence, DIR/answer/key.tsv.""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		String action = argv.isEmpty() ? "" : argv.get(0);
		List<String> rest = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
		switch (action) {
		case "key" -> {
			Args a = new Args(rest, Set.of("answer"), Set.of());
			noPositionals(a);
			out.print(ScenarioKey.of(a.requiredPath("answer")).tsv());
			return 0;
		}
		case "score" -> {
			Args a = new Args(rest, Set.of("case", "answer"), Set.of());
			noPositionals(a);
			ScenarioKey key = ScenarioKey.of(a.requiredPath("answer"));
			List<String> claims = new ArrayList<>();
			try (Case c = Case.open(a.requiredPath("case"))) {
				for (Bookmark b : c.bookmarks()) if (ScenarioScore.isAnswer(b)) claims.add(b.path());
			}
			ScenarioScore s = ScenarioScore.of(key, claims);
			out.print(s.text());
			return s.perfect() ? 0 : 1;
		}
		case "assemble" -> {
			Args a = new Args(rest, Set.of(), Set.of());
			if (a.positionals().size() != 1) throw new UsageException("scenario assemble takes the scenario's folder");
			assemble(Path.of(a.positionals().get(0)), out, err);
			return 0;
		}
		default -> throw new UsageException(action.startsWith("--")
				? "the guest of a scenario is booted by ./cacheshadow scenario (releng/scenario.sh), outside the product"
				: "which scenario action? --out DIR ..., score, key or assemble");
		}
	}

	private static void noPositionals(Args a) throws UsageException {
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
	}

	/** DIR/case with DIR/evidence registered and hashed, then DIR/answer/key.tsv (written whole or not at all). */
	static void assemble(Path dir, PrintStream out, PrintStream err) throws IOException {
		Path evidence = dir.resolve("evidence"), answer = dir.resolve("answer");
		ScenarioKey key = ScenarioKey.of(answer);
		List<Path> files = new ArrayList<>();
		for (String f : EVIDENCE) {
			Path p = evidence.resolve(f);
			if (Files.isRegularFile(p)) files.add(p.toAbsolutePath());
			else if (!f.startsWith("kernel/")) throw new IOException(p + ": missing (not a scenario folder)");
		}
		Properties about = new Properties();
		Path facts = answer.resolve("scenario.txt");
		if (Files.isRegularFile(facts)) try (var r = Files.newBufferedReader(facts, StandardCharsets.UTF_8)) {
			about.load(r);
		}
		String name = "Training scenario: Debian " + about.getProperty("kernel", "?") + ", seed " + about.getProperty("seed", "?");
		try (Case c = Case.create(dir.resolve("case"), name)) {
			for (Path f : files) {
				ConsoleProgress p = new ConsoleProgress(err);
				EvidenceItem e = c.addEvidence(f, p);
				p.finish();
				out.printf("added #%d %s  %s  %d bytes  sha256 %s%n", e.id(), e.path(), e.format().label(), e.size(), e.sha256());
			}
		}
		Path tmp = answer.resolve("key.tsv.tmp");
		Files.writeString(tmp, key.tsv(), StandardCharsets.UTF_8);
		Files.move(tmp, answer.resolve("key.tsv"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		out.printf("case %s; answer key %s: %d findings (%d incidental paths)%n", dir.resolve("case"), answer.resolve("key.tsv"), key.findings().size(),
				key.entries().size() - key.findings().size());
	}
}
