package cacheshadow.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import cacheshadow.fuse.FuseMount;

/**
 * {@code ./cacheshadow mount OPTIONS MOUNTPOINT} served by a thread of this process, exactly as the command serves it
 * in the foreground, for as long as a caller (a test, {@code bench aide}) runs tools on it; {@link #close} unmounts
 * it as an examiner would ({@code fusermount3 -u}) and wants the command's exit status 0.
 */
public final class BackgroundMount implements AutoCloseable {
	private final Path mountpoint;
	private final Thread thread;
	private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
	private volatile int exit = -1;

	private BackgroundMount(Path mountpoint, List<String> args) {
		this.mountpoint = mountpoint;
		List<String> argv = new ArrayList<>();
		argv.add("mount");
		argv.addAll(args);
		argv.add(mountpoint.toString());
		thread = new Thread(() -> {
			try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
				exit = new Cli(o, e).run(argv.toArray(String[]::new));
			}
		}, "mount " + mountpoint);
		thread.setDaemon(true);
	}

	/** Starts the command and waits until the kernel lists the mount (at most {@code timeoutSeconds}). */
	public static BackgroundMount start(Path mountpoint, long timeoutSeconds, String... options) throws IOException, InterruptedException {
		BackgroundMount m = new BackgroundMount(mountpoint.toAbsolutePath().normalize(), List.of(options));
		m.thread.start();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
		while (!FuseMount.mountedAt(m.mountpoint)) {
			if (!m.thread.isAlive()) throw new IOException("mount " + String.join(" ", options) + " ended (exit " + m.exit + ") without mounting: " + m.err().strip());
			if (System.nanoTime() > deadline) {
				IOException late = new IOException("mount " + String.join(" ", options) + " not mounted after " + timeoutSeconds + " s: " + m.err().strip());
				try {
					m.close();
				} catch (IOException e) {
					late.addSuppressed(e);
				}
				throw late;
			}
			Thread.sleep(50);
		}
		return m;
	}

	public Path mountpoint() {
		return mountpoint;
	}

	/** What the command printed on stderr so far (findings; a live mount's pause and refresh times). */
	public String err() {
		return err.toString(StandardCharsets.UTF_8);
	}

	/** Unmounts ({@code fusermount3 -u}) and waits for the command; an exit status other than 0 is an error. */
	@Override
	public void close() throws IOException {
		try {
			if (FuseMount.mountedAt(mountpoint)) {
				Process p = new ProcessBuilder("fusermount3", "-u", mountpoint.toString()).redirectErrorStream(true).start();
				String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
				if (p.waitFor() != 0) throw new IOException("fusermount3 -u " + mountpoint + ": " + said.strip());
			}
			thread.join(TimeUnit.SECONDS.toMillis(60));
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while unmounting " + mountpoint);
		}
		if (thread.isAlive()) throw new IOException("mount at " + mountpoint + " still serving 60 s after fusermount3 -u");
		if (exit != 0) throw new IOException("mount at " + mountpoint + " exited " + exit + ": " + err().strip());
	}
}
