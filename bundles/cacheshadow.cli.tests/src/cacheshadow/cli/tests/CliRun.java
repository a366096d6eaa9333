package cacheshadow.cli.tests;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import cacheshadow.cli.Cli;

/** One in-process run of the command line: exit status, stdout, stderr. */
record CliRun(int code, String out, String err) {
	static CliRun of(String... args) {
		ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
		try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8); PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
			int code = new Cli(po, pe).run(args);
			return new CliRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
		}
	}
}
