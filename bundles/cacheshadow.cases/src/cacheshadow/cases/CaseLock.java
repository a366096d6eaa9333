package cacheshadow.cases;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The case folder's lock ({@code case.lock}): an exclusive lock on that file for as long as a process has the case
 * open, and in the file who that is (pid, program, host, since when, the case's name), so a second process — another
 * workbench, or the command line while a workbench has the case — is told which case and what holds it, in one line,
 * before it touches the database. The operating system drops the lock when its process ends, even by
 * {@code kill -9}: a lock file left behind holds nothing. Within one process the lock is shared and counted (the
 * embedded database is shared there as well). A case on a read-only file system (archived media) is not locked: no
 * process can change it, so every one may read it.
 */
final class CaseLock implements AutoCloseable {
	static final String FILE = "case.lock";
	private static final Map<Path, CaseLock> HELD = new HashMap<>();

	private final Path dir;
	private final FileChannel channel;
	private final FileLock lock;
	private int users = 1;
	private final Properties holder = new Properties();

	private CaseLock(Path dir, FileChannel channel, FileLock lock) {
		this.dir = dir;
		this.channel = channel;
		this.lock = lock;
	}

	/** Takes the lock of case folder {@code dir} (which exists), or says who has it. */
	static CaseLock acquire(Path dir, String program) throws CaseException {
		Path key;
		try {
			key = dir.toRealPath();
		} catch (IOException e) {
			throw new CaseException(dir + ": " + e.getMessage());
		}
		synchronized (HELD) {
			CaseLock held = HELD.get(key);
			if (held != null) {
				held.users++;
				return held;
			}
			Path file = key.resolve(FILE);
			FileChannel ch = null;
			try {
				if (Files.getFileStore(key).isReadOnly()) { // archived media: nothing can change the case, so it is shared
					CaseLock c = new CaseLock(key, null, null);
					HELD.put(key, c);
					return c;
				}
				ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
				FileLock l;
				try {
					l = ch.tryLock();
				} catch (OverlappingFileLockException e) {
					l = null; // cannot happen while HELD is consulted first; treated as held
				}
				if (l == null) {
					String who = describe(ch);
					ch.close();
					throw new CaseException(dir + ": " + who + "; close it there (or let it finish) and try again");
				}
				CaseLock c = new CaseLock(key, ch, l);
				c.holder.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
				c.holder.setProperty("program", program);
				c.holder.setProperty("user", System.getProperty("user.name", "unknown"));
				c.holder.setProperty("host", hostName());
				c.holder.setProperty("since", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
				c.write();
				HELD.put(key, c);
				return c;
			} catch (IOException e) {
				try {
					if (ch != null) ch.close();
				} catch (IOException ignored) {
					// the lock file could not be used; the error below says so
				}
				if (e instanceof CaseException ce) throw ce;
				throw new CaseException(file + ": cannot lock the case (" + e.getMessage() + ")");
			}
		}
	}

	/** A case on a read-only file system: not locked (no process can change it), opened read-only by every one. */
	boolean readOnly() {
		return channel == null;
	}

	/** Adds the case's name to what the lock file says (once the database is open and the name known). */
	void name(String caseName) {
		if (readOnly() || caseName == null || caseName.equals(holder.getProperty("case"))) return;
		holder.setProperty("case", caseName);
		try {
			write();
		} catch (IOException e) {
			// the name only makes the other process's message friendlier; the lock itself holds
		}
	}

	private void write() throws IOException {
		StringBuilder sb = new StringBuilder("# the process that has this case open; the lock is dropped when it ends\n");
		for (String k : new String[] { "pid", "program", "user", "host", "since", "case" }) {
			String v = holder.getProperty(k);
			if (v != null) sb.append(k).append('=').append(v.replace('\n', ' ').replace('\r', ' ')).append('\n');
		}
		byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
		channel.truncate(0);
		ByteBuffer buf = ByteBuffer.wrap(b);
		while (buf.hasRemaining()) channel.write(buf, buf.position());
	}

	/** Who holds the lock, from what the holder wrote (it may not have written yet). */
	private static String describe(FileChannel ch) throws IOException {
		ByteBuffer buf = ByteBuffer.allocate(4096);
		while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
			// read what is there
		}
		Properties p = new Properties();
		try {
			p.load(new StringReader(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)));
		} catch (IllegalArgumentException malformed) { // a \\u escape that is none (no holder of ours writes one): it says nothing usable
			p.clear();
		}
		String name = p.getProperty("case");
		StringBuilder sb = new StringBuilder(name == null ? "the case" : "the case \"" + name + "\"");
		sb.append(" is open in another process");
		String pid = p.getProperty("pid");
		if (pid == null) return sb.append(" (which has not said which yet)").toString();
		sb.append(": pid ").append(pid);
		if (p.getProperty("program") != null) sb.append(", ").append(p.getProperty("program"));
		if (p.getProperty("user") != null) sb.append(", user ").append(p.getProperty("user"));
		if (p.getProperty("host") != null) sb.append(", on ").append(p.getProperty("host"));
		if (p.getProperty("since") != null) sb.append(" since ").append(p.getProperty("since"));
		return sb.toString();
	}

	/** The kernel's host name (no name service asked: that can take seconds when it is unreachable). */
	private static String hostName() {
		try {
			return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
		} catch (IOException | RuntimeException e) {
			return "this host";
		}
	}

	@Override
	public void close() {
		synchronized (HELD) {
			if (--users > 0) return;
			HELD.remove(dir);
			if (readOnly()) return;
			try {
				lock.release();
				channel.close();
			} catch (IOException e) {
				// closing the channel drops the lock in any case
			}
		}
	}
}
