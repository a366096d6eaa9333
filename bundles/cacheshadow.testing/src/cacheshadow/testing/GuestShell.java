package cacheshadow.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The command shell of a live guest started by releng/live-guest.sh: its second serial port, {@code DIR/guest.sock}
 * (the protocol is in releng/live-guest/guest-shell; {@code live-guest.sh run DIR COMMAND} is the same from a
 * shell). Tests make the running guest change its own files with it.
 */
public final class GuestShell {
	/** A command's exit status and output (stdout and stderr, trailing newlines dropped). */
	public record Result(int status, String out) {
	}

	private GuestShell() {
	}

	/** Whether the guest in {@code dir} has the shell (a guest started some other way has none). */
	public static boolean present(Path dir) {
		return Files.exists(dir.resolve("guest.sock"));
	}

	/** Runs one line of sh in the guest; at most {@code timeoutSeconds} for the answer. */
	public static Result run(Path dir, String command, long timeoutSeconds) throws IOException {
		if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) throw new IllegalArgumentException("one line of sh: " + command);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
		try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("guest.sock"))); Selector sel = Selector.open()) {
			ByteBuffer cmd = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
			while (cmd.hasRemaining()) ch.write(cmd);
			ch.configureBlocking(false);
			ch.register(sel, SelectionKey.OP_READ);
			ByteArrayOutputStream got = new ByteArrayOutputStream();
			ByteBuffer buf = ByteBuffer.allocate(8192);
			int status = -1, length = -1, bodyStart = -1;
			while (true) {
				byte[] b = got.toByteArray();
				if (bodyStart < 0) {
					for (int i = 0; i < b.length; i++) {
						if (b[i] != '\n') continue;
						String[] head = new String(b, 0, i, StandardCharsets.UTF_8).split(" ");
						if (head.length != 3 || !head[0].equals("GUEST-SHELL")) throw new IOException("guest shell: unexpected answer " + new String(b, 0, i, StandardCharsets.UTF_8));
						status = Integer.parseInt(head[1]);
						length = Integer.parseInt(head[2]);
						bodyStart = i + 1;
						break;
					}
				}
				if (bodyStart >= 0 && b.length - bodyStart >= length) return new Result(status, new String(b, bodyStart, length, StandardCharsets.UTF_8));
				long left = deadline - System.nanoTime();
				if (left <= 0) throw new IOException("guest shell: no answer to '" + command + "' within " + timeoutSeconds + " s");
				sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
				sel.selectedKeys().clear();
				buf.clear();
				int n = ch.read(buf);
				if (n < 0) throw new IOException("guest shell: connection closed before the answer to '" + command + "'");
				got.write(buf.array(), 0, n);
			}
		}
	}

	/** Runs the command and wants exit status 0; its output. */
	public static String ok(Path dir, String command) throws IOException {
		Result r = run(dir, command, 120);
		if (r.status() != 0) throw new IOException("guest command '" + command + "' exited " + r.status() + ": " + r.out());
		return r.out();
	}
}
