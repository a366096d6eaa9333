package cacheshadow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import cacheshadow.listing.GuestName;

/**
 * Dispatches {@code ./cacheshadow} subcommands. Plain Java, so tests drive it in-process. Errors an examiner can
 * act on (bad usage, unreadable or corrupt evidence, a locked case) print one line and exit 2; no stack traces.
 */
public final class Cli {
	private final PrintStream out;
	private final PrintStream err;
	private final List<Command> commands = List.of(new SampleCommand(), new CaseCommand(), new AnalyzeCommand(), new ReplayCommand(), new TimelineCommand(),
			new ChangesCommand(), new BenchCommand(), new DiffCommand(), new ExportCommand(), new MountCommand(), new WatchCommand(), new ReportCommand(), new SearchCommand(), new ScenarioCommand(), new RecordCommand(),
			new ShipCommand());

	public Cli(PrintStream out, PrintStream err) {
		this.out = out;
		this.err = err;
	}

	/**
	 * {@code ./cacheshadow <subcommand>} on a plain class path of the product's jars (the launcher's default: no OSGi
	 * framework to start); exits with the command's status, as the OSGi application's return value does.
	 */
	public static void main(String[] args) {
		System.exit(execute(args));
	}

	/** One command line of {@code ./cacheshadow}, on System.out and System.err; its exit status. */
	static int execute(String[] args) {
		// what another process that finds a case locked is told holds it: the subcommand and its action
		if (args.length > 0) {
			cacheshadow.cases.Case.setProgram("./cacheshadow " + args[0] + (args.length > 1 && !args[1].startsWith("-") && args[0].equals("case") ? " " + args[1] : ""));
		}
		int code = new Cli(System.out, System.err).run(args);
		System.out.flush();
		System.err.flush();
		return code;
	}

	public List<Command> commands() {
		return commands;
	}

	public int run(String[] args) {
		if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) {
			if (args.length > 1) {
				for (Command c : commands) {
					if (c.name().equals(args[1])) {
						out.println(c.usage());
						return 0;
					}
				}
			}
			help();
			return args.length == 0 ? 2 : 0;
		}
		for (Command c : commands) {
			if (!c.name().equals(args[0])) continue;
			List<String> rest = Arrays.asList(args).subList(1, args.length);
			if (rest.contains("--help") || rest.contains("-h")) {
				out.println(c.usage());
				return 0;
			}
			try {
				long bytes = cacheshadow.journal.WebHdfs.processBytesRead(), requests = cacheshadow.journal.WebHdfs.processRequests();
				int code = c.run(rest, out, err);
				// what reading a journal in HDFS in place cost (no full download)
				if (cacheshadow.journal.WebHdfs.processRequests() > requests) {
					err.println("cacheshadow " + c.name() + ": webhdfs: " + (cacheshadow.journal.WebHdfs.processBytesRead() - bytes) + " bytes read in "
							+ (cacheshadow.journal.WebHdfs.processRequests() - requests) + " requests");
				}
				return code;
			} catch (UsageException e) {
				err.println("cacheshadow " + c.name() + ": " + GuestName.printable(e.getMessage()));
				err.println("usage: see ./cacheshadow " + c.name() + " --help");
				return 2;
			} catch (IOException e) {
				err.println("cacheshadow " + c.name() + ": " + GuestName.printable(e.getMessage()));
				// commands that document --partial can read what evidence cut short still holds
				if (e instanceof cacheshadow.layers.TruncatedEvidenceException && c.usage().contains("--partial")) {
					err.println("cacheshadow " + c.name() + ": to analyze what the evidence still holds, run again with --partial (missing ranges become flagged holes)");
				}
				return 2;
			} catch (java.util.concurrent.CancellationException e) {
				err.println("cacheshadow " + c.name() + ": canceled");
				return 2;
			} catch (Exception | StackOverflowError | OutOfMemoryError e) {
				if (outOfMemory(e)) {
					// not a defect: the heap is bounded (the launcher's default or CACHESHADOW_XMX) and this evidence needs more
					err.printf("cacheshadow %s: out of memory in a heap of %d MiB; run again with a larger heap, e.g. CACHESHADOW_XMX=%dg ./cacheshadow %s ...%n",
							c.name(), Runtime.getRuntime().maxMemory() >> 20, Math.max(2, 2 * ((Runtime.getRuntime().maxMemory() >> 30) + 1)), c.name());
					return 3;
				}
				// a defect of ours, not of the evidence: say so, with the type, still without a stack trace
				err.println("cacheshadow " + c.name() + ": internal error (" + GuestName.printable(e.toString()) + "); please report it");
				return 3;
			}
		}
		err.println("cacheshadow: unknown subcommand '" + args[0] + "'");
		help();
		return 2;
	}

	/** An OutOfMemoryError, thrown here or in a worker thread (then the cause of what the command caught). */
	private static boolean outOfMemory(Throwable e) {
		for (int depth = 0; e != null && depth < 16; e = e.getCause(), depth++) {
			if (e instanceof OutOfMemoryError) return true;
		}
		return false;
	}

	private void help() {
		out.println("CacheShadow Workbench: file-system caches of a Linux guest, merged with its disk; block-write journals replayed.");
		out.println();
		out.println("usage: ./cacheshadow <subcommand> [options]      ./cacheshadow help <subcommand>");
		out.println();
		out.println("  workbench [-case DIR]   open the workbench (needs a display)");
		for (Command c : commands) out.print(summaryRow(c.name(), c.summary()));
	}

	/** Width of the help's lines: a terminal of 120 columns. */
	static final int HELP_WIDTH = 120;

	/** "  NAME  summary", the summary's words wrapped to {@link #HELP_WIDTH} under its first column. */
	static String summaryRow(String name, String summary) {
		String indent = " ".repeat(26);
		StringBuilder row = new StringBuilder(String.format("  %-23s ", name));
		int lineStart = 0;
		boolean first = true;
		for (String word : summary.split(" ")) {
			if (!first && row.length() - lineStart + 1 + word.length() > HELP_WIDTH) {
				row.append(System.lineSeparator());
				lineStart = row.length();
				row.append(indent);
			} else if (!first) {
				row.append(' ');
			}
			row.append(word);
			first = false;
		}
		return row.append(System.lineSeparator()).toString();
	}
}
