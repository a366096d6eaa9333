package cacheshadow.fuse;

import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import cacheshadow.listing.FileRecord;

/**
 * {@code struct fuse_operations} of libfuse 3.14 ({@code <fuse3/fuse.h>}, FUSE_USE_VERSION 31) in native memory:
 * 42 function pointers, 336 bytes on x86-64, in header order. getattr, readlink, open, read, release, readdir,
 * statfs, getxattr and listxattr ({@code user.cacheshadow.*}) are served from a {@link MountedTree}, init sets use_ino and timeouts; every operation that would write gets
 * -EROFS (the mount is also {@code -o ro}, so the kernel normally refuses first). Callbacks never throw into C:
 * an exception becomes -EIO (or -ENOENT for a missing path) and is reported once per message.
 * <p>
 * Each request asks one {@link MountedTree#snapshot} of the tree, so a tree that {@link MountedTree#refreshes} answers
 * a listing, a type check and an open from one state; for such a tree the kernel caches no names (every path walk
 * looks each name up again) and no file pages (direct I/O), opendir is passed on, a getattr sent with a file's
 * handle answers from the state it was opened in, and a release lets the file's state go.
 */
final class FuseOperations {
	static final int SIZE = 42 * 8;
	// slot indices in struct fuse_operations (fuse.h 3.14: ... init 27, destroy 28, access 29, create 30, lock 31, utimens 32 ...).
	// access and lock stay NULL: libfuse answers ENOSYS, so the kernel checks access(2) and chdir itself (no
	// default_permissions: allowed) and keeps POSIX locks local, and a close sends FLUSH once, not every time
	private static final int GETATTR = 0, READLINK = 1, MKNOD = 2, MKDIR = 3, UNLINK = 4, RMDIR = 5, SYMLINK = 6,
			RENAME = 7, LINK = 8, CHMOD = 9, CHOWN = 10, TRUNCATE = 11, OPEN = 12, READ = 13, WRITE = 14, STATFS = 15,
			RELEASE = 17, SETXATTR = 19, GETXATTR = 20, LISTXATTR = 21, REMOVEXATTR = 22, OPENDIR = 23, READDIR = 24, INIT = 27, CREATE = 30, UTIMENS = 32,
			FALLOCATE = 39;
	private static final int ENOENT = 2, EIO = 5, EBADF = 9, EACCES = 13, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
			EROFS = 30, ERANGE = 34, ENODATA = 61;
	private static final String XATTR_PREFIX = "user.cacheshadow.";
	private static final int O_ACCMODE = 3, O_RDONLY = 0;
	// struct fuse_file_info (fuse_common.h 3.14): int flags at 0; bit fields at 4 (direct_io bit 1, keep_cache bit 2); uint64_t fh at 16
	private static final int FI_FLAGS = 0, FI_BITS = 4, FI_FH = 16;
	private static final int DIRECT_IO = 1 << 1, KEEP_CACHE = 1 << 2;

	interface Getattr extends Callback {
		int invoke(Pointer path, Pointer stat, Pointer fileInfo);
	}

	interface Readlink extends Callback {
		int invoke(Pointer path, Pointer buf, long size);
	}

	interface Open extends Callback {
		int invoke(Pointer path, Pointer fileInfo);
	}

	interface Read extends Callback {
		int invoke(Pointer path, Pointer buf, long size, long offset, Pointer fileInfo);
	}

	interface Statfs extends Callback {
		int invoke(Pointer path, Pointer statvfs);
	}

	interface Readdir extends Callback {
		int invoke(Pointer path, Pointer buf, Pointer filler, long offset, Pointer fileInfo, int flags);
	}

	interface Getxattr extends Callback {
		int invoke(Pointer path, Pointer name, Pointer value, long size);
	}

	interface Listxattr extends Callback {
		int invoke(Pointer path, Pointer list, long size);
	}

	interface Init extends Callback {
		Pointer invoke(Pointer connection, Pointer config);
	}

	/** Any write-ish operation: only the first argument is read (extra integer-register arguments are ignored). */
	interface Refuse extends Callback {
		int invoke(Pointer path);
	}

	private final MountedTree tree;
	private final boolean keepCache;
	private final Consumer<String> errors;
	private final Memory struct = new Memory(SIZE);
	private final List<Callback> callbacks = new ArrayList<>(); // strong references: C holds only the pointers
	private final Map<Long, MountedTree.OpenFile> open = new ConcurrentHashMap<>();
	private final AtomicLong nextHandle = new AtomicLong(1);
	final AtomicLong readRequests = new AtomicLong(), readBytes = new AtomicLong(), readNanos = new AtomicLong();
	private final java.util.Set<String> reported = ConcurrentHashMap.newKeySet();
	private final Memory entryStat = new Memory(StatBuffer.STAT_SIZE);
	private final ThreadLocal<byte[]> readBuffer = ThreadLocal.withInitial(() -> new byte[128 * 1024]);
	private volatile DirectIoMmapGrant directIo; // null until mounted: files open through the page cache

	FuseOperations(MountedTree tree, boolean keepCache, Consumer<String> errors) {
		this.tree = tree;
		this.keepCache = keepCache;
		this.errors = errors;
		struct.clear();
		set(GETATTR, (Getattr) this::getattr);
		set(READLINK, (Readlink) this::readlink);
		set(OPEN, (Open) this::open);
		set(READ, (Read) this::read);
		set(STATFS, (Statfs) this::statfs);
		set(RELEASE, (Open) this::release);
		set(READDIR, (Readdir) this::readdir);
		if (tree.refreshes()) set(OPENDIR, (Open) this::opendir);
		set(INIT, (Init) this::init);
		set(GETXATTR, (Getxattr) this::getxattr);
		set(LISTXATTR, (Listxattr) this::listxattr);
		Refuse refuse = path -> -EROFS;
		for (int slot : new int[] { MKNOD, MKDIR, UNLINK, RMDIR, SYMLINK, RENAME, LINK, CHMOD, CHOWN, TRUNCATE, WRITE,
				SETXATTR, REMOVEXATTR, CREATE, UTIMENS, FALLOCATE }) {
			set(slot, refuse);
		}
		// write_buf (slot 36) and copy_file_range stay NULL: libfuse falls back to write, which refuses
	}

	Pointer pointer() {
		return struct;
	}

	/** Files currently open through the mount. */
	int openFiles() {
		return open.size();
	}

	/** Set before the loop starts: regular files open FOPEN_DIRECT_IO once the kernel took the grant. */
	void directIo(DirectIoMmapGrant grant) {
		this.directIo = grant;
	}

	private void set(int slot, Callback cb) {
		callbacks.add(cb);
		struct.setPointer(slot * 8L, functionPointer(cb));
	}

	/**
	 * The callback's native entry as JNA makes it for direct-mapped libraries: the stub calls the Java method with its
	 * arguments as they are, instead of packing them into an Object[] for a reflective proxy (about 5 us less per open,
	 * read and release round measured on 2 shared cores). JNA offers that variant only privately; any JNA without it
	 * gets the ordinary proxy.
	 */
	private static Pointer functionPointer(Callback cb) {
		try {
			java.lang.reflect.Method m = CallbackReference.class.getDeclaredMethod("getFunctionPointer", Callback.class, boolean.class);
			m.setAccessible(true);
			return (Pointer) m.invoke(null, cb, true);
		} catch (ReflectiveOperationException | RuntimeException e) {
			return CallbackReference.getFunctionPointer(cb);
		}
	}

	private static String path(Pointer p) {
		return p.getString(0, StandardCharsets.UTF_8.name());
	}

	private int failure(String op, String path, Throwable e) {
		if (e instanceof NoSuchFileException) return -ENOENT;
		String msg = op + " " + path + ": " + e;
		if (reported.add(msg)) errors.accept(msg);
		return -EIO;
	}

	// struct fuse_config (fuse.h 3.14): double entry_timeout at 24, negative_timeout 32, attr_timeout 40; int use_ino at 64
	private static final int CFG_ENTRY_TIMEOUT = 24, CFG_NEGATIVE_TIMEOUT = 32, CFG_ATTR_TIMEOUT = 40, CFG_USE_INO = 64;
	// struct fuse_conn_info (fuse_common.h 3.14): unsigned proto_major at 0, proto_minor 4 (the kernel's)
	private static final int CONN_PROTO_MINOR = 4;

	/**
	 * use_ino (st_ino is the evidence's inode number; libfuse 3 has no -o use_ino) and long kernel caching of names
	 * and attributes: evidence does not change. The kernel's protocol minor tells the direct-I/O grant whether the
	 * kernel knows FUSE_DIRECT_IO_ALLOW_MMAP.
	 */
	private Pointer init(Pointer connection, Pointer config) {
		DirectIoMmapGrant g = directIo;
		if (g != null) g.kernelMinor(connection.getInt(CONN_PROTO_MINOR));
		config.setInt(CFG_USE_INO, 1);
		// a refreshed tree: every path walk asks again (LOOKUP, whose reply also renews the inode's attributes), so a
		// name gone, new or changed shows at once; attributes stay cached for fstat, so a file still open whose name
		// is gone keeps its own (the mount drops the root's on each refresh: no lookup renews them)
		double names = tree.refreshes() ? 0 : 3600;
		config.setDouble(CFG_ENTRY_TIMEOUT, names);
		config.setDouble(CFG_NEGATIVE_TIMEOUT, names);
		config.setDouble(CFG_ATTR_TIMEOUT, 3600);
		return null;
	}

	private int getattr(Pointer pathPtr, Pointer stat, Pointer fi) {
		String path = path(pathPtr);
		try (MountedTree.Snapshot s = tree.snapshot()) {
			// sent with an open file's handle (FUSE_GETATTR_FH, e.g. lseek SEEK_END): the state it was opened in
			MountedTree.OpenFile f = fi == null ? null : open.get(fi.getLong(FI_FH));
			FileRecord r = f == null ? null : f.attributes();
			if (r == null) r = s.tree().getattr(path);
			if (r == null) return -ENOENT;
			StatBuffer.fill(stat, r);
			return 0;
		} catch (Throwable e) {
			return failure("getattr", path, e);
		}
	}

	private int readlink(Pointer pathPtr, Pointer buf, long size) {
		String path = path(pathPtr);
		try (MountedTree.Snapshot s = tree.snapshot()) {
			MountedTree t = s.tree();
			String target = t.readlink(path);
			if (target == null) return t.getattr(path) == null ? -ENOENT : -EINVAL;
			if (size <= 0) return -EINVAL;
			byte[] b = target.getBytes(StandardCharsets.UTF_8);
			int n = (int) Math.min(b.length, size - 1); // fuse.h: truncate if too long, always NUL-terminate
			buf.write(0, b, 0, n);
			buf.setByte(n, (byte) 0);
			return 0;
		} catch (Throwable e) {
			return failure("readlink", path, e);
		}
	}

	private int open(Pointer pathPtr, Pointer fi) {
		String path = path(pathPtr);
		try (MountedTree.Snapshot s = tree.snapshot()) {
			MountedTree t = s.tree();
			if ((fi.getInt(FI_FLAGS) & O_ACCMODE) != O_RDONLY) return -EROFS;
			FileRecord r = t.getattr(path);
			if (r == null) return -ENOENT;
			if ((r.mode() & 0xF000) == 0x4000) return -EISDIR;
			if ((r.mode() & 0xF000) != 0x8000) return -EACCES; // devices, fifos, sockets of the evidence are not opened
			long h = nextHandle.getAndIncrement();
			open.put(h, t.open(path));
			fi.setLong(FI_FH, h);
			int bits = fi.getInt(FI_BITS);
			boolean refreshes = tree.refreshes();
			if (keepCache && !refreshes) bits |= KEEP_CACHE;
			// FOPEN_DIRECT_IO: each read(2) becomes one request of its own size (up to max_pages) whose reply the kernel
			// copies straight into the reader's buffer, with no page-cache pages to allocate, fill and drop (Linux 6.18
			// fuse caches in 4 KiB folios); mmap still works through the grant. A refreshed tree always: two opens of one
			// path under different refreshes share the kernel's inode, and cached pages would mix them (without the
			// grant a shared mmap is then refused, ENODEV)
			DirectIoMmapGrant g = directIo;
			if (refreshes || !keepCache && g != null && g.granted()) bits |= DIRECT_IO; // keepCache: re-reads from the page cache
			fi.setInt(FI_BITS, bits);
			return 0;
		} catch (Throwable e) {
			return failure("open", path, e);
		}
	}

	private int read(Pointer pathPtr, Pointer buf, long size, long offset, Pointer fi) {
		readRequests.incrementAndGet();
		readBytes.addAndGet(size);
		long t0 = System.nanoTime();
		try {
			return readTimed(pathPtr, buf, size, offset, fi);
		} finally {
			readNanos.addAndGet(System.nanoTime() - t0);
		}
	}

	private int readTimed(Pointer pathPtr, Pointer buf, long size, long offset, Pointer fi) {
		MountedTree.OpenFile f = open.get(fi.getLong(FI_FH));
		try {
			if (f == null) return -EBADF;
			int len = (int) Math.min(size, Integer.MAX_VALUE - 8);
			byte[] b = readBuffer.get();
			if (b.length < len) readBuffer.set(b = new byte[len]);
			int done = 0;
			while (done < len) { // fuse.h: read returns exactly the bytes requested except at EOF
				int k = f.read(offset + done, b, done, len - done);
				if (k <= 0) break;
				done += k;
			}
			if (done > 0) buf.write(0, b, 0, done);
			return done;
		} catch (Throwable e) {
			return failure("read", path(pathPtr), e);
		}
	}

	private int release(Pointer pathPtr, Pointer fi) {
		MountedTree.OpenFile f = open.remove(fi.getLong(FI_FH));
		if (f != null) f.close();
		return 0;
	}

	/** Releases every file still open (the mount went away without their releases). */
	void releaseAll() {
		for (Long h : List.copyOf(open.keySet())) {
			MountedTree.OpenFile f = open.remove(h);
			if (f != null) f.close();
		}
	}

	/** Only for a tree that refreshes: tells it a directory is about to be listed (it may refresh first). */
	private int opendir(Pointer pathPtr, Pointer fi) {
		String path = path(pathPtr);
		try {
			tree.directoryOpened(path);
			return 0;
		} catch (Throwable e) {
			return failure("opendir", path, e);
		}
	}

	private int statfs(Pointer pathPtr, Pointer sv) {
		try (MountedTree.Snapshot s = tree.snapshot()) {
			long[] c = s.tree().capacity();
			StatBuffer.fillStatvfs(sv, c[0], c[1], c[2]);
			return 0;
		}
	}

	private int readdir(Pointer pathPtr, Pointer buf, Pointer filler, long offset, Pointer fi, int flags) {
		String path = path(pathPtr);
		try (MountedTree.Snapshot s = tree.snapshot()) {
			MountedTree tree = s.tree();
			List<String> names = tree.readdir(path);
			if (names == null) return tree.getattr(path) == null ? -ENOENT : -ENOTDIR;
			Function fill = Function.getFunction(filler);
			// fuse_fill_dir_t: int (*)(void *buf, const char *name, const struct stat *stbuf, off_t off, enum fuse_fill_dir_flags)
			fill.invokeInt(new Object[] { buf, cstring("."), null, 0L, 0 });
			fill.invokeInt(new Object[] { buf, cstring(".."), null, 0L, 0 });
			String prefix = path.equals("/") ? "/" : path + "/";
			for (String name : names) {
				FileRecord r = tree.getattr(prefix + name);
				Pointer st = null;
				if (r != null) {
					StatBuffer.fillEntry(entryStat, r.inode(), r.mode());
					st = entryStat;
				}
				if (fill.invokeInt(new Object[] { buf, cstring(name), st, 0L, 0 }) != 0) break;
			}
			return 0;
		} catch (Throwable e) {
			return failure("readdir", path, e);
		}
	}

	/** fuse.h getxattr: size 0 asks for the length; too small a buffer is -ERANGE; the value is not NUL-terminated. */
	private int getxattr(Pointer pathPtr, Pointer namePtr, Pointer value, long size) {
		String path = path(pathPtr);
		try (MountedTree.Snapshot s = tree.snapshot()) {
			MountedTree tree = s.tree();
			String name = path(namePtr);
			String v = name.startsWith(XATTR_PREFIX) ? tree.attribute(path, name.substring(XATTR_PREFIX.length())) : null;
			if (v == null) return tree.getattr(path) == null ? -ENOENT : -ENODATA;
			return copyOut(v.getBytes(StandardCharsets.UTF_8), value, size);
		} catch (Throwable e) {
			return failure("getxattr", path, e);
		}
	}

	/** fuse.h listxattr: the names, each NUL-terminated, one after another. */
	private int listxattr(Pointer pathPtr, Pointer list, long size) {
		String path = path(pathPtr);
		try (MountedTree.Snapshot s = tree.snapshot()) {
			MountedTree tree = s.tree();
			if (tree.getattr(path) == null) return -ENOENT;
			java.io.ByteArrayOutputStream names = new java.io.ByteArrayOutputStream();
			for (String n : tree.attributeNames(path)) names.writeBytes(cstring(XATTR_PREFIX + n));
			return copyOut(names.toByteArray(), list, size);
		} catch (Throwable e) {
			return failure("listxattr", path, e);
		}
	}

	private static int copyOut(byte[] b, Pointer dst, long size) {
		if (size == 0) return b.length;
		if (size < b.length) return -ERANGE;
		dst.write(0, b, 0, b.length);
		return b.length;
	}

	private static byte[] cstring(String s) {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		return java.util.Arrays.copyOf(b, b.length + 1);
	}
}
