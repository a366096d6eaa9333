package cacheshadow.bench.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.bench.TreeBench;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.StatusIndex;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;
import cacheshadow.testing.SampleMerge;

/**
 * {@code bench tree} measures what the File System view does to open: its cache-only count is the status index's,
 * its first rows are the root's names and each directory's down to the disk's mount point, and the sample's tree
 * opens within a second (the goal is a second at 100,000 files; the samples hold a few hundred).
 */
class TreeBenchTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void treeBenchOpensTheSampleWithinASecond(String set) throws Exception {
		try (MergedFileSystem m = SampleMerge.open(set)) {
			TreeBench.Result r = TreeBench.run(m, 0);
			System.out.println("bench tree on " + set + ": " + r);
			ViewTree merged = m.tree(View.MERGED);
			assertEquals(StatusIndex.of(merged, m.statuses()).counts().get(PathStatus.Kind.CACHE_ONLY).intValue(), r.cacheOnly());
			assertEquals(merged.paths().size(), r.paths());
			// the root's names and the directories down to /mnt/disk with theirs
			int rows = 1 + merged.readdir("/").size() + merged.readdir("/mnt").size() + merged.readdir("/mnt/disk").size();
			assertEquals(rows, r.rows());
			assertTrue(r.openNanos() < 1_000_000_000L, r.toString());
		}
	}
}
