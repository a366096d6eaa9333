package cacheshadow.pagecache;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import cacheshadow.listing.GuestName;
import cacheshadow.listing.Json;

/**
 * A minimal client of the QEMU Machine Protocol over its UNIX socket (docs/interop/qmp-spec): the greeting, then
 * {@code qmp_capabilities}, then one command at a time. Replies are JSON objects, one per line; asynchronous
 * {@code "event"} lines between them are skipped. What attaching to, pausing and snapshotting a guest needs:
 * {@code stop}, {@code cont}, {@code query-status}, {@code query-memdev}, {@code human-monitor-command} (for
 * {@code info mtree}, the guest's physical memory map), and any other command through {@link #call}.
 */
public final class QmpClient implements AutoCloseable {
	private final SocketChannel channel;
	private final BufferedReader in;

	private QmpClient(SocketChannel channel) {
		this.channel = channel;
		this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
	}

	/** Connects, reads the greeting and leaves capabilities negotiation mode. */
	public static QmpClient connect(Path socket) throws IOException {
		SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
		try {
			ch.connect(UnixDomainSocketAddress.of(socket));
			QmpClient c = new QmpClient(ch);
			String greeting = c.in.readLine();
			if (greeting == null || !greeting.contains("\"QMP\"")) throw new IOException(socket + ": no QMP greeting (" + greeting + ")");
			c.execute("qmp_capabilities");
			return c;
		} catch (IOException e) {
			ch.close();
			throw e;
		}
	}

	/** Runs a command without arguments; returns the reply line ({@code {"return": ...}}). */
	public String execute(String command) throws IOException {
		return execute(command, null);
	}

	/**
	 * Runs a command with arguments given as a JSON object text ({@code {"command-line": "info mtree"}}), or none
	 * when null; returns the reply line. Each line QEMU sends is read as JSON: an {@code "event"} line (a job's or the
	 * guest's state change, even one that carries an {@code "error"} field) is skipped, a {@code "return"} line is the
	 * reply, an {@code "error"} line an {@link IOException} with QEMU's description.
	 */
	public String execute(String command, String argumentsJson) throws IOException {
		byte[] cmd = ("{\"execute\": " + Json.quote(command) + (argumentsJson == null ? "" : ", \"arguments\": " + argumentsJson) + "}\n")
				.getBytes(StandardCharsets.UTF_8);
		ByteBuffer b = ByteBuffer.wrap(cmd);
		while (b.hasRemaining()) channel.write(b);
		for (int skipped = 0; skipped < 10_000; skipped++) {
			String line = in.readLine();
			if (line == null) throw new IOException("QMP connection closed during " + command);
			Map<?, ?> reply;
			try {
				reply = Json.parse(line) instanceof Map<?, ?> m ? m : null;
			} catch (IllegalArgumentException e) {
				throw new IOException("QMP " + command + ": a reply that is not JSON (" + e.getMessage() + "): " + GuestName.printable(line.substring(0, Math.min(200, line.length()))));
			}
			if (reply == null) throw new IOException("QMP " + command + ": a reply that is not a JSON object");
			if (reply.containsKey("event")) continue;
			if (reply.containsKey("return")) return line;
			if (reply.get("error") instanceof Map<?, ?> e) throw new IOException("QMP " + command + ": " + e.get("desc") + " (" + e.get("class") + ")");
			throw new IOException("QMP " + command + ": neither a reply nor an event: " + line);
		}
		throw new IOException("QMP " + command + ": no reply among 10000 lines");
	}

	/**
	 * Runs a command with {@code arguments} (none when null or empty) and returns its {@code "return"} value as
	 * {@link Json#parse} reads it (a map, a list, a string, ...).
	 */
	public Object call(String command, Map<String, ?> arguments) throws IOException {
		// one line per command: Json.of's line breaks are layout only (a newline inside a string is written as \n)
		String line = execute(command, arguments == null || arguments.isEmpty() ? null : Json.of(arguments).replace('\n', ' '));
		return ((Map<?, ?>) Json.parse(line)).get("return");
	}

	/** Pauses the guest's vCPUs (QMP {@code stop}). */
	public void stop() throws IOException {
		execute("stop");
	}

	/** Resumes the guest (QMP {@code cont}). */
	public void cont() throws IOException {
		execute("cont");
	}

	/** True when {@code query-status} says the vCPUs run. */
	public boolean running() throws IOException {
		return call("query-status", null) instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("running"));
	}

	/** The text a human-monitor command prints (QMP {@code human-monitor-command}), e.g. {@code info mtree}. */
	public String humanMonitor(String commandLine) throws IOException {
		if (call("human-monitor-command", Map.of("command-line", commandLine)) instanceof String text) return text;
		throw new IOException("QMP human-monitor-command " + commandLine + ": no text in the reply");
	}

	@Override
	public void close() throws IOException {
		channel.close();
	}
}
