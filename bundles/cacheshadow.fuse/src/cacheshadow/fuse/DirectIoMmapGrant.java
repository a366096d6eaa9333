package cacheshadow.fuse;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * Grants the kernel's {@code FUSE_DIRECT_IO_ALLOW_MMAP} (protocol 7.39, Linux 6.6), which libfuse 3.14 predates,
 * so files can be opened {@code FOPEN_DIRECT_IO} and still be mapped {@code MAP_SHARED} (without the grant the
 * kernel refuses such an mmap with ENODEV: Java's {@code FileChannel.map}, Python's mmap, many tools).
 * <p>
 * libfuse builds the INIT reply only from capabilities it knows, so the reply is amended on its way out: a
 * {@code struct fuse_custom_io} ({@code fuse_lowlevel.h}) whose {@code writev} sets {@code FUSE_INIT_EXT} and the
 * flag's bit in {@code fuse_init_out.flags2} of the first reply (INIT is the first request libfuse answers), then
 * hands the session libc's own {@code read}/{@code writev} for every later request (their extra {@code userdata}
 * argument is ignored under the x86-64 calling convention), so no request but INIT passes through Java.
 */
final class DirectIoMmapGrant {
	static final int FIRST_MINOR = 39; // fuse.h: 7.39 adds FUSE_DIRECT_IO_ALLOW_MMAP
	// struct fuse_out_header: len 0, error 4, unique 8 (16 bytes); struct fuse_init_out: major 0, flags 12, flags2 32
	private static final int OUT_ERROR = 4, INIT_MAJOR = 0, INIT_FLAGS = 12, INIT_FLAGS2 = 32, INIT_OUT_MIN = 36;
	private static final int FUSE_INIT_EXT = 1 << 30, DIRECT_IO_ALLOW_MMAP_IN_FLAGS2 = 1 << (36 - 32);
	private static final int IOVEC = 16; // struct iovec: void *iov_base; size_t iov_len

	/** {@code ssize_t (*writev)(int fd, struct iovec *iov, int count, void *userdata)} */
	interface Writev extends Callback {
		long invoke(int fd, Pointer iov, int count, Pointer userdata);
	}

	private final LibFuse3 fuse;
	private final Pointer session;
	private final int fd;
	private final Function libcWritev, libcRead;
	private final Writev amend = this::writevAmendingInit; // strong reference: C holds only the pointer
	private volatile int kernelMinor;
	private volatile boolean granted;

	private DirectIoMmapGrant(LibFuse3 fuse, Pointer session, int fd) {
		this.fuse = fuse;
		this.session = session;
		this.fd = fd;
		NativeLibrary libc = NativeLibrary.getInstance("c");
		this.libcWritev = libc.getFunction("writev");
		this.libcRead = libc.getFunction("read");
	}

	/** Installs the amending writev on a mounted session whose loop has not started (INIT still unanswered). */
	static DirectIoMmapGrant install(LibFuse3 fuse, Pointer fuseHandle) {
		Pointer se = fuse.fuse_get_session(fuseHandle);
		DirectIoMmapGrant g = new DirectIoMmapGrant(fuse, se, fuse.fuse_session_fd(se));
		g.use(CallbackReference.getFunctionPointer(g.amend));
		return g;
	}

	/** From the init callback: the kernel's protocol minor ({@code fuse_conn_info.proto_minor}). */
	void kernelMinor(int minor) {
		kernelMinor = minor;
	}

	/** Whether the kernel took the grant: then FOPEN_DIRECT_IO keeps MAP_SHARED mmap working. */
	boolean granted() {
		return granted;
	}

	private void use(Pointer writev) {
		Memory io = new Memory(4 * 8); // struct fuse_custom_io: writev, read, splice_receive, splice_send (libfuse copies it)
		io.clear();
		io.setPointer(0, writev);
		io.setPointer(8, libcRead);
		if (fuse.fuse_session_custom_io(session, io, fd) != 0) throw new IllegalStateException("fuse_session_custom_io refused");
	}

	private long writevAmendingInit(int fd, Pointer iov, int count, Pointer userdata) {
		boolean amended = false;
		if (count >= 2 && kernelMinor >= FIRST_MINOR) {
			Pointer header = iov.getPointer(0), init = iov.getPointer(IOVEC);
			if (header.getInt(OUT_ERROR) == 0 && iov.getLong(IOVEC + 8) >= INIT_OUT_MIN && init.getInt(INIT_MAJOR) == 7) {
				init.setInt(INIT_FLAGS, init.getInt(INIT_FLAGS) | FUSE_INIT_EXT);
				init.setInt(INIT_FLAGS2, init.getInt(INIT_FLAGS2) | DIRECT_IO_ALLOW_MMAP_IN_FLAGS2);
				amended = true;
			}
		}
		long n = libcWritev.invokeLong(new Object[] { fd, iov, count });
		int errno = Native.getLastError();
		granted = amended && n >= 0;
		use(libcWritev); // every later reply goes out through libc directly
		Native.setLastError(errno); // libfuse reads errno when writev fails
		return n;
	}
}
