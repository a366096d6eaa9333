package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import cacheshadow.layers.Progress;
import cacheshadow.merge.LiveMerge;
import cacheshadow.merge.View;
import cacheshadow.pagecache.LiveGuest;
import cacheshadow.testing.LiveGuestDir;

/**
 * {@link LiveMerge} on the live guest started by {@code make-evidence.sh --live DIR} ({@code -Dcacheshadow.live=DIR}):
 * a refresh that takes over the refresh before's disk side (QEMU counted no disk write in between: the guest is idle,
 * its writeback stopped) and its hashes gives exactly what a refresh from scratch gives right after it: every view's
 * listing with hashes, the statuses, the findings.
 */
@EnabledIfSystemProperty(named = "cacheshadow.live", matches = ".+")
class LiveMergeTest {
	@Test
	void aRefreshReusingTheOneBeforeEqualsARefreshFromScratch() throws Exception {
		Path dir = LiveGuestDir.await();
		try (LiveGuest g = LiveGuest.attach(dir)) {
			LiveGuest.KernelFiles k = g.kernelFiles(dir.resolve("kernel"), Progress.NONE);
			Path disk = dir.resolve("disk.img");
			LiveMerge.Warm warm = LiveMerge.listing(View.MERGED, true);
			LiveMerge.Refresh first = LiveMerge.refresh(g, k, disk, true, warm, null, Progress.NONE);
			first.fs().close();
			assertFalse(first.diskSideKept(), first.timings());
			LiveMerge.Refresh next = LiveMerge.refresh(g, k, disk, true, warm, first, Progress.NONE);
			LiveMerge.Refresh scratch = LiveMerge.refresh(g, k, disk, true, warm, null, Progress.NONE);
			try {
				System.out.println("LiveMergeTest: " + next.timings() + "\nLiveMergeTest: from scratch: " + scratch.timings());
				assertTrue(next.diskSideKept(), next.timings());
				assertTrue(next.timings().endsWith("its disk-only view kept"), next.timings());
				assertEquals(next.hashesTotal(), next.hashesReused(), next.timings());
				assertEquals(0, scratch.hashesReused());
				for (View v : View.values()) assertEquals(scratch.fs().tree(v).listing(true), next.fs().tree(v).listing(true), v.toString());
				assertTrue(next.fs().tree(View.DISK_ONLY).listing(false).size() > 10);
				assertEquals(scratch.fs().statuses(), next.fs().statuses());
				assertEquals(scratch.fs().findings(), next.fs().findings());
			} finally {
				next.fs().close();
				scratch.fs().close();
			}
			assertTrue(g.qmp().running());
		}
	}
}
