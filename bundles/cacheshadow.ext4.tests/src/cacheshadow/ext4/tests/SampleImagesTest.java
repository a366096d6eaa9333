package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.ext4.BlockMap;
import cacheshadow.ext4.BlockOwners;
import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.ManifestFormat;

/** The real guest disks: after in-memory jbd2 replay the listing equals the guest's last synced manifest. */
class SampleImagesTest {
	static List<String> sets() {
		return Samples.SETS;
	}

	@ParameterizedTest
	@MethodSource("sets")
	void replayedDiskEqualsLastRoundManifest(String set) throws Exception {
		Path d = Samples.dir(set);
		List<FileRecord> expected = ManifestFormat.read(d.resolve("manifest.round-6.tsv"));
		try (RawFileLayer layer = new RawFileLayer(d.resolve("disk.img"))) {
			Ext4FileSystem fs = Ext4FileSystem.open(layer, Ext4FileSystem.Options.REPLAYED);
			assertTrue(fs.journalReplay().overlay().overlaidBlocks() > 0, "the sample needs recovery");
			List<FileRecord> got = fs.listing("/mnt/disk");
			List<String> diff = Samples.diff(expected, got);
			assertEquals(List.of(), diff, String.join("\n", diff));
			for (Finding f : fs.findings()) {
				assertTrue(f.severity() == Finding.Severity.INFO, "unexpected finding " + f);
			}
			// every block in use has an owner; file blocks map back to their file and offset
			BlockOwners owners = BlockOwners.build(fs);
			for (long b = 0; b < fs.blocksCount(); b++) {
				if (fs.blockAllocated(b)) assertTrue(owners.owner(b).kind() != BlockOwners.Kind.UNOWNED, "owner of block " + b);
			}
			long log = fs.lookup("/var/log/app.log");
			BlockMap m = fs.blockMap(fs.inode(log));
			for (BlockRun r : m.runs()) {
				BlockOwners.Owner o = owners.owner(r.physical() + r.length() - 1);
				assertEquals(new BlockOwners.Owner(BlockOwners.Kind.FILE_DATA, log, r.logicalEnd() - 1, -1), o);
			}
		}
	}

	@ParameterizedTest
	@MethodSource("sets")
	void asItLiesAgreesWithDebugfsAndSleuthKit(String set) throws Exception {
		Path d = Samples.dir(set);
		try (RawFileLayer layer = new RawFileLayer(d.resolve("disk.img"))) {
			Ext4FileSystem lies = Ext4FileSystem.open(layer, Ext4FileSystem.Options.AS_IT_LIES);
			assertTrue(lies.superblock().needsRecovery());
			List<FileRecord> listing = lies.listing("");
			List<String> problems = OracleComparison.compare(lies, d.resolve("disk.img"), listing, true, true, p -> true);
			assertEquals(List.of(), problems, String.join("\n", problems));
			// the guest's sync after round 6 also checkpointed the journal: the replay rewrites blocks with equal
			// content, so as it lies the disk already lists as the last round (JournalReplayStatesTest covers
			// the mid-round states where replay matters)
			List<FileRecord> expected = ManifestFormat.read(d.resolve("manifest.round-6.tsv"));
			List<String> diff = Samples.diff(expected, lies.listing("/mnt/disk"));
			assertEquals(List.of(), diff, String.join("\n", diff));
			Ext4FileSystem replayed = Ext4FileSystem.open(layer, Ext4FileSystem.Options.REPLAYED);
			assertTrue(replayed.journalReplay().transactions().size() >= 6, "committed transactions");
			assertTrue(!replayed.deletedInodes().isEmpty(), "the workload deleted files");
		}
	}

	/** Any layer: the same disk as a (compressed) qcow2 image, read through the lead's Qcow2Layer. */
	@ParameterizedTest
	@MethodSource("sets")
	void qcow2LayerListsLikeTheRawImage(String set, @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
		Path d = Samples.dir(set);
		Path q = tmp.resolve("disk.qcow2");
		Oracles.run("qemu-img", "convert", "-c", "-O", "qcow2", d.resolve("disk.img").toString(), q.toString());
		List<FileRecord> expected = ManifestFormat.read(d.resolve("manifest.round-6.tsv"));
		try (cacheshadow.layers.Qcow2Layer layer = cacheshadow.layers.Qcow2Layer.open(q)) {
			Ext4FileSystem fs = Ext4FileSystem.open(layer, Ext4FileSystem.Options.REPLAYED);
			List<String> diff = Samples.diff(expected, fs.listing("/mnt/disk"));
			assertEquals(List.of(), diff, String.join("\n", diff));
		}
	}

	@ParameterizedTest
	@MethodSource("sets")
	void listingReportsProgressAndCancels(String set) throws Exception {
		Path d = Samples.dir(set);
		try (RawFileLayer layer = new RawFileLayer(d.resolve("disk.img"))) {
			Ext4FileSystem fs = Ext4FileSystem.open(layer);
			long[] seen = new long[2];
			cacheshadow.layers.Progress p = new cacheshadow.layers.Progress() {
				@Override
				public void begin(String task, long totalWork) {
					seen[0] = totalWork;
				}

				@Override
				public void worked(long units) {
					seen[1] += units;
				}
			};
			int n = fs.listing("/mnt/disk", false, p).size();
			assertEquals(n - 1, seen[1], "one unit per path below the root");
			assertTrue(seen[0] > 0, "an estimated total: " + seen[0]);
			cacheshadow.layers.Progress cancel = new cacheshadow.layers.Progress() {
				int k;

				@Override
				public void begin(String task, long totalWork) {
				}

				@Override
				public void worked(long units) {
					k++;
				}

				@Override
				public boolean isCanceled() {
					return k >= 5;
				}
			};
			org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CancellationException.class, () -> fs.listing("/", true, cancel));
		}
	}
}
