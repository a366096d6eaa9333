package cacheshadow.merge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * One refresh of a running guest: its caches over its disk as they stood at one instant, the guest paused only to
 * check what was read.
 *
 * <p>How the view stays consistent: what of the kernel is fixed after boot (BTF, symbols, KASLR placement:
 * {@link LiveGuest.KernelFiles}) is found once while the guest runs. The kernel model, the cache walks, the views and
 * a copy of every page of every cached file and of the block-device caches are then built <em>while the guest
 * runs</em>, over {@link PausedCopyLayer}s of the RAM and of the disk: each 4 KiB page is copied at its first read
 * and every later read is served from that copy, so all that is built is a function of the copied pages alone. Then
 * the vCPUs are paused (QMP {@code stop}, which also drains QEMU's block I/O to the disk image) for the check, as a
 * seqlock reader re-checks what it read: every byte of the RAM copy the build read is compared with the guest's RAM
 * now (pages read whole, the cached files' and block-device caches', whole; of the others the lines read, masked to
 * the bytes read: {@link PausedCopyLayer#check()}, laid out before the pause, compared in place on all cores); the guest
 * resumes (QMP {@code cont}, also when anything failed); then QEMU's count of completed disk writes
 * ({@link LiveGuest#diskWrites}) is compared with its count before the walk (the counts only grow: equal means no
 * write completed in between, the pause included). When every page is equal and no write reached the disk, the walk
 * read exactly what a walk of the paused guest would have read and so took the same steps: its result is the paused
 * instant's, and the RAM copy is frozen (nothing read the RAM since the check). The same comparison runs once just
 * before the pause, while the guest runs: a walk it finds stale is walked again without pausing, and the pause then
 * finds the comparison's code compiled and the RAM file's pages mapped. When something changed, the changed pages are dropped (a disk written
 * to: its copy dropped), the guest resumes, and the walk runs again over the copies left, re-reading only what
 * changed; after {@value #ATTEMPTS} such tries the walk runs while the guest is paused, as a last resort that
 * cannot miss (pause then as long as the walk).
 *
 * <p>Every byte of guest memory read later through the returned {@link MergedFileSystem} (hashes, statuses, a
 * manifest, an export, a FUSE read) is thus of the paused instant, and a RAM page never copied is an error, never a
 * byte of a later instant. The disk's data blocks read after the resume by {@code warm} (hashes of files not wholly
 * cached, the disk side of the statuses) are read once and kept; they are of the paused instant unless a write
 * reached the disk between the resume and the read, which {@link Refresh#diskWrittenDuringWarm} tells, and which can
 * only make the disk newer (the merged view is unaffected where the caches hold the bytes).
 *
 * <p>Incremental: a refresh given the one before shares its page copies where the bytes are equal, takes its disk
 * copy whole when QEMU counted no disk write in between, and takes a file's sha256 from it when the file is made of
 * the same pieces ({@link FileContent.Recipe}: cached pages at the same addresses with equal bytes, disk blocks of
 * the same numbers on an unwritten disk), so only what changed is hashed again.
 */
public final class LiveMerge {
	/** Tries with the walk done while the guest runs, before the last one done while it is paused. */
	static final int ATTEMPTS = 3;

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

	/**
	 * What a refresh leaves for the next one to reuse: its copies, the disk's write count at its pause, its hashes, and
	 * what of its views rests on the disk alone.
	 */
	public static final class Basis {
		private final PausedCopyLayer ram, disk;
		private final String diskWrites;
		private final Map<String, Hashed> hashes;
		private final MergedFileSystem.DiskSide diskSide;

		private Basis(PausedCopyLayer ram, PausedCopyLayer disk, String diskWrites, Map<String, Hashed> hashes, MergedFileSystem.DiskSide diskSide) {
			this.ram = ram;
			this.disk = disk;
			this.diskWrites = diskWrites;
			this.hashes = hashes;
			this.diskSide = diskSide;
		}
	}

	private record Hashed(FileContent.Recipe recipe, String sha256) {
	}

	/**
	 * A refresh: the views (close them when done; the guest stays attached), the time the guest was paused in all
	 * ({@code pauses} pauses), the whole refresh, and what the refresh did while the guest ran.
	 */
	public record Refresh(MergedFileSystem fs, long pausedNanos, long refreshNanos, long copiedBytes, long walkNanos, long viewsNanos, long copyNanos,
			long warmNanos, int pauses, int staleWalks, long longestPauseNanos, int pagesChecked, long bytesChecked, long checkNanos, boolean walkedPaused, int hashesReused, int hashesTotal,
			boolean diskWrittenDuringWarm, boolean diskSideKept, Basis basis) {
		public String timings() {
			return String.format("guest paused %.1f ms (%s), refresh %.1f ms (caches walked %.1f, views %.1f, cached pages copied %.1f%s; then hashes and statuses %.1f, %d of %d hashes reused); %.1f MiB of RAM copied",
					pausedNanos / 1e6,
					walkedPaused ? (pauses == 1 ? "walked while paused" : pauses + " pauses, the last one walking: the guest changed what the walks read " + (pauses - 1) + " times")
							: (pauses == 1 ? "once: " : pauses + " pauses, longest " + String.format("%.1f", longestPauseNanos / 1e6) + " ms: ") + pagesChecked
									+ " pages checked unchanged in " + String.format("%.1f", checkNanos / 1e6) + " ms, " + String.format("%.1f", bytesChecked / 1048576.0)
									+ " MiB of them compared",
					refreshNanos / 1e6, walkNanos / 1e6, viewsNanos / 1e6, copyNanos / 1e6, walkedPaused ? ", the last walk paused" : " while the guest ran",
					warmNanos / 1e6, hashesReused, hashesTotal, copiedBytes / 1048576.0)
					+ (staleWalks > 0 ? "; " + staleWalks + (staleWalks == 1 ? " walk" : " walks") + " found stale before pausing and walked again" : "")
					+ (diskWrittenDuringWarm ? "; the guest wrote to its disk while the refresh read it after the pause" : "")
					+ (diskSideKept ? "; the disk unwritten since the refresh before: its ext4 as opened (journal replayed) and its disk-only view kept" : "");
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

	/** As {@link #refresh(LiveGuest, LiveGuest.KernelFiles, Path, boolean, Warm, Refresh, Progress)} with no refresh before. */
	public static Refresh refresh(LiveGuest guest, LiveGuest.KernelFiles kernel, Path disk, boolean replayJournal, Warm warm, Progress progress)
			throws IOException {
		return refresh(guest, kernel, disk, replayJournal, warm, null, progress);
	}

	/** The views, built over the copies; {@code kept}: the disk side of a refresh over the same disk bytes, or null. */
	private static MergedFileSystem build(LiveGuest.KernelFiles kernel, PausedCopyLayer ram, PausedCopyLayer d, boolean replayJournal,
			MergedFileSystem.DiskSide kept, long[] t, Progress progress) throws IOException {
		long t0 = System.nanoTime();
		PageCache pc = PageCache.walk(kernel.model(ram, progress), progress);
		long t1 = System.nanoTime();
		MergedFileSystem m = MergedFileSystem.of(pc.analysis(), pc, d == null ? List.of() : List.of(d), replayJournal, kept, progress);
		long t2 = System.nanoTime();
		try {
			copyCachedPages(pc, m);
		} catch (RuntimeException e) {
			m.close();
			throw e;
		}
		t[0] = t1 - t0;
		t[1] = t2 - t1;
		t[2] = System.nanoTime() - t2;
		return m;
	}

	private record Check(List<Long> changed, int pages, long bytes, long nanos) {
	}

	private record Walked(MergedFileSystem fs, String diskWrites) {
	}

	/** A regular file's content in one view; what it is made of, asked once. */
	private static final class Piece {
		final FileContent content;
		private FileContent.Recipe recipe;
		private boolean made;

		Piece(FileContent content) {
			this.content = content;
		}

		FileContent.Recipe recipe() {
			if (!made) {
				recipe = content.recipe();
				made = true;
			}
			return recipe;
		}
	}

	/** Whether QEMU counted no disk write since the pause of the refresh before ({@code writesNow}: its count now). */
	private static boolean diskUnwritten(Basis before, String writesNow) {
		return before != null && before.disk != null && before.diskWrites != null && before.diskWrites.equals(writesNow);
	}

	/** The disk's copy: the refresh before's copies taken whole when QEMU counted no write since its pause. */
	private static PausedCopyLayer diskCopy(Path disk, Basis before, String writesNow) throws IOException {
		PausedCopyLayer d = new PausedCopyLayer(Layers.openDisk(disk), before == null ? null : before.disk, null);
		if (diskUnwritten(before, writesNow)) d.inherit(before.disk);
		return d;
	}

	/** Every regular file of the views a refresh hashes (merged, disk-only), keyed by view and path. */
	private static Map<String, Piece> pieces(MergedFileSystem m) {
		Map<String, Piece> out = new HashMap<>();
		for (View v : List.of(View.MERGED, View.DISK_ONLY)) {
			ViewTree t = m.views().get(v);
			if (t == null) continue;
			for (ViewTree.Node n : t.nodes()) {
				if (n.content() != null && n.attr().type().isRegular()) out.put(v.name() + ":" + n.path(), new Piece(n.content()));
			}
		}
		return out;
	}

	/**
	 * Gives each file the sha256 the refresh before computed for it when it is made of the same pieces: the same
	 * recipe, every cached page's bytes unchanged (one shared copy), and (the caller's part) no disk write in between.
	 */
	private static int reuseHashes(Map<String, Piece> pieces, Basis before, PausedCopyLayer ram) {
		if (before == null) return 0;
		int reused = 0;
		next: for (Map.Entry<String, Piece> e : pieces.entrySet()) {
			Piece p = e.getValue();
			Hashed h = before.hashes.get(e.getKey());
			if (h == null || p.recipe() == null || !h.recipe().equals(p.recipe())) continue;
			for (long page : p.recipe().pages()) if (!ram.sameAs(before.ram, page)) continue next;
			p.content.knownSha256(h.sha256());
			reused++;
		}
		return reused;
	}

	/**
	 * Builds the three views over copies of the guest's RAM and of {@code disk} (or none) while the guest runs,
	 * checks them in a short pause (again while anything changed; at last walking paused), resumes the guest
	 * (whatever happened), runs {@code warm}, and returns the frozen views. {@code previous}: the refresh before of
	 * the same guest and disk, whose copies and hashes are reused where unchanged, or null.
	 */
	public static Refresh refresh(LiveGuest guest, LiveGuest.KernelFiles kernel, Path disk, boolean replayJournal, Warm warm, Refresh previous,
			Progress progress) throws IOException {
		return refresh(guest, kernel, disk, replayJournal, warm, previous, false, progress);
	}

	/**
	 * The refresh as it was before the check ({@code bench live}'s baseline): the walk, the views and the copying all
	 * while the guest is paused, nothing reused from a refresh before.
	 */
	public static Refresh refreshWalkingPaused(LiveGuest guest, LiveGuest.KernelFiles kernel, Path disk, boolean replayJournal, Warm warm,
			Progress progress) throws IOException {
		return refresh(guest, kernel, disk, replayJournal, warm, null, true, progress);
	}

	private static Refresh refresh(LiveGuest guest, LiveGuest.KernelFiles kernel, Path disk, boolean replayJournal, Warm warm, Refresh previous,
			boolean walkPaused, Progress progress) throws IOException {
		long t0 = System.nanoTime();
		if (disk != null && !Files.isRegularFile(disk)) throw new IOException(disk + ": no such disk image");
		Basis before = previous == null ? null : previous.basis();
		PausedCopyLayer ram = new PausedCopyLayer(new Unclosed(guest.ram()), before == null ? null : before.ram, guest.ramInPlace());
		PausedCopyLayer[] d = { null };
		MergedFileSystem m = null;
		long paused = 0, longest = 0;
		long[] t = new long[3];
		int pauses = 0, checked = 0, staleWalks = 0;
		long checkNanos = 0, checkedBytes = 0;
		String writes = null;
		boolean walkedPaused = false;
		MergedFileSystem.DiskSide kept = null; // the refresh before's disk side, while this refresh's disk copy holds its bytes
		try {
			String unsureWrites = null; // the disk's write count before the disk copy's first read
			for (int attempt = 1;; attempt++) {
				if (!walkPaused && attempt <= ATTEMPTS && d[0] == null) {
					unsureWrites = guest.diskWrites();
					if (disk != null) d[0] = diskCopy(disk, before, unsureWrites);
					kept = disk != null && diskUnwritten(before, unsureWrites) ? before.diskSide : null;
				}
				if (walkPaused || attempt > ATTEMPTS || (disk != null && unsureWrites == null)) {
					// the last resort (or QEMU does not count disk writes): walk while paused, from what is still the same
					walkedPaused = true;
					LiveGuest.Paused<Walked> p = guest.paused(mem -> {
						try {
							ram.forget(ram.changedPages(true, guest.ramInPlace())); // its build reads more than the walks before did: no copy the guest changed since
							if (d[0] != null) d[0].close();
							d[0] = disk == null ? null : new PausedCopyLayer(Layers.openDisk(disk));
							return new Walked(build(kernel, ram, d[0], replayJournal, null, t, progress), guest.diskWrites());
						} finally {
							ram.freeze();
						}
					});
					kept = null;
					m = p.result().fs();
					writes = p.result().diskWrites();
					paused += p.pausedNanos();
					longest = Math.max(longest, p.pausedNanos());
					pauses++;
					break;
				}
				m = build(kernel, ram, d[0], replayJournal, kept, t, progress);
				String w0 = unsureWrites;
				PausedCopyLayer.Check check = ram.check(); // laid out while the guest still runs
				PausedCopyLayer.InPlace inPlace = guest.ramInPlace();
				// the same comparison once while the guest runs: a walk already stale is walked again without a pause,
				// and the pause finds the comparison's code compiled and the RAM file's pages mapped (the first pause of
				// a watch took 270-520 ms without)
				List<Long> stale = check.changed(false, inPlace);
				if (!stale.isEmpty()) {
					staleWalks++;
					m.close();
					m = null;
					ram.forget(stale);
					continue;
				}
				LiveGuest.Paused<Check> p = guest.paused(mem -> {
					long c0 = System.nanoTime();
					List<Long> changed = check.changed(false, inPlace);
					return new Check(changed, check.pages(), check.bytes(), System.nanoTime() - c0);
				});
				paused += p.pausedNanos();
				longest = Math.max(longest, p.pausedNanos());
				pauses++;
				Check c = p.result();
				// asked after the resume, one QMP round trip less in the pause: the counts only grow, so equal to the
				// count before the walk they were that at the pause too, and no write reached the disk in between
				String w1 = disk == null ? null : guest.diskWrites();
				boolean diskSame = disk == null || (w1 != null && w1.equals(w0));
				if (c.changed().isEmpty() && diskSame) {
					ram.freeze(); // nothing read the guest's RAM since the check: the copies are the paused instant's
					writes = w1;
					checked = c.pages();
					checkedBytes = c.bytes();
					checkNanos = c.nanos();
					break;
				}
				m.close();
				m = null;
				ram.forget(c.changed());
				if (!diskSame && d[0] != null) {
					d[0].close();
					d[0] = null;
					kept = null;
				}
			}
		} catch (IOException | RuntimeException e) {
			if (m != null) m.close();
			if (d[0] != null) d[0].close();
			throw e;
		}
		PausedCopyLayer dc = d[0];
		long w0 = System.nanoTime();
		int reused = 0, total = 0;
		Map<String, Hashed> hashes = new HashMap<>();
		boolean diskWritten;
		try {
			boolean diskUnchanged = disk == null || (before != null && writes != null && writes.equals(before.diskWrites));
			Map<String, Piece> pieces = pieces(m);
			if (diskUnchanged) reused = reuseHashes(pieces, before, ram);
			if (warm != null) warm.run(m);
			String after = disk == null ? null : guest.diskWrites();
			diskWritten = disk != null && (writes == null || !writes.equals(after));
			for (Map.Entry<String, Piece> e : pieces.entrySet()) {
				String sha = e.getValue().content.knownSha256();
				if (sha == null) continue;
				total++;
				if (!diskWritten && e.getValue().recipe() != null) hashes.put(e.getKey(), new Hashed(e.getValue().recipe(), sha));
			}
		} catch (IOException | RuntimeException e) {
			m.close();
			if (dc != null) dc.close();
			throw e;
		}
		long w1 = System.nanoTime();
		if (dc != null) dc.freeze();
		m.own(ram);
		if (dc != null) m.own(dc);
		Basis next = new Basis(ram, dc, diskWritten ? null : writes, hashes, diskWritten ? null : m.diskSide());
		return new Refresh(m, paused, System.nanoTime() - t0, ram.copiedBytes(), t[0], t[1], t[2], w1 - w0, pauses, staleWalks, longest, checked, checkedBytes, checkNanos, walkedPaused,
				reused, total, diskWritten, kept != null, next);
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
