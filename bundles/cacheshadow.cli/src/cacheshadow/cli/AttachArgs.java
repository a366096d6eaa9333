package cacheshadow.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import cacheshadow.pagecache.LiveGuest;

/**
 * A running guest to attach to, instead of a memory snapshot: {@code --live DIR} (as {@code make-evidence.sh --live
 * DIR} lays it out: {@code DIR/ram}, {@code DIR/qmp.sock}, and by default {@code DIR/disk.img} and
 * {@code DIR/kernel}) or {@code --ram FILE --qmp SOCKET} (a guest started any other way). Exactly one of these
 * and {@code --memory} is given.
 */
final class AttachArgs {
	static final Set<String> OPTIONS = Set.of("live", "ram", "qmp");
	static final String USAGE = """
			  --live DIR        a running guest instead of --memory: RAM file DIR/ram, QMP socket DIR/qmp.sock (as
			                    make-evidence.sh --live DIR lays them out); --disk defaults to DIR/disk.img and
			                    --kernel to DIR/kernel when they exist. The caches are walked and the pages read
			                    copied while the guest runs; it is paused (QMP stop) only to check that no byte the
			                    walk read has changed (else walked again), then resumed; every later read comes
			                    from those copies. Pause and refresh times go to stderr
			  --ram FILE --qmp SOCKET
			                    a running guest started any other way: its memory-backend-file (share=on) and its
			                    QMP UNIX socket; where the file lies in guest-physical memory is read from QEMU
			                    (query-memdev, info mtree), so RAM split around the PCI hole is read right\
			""";

	/** The RAM file and QMP socket, or null without a running guest. */
	final Path ram, qmp;
	/** The --live directory, or null. */
	final Path dir;

	/**
	 * @param memory       the --memory value, or null
	 * @param memoryNeeded true when either a snapshot or a guest must be given
	 */
	AttachArgs(Args a, Path memory, boolean memoryNeeded) throws UsageException {
		dir = a.path("live");
		Path r = a.path("ram"), q = a.path("qmp");
		if ((r == null) != (q == null)) throw new UsageException("--ram FILE and --qmp SOCKET go together");
		if (dir != null && r != null) throw new UsageException("give --live DIR or --ram FILE --qmp SOCKET, not both");
		boolean live = dir != null || r != null;
		if (live && memory != null) throw new UsageException("give --memory M or a running guest (--live DIR, or --ram FILE --qmp SOCKET), not both");
		if (!live && memory == null && memoryNeeded) throw new UsageException("--memory M (or a running guest: --live DIR, or --ram FILE --qmp SOCKET) is required");
		ram = dir != null ? dir.resolve("ram") : r;
		qmp = dir != null ? dir.resolve("qmp.sock") : q;
	}

	boolean live() {
		return ram != null;
	}

	/** {@code DIR/disk.img} under --live when it exists, else {@code given}. */
	Path disk(Path given) {
		return given != null || dir == null ? given : LiveGuest.diskIn(dir);
	}

	/** {@code DIR/kernel} under --live when it holds a BTF, else {@code given}. */
	Path kernel(Path given) {
		return given != null || dir == null ? given : LiveGuest.kernelIn(dir);
	}

	LiveGuest attach() throws IOException {
		return LiveGuest.attach(ram, qmp);
	}
}
