package cacheshadow.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Assumptions;

/**
 * The real HDFS a WebHDFS test uses: Hadoop's mini cluster that releng/hdfs.sh starts (releng/test.sh starts it while
 * the build runs and passes its folder as {@code -Dcacheshadow.hdfs}). Without that property the test is aborted
 * (reported as skipped, not passed); once the cluster serves, every check must hold.
 */
public final class MiniHdfsDir {
	private static final AtomicLong FILES = new AtomicLong();
	private final String url;
	private final int control;

	private MiniHdfsDir(String url, int control) {
		this.url = url;
		this.control = control;
	}

	/** Waits (up to 3 minutes) for the cluster of {@code -Dcacheshadow.hdfs}, or aborts the test saying why there is none. */
	public static MiniHdfsDir await() throws Exception {
		String dir = System.getProperty("cacheshadow.hdfs", "");
		if (dir.isEmpty()) {
			System.out.println("HDFS TEST SKIPPED: no -Dcacheshadow.hdfs (releng/hdfs.sh start DIR)");
			Assumptions.abort("no mini HDFS (-Dcacheshadow.hdfs; releng/hdfs.sh start)");
		}
		Path d = Path.of(dir), address = d.resolve("address"), rc = d.resolveSibling(d.getFileName() + ".rc");
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
		while (!Files.isRegularFile(address)) {
			if (Files.isRegularFile(rc) || System.nanoTime() > deadline) {
				Path log = d.resolve("log");
				String tail = Files.isRegularFile(log) ? String.join("\n", tail(Files.readAllLines(log), 15)) : "(no log)";
				throw new AssertionError("the mini HDFS in " + d + " did not come up:\n" + tail);
			}
			Thread.sleep(500);
		}
		List<String> lines = Files.readAllLines(address);
		return new MiniHdfsDir(lines.get(0).strip(), Integer.parseInt(lines.get(1).strip()));
	}

	/** {@code webhdfs://127.0.0.1:PORT} */
	public String base() {
		return url;
	}

	/** A URL no other test in this JVM or before it used: {@code base/tests/<ns>-<n>/<name>}. */
	public String freshUrl(String name) {
		return url + "/tests/" + System.nanoTime() + "-" + FILES.incrementAndGet() + "/" + name;
	}

	/** Restarts the data node (a real restart: every transfer in flight breaks) and waits until it serves again. */
	public void restartDataNode() throws IOException {
		try (Socket s = new Socket(InetAddress.getLoopbackAddress(), control);
				PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
				BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
			s.setSoTimeout(120_000);
			out.println("restart-datanode");
			String answer = in.readLine();
			if (!"ok".equals(answer)) throw new IOException("restart-datanode: " + answer);
		}
	}

	private static List<String> tail(List<String> lines, int n) {
		return lines.subList(Math.max(0, lines.size() - n), lines.size());
	}
}
