package cacheshadow.cli;

import java.io.PrintStream;

/** Dispatches subcommands; plain Java so tests can drive it without a framework. */
public final class Cli {
	private final PrintStream out;
	private final PrintStream err;

	public Cli(PrintStream out, PrintStream err) {
		this.out = out;
		this.err = err;
	}

	public int run(String[] args) {
		out.println("cacheshadow: " + String.join(" ", args));
		return 0;
	}
}
