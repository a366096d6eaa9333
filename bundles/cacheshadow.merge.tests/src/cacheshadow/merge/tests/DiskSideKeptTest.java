package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.pagecache.PageCache;

/**
 * Views built taking over the disk side of views built before over the same disk bytes
 * ({@link MergedFileSystem#diskSide()}: what a live refresh of a guest that did not write to its disk reuses) equal
 * views built from scratch: every view's listing with hashes, the statuses, the findings. The disk's ext4 is not
 * opened again (the journal's replay is the one made before) and everything is read through the new disk layer (the
 * one before is closed first), with the journal replayed and as it lies, on both samples.
 */
class DiskSideKeptTest {
	@Test
	void viewsTakingOverTheDiskSideEqualViewsFromScratch() throws Exception {
		int replayedBlocks = 0;
		for (String set : Samples.SETS) {
			try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
				CacheAnalysis a = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
				for (boolean replay : new boolean[] { true, false }) {
					String what = set + (replay ? ", replayed" : ", as it lies");
					MergedFileSystem.DiskSide side;
					Ext4FileSystem before;
					try (Layer disk = Layers.openDisk(Samples.file(set, "disk.img"))) {
						MergedFileSystem first = MergedFileSystem.of(a, new PageCache(a), List.of(disk), replay, Progress.NONE);
						// used before the next views take over: what hashing and statuses add to it is not carried over
						first.statuses();
						first.findings();
						side = first.diskSide();
						before = first.disks().get(0).diskOnly();
					}
					try (Layer disk = Layers.openDisk(Samples.file(set, "disk.img"))) {
						MergedFileSystem kept = MergedFileSystem.of(a, new PageCache(a), List.of(disk), replay, side, Progress.NONE);
						MergedFileSystem scratch = MergedFileSystem.of(a, new PageCache(a), List.of(disk), replay, Progress.NONE);
						Ext4FileSystem now = kept.disks().get(0).diskOnly();
						assertNotSame(before, now, what);
						if (replay) {
							assertSame(before.journalReplay().overlay().copies(), now.journalReplay().overlay().copies(), what + ": the replay taken over");
							replayedBlocks += now.journalReplay().overlay().overlaidBlocks();
						}
						for (View v : View.values()) {
							assertEquals(scratch.tree(v).listing(true), kept.tree(v).listing(true), what + ": " + v);
							assertEquals(scratch.tree(v).root(), kept.tree(v).root(), what + ": " + v);
						}
						assertTrue(kept.tree(View.DISK_ONLY).listing(false).size() > 10, what);
						assertEquals(scratch.statuses(), kept.statuses(), what);
						assertEquals(scratch.findings(), kept.findings(), what);
						assertEquals(scratch.disks().get(0).diskOnly().findings(), now.findings(), what);
						assertEquals(scratch.mergedWithoutCleanPages().listing(true), kept.mergedWithoutCleanPages().listing(true), what);
					}
				}
			}
		}
		assertTrue(replayedBlocks > 0, "some sample's journal replays blocks");
	}
}
