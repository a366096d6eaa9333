package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.jbd2.JournalOverlayLayer;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.listing.Finding;

/**
 * The disk after every write-log entry of both samples: wherever committed transactions are not yet
 * checkpointed (the in-memory replay changes blocks) or a transaction is still open, our replay must equal
 * {@code e2fsck -E journal_only} on a copy of that state, block for block (superblock and journal aside) and
 * listing for listing. Synced round ends are checkpointed, so only these mid-round states exercise replay.
 */
class JournalReplayStatesTest {
	@TempDir
	Path tmp;

	static List<String> sets() {
		return Samples.SETS;
	}

	@ParameterizedTest
	@MethodSource("sets")
	void replayAtEveryLogStateEqualsE2fsck(String set) throws Exception {
		Path d = Samples.dir(set);
		byte[] img = Files.readAllBytes(d.resolve("disk.base.img"));
		ByteArrayLayer mem = new ByteArrayLayer(img);
		int states = 0, replayChanged = 0, open = 0, checked = 0, descriptorsKept = 0, descriptorsRewritten = 0;
		try (FileChannel log = FileChannel.open(d.resolve("writes.log"))) {
			long pos = 512;
			for (int entry = 0;; entry++) {
				ByteBuffer h = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
				if (log.read(h, pos) < 32) break;
				h.flip();
				long sector = h.getLong(), nr = h.getLong(), flags = h.getLong();
				if (sector == 0 && nr == 0 && flags == 0) break;
				pos += 512;
				if ((flags & 4) == 0 && nr > 0) {
					log.read(ByteBuffer.wrap(img, (int) (sector * 512), (int) (nr * 512)), pos);
					pos += nr * 512;
				}
				states++;
				Ext4FileSystem ours;
				try {
					ours = Ext4FileSystem.open(mem, Ext4FileSystem.Options.REPLAYED);
				} catch (java.io.IOException e) {
					continue; // before mkfs wrote the superblock
				}
				if (ours.journalReplay() == null) continue;
				JournalOverlayLayer overlay = ours.journalReplay().overlay();
				// the open keeps the descriptors it parsed before the replay unless the journal rewrites their blocks
				// with other bytes (the superblock's, 0, and the table's, 1, on these single-table images): both ways must equal a
				// fresh parse of the replayed device
				Ext4FileSystem fresh = Ext4FileSystem.open(overlay, Ext4FileSystem.Options.AS_IT_LIES);
				assertEquals(fresh.groupDescriptors(), ours.groupDescriptors(), set + " entry " + entry + ": descriptors");
				assertEquals(fresh.superblock().freeInodesCount, ours.superblock().freeInodesCount, set + " entry " + entry);
				assertEquals(fresh.superblock().lastOrphan, ours.superblock().lastOrphan, set + " entry " + entry);
				if (overlay.overlaidBlocks() > 0) {
					if (changedBlocks(overlay, mem, ours.blockSize(), Set.of(0L, 1L)) > 0) descriptorsRewritten++;
					else descriptorsKept++;
				}
				int changed = changedBlocks(overlay, mem, ours.blockSize());
				boolean uncommitted = ours.findings().stream().anyMatch(f -> f.message().contains("uncommitted"));
				for (Finding f : ours.findings()) assertEquals(Finding.Severity.INFO, f.severity(), set + " entry " + entry + ": " + f);
				if (changed > 0) replayChanged++;
				if (uncommitted) open++;
				if (changed == 0 && !uncommitted) continue;
				compareWithE2fsck(set + " after entry " + (entry + 1), ours, img);
				checked++;
			}
		}
		assertTrue(replayChanged >= 20, set + ": states where replay changes blocks: " + replayChanged + " of " + states);
		assertTrue(open >= 5, set + ": states with an open transaction: " + open);
		assertTrue(checked >= 25, "states checked against e2fsck: " + checked);
		assertTrue(descriptorsKept > 0 && descriptorsRewritten > 0,
				set + ": states keeping / re-reading the descriptors: " + descriptorsKept + " / " + descriptorsRewritten);
	}

	private static int changedBlocks(JournalOverlayLayer overlay, ByteArrayLayer base, int bs) throws Exception {
		return changedBlocks(overlay, base, bs, overlay.copies().keySet());
	}

	/** How many of {@code blocks} the overlay holds with other bytes than {@code base}. */
	private static int changedBlocks(JournalOverlayLayer overlay, ByteArrayLayer base, int bs, Set<Long> blocks) throws Exception {
		byte[] x = new byte[bs], y = new byte[bs];
		int n = 0;
		for (long b : blocks) {
			if (!overlay.copies().containsKey(b)) continue;
			overlay.read(b * bs, x, 0, bs);
			base.read(b * bs, y, 0, bs);
			if (!Arrays.equals(x, y)) n++;
		}
		return n;
	}

	private void compareWithE2fsck(String what, Ext4FileSystem ours, byte[] img) throws Exception {
		Path copy = tmp.resolve("state.img");
		Files.write(copy, img);
		Oracles.runBytes(true, "e2fsck", "-y", "-E", "journal_only", copy.toString());
		try (RawFileLayer rec = new RawFileLayer(copy)) {
			Ext4FileSystem theirs = Ext4FileSystem.open(rec, Ext4FileSystem.Options.AS_IT_LIES);
			assertTrue(!theirs.superblock().needsRecovery(), what + ": e2fsck recovered");
			Set<Long> journal = new TreeSet<>();
			for (BlockRun r : theirs.blockMap(theirs.inode(theirs.superblock().journalInum)).runs()) {
				for (long b = 0; b < r.length(); b++) journal.add(r.physical() + b);
			}
			int bs = ours.blockSize();
			byte[] a = new byte[bs], b = new byte[bs];
			List<Long> differing = new ArrayList<>();
			for (long blk = 1; blk < ours.blocksCount(); blk++) {
				if (journal.contains(blk)) continue;
				ours.layer().read(blk * bs, a, 0, bs);
				rec.read(blk * bs, b, 0, bs);
				if (!Arrays.equals(a, b)) differing.add(blk);
			}
			assertEquals(List.of(), differing, what + ": blocks differing from e2fsck's recovery");
			List<String> diff = Samples.diff(theirs.listing("/mnt/disk"), ours.listing("/mnt/disk"));
			assertEquals(List.of(), diff, what + ":\n" + String.join("\n", diff));
		}
	}
}
