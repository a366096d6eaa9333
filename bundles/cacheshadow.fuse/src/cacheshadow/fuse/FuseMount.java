package cacheshadow.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;

/**
 * A {@link MountedTree} mounted read-only through libfuse3's high-level API: {@code fuse_new} + {@code fuse_mount},
 * then {@code fuse_loop} (single-threaded) on a thread of its own. Mount options: {@code ro} (the kernel refuses
 * writes with EROFS), {@code auto_unmount}
 * (fusermount3 unmounts even if this process dies), {@code fsname}/{@code subtype} (how /proc/mounts names it).
 * Then, as root, {@code nosymfollow} ({@link #noSymlinkFollow}): the host never resolves a path through a guest link.
 * No {@code default_permissions}: the examiner who mounts reads every file whatever its recorded mode, which stat
 * still shows as recorded; others cannot enter the mount at all (no {@code allow_other}). Names are served through
 * {@link HostNamedTree}: the guest's names in their escaped text form, shortened past 255 bytes, unique.
 * <p>
 * {@link #close} unmounts ({@code fusermount3 -u -z}), which ends the loop: the kernel aborts the connection and
 * {@code fuse_loop} returns; the loop thread then calls {@code fuse_unmount} and {@code fuse_destroy}.
 */
public final class FuseMount implements AutoCloseable {
	/**
	 * {@code keepCache}: let the kernel keep file pages across opens (evidence does not change): files open through
	 * the page cache instead of with direct I/O (see {@link DirectIoMmapGrant}), so a file read again is answered by
	 * the kernel without a request (a tool that checks a tree over and over, such as an IDS, pays the mount once).
	 */
	public record Options(boolean keepCache, boolean autoUnmount, boolean debug) {
		public static final Options DEFAULT = new Options(false, true, false);
	}

	private final LibFuse3 fuse;
	private final Pointer handle;
	private final Path mountpoint;
	private final FuseOperations operations; // referenced so the callbacks outlive the mount
	private final List<Object> nativeArgs;
	private final CountDownLatch ended = new CountDownLatch(1);
	private volatile int loopResult;
	private volatile String connection; // /sys/fs/fuse/connections/<minor of st_dev>
	private boolean destroyed; // guarded by this: the session is gone, no more notifications

	private FuseMount(LibFuse3 fuse, Pointer handle, Path mountpoint, FuseOperations operations, List<Object> nativeArgs) {
		this.fuse = fuse;
		this.handle = handle;
		this.mountpoint = mountpoint;
		this.operations = operations;
		this.nativeArgs = nativeArgs;
	}

	/** Mounts {@code tree} at {@code mountpoint} (an existing directory); callback errors go to {@code errors}. */
	public static FuseMount mount(MountedTree tree, Path mountpoint, String source, Options options, Consumer<String> errors)
			throws IOException {
		if (!Files.exists(Path.of("/dev/fuse"))) {
			throw new IOException("/dev/fuse is missing: this system cannot mount FUSE file systems (modprobe fuse, or give the container --device /dev/fuse)");
		}
		if (!Files.isDirectory(mountpoint)) throw new IOException(mountpoint + ": mount point is not a directory");
		Path mp = mountpoint.toRealPath();
		if (mountedAt(mp)) throw new IOException(mp + ": something is already mounted there");
		LibFuse3 fuse = LibFuse3.load();
		// names as the kernel takes them: escaped text forms, none over 255 bytes, unique per directory
		FuseOperations ops = new FuseOperations(HostNamedTree.of(tree, errors), options.keepCache(), errors);

		String name = source == null ? "cacheshadow" : source.replaceAll("[,\\s\\\\]", "_");
		List<String> argv = new ArrayList<>(List.of("cacheshadow", "-o",
				"ro,fsname=" + name + ",subtype=cacheshadow" + (options.autoUnmount() ? ",auto_unmount" : "")));
		if (options.debug()) argv.add("-d");
		StringArray argvNative = new StringArray(argv.toArray(new String[0]), StandardCharsets.UTF_8.name());
		Memory args = new Memory(24); // struct fuse_args (fuse_opt.h): int argc; char **argv; int allocated;
		args.clear();
		args.setInt(0, argv.size());
		args.setPointer(8, argvNative);
		args.setInt(16, 0);
		Pointer f = fuse.fuse_new_31(args, ops.pointer(), FuseOperations.SIZE, null);
		if (f == null) throw new IOException("fuse_new refused the mount options " + argv);
		if (options.autoUnmount()) closeOnExec();
		if (fuse.fuse_mount(f, mp.toString()) != 0) {
			fuse.fuse_destroy(f);
			throw new IOException(mp + ": fuse_mount failed although /dev/fuse exists (reason on stderr; as a user, fusermount3 must be installed setuid and /dev/fuse accessible)");
		}
		ops.directIo(DirectIoMmapGrant.install(fuse, f)); // before the loop: INIT is its first request
		FuseMount m = new FuseMount(fuse, f, mp, ops, List.of(argvNative, args));
		if (tree.refreshes()) tree.whenRefreshed(m::dropRootAttributes);
		Thread loop = new Thread(m::serve, "fuse " + mp);
		loop.setDaemon(true);
		loop.start();
		try {
			long dev = ((Number) Files.getAttribute(mp, "unix:dev")).longValue(); // served by the loop: the root's getattr
			long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
			m.connection = "/sys/fs/fuse/connections/" + minor;
			m.readAhead(dev, minor);
		} catch (IOException | RuntimeException e) {
			m.close();
			throw new IOException(mp + ": mounted but not answering: " + e.getMessage());
		}
		if (!m.noSymlinkFollow()) {
			errors.accept(mp + ": the host's kernel may follow the guest's symbolic links on this mount (setting nosymfollow needs root)");
		}
		return m;
	}

	/**
	 * Marks every descriptor open in this process close-on-exec. With auto_unmount, fuse_mount forks and execs a
	 * fusermount3 that stays until this process ends (then unmounts) and would keep a copy of each descriptor open now
	 * (the JVM sets no FD_CLOEXEC): a running guest's QMP connection, which QEMU serves to one client at a time, would
	 * stay taken after the mount is gone, and evidence files open. Java's own child processes close them anyway.
	 */
	private static void closeOnExec() {
		final int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;
		try (java.nio.file.DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
			com.sun.jna.Function fcntl = com.sun.jna.NativeLibrary.getInstance("c").getFunction("fcntl");
			for (Path p : fds) {
				int fd = Integer.parseInt(p.getFileName().toString());
				if (fd <= 2) continue;
				int flags = fcntl.invokeInt(new Object[] { fd, F_GETFD });
				if (flags >= 0 && (flags & FD_CLOEXEC) == 0) fcntl.invokeInt(new Object[] { fd, F_SETFD, flags | FD_CLOEXEC });
			}
		} catch (IOException | RuntimeException e) {
			// no /proc: the helper inherits what it inherits, as before
		}
	}

	/**
	 * The guest's symbolic links are shown (stat, readlink, find) but the host's kernel never resolves a path through
	 * one: a guest link to {@code /etc/passwd} or {@code ../../..} must not make the examiner's own files look like the
	 * guest's, nor lead a tool out of the mount. {@code MS_NOSYMFOLLOW} (Linux 5.10) on this mount alone, set by a bind
	 * remount that keeps {@code ro,nosuid,nodev} (libfuse's defaults); needs CAP_SYS_ADMIN. Whether it is set.
	 */
	private boolean noSymlinkFollow() {
		if (run("mount", "-o", "remount,bind,ro,nosuid,nodev,nosymfollow", mountpoint.toString())) return true;
		return mountFlags().contains("nosymfollow");
	}

	/** The options /proc/mounts lists for this mount ("" when not found). */
	public String mountFlags() {
		try {
			String want = mountpoint.toString();
			for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
				String[] f = line.split(" ");
				if (f.length > 3 && unescape(f[1]).equals(want)) return f[3];
			}
		} catch (IOException e) {
			// unknown
		}
		return "";
	}

	/**
	 * Raises the mount's readahead window (its bdi, named major:minor of st_dev) from the kernel's 128 KiB to
	 * 1 MiB, so reads through the page cache (mmap'd files, or all files where the kernel predates the direct-I/O
	 * grant) come in 1 MiB requests (libfuse negotiates max_pages 256); needs root, else left.
	 */
	private void readAhead(long dev, long minor) {
		long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
		Path ra = Path.of("/sys/class/bdi/" + major + ":" + minor + "/read_ahead_kb");
		try {
			if (Files.isWritable(ra)) Files.writeString(ra, "1024");
		} catch (IOException e) {
			// not ours to tune (no root): the default window works, only with more requests
		}
	}

	private void serve() {
		try {
			loopResult = fuse.fuse_loop(handle); // one thread: fuse_loop_mt measured no faster here, and trees need not be thread-safe
			synchronized (this) {
				destroyed = true;
				fuse.fuse_unmount(handle); // after an external unmount: only closes the device fd
				fuse.fuse_destroy(handle);
			}
			operations.releaseAll(); // files still open when the mount went away
		} finally {
			ended.countDown();
		}
	}

	public Path mountpoint() {
		return mountpoint;
	}

	/**
	 * After a refresh: the kernel forgets the root directory's attributes (FUSE_ROOT_ID 1), which no lookup renews
	 * (every other name is looked up again on each path walk).
	 */
	private synchronized void dropRootAttributes() {
		if (!destroyed) fuse.fuse_lowlevel_notify_inval_inode(fuse.fuse_get_session(handle), 1, -1, 0);
	}

	/** Read requests served so far, the bytes they asked for, and the nanoseconds the tree took to answer them. */
	public long[] readStatistics() {
		return new long[] { operations.readRequests.get(), operations.readBytes.get(), operations.readNanos.get() };
	}

	/** Whether the request loop still runs. */
	public boolean isServing() {
		return ended.getCount() > 0;
	}

	/** Blocks until unmounted (by {@link #close} or from outside, e.g. {@code fusermount3 -u}); the loop's result. */
	public int awaitUnmounted() throws InterruptedException {
		ended.await();
		return loopResult;
	}

	/** Unmounts and waits for the loop to end; if a process keeps files open, aborts the connection after 10 s. */
	@Override
	public void close() throws IOException {
		if (!isServing()) return;
		fuse.fuse_exit(handle);
		if (!run("fusermount3", "-u", "-z", mountpoint.toString())) run("umount", "-l", mountpoint.toString());
		try {
			if (!ended.await(10, TimeUnit.SECONDS) && connection != null && Files.isWritable(Path.of(connection, "abort"))) {
				Files.writeString(Path.of(connection, "abort"), "1");
				ended.await(5, TimeUnit.SECONDS);
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		if (isServing()) throw new IOException(mountpoint + ": still serving after unmount (a process holds it busy)");
	}

	private static boolean run(String... command) {
		try {
			Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
			return p.waitFor() == 0;
		} catch (IOException e) {
			return false;
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/** Whether /proc/mounts lists a mount at {@code dir} (octal escapes of spaces etc. decoded). */
	public static boolean mountedAt(Path dir) throws IOException {
		String want = dir.toAbsolutePath().normalize().toString();
		for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
			String[] f = line.split(" ");
			if (f.length > 1 && unescape(f[1]).equals(want)) return true;
		}
		return false;
	}

	private static String unescape(String s) {
		StringBuilder b = new StringBuilder();
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c == '\\' && i + 3 < s.length()) {
				b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
				i += 3;
			} else {
				b.append(c);
			}
		}
		return b.toString();
	}

	@Override
	public String toString() {
		return "FUSE mount at " + mountpoint + " (" + operations.openFiles() + " files open)";
	}
}
