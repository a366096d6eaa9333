package cacheshadow.fuse;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few entry points of Debian's libfuse3 ({@code libfuse3.so.3}, package libfuse3-3) that a mount needs, as
 * declared in {@code <fuse3/fuse.h>} of libfuse 3.14 with {@code FUSE_USE_VERSION 31}. {@code fuse_new} is bound
 * by its versioned name {@code fuse_new_31} (the symbol the header's macro selects), so the ABI is unambiguous.
 */
public interface LibFuse3 extends Library {
	/** {@code struct fuse *fuse_new_31(struct fuse_args *args, const struct fuse_operations *op, size_t op_size, void *private_data)} */
	Pointer fuse_new_31(Pointer args, Pointer operations, long operationsSize, Pointer privateData);

	/** {@code int fuse_mount(struct fuse *f, const char *mountpoint)}: 0, or -1 (reason on stderr). */
	int fuse_mount(Pointer fuse, String mountpoint);

	/** {@code int fuse_loop(struct fuse *f)}: single-threaded request loop; returns when unmounted or exited. */
	int fuse_loop(Pointer fuse);

	/** {@code void fuse_exit(struct fuse *f)}: flags the loop to stop after the current request. */
	void fuse_exit(Pointer fuse);

	/** {@code void fuse_unmount(struct fuse *f)}: closes the device fd and unmounts unless already gone. */
	void fuse_unmount(Pointer fuse);

	/** {@code struct fuse_session *fuse_get_session(struct fuse *f)} */
	Pointer fuse_get_session(Pointer fuse);

	/** {@code int fuse_session_fd(struct fuse_session *se)}: the /dev/fuse descriptor once mounted. */
	int fuse_session_fd(Pointer session);

	/**
	 * {@code int fuse_session_custom_io(struct fuse_session *se, const struct fuse_custom_io *io, int fd)}: the
	 * session reads requests and writes replies through {@code io} (copied), on {@code fd}.
	 */
	int fuse_session_custom_io(Pointer session, Pointer io, int fd);

	/** {@code void fuse_destroy(struct fuse *f)} */
	void fuse_destroy(Pointer fuse);

	/**
	 * {@code int fuse_lowlevel_notify_inval_inode(struct fuse_session *se, fuse_ino_t ino, off_t off, off_t len)}:
	 * the kernel drops what it caches of the inode (a negative {@code off}: its attributes only).
	 */
	int fuse_lowlevel_notify_inval_inode(Pointer session, long ino, long off, long len);

	/** Loads {@code libfuse3.so.3} (the runtime package has no unversioned {@code libfuse3.so}). */
	static LibFuse3 load() throws java.io.IOException {
		try {
			return Native.load("libfuse3.so.3", LibFuse3.class);
		} catch (UnsatisfiedLinkError e) {
			throw new java.io.IOException("libfuse3 is not installed (apt-get install fuse3 libfuse3-3): " + e.getMessage());
		}
	}
}
