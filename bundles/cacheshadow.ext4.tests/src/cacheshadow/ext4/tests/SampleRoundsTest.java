package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
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
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.ManifestFormat;

/**
 * The disk at every synced round: writes.log entries [0, entries_complete of round K) applied to a copy of
 * disk.base.img, then read with in-memory journal replay, must list exactly manifest.round-K.tsv; and the final
 * disk.img replayed in memory must equal, block for block and listing for listing, a copy recovered by
 * {@code e2fsck -E journal_only}.
 */
class SampleRoundsTest {
	@TempDir
	Path tmp;

	static List<String> sets() {
		return Samples.SETS;
	}

	@ParameterizedTest
	@MethodSource("sets")
	void everyRoundReplaysToItsManifest(String set) throws Exception {
		Path d = Samples.dir(set);
		Path disk = tmp.resolve("disk.img");
		Files.copy(d.resolve("disk.base.img"), disk, StandardCopyOption.REPLACE_EXISTING);
		assertTrue(disk.toFile().setWritable(true), "copy writable"); // evidence files are read-only
		List<String> rounds = Files.readAllLines(d.resolve("rounds.tsv"));
		int applied = 0, checked = 0;
		try (WriteLog log = new WriteLog(d.resolve("writes.log"))) {
			for (String line : rounds.subList(1, rounds.size())) {
				String[] c = line.split("\t");
				int round = Integer.parseInt(c[0]);
				int complete = Integer.parseInt(c[2]);
				applied = log.apply(disk, applied, complete);
				List<FileRecord> expected = ManifestFormat.read(d.resolve("manifest.round-" + round + ".tsv"));
				try (RawFileLayer layer = new RawFileLayer(disk)) {
					Ext4FileSystem fs = Ext4FileSystem.open(layer, Ext4FileSystem.Options.REPLAYED);
					List<String> diff = Samples.diff(expected, fs.listing("/mnt/disk"));
					assertEquals(List.of(), diff, set + " round " + round + ":\n" + String.join("\n", diff));
					for (Finding f : fs.findings()) assertEquals(Finding.Severity.INFO, f.severity(), set + " round " + round + ": " + f);
				}
				checked++;
			}
		}
		assertTrue(checked >= 6, "rounds checked: " + checked);
	}

	@ParameterizedTest
	@MethodSource("sets")
	void inMemoryReplayEqualsE2fsckRecovery(String set) throws Exception {
		Path d = Samples.dir(set);
		Path copy = tmp.resolve("recovered.img");
		Files.copy(d.resolve("disk.img"), copy, StandardCopyOption.REPLACE_EXISTING);
		assertTrue(copy.toFile().setWritable(true), "copy writable");
		Oracles.runBytes(true, "e2fsck", "-y", "-E", "journal_only", copy.toString());
		try (RawFileLayer raw = new RawFileLayer(d.resolve("disk.img")); RawFileLayer rec = new RawFileLayer(copy)) {
			Ext4FileSystem asLies = Ext4FileSystem.open(raw, Ext4FileSystem.Options.AS_IT_LIES);
			assertTrue(asLies.superblock().needsRecovery());
			Ext4FileSystem ours = Ext4FileSystem.open(raw, Ext4FileSystem.Options.REPLAYED);
			Ext4FileSystem theirs = Ext4FileSystem.open(rec, Ext4FileSystem.Options.AS_IT_LIES);
			assertTrue(!theirs.superblock().needsRecovery(), "e2fsck recovered the copy");
			JournalOverlayLayer overlay = ours.journalReplay().overlay();
			// every block but the superblock and the journal itself must be identical
			Set<Long> journal = new TreeSet<>();
			for (BlockRun r : asLies.blockMap(asLies.inode(asLies.superblock().journalInum)).runs()) {
				for (long b = 0; b < r.length(); b++) journal.add(r.physical() + b);
			}
			int bs = ours.blockSize();
			byte[] a = new byte[bs], b = new byte[bs];
			List<Long> differing = new ArrayList<>();
			for (long blk = 1; blk < ours.blocksCount(); blk++) {
				if (journal.contains(blk)) continue;
				overlay.read(blk * bs, a, 0, bs);
				rec.read(blk * bs, b, 0, bs);
				if (!java.util.Arrays.equals(a, b)) differing.add(blk);
			}
			assertEquals(List.of(), differing, set + ": blocks differing from e2fsck's recovery");
			assertTrue(overlay.overlaidBlocks() > 0);
			List<String> diff = Samples.diff(theirs.listing("/mnt/disk"), ours.listing("/mnt/disk"));
			assertEquals(List.of(), diff, String.join("\n", diff));
		}
		// a full e2fsck -fy (which also fixes summary counts) must not change what is listed either
		Path full = tmp.resolve("fsck-fy.img");
		Files.copy(d.resolve("disk.img"), full, StandardCopyOption.REPLACE_EXISTING);
		assertTrue(full.toFile().setWritable(true), "copy writable");
		Oracles.runBytes(true, "e2fsck", "-fy", full.toString());
		try (RawFileLayer raw = new RawFileLayer(d.resolve("disk.img")); RawFileLayer fixed = new RawFileLayer(full)) {
			Ext4FileSystem checked = Ext4FileSystem.open(fixed, Ext4FileSystem.Options.AS_IT_LIES);
			assertTrue(!checked.superblock().needsRecovery());
			List<String> diff = Samples.diff(checked.listing("/mnt/disk"),
					Ext4FileSystem.open(raw, Ext4FileSystem.Options.REPLAYED).listing("/mnt/disk"));
			assertEquals(List.of(), diff, String.join("\n", diff));
			assertEquals(List.of(), checked.findings(), "e2fsck's output has no checksum or structure findings");
		}
	}

	/** dm-log-writes log: sector 0 super, then per entry a 512-byte header and nr_sectors*512 data bytes. */
	static final class WriteLog implements AutoCloseable {
		private final FileChannel ch;
		private long pos = 512;

		WriteLog(Path p) throws IOException {
			ch = FileChannel.open(p, StandardOpenOption.READ);
		}

		/** Applies entries [from, to) to {@code disk}; returns {@code to}. */
		int apply(Path disk, int from, int to) throws IOException {
			try (FileChannel out = FileChannel.open(disk, StandardOpenOption.WRITE)) {
				for (int i = from; i < to; i++) {
					ByteBuffer h = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
					ch.read(h, pos);
					h.flip();
					long sector = h.getLong(), nr = h.getLong(), flags = h.getLong();
					pos += 512;
					if ((flags & 4) != 0 || nr == 0) continue; // discard / flush / mark: no data
					ByteBuffer data = ByteBuffer.allocate((int) (nr * 512));
					ch.read(data, pos);
					data.flip();
					out.write(data, sector * 512);
					pos += nr * 512;
				}
			}
			return to;
		}

		@Override
		public void close() throws IOException {
			ch.close();
		}
	}
}
