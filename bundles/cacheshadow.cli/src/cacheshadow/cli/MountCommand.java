package cacheshadow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.fuse.Ext4Tree;
import cacheshadow.fuse.FuseMount;
import cacheshadow.fuse.MergeViewTree;
import cacheshadow.fuse.MountedTree;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Shortfall;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;

/**
 * {@code mount}: one view of the guest's file system as a read-only FUSE file system (libfuse3 through JNA), in the
 * foreground until Ctrl-C, SIGTERM or {@code fusermount3 -u}; every way out unmounts.
 */
final class MountCommand implements Command {
	@Override
	public String name() {
		return "mount";
	}

	@Override
	public String summary() {
		return "a view (merged, cache-only, disk-only) as a read-only FUSE file system at MOUNTPOINT";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow mount --memory M --disk D [--kernel DIR] [--view merged|cache-only|disk-only]
				                           [--no-journal-replay] [--keep-cache] [--partial] MOUNTPOINT
				       ./cacheshadow mount --disk D [--no-journal-replay] [--partial] MOUNTPOINT   (disk-only, no memory needed)
				       ./cacheshadow mount (--live DIR | --ram FILE --qmp SOCKET) [--disk D] [--view V]
				                           [--refresh T] [--refresh-on-hup] [--refresh-on-open T] [--max-generations N]
				                           MOUNTPOINT      (a running guest: as it stood at one pause, or refreshed)
				  --memory M            memory snapshot: ELF core, LiME or raw
				  --disk D              the guest's disk image: raw or qcow2 (ext4)
				  --kernel DIR          optional: vmlinux.btf or vmlinux, System.map or kallsyms
				  --view V              merged (default with --memory): the guest's caches over its disk, the guest's
				                        whole namespace at MOUNTPOINT (e.g. MOUNTPOINT/mnt/disk); cache-only: the caches
				                        alone; disk-only (default without --memory): the disk alone at MOUNTPOINT
				  --no-journal-replay   the disk as it lies, without replaying its jbd2 journal
				  --keep-cache          let the kernel keep file pages across opens (faster re-reads; evidence does
				                        not change)
				  --partial             mount evidence cut short (see analyze --help): how much is missing and each
				                        path whose row rests on missing bytes (evidence-missing) are said on stderr;
				                        a read of bytes the evidence lacks fails with EIO, never zeros
				  MOUNTPOINT            an existing directory; the view appears there read-only with the evidence's own
				                        inode numbers, modes, owners, sizes, link counts and times. Every write fails
				                        with EROFS. Names as analyze prints them (escaped; past 255 bytes shortened
				                        with \\~ and a hash); the guest's symbolic links are shown but, as root, never
				                        followed by the host (nosymfollow); each escaped name is reported as a
				                        guest-name finding on stderr (disk-only: when its directory is first read).
				                        Runs in the foreground; Ctrl-C, SIGTERM or
				                        fusermount3 -u MOUNTPOINT unmount it. Needs /dev/fuse and Debian's fuse3 and
				                        libfuse3-3.
				With a running guest, the mount serves one pause unless a refresh policy is given (any combination):
				  --refresh T           refresh every T (10s, 500ms, 2m; between the starts of two refreshes)
				  --refresh-on-hup      refresh on SIGHUP (kill -HUP PID)
				  --refresh-on-open T   refresh when a directory is opened and the last refresh began T or more ago
				                        (on the request: that listing waits for the refresh)
				  --max-generations N   at most N refreshes kept at once (default 4): the new one and those still read
				                        by open files; while open files hold N refreshes, a refresh is refused (said on
				                        stderr, with the files) until some are closed
				A refresh pauses the guest as a one-pause mount does and resumes it whatever happens; the guest stays
				attached (QMP) while mounted, and each refresh's changes are told against its disk, which such a mount
				therefore needs (--disk D; --live DIR: DIR/disk.img). Listings, stat, readlink and every new open see
				the new refresh at once (the kernel keeps no names of such a mount: a path gone from it is ENOENT); a
				file opened before keeps reading the refresh it was opened under, to that refresh's end of file, until
				it is closed (a deleted one too); a refresh no open file holds is dropped. Only mmap of one file open
				under two refreshes at once could mix them (the host's page cache of a file is shared). Each refresh
				prints on stderr its number, cause, UTC time, pause and refresh times and the changes since the one
				before (as watch names them, under where the disk is mounted and every tmpfs); a refresh that fails or
				is refused keeps the one before served and says why.
				""" + AttachArgs.USAGE;
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, EvidenceArgs.union(Set.of("memory", "disk", "kernel", "view", "refresh", "refresh-on-open", "max-generations"), AttachArgs.OPTIONS),
				Set.of("no-journal-replay", "keep-cache", "debug", "refresh-on-hup", "partial"));
		if (a.positionals().size() != 1) throw new UsageException("exactly one MOUNTPOINT is required");
		Path mountpoint = Path.of(a.positionals().get(0));
		if (!Files.isDirectory(mountpoint)) throw new UsageException(mountpoint + " is not a directory");
		AttachArgs live = new AttachArgs(a, a.path("memory"), false);
		Path memory = live.live() ? live.ram : a.path("memory"), disk = live.disk(a.path("disk"));
		String view = a.option("view", memory == null ? "disk-only" : "merged");
		View v = View.fromLabel(view);
		if (v == null) throw new UsageException("--view " + view + ": one of merged, cache-only, disk-only");
		if (memory == null && v != View.DISK_ONLY) throw new UsageException("--view " + view + " needs --memory M");
		if (disk == null && v != View.CACHE_ONLY) throw new UsageException("--view " + view + " needs --disk D");
		boolean replay = !a.flag("no-journal-replay"), partial = a.flag("partial");
		if (partial && live.live()) throw new UsageException("--partial reads a snapshot or disk image cut short; a running guest's memory is whole");
		LiveMount.Policy policy = new LiveMount.Policy(a.duration("refresh", 0), a.flag("refresh-on-hup"), a.duration("refresh-on-open", 0),
				generations(a.option("max-generations", "4")));
		if (policy.any() && !live.live()) throw new UsageException("--refresh, --refresh-on-hup and --refresh-on-open need a running guest (--live DIR, or --ram FILE --qmp SOCKET)");
		if (policy.onHup() && LiveMount.hupIgnored()) {
			throw new UsageException("--refresh-on-hup: SIGHUP is ignored in this process (started under nohup?), so it could never ask for a refresh; start it without nohup, or use --refresh T");
		}
		if (a.option("max-generations") != null && !policy.any()) throw new UsageException("--max-generations goes with a refresh policy (--refresh, --refresh-on-hup, --refresh-on-open)");
		if (policy.any()) {
			ConsoleProgress progress = new ConsoleProgress(err);
			LiveMount lm;
			try {
				lm = LiveMount.open(live, disk, live.kernel(a.path("kernel")), replay, v, policy, err, progress);
			} finally {
				progress.finish();
			}
			try (lm) {
				lm.start();
				return serve(lm.tree(), mountpoint, v.label() + ":" + memory.getFileName(), a, out, err, lm::stop);
			}
		}
		if (memory == null) { // the disk alone: ext4 straight from the image, no cache analysis
			try (Layer layer = Layers.openDisk(disk, partial);
					Ext4FileSystem fs = Ext4FileSystem.open(layer, replay ? Ext4FileSystem.Options.REPLAYED : Ext4FileSystem.Options.AS_IT_LIES)) {
				if (partial) err.println("cacheshadow mount: partial evidence: " + Shortfall.of(layer));
				// guest-name findings come as the host first reads the directory holding the name
				return serve(new Ext4Tree(fs, f -> err.println("cacheshadow mount: " + f)), mountpoint, "disk-only:" + disk.getFileName(), a, out, err, null);
			}
		}
		MergedFileSystem merged;
		ConsoleProgress progress = new ConsoleProgress(err);
		try {
			if (live.live()) {
				merged = openLive(live, disk, live.kernel(a.path("kernel")), replay, v, progress);
			} else {
				merged = MergedFileSystem.open(memory, disk, a.path("kernel"), replay, false, partial, progress);
			}
		} finally {
			progress.finish();
		}
		try (merged) {
			if (partial) {
				err.println("cacheshadow mount: partial evidence: " + Shortfall.of(merged.analysis().kernel().physical()));
				for (MergedFileSystem.DiskMatch d : merged.disks()) err.println("cacheshadow mount: partial evidence: " + Shortfall.of(d.disk()));
			}
			for (cacheshadow.listing.Finding f : merged.findings()) err.println("cacheshadow mount: " + f);
			return serve(MergeViewTree.of(merged, v), mountpoint, v.label() + ":" + memory.getFileName(), a, out, err, null);
		}
	}

	/** One refresh of the running guest, its views frozen at that pause (the guest runs on while mounted). */
	private static MergedFileSystem openLive(AttachArgs live, Path disk, Path kernel, boolean replay, View v, ConsoleProgress progress) throws IOException {
		// the views read only the pages copied while paused, so the guest (QMP, RAM mapping) is let go at once
		try (cacheshadow.pagecache.LiveGuest guest = live.attach()) {
			cacheshadow.merge.LiveMerge.Refresh r = cacheshadow.merge.LiveMerge.refresh(guest, guest.kernelFiles(kernel, progress), disk, replay,
					cacheshadow.merge.LiveMerge.listing(v, disk != null), progress);
			progress.line("live guest " + live.ram + ": " + r.timings());
			return r.fs();
		}
	}

	static int generations(String s) throws UsageException {
		try {
			int n = Integer.parseInt(s.strip());
			if (n < 1 || n > 1000) throw new NumberFormatException();
			return n;
		} catch (NumberFormatException e) {
			throw new UsageException("--max-generations " + s + ": a whole number of refreshes from 1 to 1000");
		}
	}

	/**
	 * Mounts {@code tree} and serves it until unmounted; {@code beforeUnmount} (or null) runs first on Ctrl-C/SIGTERM
	 * (a live mount's refreshes stop, one under way finishing and resuming the guest).
	 */
	private static int serve(MountedTree tree, Path mountpoint, String source, Args a, PrintStream out, PrintStream err, Runnable beforeUnmount)
			throws IOException, InterruptedException {
		FuseMount.Options options = new FuseMount.Options(a.flag("keep-cache"), true, a.flag("debug"));
		FuseMount mount = FuseMount.mount(tree, mountpoint, source, options, msg -> err.println("cacheshadow mount: " + msg));
		Thread unmount = new Thread(() -> {
			try {
				if (beforeUnmount != null) beforeUnmount.run();
				mount.close();
				err.println("cacheshadow mount: unmounted " + mount.mountpoint());
			} catch (IOException e) {
				err.println("cacheshadow mount: " + e.getMessage());
			}
		}, "unmount " + mount.mountpoint());
		Runtime.getRuntime().addShutdownHook(unmount);
		out.println("mounted " + source + " read-only at " + mount.mountpoint() + "; Ctrl-C or fusermount3 -u " + mount.mountpoint() + " unmounts");
		out.flush();
		mount.awaitUnmounted();
		try {
			Runtime.getRuntime().removeShutdownHook(unmount);
			err.println("cacheshadow mount: unmounted " + mount.mountpoint());
		} catch (IllegalStateException shuttingDown) {
			// the hook is unmounting and reports it
		}
		return 0;
	}
}
