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

/**
 * A minimal client of the QEMU Machine Protocol over its UNIX socket (docs/interop/qmp-spec): the greeting, then
 * {@code qmp_capabilities}, then one command at a time. Replies are JSON objects, one per line; asynchronous
 * {@code "event"} lines between them are skipped. Only what attaching to and pausing a guest needs: {@code stop},
 * {@code cont}, {@code query-status}, {@code query-memdev} and {@code human-monitor-command} (for {@code info mtree},
 * the guest's physical memory map).
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
	 * when null; returns the reply line.
	 */
	public String execute(String command, String argumentsJson) throws IOException {
		byte[] cmd = ("{\"execute\": \"" + command + "\"" + (argumentsJson == null ? "" : ", \"arguments\": " + argumentsJson) + "}\n")
				.getBytes(StandardCharsets.UTF_8);
		ByteBuffer b = ByteBuffer.wrap(cmd);
		while (b.hasRemaining()) channel.write(b);
		for (int skipped = 0; skipped < 10_000; skipped++) {
			String line = in.readLine();
			if (line == null) throw new IOException("QMP connection closed during " + command);
			if (line.contains("\"return\"")) return line;
			if (line.contains("\"error\"")) throw new IOException("QMP " + command + ": " + line);
			// an "event" line: skip
		}
		throw new IOException("QMP " + command + ": no reply among 10000 lines");
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
		String r = execute("query-status");
		return r.replace(" ", "").contains("\"running\":true");
	}

	/** The text a human-monitor command prints (QMP {@code human-monitor-command}), e.g. {@code info mtree}. */
	public String humanMonitor(String commandLine) throws IOException {
		String reply = execute("human-monitor-command", "{\"command-line\": " + jsonString(commandLine) + "}");
		int k = reply.indexOf("\"return\"");
		int q = reply.indexOf('"', reply.indexOf(':', k) + 1);
		if (k < 0 || q < 0) throw new IOException("QMP human-monitor-command " + commandLine + ": no text in the reply");
		StringBuilder b = new StringBuilder();
		for (int i = q + 1; i < reply.length(); i++) {
			char c = reply.charAt(i);
			if (c == '"') return b.toString();
			if (c != '\\') {
				b.append(c);
				continue;
			}
			if (++i >= reply.length()) break;
			char e = reply.charAt(i);
			switch (e) {
			case 'n' -> b.append('\n');
			case 'r' -> b.append('\r');
			case 't' -> b.append('\t');
			case 'b' -> b.append('\b');
			case 'f' -> b.append('\f');
			case 'u' -> {
				if (i + 4 >= reply.length()) throw new IOException("QMP human-monitor-command: truncated escape");
				b.append((char) Integer.parseInt(reply.substring(i + 1, i + 5), 16));
				i += 4;
			}
			default -> b.append(e);
			}
		}
		throw new IOException("QMP human-monitor-command " + commandLine + ": unterminated text in the reply");
	}

	static String jsonString(String s) {
		StringBuilder b = new StringBuilder("\"");
		for (char c : s.toCharArray()) {
			if (c == '"' || c == '\\') b.append('\\').append(c);
			else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
			else b.append(c);
		}
		return b.append('"').toString();
	}

	@Override
	public void close() throws IOException {
		channel.close();
	}
}
