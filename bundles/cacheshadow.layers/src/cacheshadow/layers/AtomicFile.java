package cacheshadow.layers;

import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file that appears whole or not at all. It is written under a temporary name in its target's folder
 * ({@code .NAME.partial-PID-N}: hidden, and never a name anything reads), forced to stable storage, then renamed over
 * the target in one step and the folder forced; a crash at any moment leaves the old file or the new one, never a
 * part of either. A temporary file whose process died (its pid is in the name) is removed by the next write of the
 * same target. Closing without {@link #commit} removes the temporary file.
 */
public final class AtomicFile implements AutoCloseable {
	private static final String PARTIAL = ".partial-";
	private static final AtomicLong SERIAL = new AtomicLong();
	/** Room left for {@code ".partial-PID-N"} and the leading dot in a 255-byte name. */
	private static final int NAME_ROOM = 200;

	private final Path target;
	private final Path temp;
	private final FileChannel channel;
	private boolean done;

	private AtomicFile(Path target, Path temp, FileChannel channel) {
		this.target = target;
		this.temp = temp;
		this.channel = channel;
	}

	/** Starts writing {@code target}: an empty temporary file beside it, open for reading and writing. */
	public static AtomicFile create(Path target) throws IOException {
		Path t = target.toAbsolutePath().normalize();
		if (t.getFileName() == null) throw new IOException(target + ": not a file name");
		removeStale(t);
		Path temp = t.resolveSibling(prefix(t) + ProcessHandle.current().pid() + "-" + SERIAL.incrementAndGet());
		FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
		return new AtomicFile(t, temp, ch);
	}

	public Path target() {
		return target;
	}

	/** Where the bytes go until {@link #commit}. */
	public Path temp() {
		return temp;
	}

	public FileChannel channel() {
		return channel;
	}

	/**
	 * An unbuffered stream into the channel; wrap it in a buffer and flush or close that before {@link #commit}.
	 * Closing the stream leaves the channel open for the commit.
	 */
	public OutputStream stream() {
		return new FilterOutputStream(Channels.newOutputStream(channel)) {
			@Override
			public void write(byte[] b, int off, int len) throws IOException {
				out.write(b, off, len);
			}

			@Override
			public void close() throws IOException {
				flush();
			}
		};
	}

	/** Forces the bytes, renames the file over the target (replacing it) and forces the folder. */
	public void commit() throws IOException {
		finish();
		Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		done = true;
		forceDirectory(target.getParent());
	}

	/**
	 * {@link #commit} that never replaces: the target appears (as a hard link, made in one step) only if nothing was
	 * there; otherwise {@link FileAlreadyExistsException} and the temporary file is removed.
	 */
	public void commitNew() throws IOException {
		finish();
		try {
			Files.createLink(target, temp);
		} catch (FileAlreadyExistsException e) {
			throw e;
		} catch (UnsupportedOperationException | FileSystemException e) {
			// a file system without hard links (FAT, exFAT): checked, then renamed; only a race with another writer remains
			if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(target.toString());
			Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
		} finally {
			Files.deleteIfExists(temp);
			done = true;
		}
		forceDirectory(target.getParent());
	}

	private void finish() throws IOException {
		if (done) throw new IllegalStateException(target + ": already committed");
		channel.force(true);
		channel.close();
	}

	/** Without a commit: the temporary file is removed and the target stays as it was. */
	@Override
	public void close() throws IOException {
		if (done) return;
		done = true;
		try {
			channel.close();
		} finally {
			Files.deleteIfExists(temp);
		}
	}

	/** What writes a text file's content. */
	public interface TextBody {
		void write(Writer w) throws IOException;
	}

	/** Writes {@code target} as UTF-8 text, whole or not at all. */
	public static void writeText(Path target, TextBody body) throws IOException {
		try (AtomicFile f = create(target)) {
			Writer w = new BufferedWriter(new OutputStreamWriter(f.stream(), StandardCharsets.UTF_8), 1 << 16);
			body.write(w);
			w.flush();
			f.commit();
		}
	}

	/** Forces a folder's entries (a rename or a new name in it) to stable storage. */
	public static void forceDirectory(Path dir) throws IOException {
		try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
			d.force(true);
		}
	}

	/** Whether {@code file}'s name is that of a temporary file of this class (never a whole file). */
	public static boolean isTemporary(Path file) {
		String n = file.getFileName() == null ? "" : file.getFileName().toString();
		return n.startsWith(".") && n.contains(PARTIAL);
	}

	/** Removes the temporary files of {@code target} left by processes that are gone (a crash, a kill). */
	public static void removeStale(Path target) throws IOException {
		Path t = target.toAbsolutePath().normalize();
		Path dir = t.getParent();
		if (dir == null || !Files.isDirectory(dir)) return;
		String prefix = prefix(t);
		try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
			for (Path p : ds) {
				String rest = p.getFileName().toString().substring(prefix.length());
				int dash = rest.indexOf('-');
				long pid;
				try {
					pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
				} catch (NumberFormatException e) {
					continue; // not one of ours
				}
				if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue; // still being written
				Files.deleteIfExists(p);
			}
		}
	}

	/** {@code .NAME.partial-}, the name cut (at a character) so the temporary name fits the host's 255 bytes. */
	private static String prefix(Path target) {
		String n = target.getFileName().toString();
		while (n.getBytes(StandardCharsets.UTF_8).length > NAME_ROOM) n = n.substring(0, n.offsetByCodePoints(0, n.codePointCount(0, n.length()) - 1));
		return "." + n + PARTIAL;
	}
}
