package cacheshadow.bench.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import cacheshadow.bench.MergeBenchmark;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.testing.SampleMerge;

/**
 * One run of the in-process hashing benchmark (printed for the record; the machine is shared, so the ratio is not
 * asserted beyond sanity).
 */
class MergeBenchmarkTest {
	@Test
	void hashingThroughTheMergeAgainstTheDiskImage() throws Exception {
		String set = "debian-6.1-kaslr";
		try (MergedFileSystem m = SampleMerge.open(set)) {
			MergeBenchmark.Result r = MergeBenchmark.run(m, null);
			System.out.println("merge benchmark: " + r);
			assertEquals("/mnt/disk/data/blob.bin", r.path());
			assertTrue((long) r.passes() * r.fileSize() >= 4L << 20);
			assertTrue(r.diskNanos() > 0 && r.mergedNanos() > 0 && r.mergedFromDiskNanos() > 0);
		}
	}
}
