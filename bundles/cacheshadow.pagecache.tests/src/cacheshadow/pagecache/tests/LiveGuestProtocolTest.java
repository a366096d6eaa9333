package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.pagecache.LiveGuest;

/**
 * The QMP side of live analysis against a scripted QMP server (greeting, capabilities, events interleaved with
 * replies, one of them carrying an {@code "error"} field): the guest is stopped around the analysis and resumed, also
 * when the analysis fails.
 */
class LiveGuestProtocolTest {
	/** Serves one QMP client; records the commands. */
	private static final class FakeQmp implements AutoCloseable {
		final ServerSocketChannel server;
		final List<String> commands = new CopyOnWriteArrayList<>();
		final Thread thread;
		volatile boolean running = true;

		FakeQmp(Path socket) throws IOException {
			server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
			server.bind(UnixDomainSocketAddress.of(socket));
			thread = new Thread(this::serve, "fake-qmp");
			thread.setDaemon(true);
			thread.start();
		}

		private void serve() {
			try (SocketChannel c = server.accept()) {
				BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
				send(c, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}");
				String line;
				while ((line = in.readLine()) != null) {
					String cmd = line.replaceAll(".*\"execute\":\\s*\"([^\"]+)\".*", "$1");
					commands.add(cmd);
					switch (cmd) {
					case "stop" -> {
						running = false;
						send(c, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}");
						// an event carrying an "error" field (a failed job's) is an event, not the reply to stop
						send(c, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"BLOCK_JOB_COMPLETED\", \"data\": {\"device\": \"j\", \"error\": \"No space left on device\", \"type\": \"backup\"}}");
						send(c, "{\"return\": {}}");
					}
					case "cont" -> {
						running = true;
						send(c, "{\"return\": {}}");
						send(c, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"RESUME\"}");
					}
					case "query-status" -> send(c, "{\"return\": {\"status\": \"" + (running ? "running" : "paused") + "\", \"singlestep\": false, \"running\": " + running + "}}");
					case "qmp_capabilities" -> send(c, "{\"return\": {}}");
					case "query-memdev" -> send(c, "{\"return\": [{\"share\": true, \"size\": 1048576, \"host-nodes\": [], \"id\": \"ram0\"}]}");
					case "human-monitor-command" -> send(c, "{\"return\": \"address-space: memory\\r\\n  0000000000000000-ffffffffffffffff (prio 0, i/o): system\\r\\n"
							+ "    0000000000000000-00000000000fffff (prio 0, ram): alias ram-below-4g @ram0 0000000000000000-00000000000fffff\\r\\n\\r\\n\"}");
					default -> send(c, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command " + cmd + " has not been found\"}}");
					}
				}
			} catch (IOException e) {
				// client gone
			}
		}

		private static void send(SocketChannel c, String s) throws IOException {
			ByteBuffer b = ByteBuffer.wrap((s + "\r\n").getBytes(StandardCharsets.UTF_8));
			while (b.hasRemaining()) c.write(b);
		}

		@Override
		public void close() throws IOException {
			server.close();
		}
	}

	@Test
	void pausesAroundTheAnalysisAndAlwaysResumes(@TempDir Path dir) throws Exception {
		Files.write(dir.resolve("ram"), new byte[1 << 20]);
		try (FakeQmp qmp = new FakeQmp(dir.resolve("qmp.sock")); LiveGuest g = LiveGuest.attach(dir)) {
			assertTrue(g.qmp().running());
			LiveGuest.Paused<Long> p = g.paused(ram -> {
				assertFalse(g.qmp().running(), "paused while analyzing");
				return ram.size();
			});
			assertEquals(1L << 20, p.result());
			assertTrue(p.pausedNanos() > 0);
			assertTrue(g.qmp().running());
			assertThrows(IOException.class, () -> g.paused(ram -> {
				throw new IOException("analysis failed");
			}));
			assertTrue(g.qmp().running(), "resumed after a failed analysis");
			assertThrows(IOException.class, () -> g.qmp().execute("no-such-command"));
			assertEquals(List.of("qmp_capabilities", "query-memdev", "human-monitor-command", "query-status", "stop", "query-status", "cont", "query-status", "stop", "cont", "query-status",
					"no-such-command"), qmp.commands);
		}
	}
}
