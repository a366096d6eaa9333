package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.jbd2.Jbd2Superblock;
import cacheshadow.layers.RawFileLayer;

/**
 * Journals written by debugfs ({@code journal_open/journal_write}) in every tag format — 32-bit and 64-bit
 * block numbers, no checksum, csum v2 and v3 — with an escaped block, a revoke, a block logged twice and an
 * uncommitted transaction. Our in-memory replay must equal {@code e2fsck -E journal_only} on a copy.
 */
class Jbd2FormatsTest {
	@TempDir
	Path tmp;

	static Stream<Arguments> formats() {
		return Stream.of(Arguments.of("ext3-32bit-plain", new String[] { "-t", "ext3" }, "jo", 0),
				Arguments.of("ext4-64bit-plain", new String[] { "-t", "ext4" }, "jo", Jbd2Superblock.INCOMPAT_64BIT),
				Arguments.of("ext4-64bit-csum-v2", new String[] { "-t", "ext4" }, "jo -c -v 2", Jbd2Superblock.INCOMPAT_64BIT | Jbd2Superblock.INCOMPAT_CSUM_V2),
				Arguments.of("ext4-64bit-csum-v3", new String[] { "-t", "ext4" }, "jo -c -v 3", Jbd2Superblock.INCOMPAT_64BIT | Jbd2Superblock.INCOMPAT_CSUM_V3),
				Arguments.of("ext4-32bit-csum-v3", new String[] { "-t", "ext4", "-O", "^64bit" }, "jo -c -v 3", Jbd2Superblock.INCOMPAT_CSUM_V3));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("formats")
	void replayEqualsE2fsck(String name, String[] mkfs, String open, int incompat) throws Exception {
		// debugfs 1.47 misplaces the log head after a transaction with revokes (the next descriptor overwrites
		// its commit block; e2fsck then sees the log end there too), so the revoke is logged last and the
		// uncommitted transaction gets its own journal
		scenario(name + "-revoke", mkfs, open, incompat, true);
		scenario(name + "-uncommitted", mkfs, open, incompat, false);
	}

	private void scenario(String name, String[] mkfs, String open, int incompat, boolean revoke) throws Exception {
		Path src = Files.createDirectories(tmp.resolve("src"));
		if (!Files.exists(src.resolve("file.txt"))) Files.writeString(src.resolve("file.txt"), "content\n".repeat(100));
		Path img = tmp.resolve(name + ".img");
		Oracles.mkfs(src, img, "16M", mkfs);
		long blocks, a, b, c, d;
		int bs;
		try (RawFileLayer l = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.AS_IT_LIES);
			bs = fs.blockSize();
			blocks = fs.blocksCount();
		}
		a = blocks - 40;
		b = blocks - 39;
		c = blocks - 38;
		d = blocks - 30;
		Random rnd = new Random(7);
		byte[] three = new byte[3 * bs], one = new byte[bs], newer = new byte[bs], never = new byte[bs];
		rnd.nextBytes(three);
		rnd.nextBytes(one);
		rnd.nextBytes(newer);
		Arrays.fill(never, (byte) 0x55);
		for (int blk = 0; blk < 2; blk++) { // A and B start with the jbd2 magic: journalled escaped
			three[blk * bs] = (byte) 0xC0;
			three[blk * bs + 1] = 0x3B;
			three[blk * bs + 2] = 0x39;
			three[blk * bs + 3] = (byte) 0x98;
		}
		Files.write(tmp.resolve("three"), three);
		Files.write(tmp.resolve("one"), one);
		Files.write(tmp.resolve("newer"), newer);
		Files.write(tmp.resolve("never"), never);
		List<String> cmds = new ArrayList<>(List.of(open, "jw -b " + a + "," + b + "," + c + " " + tmp.resolve("three"),
				"jw -b " + a + " " + tmp.resolve("newer")));
		if (revoke) cmds.add("jw -b " + d + " -r " + b + " " + tmp.resolve("one"));
		else cmds.add("jw -b " + c + " -c " + tmp.resolve("never"));
		cmds.add("jc");
		Oracles.debugfs(img, cmds, true);
		Path copy = tmp.resolve(name + ".recovered.img");
		Files.copy(img, copy);
		Oracles.runBytes(true, "e2fsck", "-y", "-E", "journal_only", copy.toString());
		try (RawFileLayer l = new RawFileLayer(img); RawFileLayer rec = new RawFileLayer(copy)) {
			Ext4FileSystem ours = Ext4FileSystem.open(l, Ext4FileSystem.Options.REPLAYED);
			Jbd2Superblock jsb = ours.journalReplay().journalSuperblock();
			int formatBits = Jbd2Superblock.INCOMPAT_64BIT | Jbd2Superblock.INCOMPAT_CSUM_V2 | Jbd2Superblock.INCOMPAT_CSUM_V3;
			assertEquals(incompat, jsb.featureIncompat & formatBits, name + ": journal format");
			assertEquals(revoke ? 3 : 2, ours.journalReplay().transactions().size(), name + ": committed transactions " + ours.journalReplay().transactions());
			if (!revoke) assertTrue(ours.findings().stream().anyMatch(f -> f.message().contains("uncommitted")), ours.findings().toString());
			assertTrue(ours.findings().stream().allMatch(f -> f.severity() == cacheshadow.listing.Finding.Severity.INFO), ours.findings().toString());
			byte[] x = new byte[bs];
			ours.layer().read(a * bs, x, 0, bs);
			assertArrayEquals(newer, x, name + ": newest copy of A");
			ours.layer().read(c * bs, x, 0, bs);
			assertArrayEquals(Arrays.copyOfRange(three, 2 * bs, 3 * bs), x, name + ": C from T1, never from an uncommitted transaction");
			byte[] orig = new byte[bs];
			if (revoke) {
				ours.layer().read(d * bs, x, 0, bs);
				assertArrayEquals(one, x, name + ": D");
				l.read(b * bs, orig, 0, bs);
				ours.layer().read(b * bs, x, 0, bs);
				assertArrayEquals(orig, x, name + ": B revoked");
			} else {
				ours.layer().read(b * bs, x, 0, bs);
				assertArrayEquals(Arrays.copyOfRange(three, bs, 2 * bs), x, name + ": B, escaped in the journal");
				assertTrue(ours.journalReplay().overlay().copies().get(b).escaped());
			}
			Ext4FileSystem theirs = Ext4FileSystem.open(rec, Ext4FileSystem.Options.AS_IT_LIES);
			Set<Long> journal = new TreeSet<>();
			for (BlockRun r : theirs.blockMap(theirs.inode(8)).runs()) for (long i = 0; i < r.length(); i++) journal.add(r.physical() + i);
			byte[] y = new byte[bs];
			List<Long> differing = new ArrayList<>();
			for (long blk = 1; blk < blocks; blk++) {
				if (journal.contains(blk) || blk == 1024 / bs) continue; // e2fsck clears needs_recovery in the superblock
				ours.layer().read(blk * bs, x, 0, bs);
				rec.read(blk * bs, y, 0, bs);
				if (!Arrays.equals(x, y)) differing.add(blk);
			}
			assertEquals(List.of(), differing, name + ": blocks differing from e2fsck's recovery");
			List<String> diff = Samples.diff(theirs.listing(""), ours.listing(""));
			assertEquals(List.of(), diff, String.join("\n", diff));
		}
	}

	/**
	 * A csum-v3 journal damaged two ways: a logged data copy (its tag checksum fails: that copy is skipped) and
	 * a commit block (the log ends before it). Both readings must match e2fsck's recovery of the same damage.
	 */
	@org.junit.jupiter.api.Test
	void damagedJournalAgreesWithE2fsck() throws Exception {
		Path src = Files.createDirectories(tmp.resolve("src"));
		Files.writeString(src.resolve("file.txt"), "content\n");
		Path img = tmp.resolve("damaged.img");
		Oracles.mkfs(src, img, "16M", "-t", "ext4");
		long blocks;
		int bs;
		try (RawFileLayer l = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.AS_IT_LIES);
			bs = fs.blockSize();
			blocks = fs.blocksCount();
		}
		long a = blocks - 40, d = blocks - 30;
		byte[] one = new byte[bs], two = new byte[bs], three = new byte[bs];
		Arrays.fill(one, (byte) 1);
		Arrays.fill(two, (byte) 2);
		Arrays.fill(three, (byte) 3);
		Files.write(tmp.resolve("one"), one);
		Files.write(tmp.resolve("two"), two);
		Files.write(tmp.resolve("three"), three);
		Oracles.debugfs(img, List.of("jo -c -v 3", "jw -b " + a + " " + tmp.resolve("one"), "jw -b " + a + " " + tmp.resolve("two"),
				"jw -b " + d + " " + tmp.resolve("three"), "jc"), true);
		long dataCopy, commit2;
		try (RawFileLayer l = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.REPLAYED);
			assertEquals(3, fs.journalReplay().transactions().size());
			dataCopy = fs.journalReplay().overlay().copies().get(d).baseOffset();
			commit2 = fs.journalReplay().journalBlockToDevice(fs.journalReplay().transactions().get(1).commitJournalBlock()) * bs;
		}
		for (long damage : new long[] { dataCopy + 17, commit2 + 200 }) {
			Path bad = tmp.resolve("bad.img");
			Files.copy(img, bad, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(bad.toFile(), "rw")) {
				f.seek(damage);
				int v = f.read();
				f.seek(damage);
				f.write(v ^ 0xFF);
			}
			Path copy = tmp.resolve("bad.recovered.img");
			Files.copy(bad, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			Oracles.runBytes(true, "e2fsck", "-y", "-E", "journal_only", copy.toString());
			try (RawFileLayer l = new RawFileLayer(bad); RawFileLayer rec = new RawFileLayer(copy)) {
				Ext4FileSystem ours = Ext4FileSystem.open(l, Ext4FileSystem.Options.REPLAYED);
				assertTrue(ours.findings().stream().anyMatch(f -> f.kind().equals("jbd2-csum")), ours.findings().toString());
				byte[] x = new byte[bs], y = new byte[bs];
				for (long blk : new long[] { a, d }) {
					ours.layer().read(blk * bs, x, 0, bs);
					rec.read(blk * bs, y, 0, bs);
					assertArrayEquals(y, x, "block " + blk + " after damage at " + damage + "; findings " + ours.findings());
				}
				ours.layer().read(a * bs, x, 0, bs);
				assertArrayEquals(damage == dataCopy + 17 ? two : one, x, "A");
			}
		}
	}

	/**
	 * A log that wraps: the debugfs-written log is rotated so it starts {@code k} blocks before the journal's
	 * end and continues at {@code s_first} (checksums cover contents and sequence numbers, not positions). Our
	 * replay must follow the wrap exactly as e2fsck does.
	 */
	@org.junit.jupiter.api.Test
	void wrappedLogAgreesWithE2fsck() throws Exception {
		Path src = Files.createDirectories(tmp.resolve("src"));
		Files.writeString(src.resolve("file.txt"), "content\n");
		Path img = tmp.resolve("wrap.img");
		Oracles.mkfs(src, img, "16M", "-t", "ext4");
		long blocks;
		int bs;
		try (RawFileLayer l = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.AS_IT_LIES);
			bs = fs.blockSize();
			blocks = fs.blocksCount();
		}
		byte[] data = new byte[4 * bs];
		new Random(3).nextBytes(data);
		Files.write(tmp.resolve("four"), data);
		long t = blocks - 100;
		Oracles.debugfs(img, List.of("jo -c -v 3", "jw -b " + t + "," + (t + 1) + "," + (t + 2) + "," + (t + 3) + " " + tmp.resolve("four"),
				"jw -b " + (t + 4) + "," + (t + 5) + " " + tmp.resolve("four"), "jw -b " + (t + 1) + " " + tmp.resolve("four"), "jc"), true);
		long[] jphys;
		long maxLen, used;
		try (RawFileLayer l = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.REPLAYED);
			var r = fs.journalReplay();
			assertEquals(3, r.transactions().size());
			maxLen = r.journalSuperblock().maxLen;
			used = r.transactions().get(2).commitJournalBlock(); // log occupies journal blocks 1..used
			jphys = new long[(int) maxLen];
			for (int j = 0; j < maxLen; j++) jphys[j] = r.journalBlockToDevice(j);
		}
		int k = 3; // the first transaction's descriptor and two data blocks sit at the journal's end
		try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
			byte[][] log = new byte[(int) used][bs];
			for (int i = 0; i < used; i++) {
				f.seek(jphys[1 + i] * bs);
				f.readFully(log[i]);
			}
			byte[] zero = new byte[bs];
			for (int i = 0; i < used; i++) {
				f.seek(jphys[1 + i] * bs);
				f.write(zero);
			}
			for (int i = 0; i < used; i++) {
				long p = maxLen - k + i;
				if (p >= maxLen) p = 1 + (p - maxLen);
				f.seek(jphys[(int) p] * bs);
				f.write(log[i]);
			}
			// s_start = maxLen - k, then the v3 superblock checksum over the 1024 bytes with s_checksum zeroed
			byte[] jsb = new byte[1024];
			f.seek(jphys[0] * bs);
			f.readFully(jsb);
			java.nio.ByteBuffer.wrap(jsb).putInt(0x1C, (int) (maxLen - k)).putInt(0xFC, 0);
			int c = cacheshadow.ext4.Crc32c.update(~0, jsb, 0, 1024);
			java.nio.ByteBuffer.wrap(jsb).putInt(0xFC, c);
			f.seek(jphys[0] * bs);
			f.write(jsb);
		}
		Path copy = tmp.resolve("wrap.recovered.img");
		Files.copy(img, copy);
		Oracles.runBytes(true, "e2fsck", "-y", "-E", "journal_only", copy.toString());
		try (RawFileLayer l = new RawFileLayer(img); RawFileLayer rec = new RawFileLayer(copy)) {
			Ext4FileSystem ours = Ext4FileSystem.open(l, Ext4FileSystem.Options.REPLAYED);
			assertEquals(3, ours.journalReplay().transactions().size(), "all three transactions across the wrap; " + ours.findings());
			assertTrue(ours.journalReplay().transactions().get(0).commitJournalBlock() < maxLen - k, "the first commit lies after the wrap");
			byte[] x = new byte[bs], y = new byte[bs];
			for (long blk = t; blk < t + 6; blk++) {
				ours.layer().read(blk * bs, x, 0, bs);
				rec.read(blk * bs, y, 0, bs);
				assertArrayEquals(y, x, "block " + blk);
			}
			ours.layer().read(t * bs, x, 0, bs);
			assertArrayEquals(Arrays.copyOfRange(data, 0, bs), x);
		}
	}

	/** Journal findings reach the file system's findings even when nothing could be replayed. */
	@org.junit.jupiter.api.Test
	void journalFindingsSurviveAnEmptyReplay() throws Exception {
		Path src = Files.createDirectories(tmp.resolve("src"));
		Files.writeString(src.resolve("file.txt"), "content\n");
		Path img = tmp.resolve("onlyone.img");
		Oracles.mkfs(src, img, "16M", "-t", "ext4");
		Files.write(tmp.resolve("one"), new byte[1024]);
		Oracles.debugfs(img, List.of("jo -c -v 3", "jw -b 9000 " + tmp.resolve("one"), "jc"), true);
		long commit;
		int bs;
		try (RawFileLayer l = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l);
			bs = fs.blockSize();
			var t = fs.journalReplay().transactions().get(0);
			commit = fs.journalReplay().journalBlockToDevice(t.commitJournalBlock());
		}
		try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
			f.seek(commit * bs + 300);
			f.write(0x42);
		}
		try (RawFileLayer l = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l);
			assertEquals(0, fs.journalReplay().transactions().size());
			assertTrue(fs.findings().stream().anyMatch(x -> x.kind().equals("jbd2-csum")), fs.findings().toString());
		}
	}
}
