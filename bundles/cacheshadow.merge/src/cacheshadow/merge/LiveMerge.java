package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import cacheshadow.caches.CachedInode;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.CachedPage;
import cacheshadow.pagecache.LiveGuest;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.PausedCopyLayer;

/**
 * One refresh of a running guest: its caches over its disk as they stood at one instant.
 *
 * <p>How the view stays consistent: what of the kernel is fixed after boot (BTF, symbols, KASLR placement:
 * {@link LiveGuest.KernelFiles}) is found once while the guest runs. Then the vCPUs are paused (QMP {@code stop},
 * which also drains QEMU's block I/O to the disk image), and the kernel model, the cache walks and the views run
 * over {@link PausedCopyLayer}s of the RAM and of the disk, which copy each 4 KiB page they read; then every page
 * of every cached file and of the block-device caches is copied too (a read, no hashing). The RAM copy is frozen
 * and the guest resumes (QMP {@code cont}). So every byte of guest memory read later through the returned
 * {@link MergedFileSystem} (hashes, statuses, a manifest, an export, a FUSE read) is of the paused instant, and a
 * RAM page the paused walk did not copy is an error, never a byte of a later instant. The pause is thus the walk,
 * the views and the copying of exactly the pages they need; it is measured and returned with the whole refresh.
 *
 * <p>The disk: its blocks read while paused (super block, group descriptors, journal, inode tables and directories
 * the views opened) are of the paused instant; data blocks read after the resume by {@code warm} (hashes of files
 * not wholly cached, the disk side of the statuses) are read once and kept for the refresh, and are of the paused
 * instant unless the guest wrote that block back in the milliseconds between the resume and the read. Such a
 * write can only make the disk newer than at the pause: the merged view is unaffected where the caches hold the
 * bytes (they come first), and a file just written back may show as {@code same} one refresh early. After
 * {@code warm} the disk copy is frozen too.
 */
public final class LiveMerge {
	/** What runs on the fresh views after the guest resumed, on the paused copies (hashes, statuses). */
	public interface Warm {
		void run(MergedFileSystem m) throws IOException;
	}

	/** Warm-up of a view: its listing with every file's sha256, and the statuses when a disk is given. */
	public static Warm listing(View view, boolean statuses) {
		return m -> {
			m.tree(view).listing(true);
			if (statuses) m.statuses();
		};
	}

	/** A refresh: the views (close them when done; the guest stays attached), the pause and the whole refresh time. */
	public record Refresh(MergedFileSystem fs, long pausedNanos, long refreshNanos, long copiedBytes, long walkNanos, long viewsNanos, long copyNanos,
			long warmNanos) {
		public String timings() {
			return String.format("guest paused %.1f ms (caches walked %.1f, views %.1f, cached pages copied %.1f), refresh %.1f ms (then hashes and statuses %.1f); %.1f MiB of RAM copied while paused",
					pausedNanos / 1e6, walkNanos / 1e6, viewsNanos / 1e6, copyNanos / 1e6, refreshNanos / 1e6, warmNanos / 1e6, copiedBytes / 1048576.0);
		}
	}

	/** Reads (so copies) every page of every cached file and of every matched disk's block-device cache. */
	static void copyCachedPages(PageCache pc, MergedFileSystem m) {
		byte[] buf = new byte[CachedFile.PAGE];
		List<CachedFile> files = new java.util.ArrayList<>();
		for (CachedInode i : pc.listedInodes()) {
			try {
				files.add(pc.file(i));
			} catch (IOException e) {
				// reported where the file is read
			}
		}
		for (MergedFileSystem.DiskMatch dm : m.disks()) if (dm.overlay() != null) files.add(dm.overlay().cache().pages());
		for (CachedFile f : files) {
			for (CachedPage p : f.pages()) {
				try {
					f.physicalLayer().read(p.physical(), buf, 0, buf.length);
				} catch (IOException | RuntimeException e) {
					// not a readable page (swapped out, a hole): its readers report it
				}
			}
		}
	}

	private LiveMerge() {
	}

	/**
	 * Pauses {@code guest}, builds the three views over copies of its RAM and of {@code disk} (or none), runs
	 * {@code warm}, resumes the guest (whatever happened), and returns the frozen views.
	 */
	public static Refresh refresh(LiveGuest guest, LiveGuest.KernelFiles kernel, Path disk, boolean replayJournal, Warm warm, Progress progress)
			throws IOException {
		long t0 = System.nanoTime();
		if (disk != null && !Files.isRegularFile(disk)) throw new IOException(disk + ": no such disk image");
		PausedCopyLayer ram = new PausedCopyLayer(new Unclosed(guest.ram()));
		PausedCopyLayer d = disk == null ? null : new PausedCopyLayer(Layers.openDisk(disk));
		long[] t = new long[4];
		try {
			LiveGuest.Paused<MergedFileSystem> p = guest.paused(mem -> {
				try {
					t[0] = System.nanoTime();
					PageCache pc = PageCache.walk(kernel.model(ram, progress), progress);
					t[1] = System.nanoTime();
					MergedFileSystem m = MergedFileSystem.of(pc.analysis(), pc, d == null ? List.of() : List.of(d), replayJournal, progress);
					t[2] = System.nanoTime();
					copyCachedPages(pc, m);
					t[3] = System.nanoTime();
					return m;
				} finally {
					ram.freeze();
				}
			});
			MergedFileSystem m = p.result();
			long w0 = System.nanoTime();
			try {
				if (warm != null) warm.run(m);
			} catch (IOException | RuntimeException e) {
				m.close();
				throw e;
			}
			long w1 = System.nanoTime();
			if (d != null) d.freeze();
			m.own(ram);
			if (d != null) m.own(d);
			return new Refresh(m, p.pausedNanos(), System.nanoTime() - t0, ram.copiedBytes(), t[1] - t[0], t[2] - t[1], t[3] - t[2], w1 - w0);
		} catch (IOException | RuntimeException e) {
			if (d != null) d.close();
			throw e;
		}
	}

	/** The guest's RAM layer, left open when a refresh's copy of it is closed (the guest owns it). */
	private record Unclosed(Layer layer) implements Layer {
		@Override
		public String name() {
			return layer.name();
		}

		@Override
		public String source() {
			return layer.source();
		}

		@Override
		public long size() {
			return layer.size();
		}

		@Override
		public List<cacheshadow.layers.Extent> extents() {
			return layer.extents();
		}

		@Override
		public void read(long offset, byte[] buf, int off, int len) throws IOException {
			layer.read(offset, buf, off, len);
		}

		@Override
		public void close() {
		}
	}
}
