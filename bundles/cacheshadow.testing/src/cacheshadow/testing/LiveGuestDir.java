package cacheshadow.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The running guest a live test reads: releng/test.sh starts it in the background (releng/live-guest.sh) while the
 * build runs, and it is ready when its {@code live.txt} appears. When releng/live-guest.sh could not start one
 * here (no QEMU, no kernel package to download: it ended without {@code live.txt}, see {@code DIR.rc}, or hung), the
 * test is aborted — reported as skipped with the tool's log, not passed; once a guest runs, every check must hold.
 */
public final class LiveGuestDir {
	private LiveGuestDir() {
	}

	/** The guest directory of {@code -Dcacheshadow.live}, once its guest is up (else the test is aborted, see {@link #await(Path)}). */
	public static Path await() throws Exception {
		Path dir = Path.of(System.getProperty("cacheshadow.live"));
		await(dir);
		return dir;
	}

	/** Waits (up to 20 minutes) for the guest in {@code dir}, or aborts the test with why it did not come up. */
	public static void await(Path dir) throws Exception {
		Path rc = dir.resolveSibling(dir.getFileName() + ".rc"), log = dir.resolveSibling(dir.getFileName() + ".log");
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
		while (!Files.isRegularFile(dir.resolve("live.txt"))) {
			if (Files.isRegularFile(rc) || System.nanoTime() > deadline) {
				String tail = Files.isRegularFile(log) ? String.join("\n", tail(Files.readAllLines(log), 15)) : "(no log)";
				String why = "the live guest in " + dir + " did not come up ("
						+ (Files.isRegularFile(rc) ? "live-guest.sh exit " + Files.readString(rc).strip() : "timeout") + "):\n" + tail;
				System.out.println("LIVE GUEST TEST SKIPPED: " + why);
				Assumptions.abort(why);
			}
			Thread.sleep(1000);
		}
		if (Files.isRegularFile(log)) System.out.println("live guest ready: " + tail(Files.readAllLines(log), 3));
	}

	private static List<String> tail(List<String> lines, int n) {
		return lines.subList(Math.max(0, lines.size() - n), lines.size());
	}
}
