package cacheshadow.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.CachedInode;
import cacheshadow.caches.Mount;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Finding;
import cacheshadow.pagecache.BlockDeviceCache;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.PageCache;
import cacheshadow.pagecache.PageCacheCrossCheck;
import cacheshadow.pagecache.PageStructScan;
import cacheshadow.pagecache.Provenance;

/**
 * Benchmark (not a test): both page-cache methods and a plain sequential read of the snapshot, in one run, as
 * ratios to the sequential read and per GiB of guest RAM (the seed's Figures 5–7 axes). Also the crossover: how
 * many files the per-inode walk can visit in the time of one whole struct-page scan.
 *
 * <pre>java -cp ... cacheshadow.bench.PageCacheBench memory.elf [kernelDir] [repeats]</pre>
 *
 * The last line ({@code figure-row}, tab-separated) is what releng/pagecache-figures.sh collects into the
 * Figures 5–7 series: image, GiB, cached inodes, pages walked, then seconds per GiB of the sequential read, all
 * caches, all caches without loading kernel files, that one's ratio to the read, the struct-page scan, the per-inode
 * page walk, the dentry/inode walk, and the crossover in inodes.
 */
public final class PageCacheBench {
	private PageCacheBench() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length < 1) {
			System.err.println("usage: PageCacheBench MEMORY_IMAGE [KERNEL_DIR|-] [REPEATS]");
			System.exit(2);
		}
		Path image = Path.of(args[0]);
		Path kernelDir = args.length > 1 && !args[1].equals("-") ? Path.of(args[1]) : null;
		int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
		try (Layer mem = Layers.openMemory(image)) {
			long ram = 0;
			for (Extent e : mem.extents()) ram += e.length();
			double gib = ram / (double) (1L << 30);
			CacheAnalysis a = null;
			long t;
			long seq = Long.MAX_VALUE, files = Long.MAX_VALUE, model = Long.MAX_VALUE, dentries = Long.MAX_VALUE, walk = Long.MAX_VALUE,
					walkData = Long.MAX_VALUE, scanAll = Long.MAX_VALUE, scanDirty = Long.MAX_VALUE, cross = Long.MAX_VALUE, bdev = Long.MAX_VALUE,
					allCaches = Long.MAX_VALUE, allButFiles = Long.MAX_VALUE, pageRest = Long.MAX_VALUE;
			long pagesWalked = 0, bytesHashed = 0, scanned = 0, folios = 0;
			List<CachedInode> inodes = new ArrayList<>();
			for (int r = 0; r < repeats; r++) {
				t = System.nanoTime();
				sequentialRead(mem);
				seq = Math.min(seq, System.nanoTime() - t);

				// Everything an analysis does, from the kernel files to every cache: a fresh model each round. Page
				// caches are walked on the other cores while the dentry/inode walk runs (PageCache.open).
				long all = System.nanoTime();
				PageCache pc = PageCache.open(mem, kernelDir, false, Progress.NONE);
				a = pc.analysis();
				long tb = System.nanoTime();
				List<Finding> bdevFindings = new ArrayList<>();
				for (Mount m : a.mounts()) BlockDeviceCache.of(pc.reader(), m, bdevFindings);
				long now = System.nanoTime();
				files = Math.min(files, a.kernelFilesNanos());
				model = Math.min(model, a.kernelModelNanos());
				dentries = Math.min(dentries, a.walkNanos());
				pageRest = Math.min(pageRest, tb - all - a.kernelFilesNanos() - a.kernelModelNanos() - a.walkNanos());
				bdev = Math.min(bdev, now - tb);
				allCaches = Math.min(allCaches, now - all);
				allButFiles = Math.min(allButFiles, now - all - a.kernelFilesNanos());
				inodes.clear();
				inodes.addAll(pc.listedInodes());
				pagesWalked = 0;
				for (CachedInode i : inodes) pagesWalked += pc.file(i).pages().size();

				// The per-inode page walk alone (all cores), for the crossover against the struct-page scan.
				t = System.nanoTime();
				new PageCache(a).prefetch(inodes, Runtime.getRuntime().availableProcessors());
				walk = Math.min(walk, System.nanoTime() - t);

				t = System.nanoTime();
				bytesHashed = 0;
				for (CachedInode i : inodes) {
					CachedFile f = pc.file(i);
					if ((i.mode() & 0xF000) == 0x8000 && f.sha256() != null) bytesHashed += f.size();
				}
				walkData = Math.min(walkData, System.nanoTime() - t);

				t = System.nanoTime();
				PageStructScan s = PageStructScan.scan(pc.reader().pageArray(), false, Progress.NONE);
				scanAll = Math.min(scanAll, System.nanoTime() - t);
				scanned = s.structsRead();
				folios = s.folios();

				t = System.nanoTime();
				PageStructScan.scan(pc.reader().pageArray(), true, Progress.NONE);
				scanDirty = Math.min(scanDirty, System.nanoTime() - t);

				t = System.nanoTime();
				PageCacheCrossCheck.run(pc, s);
				cross = Math.min(cross, System.nanoTime() - t);
			}
			System.out.printf("snapshot %s: %.3f GiB RAM, %d cached inodes, %d page-cache entries by walk, %d struct pages scanned, %d page-cache folios%n",
					image.getFileName(), gib, inodes.size(), pagesWalked, scanned, folios);
			System.out.printf("best of %d runs                                  time ms   s/GiB   x sequential read%n", repeats);
			row("sequential read of snapshot", seq, gib, seq);
			row("all caches, kernel files included", allCaches, gib, seq);
			row("all caches, kernel files excluded", allButFiles, gib, seq);
			row("  kernel files (BTF, symbols)", files, gib, seq);
			row("  kernel model (KASLR, page tables)", model, gib, seq);
			row("  dentry and inode walk (page walks alongside)", dentries, gib, seq);
			row("  page walks left after it", pageRest, gib, seq);
			row("  block-device caches", bdev, gib, seq);
			row("per-inode page walk alone", walk, gib, seq);
			row("per-inode read+sha256 (" + bytesHashed / 1024 + " KiB)", walkData, gib, seq);
			row("struct page scan, all", scanAll, gib, seq);
			row("struct page scan, dirty only", scanDirty, gib, seq);
			row("cross-check (walk vs scan)", cross, gib, seq);
			double perInode = inodes.isEmpty() ? 0 : walk / (double) inodes.size();
			Path pagesTsv = image.toAbsolutePath().getParent().resolve("pages.tsv");
			if (java.nio.file.Files.isRegularFile(pagesTsv)) checkPagesTsv(new PageCache(a), pagesTsv);
			double crossover = perInode == 0 ? 0 : scanAll / perInode;
			System.out.printf("crossover: one scan costs as much as walking %.0f inodes (%.1f µs per inode walked)%n", crossover, perInode / 1000);
			// One tab-separated line per snapshot for series (releng/pagecache-figures.sh): seconds per GiB of RAM.
			System.out.printf(java.util.Locale.ROOT, "figure-row\t%s\t%.3f\t%d\t%d\t%.4f\t%.4f\t%.4f\t%.2f\t%.4f\t%.4f\t%.4f\t%.0f%n", image, gib,
					inodes.size(), pagesWalked, seq / 1e9 / gib, allCaches / 1e9 / gib, allButFiles / 1e9 / gib, allButFiles / (double) seq,
					scanAll / 1e9 / gib, walk / 1e9 / gib, dentries / 1e9 / gib, crossover);
		}
	}

	/** Ground truth next to the image: every listed page recovered bit-exact by the per-inode walk? */
	private static void checkPagesTsv(PageCache cache, Path pagesTsv) throws IOException {
		List<String> lines = java.nio.file.Files.readAllLines(pagesTsv);
		int exact = 0, total = 0, dirty = 0;
		for (String l : lines.subList(1, lines.size())) {
			String[] c = l.split("\t");
			total++;
			CachedFile f = cache.file(c[0]);
			long index = Long.parseLong(c[1]);
			if (f != null && c[2].equals(f.pageSha256(index))) exact++;
			if (f != null && f.provenance(index) == Provenance.DIRTY) dirty++;
		}
		System.out.printf("pages.tsv: %d of %d pages bit-exact (%d dirty); findings %d%n", exact, total, dirty, cache.findings().size());
	}

	private static void row(String what, long nanos, double gib, long seq) {
		System.out.printf("%-46s %9.1f %7.3f %8.3f%n", what, nanos / 1e6, nanos / 1e9 / gib, nanos / (double) seq);
	}

	private static void sequentialRead(Layer mem) throws IOException {
		byte[] buf = new byte[1 << 20];
		long sum = 0;
		for (Extent e : mem.extents()) {
			for (long o = e.start(); o < e.end(); o += buf.length) {
				int n = (int) Math.min(buf.length, e.end() - o);
				mem.read(o, buf, 0, n);
				sum += buf[0];
			}
		}
		if (sum == 42) System.out.print("");
	}
}
