package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.pagecache.LiveGuest;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.PausedCopyLayer;

/**
 * One refresh of a running guest: its caches over its disk as they stood at one instant.
 *
 * <p>How the view stays consistent: what of the kernel is fixed after boot (BTF, symbols, KASLR placement:
 * {@link LiveGuest.KernelFiles}) is found once while the guest runs. Then the vCPUs are paused (QMP {@code stop},
 * which also drains QEMU's block I/O to the disk image), and the kernel model, the cache walks, the views and whatever {@code warm} reads (the hashes
 * of a listing, the statuses) run over {@link PausedCopyLayer}s of the RAM and of the disk, which copy each 4 KiB
 * page they read; the copies are frozen and the guest resumes (QMP {@code cont}). Everything read later through
 * the returned {@link MergedFileSystem} (a manifest, an export, a FUSE read) comes from those copies, and a page
 * the paused walk never read is an error, never a byte of a later instant. The pause is thus the walk plus the
 * copying of exactly the pages it needs; it is measured and returned with the whole refresh.
 */
public final class LiveMerge {
	/** What runs on the fresh views while the guest is still paused; every page it reads is kept. */
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
	public record Refresh(MergedFileSystem fs, long pausedNanos, long refreshNanos, long copiedBytes, long walkNanos, long viewsNanos, long warmNanos) {
		public String timings() {
			return String.format("guest paused %.1f ms (caches walked %.1f, views %.1f, hashes and statuses %.1f), refresh %.1f ms; %.1f MiB copied while paused",
					pausedNanos / 1e6, walkNanos / 1e6, viewsNanos / 1e6, warmNanos / 1e6, refreshNanos / 1e6, copiedBytes / 1048576.0);
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
					if (warm != null) warm.run(m);
					t[3] = System.nanoTime();
					return m;
				} finally {
					ram.freeze();
					if (d != null) d.freeze();
				}
			});
			MergedFileSystem m = p.result();
			m.own(ram);
			if (d != null) m.own(d);
			return new Refresh(m, p.pausedNanos(), System.nanoTime() - t0, ram.copiedBytes() + (d == null ? 0 : d.copiedBytes()), t[1] - t[0], t[2] - t[1],
					t[3] - t[2]);
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
