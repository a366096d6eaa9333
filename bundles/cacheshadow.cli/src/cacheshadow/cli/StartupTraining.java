package cacheshadow.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The training run of the command line's ahead-of-time cache (the launcher's {@code train_cli}): several command lines,
 * separated by {@value #THEN}, in one JVM, so the cache holds the classes and method profiles of each (an analysis
 * with kernel files and one from the snapshot alone, a case created in its H2 database), not only of the first.
 * Their output is dropped; each one's exit status is printed.
 */
public final class StartupTraining {
	static final String THEN = ";;";

	private StartupTraining() {
	}

	public static void main(String[] args) {
		PrintStream none = new PrintStream(OutputStream.nullOutputStream());
		int failed = 0;
		for (List<String> line : lines(args)) {
			int code = new Cli(none, none).run(line.toArray(String[]::new));
			System.out.println("training: exit " + code + ": " + String.join(" ", line));
			if (code != 0) failed++;
		}
		System.exit(failed == 0 ? 0 : 1);
	}

	static List<List<String>> lines(String[] args) {
		List<List<String>> out = new ArrayList<>();
		int from = 0;
		for (int i = 0; i <= args.length; i++) {
			if (i < args.length && !args[i].equals(THEN)) continue;
			if (i > from) out.add(Arrays.asList(args).subList(from, i));
			from = i + 1;
		}
		return out;
	}
}
