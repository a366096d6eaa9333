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
 * {@code "event"} lines between them are skipped. Only what pausing a guest needs: {@code stop}, {@code cont},
 * {@code query-status}.
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
		byte[] cmd = ("{\"execute\": \"" + command + "\"}\n").getBytes(StandardCharsets.UTF_8);
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

	@Override
	public void close() throws IOException {
		channel.close();
	}
}
