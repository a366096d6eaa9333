package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import cacheshadow.journal.JournalShipper;
import cacheshadow.journal.WebHdfs;

/** {@code ship}: copies a journal's whole entries to HDFS over WebHDFS, once or while it grows, resuming after failures. */
final class ShipCommand implements Command {
	@Override
	public String name() {
		return "ship";
	}

	@Override
	public String summary() {
		return "ship a write journal to HDFS over WebHDFS (resuming where HDFS stands), once or while it is recorded";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow ship --journal J --to webhdfs://HOST[:PORT]/PATH[?user.name=U] [--follow [--idle SECONDS]]
				                          [--retry-for SECONDS]
				  Appends to the HDFS file PATH (created if missing) the bytes of J's whole entries it does not hold
				  yet, after forcing J to disk: HDFS never holds a torn record or one J could lose in a crash. PORT is
				  the name node's HTTP port (default 9870); the user is U, else $HADOOP_USER_NAME, else yours.
				  Resumes at the HDFS file's length, byte for byte: after a failure (a connection lost, a data node
				  restarted) it waits for HDFS to close the file the lost request left open, then goes on; nothing
				  is lost or sent twice. A file at PATH whose last bytes are not J's there is refused (exit 2).
				  --follow          keep shipping as J grows (a journal being recorded), polling every 0.5 s, until
				                    Ctrl-C, or until J has not grown for --idle SECONDS
				  --retry-for S     give up when failures last S seconds without progress (default 600)
				  Read it in place: ./cacheshadow timeline|replay|changes|search --journal webhdfs://...""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, Set.of("journal", "to", "idle", "retry-for"), Set.of("follow"));
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		Path journal = a.requiredPath("journal");
		String url = a.required("to");
		if (!WebHdfs.isUrl(url)) throw new UsageException("--to: not a webhdfs:// URL: " + url);
		if (a.option("idle") != null && !a.flag("follow")) throw new UsageException("--idle needs --follow");
		JournalShipper shipper;
		try {
			shipper = new JournalShipper(journal, url, Duration.ofSeconds(seconds(a, "retry-for", 600)), err::println);
		} catch (IllegalArgumentException e) {
			throw new UsageException("--to: " + e.getMessage());
		}
		long t0 = System.nanoTime();
		long bytes = a.flag("follow") ? shipper.follow(Duration.ofMillis(500), a.option("idle") == null ? null : Duration.ofSeconds(seconds(a, "idle", 0)))
				: shipper.shipOnce();
		double s = (System.nanoTime() - t0) / 1e9;
		out.printf(Locale.ROOT, "shipped %s to %s: HDFS holds %d bytes (%d retries, %.2f s)%n", journal, url, bytes, shipper.retries(), s);
		return 0;
	}

	private static long seconds(Args a, String name, long dflt) throws UsageException {
		String v = a.option(name);
		if (v == null) return dflt;
		try {
			long n = Long.parseLong(v);
			if (n < 0 || n > 86_400 * 365L) throw new NumberFormatException();
			return n;
		} catch (NumberFormatException e) {
			throw new UsageException("--" + name + ": not a number of seconds: " + v);
		}
	}
}
