package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

/**
 * A directory of the examiner's machine held open by its descriptor; everything made in it is made relative to that
 * descriptor, one name at a time ({@code openat}, {@code mkdirat}, {@code symlinkat}, {@code linkat},
 * {@code unlinkat}), never following a link: a name is never a path, so a directory of the export that something on
 * the host swaps for a symbolic link mid-export is not passed through — an open directory stays the directory it was,
 * and one opened again by name is opened {@code O_NOFOLLOW|O_DIRECTORY} ({@link LinkFound} when it is a link now).
 * Files are created {@code O_CREAT|O_EXCL|O_NOFOLLOW}; owner, mode and times are set on the open descriptor, or for a
 * symbolic link with {@code AT_SYMLINK_NOFOLLOW}.
 */
final class HostDirectory extends HostDescriptor {
	private HostDirectory(String path, int fd) {
		super(path, fd);
	}

	/** Opens {@code dir} (made if needed), resolved once: the examiner's own folder, below which nothing is followed. */
	static HostDirectory open(Path dir) throws IOException {
		java.nio.file.Files.createDirectories(dir);
		String real = dir.toRealPath().toString();
		byte[] n = name(real);
		return new HostDirectory(real, call(real, () -> LibC.C.openat(AT_FDCWD, n, OPEN_DIRECTORY, 0)));
	}

	/**
	 * The directory {@code name} in this one, made (mode 0700 until {@link #attributes} sets the guest's) or found
	 * there as a real directory: {@link LinkFound} when the name is a symbolic link, {@link NotDirectoryException}
	 * when it is something else.
	 */
	HostDirectory directory(String name) throws IOException {
		try {
			LibC.C.mkdirat(fd, name(name), 0700);
		} catch (LastErrorException e) {
			if (e.getErrorCode() != EEXIST) throw error(name, e);
		}
		return existingDirectory(name);
	}

	/** The directory {@code name} in this one, opened without following a link (see {@link #directory}). */
	HostDirectory existingDirectory(String name) throws IOException {
		try {
			return new HostDirectory(path + "/" + name, LibC.C.openat(fd, name(name), OPEN_DIRECTORY, 0));
		} catch (LastErrorException e) {
			// O_NOFOLLOW|O_DIRECTORY on a link is ELOOP or, on newer kernels, ENOTDIR: a link reads as one
			if (e.getErrorCode() == ENOTDIR && isLink(name)) throw new LinkFound(name);
			throw error(name, e);
		}
	}

	private boolean isLink(String name) throws IOException {
		try {
			LibC.C.readlinkat(fd, name(name), new byte[1], 1);
			return true;
		} catch (LastErrorException e) {
			return false;
		}
	}

	/** A new regular file {@code name} (mode 0600 until {@link HostFile#attributes}); an existing name is an error. */
	HostFile createFile(String name) throws IOException {
		byte[] n = name(name);
		return new HostFile(path + "/" + name, call(name, () -> LibC.C.openat(fd, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)));
	}

	/** A symbolic link {@code name} whose target is {@code target}, as data: it is never followed here. */
	void symlink(String target, String name) throws IOException {
		byte[] t = name(target), n = name(name);
		call(name, () -> LibC.C.symlinkat(t, fd, n));
	}

	/** A hard link {@code name} to {@code existing} of {@code from} (linkat without AT_SYMLINK_FOLLOW). */
	void link(HostDirectory from, String existing, String name) throws IOException {
		byte[] e = name(existing), n = name(name);
		call(name, () -> LibC.C.linkat(from.fd, e, fd, n, 0));
	}

	/** Removes the non-directory {@code name} (a link is removed, never followed): false when it is a directory. */
	boolean removeLeaf(String name) throws IOException {
		try {
			LibC.C.unlinkat(fd, name(name), 0);
		} catch (LastErrorException e) {
			if (e.getErrorCode() == EISDIR) return false;
			if (e.getErrorCode() != ENOENT) throw error(name, e);
		}
		return true;
	}

	/** Owner and times of the symbolic link {@code name} itself. */
	void linkAttributes(String name, int uid, int gid, long atime, long mtime, long mtimeNanos) throws IOException {
		byte[] n = name(name);
		call(name, () -> LibC.C.fchownat(fd, n, uid, gid, AT_SYMLINK_NOFOLLOW));
		call(name, () -> LibC.C.utimensat(fd, n, times(atime, mtime, mtimeNanos), AT_SYMLINK_NOFOLLOW));
	}

	/** A regular file being written, by its descriptor. */
	static final class HostFile extends HostDescriptor {
		private final Memory buffer = new Memory(1 << 16);

		private HostFile(String path, int fd) {
			super(path, fd);
		}

		void write(byte[] b, int off, int len) throws IOException {
			while (len > 0) {
				int n = (int) Math.min(len, buffer.size());
				buffer.write(0, b, off, n);
				long done = 0;
				while (done < n) {
					try {
						done += LibC.C.write(fd, buffer.share(done), n - done);
					} catch (LastErrorException e) {
						if (e.getErrorCode() != EINTR) throw error(path, e);
					}
				}
				off += n;
				len -= n;
			}
		}

		@Override
		public void close() {
			super.close();
			buffer.close();
		}
	}
}
