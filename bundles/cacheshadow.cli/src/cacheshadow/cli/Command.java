package cacheshadow.cli;

import java.io.PrintStream;
import java.util.List;

/** One {@code ./cacheshadow} subcommand. Exit status: 0 success, 1 findings (when asked), 2 usage or evidence error. */
public interface Command {
	String name();

	/** One line for {@code --help}. */
	String summary();

	/** The full usage text. */
	String usage();

	int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
