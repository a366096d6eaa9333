package cacheshadow.journal;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The recorder's NBD server: listens on a UNIX socket (only the host's processes that may open that path reach it,
 * never the guest) and serves each connection on its own thread as an {@link NbdSession} of the one export, the
 * {@link RecordingDisk}; the disk applies one request at a time.
 */
public final class NbdServer implements AutoCloseable {
	private final RecordingDisk disk;
	private final ServerSocketChannel server;
	private final Path socket;
	private final PrintStream log;

	private NbdServer(RecordingDisk disk, ServerSocketChannel server, Path socket, PrintStream log) {
		this.disk = disk;
		this.server = server;
		this.socket = socket;
		this.log = log;
	}

	/** Listens on a new UNIX socket at {@code socket} (a stale socket file left by a killed recorder is replaced). */
	public static NbdServer listen(RecordingDisk disk, Path socket, PrintStream log) throws IOException {
		Files.deleteIfExists(socket);
		ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		s.bind(UnixDomainSocketAddress.of(socket));
		return new NbdServer(disk, s, socket, log);
	}

	/** Accepts connections until {@link #close()}; each is served on its own thread. */
	public void serve() throws IOException {
		int n = 0;
		while (true) {
			SocketChannel c;
			try {
				c = server.accept();
			} catch (ClosedChannelException e) {
				return;
			}
			int id = ++n;
			Thread t = new Thread(() -> connection(c, id), "nbd-" + id);
			t.setDaemon(true);
			t.start();
		}
	}

	private void connection(SocketChannel c, int id) {
		try (c) {
			new NbdSession(disk, log).serve(Channels.newInputStream(c), Channels.newOutputStream(c));
		} catch (EOFException e) {
			log.println("recorder: connection " + id + " closed by the client");
		} catch (IOException | RuntimeException e) {
			log.println("recorder: connection " + id + " ended: " + e);
		}
	}

	@Override
	public void close() throws IOException {
		server.close();
		Files.deleteIfExists(socket);
	}
}
