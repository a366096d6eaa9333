package cacheshadow.caches.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;

/**
 * Metadata-walk throughput (inodes/s) next to a plain sequential read of the same snapshot in the same run, so the
 * number means something on any machine. Goal (issue 3): ≥ 100,000 inodes/s (Volatility 3 lists ~300/s).
 */
class CacheWalkBenchmarkTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void metadataWalkThroughput(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			LinuxKernel k = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE).kernel();
			// Sequential read of every mapped byte, 1 MiB at a time.
			byte[] buf = new byte[1 << 20];
			long bytes = 0, t0 = System.nanoTime();
			for (Extent e : mem.extents()) {
				for (long p = e.start(); p < e.end(); p += buf.length) {
					int n = (int) Math.min(buf.length, e.end() - p);
					mem.read(p, buf, 0, n);
					bytes += n;
				}
			}
			double seqSeconds = (System.nanoTime() - t0) / 1e9;
			// The samples hold ~600 inodes: one walk is too short for the JIT, so warm up, then time repeated full
			// walks (fresh walkers each time, only the page-table translation cache carries over).
			long c = System.nanoTime();
			CacheAnalysis cold = CacheAnalysis.walk(k, Progress.NONE);
			double coldMs = (System.nanoTime() - c) / 1e6;
			for (int i = 0; i < 300; i++) CacheAnalysis.walk(k, Progress.NONE);
			// Best of 10 batches of 20 walks: the machine is shared, the best batch is the least disturbed one.
			long inodes = 0, walkNanos = Long.MAX_VALUE;
			int runs = 20;
			for (int batch = 0; batch < 10; batch++) {
				long n = 0, s = System.nanoTime();
				for (int i = 0; i < runs; i++) n += CacheAnalysis.walk(k, Progress.NONE).inodesRead();
				long t = System.nanoTime() - s;
				if (t < walkNanos) {
					walkNanos = t;
					inodes = n;
				}
			}
			double inodesPerSecond = inodes / (walkNanos / 1e9);
			double seqMiBs = bytes / seqSeconds / (1 << 20);
			// Ratio: one inode walked per second against one 4 KiB page read sequentially per second.
			double pagesPerSecond = bytes / 4096.0 / seqSeconds;
			System.out.printf("%s: first (cold) walk %d inodes in %.1f ms%n", set, cold.inodesRead(), coldMs);
			System.out.printf("%s: metadata walk %,.0f inodes/s (%d inodes/walk, %.2f ms/walk); sequential read %,.0f MiB/s = %,.0f pages/s; ratio inodes/s : pages/s = %.3f%n",
					set, inodesPerSecond, inodes / runs, walkNanos / 1e6 / runs, seqMiBs, pagesPerSecond, inodesPerSecond / pagesPerSecond);
			assertTrue(inodesPerSecond >= 100_000, "goal 100,000 inodes/s, measured " + (long) inodesPerSecond);
		}
	}
}
