package cacheshadow.merge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Arrays;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * A file or directory of the examiner's machine open by its descriptor ({@code O_CLOEXEC}): owner, mode and times
 * are set on the descriptor, never through a name; {@link #close()} releases it, once.
 */
abstract class HostDescriptor implements AutoCloseable {
	/** A name that is a symbolic link on the host where a directory was expected; not followed. */
	static final class LinkFound extends IOException {
		private static final long serialVersionUID = 1L;

		LinkFound(String name) {
			super(name + " is a symbolic link on the host");
		}
	}

	interface LibC extends Library {
		LibC C = Native.load("c", LibC.class);

		int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

		int mkdirat(int dirfd, byte[] path, int mode) throws LastErrorException;

		int symlinkat(byte[] target, int dirfd, byte[] path) throws LastErrorException;

		int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags) throws LastErrorException;

		int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

		long readlinkat(int dirfd, byte[] path, byte[] buf, long size) throws LastErrorException;

		int fchown(int fd, int uid, int gid) throws LastErrorException;

		int fchownat(int dirfd, byte[] path, int uid, int gid, int flags) throws LastErrorException;

		int fchmod(int fd, int mode) throws LastErrorException;

		int futimens(int fd, long[] times) throws LastErrorException;

		int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

		long write(int fd, Pointer buf, long count) throws LastErrorException;

		int close(int fd) throws LastErrorException;
	}

	// <fcntl.h> for x86-64 (the product's platform); arm64 numbers O_DIRECTORY and O_NOFOLLOW differently
	static final int O_WRONLY = 01, O_CREAT = 0100, O_EXCL = 0200, O_CLOEXEC = 02000000;
	static final int O_DIRECTORY = Platform.isARM() ? 040000 : 0200000, O_NOFOLLOW = Platform.isARM() ? 0100000 : 0400000;
	static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
	static final int ENOENT = 2, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINTR = 4, ELOOP = 40;
	static final int OPEN_DIRECTORY = O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

	/** For messages only: the descriptor, not this, is what is used. */
	final String path;
	final int fd;
	private boolean closed;

	HostDescriptor(String path, int fd) {
		this.path = path;
		this.fd = fd;
	}

	/** Owner, permission bits and times; what is refused (an owner, as an unprivileged user) is thrown after the rest is set. */
	void attributes(int uid, int gid, int mode, long atime, long mtime, long mtimeNanos) throws IOException {
		IOException first = null;
		try {
			LibC.C.fchown(fd, uid, gid);
		} catch (LastErrorException e) {
			first = new IOException("owner " + uid + ":" + gid + " not applied: " + error(path, e).getMessage());
		}
		try {
			LibC.C.fchmod(fd, mode);
			LibC.C.futimens(fd, times(atime, mtime, mtimeNanos));
		} catch (LastErrorException e) {
			if (first == null) first = error(path, e);
		}
		if (first != null) throw first;
	}

	@Override
	public void close() {
		if (closed) return;
		closed = true;
		try {
			LibC.C.close(fd);
		} catch (LastErrorException e) {
			// Linux releases the descriptor even when close reports an error: nothing to retry
		}
	}

	@Override
	public String toString() {
		return path;
	}

	/** struct timespec[2]: access, then modification (64-bit time_t and long). */
	static long[] times(long atime, long mtime, long mtimeNanos) {
		return new long[] { atime, 0, mtime, mtimeNanos };
	}

	/** The name as the C string the kernel takes: UTF-8, NUL-terminated (a name holding NUL is refused). */
	static byte[] name(String s) throws IOException {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		for (byte x : b) if (x == 0) throw new IOException("name holds NUL: " + cacheshadow.listing.GuestName.printable(s));
		return Arrays.copyOf(b, b.length + 1);
	}

	/** A call whose failure is thrown as the IOException its errno means. */
	static int call(String name, java.util.function.IntSupplier c) throws IOException {
		try {
			return c.getAsInt();
		} catch (LastErrorException e) {
			throw error(name, e);
		}
	}

	static IOException error(String name, LastErrorException e) {
		return switch (e.getErrorCode()) {
		case ELOOP -> new LinkFound(name);
		case ENOTDIR -> new NotDirectoryException(name);
		case EEXIST -> new FileAlreadyExistsException(name);
		case ENOENT -> new NoSuchFileException(name);
		default -> new IOException(name + ": " + e.getMessage());
		};
	}
}
