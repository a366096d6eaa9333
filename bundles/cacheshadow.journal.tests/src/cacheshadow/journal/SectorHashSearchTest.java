package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;

/**
 * The sector-hash search on the samples' real journals: files the workload wrote (their bytes and block map from the
 * final disk, read by ext4) are found exactly where a byte-for-byte scan of every journal window finds them, at the
 * disk blocks the file system put them in; a file never written gives nothing; both journal formats agree; hash
 * sets round-trip; hostile hash sets are refused in bounded memory.
 */
class SectorHashSearchTest {
	static final String[] FILES = { "/data/blob.bin", "/phase1/new1.txt", "/var/log/app.log" };

	record Known(Path file, byte[] bytes, List<BlockRun> runs) {
	}

	static List<Known> files(Path set, Path tmp) throws IOException {
		List<Known> out = new ArrayList<>();
		try (Layer disk = Layers.openDisk(set.resolve("disk.img"))) {
			Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED);
			for (String p : FILES) {
				Ext4File f = fs.open(fs.lookup(p));
				byte[] b = f.readAll(Integer.MAX_VALUE);
				Path copy = tmp.resolve(set.getFileName() + p.replace('/', '_'));
				Files.write(copy, b);
				out.add(new Known(copy, b, f.blockMap().runs()));
			}
		}
		return out;
	}

	/** Every (entry, disk offset, file, file offset) where a whole 4 KiB grid block of a write equals a file's block, byte for byte. */
	static TreeSet<String> bruteForce(WriteLog log, List<Known> files) throws IOException {
		Map<ByteBuffer, List<String>> blocks = new HashMap<>();
		for (Known k : files) {
			for (int off = 0; off < k.bytes.length; off += 4096) {
				byte[] b = Arrays.copyOfRange(k.bytes, off, off + 4096); // zero-padded at the end
				if (Arrays.equals(b, new byte[4096])) continue;
				blocks.computeIfAbsent(ByteBuffer.wrap(b), x -> new ArrayList<>()).add(k.file + " " + off);
			}
		}
		TreeSet<String> hits = new TreeSet<>();
		byte[] w = new byte[4096];
		for (int i = 0; i < log.entryCount(); i++) {
			if (!log.changesDisk(i) || (log.flags(i) & WriteLog.DISCARD) != 0) continue;
			long off = log.diskOffset(i), end = off + log.length(i);
			for (long d = (off + 4095) / 4096 * 4096; d + 4096 <= end; d += 4096) {
				log.readData(i, d - off, w, 0, 4096);
				List<String> at = blocks.get(ByteBuffer.wrap(w));
				if (at != null) for (String s : at) hits.add(key(i, d, s));
			}
		}
		return hits;
	}

	static String key(int entry, long disk, String fileAndOffset) {
		return String.format("%06d %012d %s", entry, disk, fileAndOffset);
	}

	static TreeSet<String> search(WriteLog log, KnownBlocks known) throws IOException {
		return search(log, known, false);
	}

	static TreeSet<String> search(WriteLog log, KnownBlocks known, boolean everySector) throws IOException {
		TreeSet<String> hits = new TreeSet<>();
		SectorHashSearch.search(log, known, everySector, (e, d, p) -> assertTrue(hits.add(key(e, d, p.file() + " " + p.offset())), "hit twice"), Progress.NONE);
		return hits;
	}

	@Test
	void writtenFilesAreFoundWhereTheirBytesWereWrittenAndAtTheirFinalBlocks(@TempDir Path tmp) throws IOException {
		for (Path set : Samples.sets()) {
			List<Known> files = files(set, tmp);
			KnownBlocks known = new KnownBlocks();
			for (Known k : files) known.addFile(k.file, k.file.toString());
			try (WriteLog log = JournalFormat.open(set.resolve("writes.log"))) {
				TreeSet<String> expected = bruteForce(log, files), got = search(log, known);
				assertEquals(expected, got, set.getFileName().toString());
				// the right LBAs: each block's last whole write before the end of the journal is at the block ext4 maps it to
				for (Known k : files) {
					int found = 0;
					for (BlockRun r : k.runs) {
						for (long b = 0; b < r.length() && (r.logical() + b) * 4096 < k.bytes.length; b++) {
							long disk = (r.physical() + b) * 4096, fileOff = (r.logical() + b) * 4096;
							int last = lastWholeWrite(log, disk);
							if (last < 0 || Arrays.equals(Arrays.copyOfRange(k.bytes, (int) fileOff, (int) fileOff + 4096), new byte[4096])) continue;
							assertTrue(got.contains(key(last, disk, k.file + " " + fileOff)), set.getFileName() + " " + k.file + " block at " + fileOff);
							found++;
						}
					}
					assertTrue(found > 0, k.file + ": no block found at its final place");
				}
				assertTrue(got.size() >= 3, got.toString());
				// every sector offset: the grid's hits and no others here (ext4 on the whole disk keeps its blocks on the grid)
				assertEquals(got, search(log, known, true));
			}
		}
	}

	/**
	 * The splits a fleet search runs one per task: for any number of shares they cover every entry once and in order,
	 * and their hits in share order are the whole search's, also with a known set that went through serialization
	 * (as Spark ships it to its tasks).
	 */
	@Test
	void sharesOfAJournalFindTheWholeSearchsHitsInOrder(@TempDir Path tmp) throws Exception {
		for (Path set : Samples.sets()) {
			KnownBlocks known = new KnownBlocks();
			for (Known k : files(set, tmp)) known.addFile(k.file, k.file.toString());
			java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
			try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(bytes)) {
				o.writeObject(known);
			}
			KnownBlocks shipped;
			try (java.io.ObjectInputStream i = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
				shipped = (KnownBlocks) i.readObject();
			}
			assertEquals(known.size(), shipped.size());
			try (WriteLog log = JournalFormat.open(set.resolve("writes.log"))) {
				List<String> whole = new ArrayList<>();
				SectorHashSearch.search(log, known, false, (e, d, p) -> whole.add(key(e, d, p.file() + " " + p.offset())), Progress.NONE);
				assertTrue(whole.size() >= 3, whole.toString());
				for (int n : new int[] { 1, 2, 3, 7, 64, log.entryCount() + 5 }) {
					List<String> split = new ArrayList<>();
					long data = 0;
					int next = 0;
					for (int k = 0; k < n; k++) {
						int[] r = SectorHashSearch.share(log, k, n);
						assertEquals(next, r[0], n + " shares: share " + k + " starts where the one before ended");
						next = r[1];
						data += SectorHashSearch.search(log, r[0], r[1], shipped, false, (e, d, p) -> split.add(key(e, d, p.file() + " " + p.offset())), Progress.NONE).dataBytes();
					}
					assertEquals(log.entryCount(), next, n + " shares end at the last entry");
					assertEquals(whole, split, n + " shares");
					assertEquals(SectorHashSearch.search(log, known, false, (e, d, p) -> {}, Progress.NONE).dataBytes(), data);
				}
				// two shares of about equal write data (the sample's writes are small next to the journal)
				int[] half = SectorHashSearch.share(log, 0, 2);
				long first = SectorHashSearch.search(log, half[0], half[1], known, false, (e, d, p) -> {}, Progress.NONE).dataBytes(),
						all = SectorHashSearch.search(log, known, false, (e, d, p) -> {}, Progress.NONE).dataBytes();
				assertTrue(Math.abs(2 * first - all) < all / 4, first + " of " + all);
			}
		}
	}

	/** The last entry that wrote the whole 4 KiB block at {@code disk}, -1 if none; -1 too if a later one wrote part of it. */
	static int lastWholeWrite(WriteLog log, long disk) {
		for (int i = log.entryCount() - 1; i >= 0; i--) {
			if (!log.changesDisk(i)) continue;
			long off = log.diskOffset(i), end = off + log.length(i);
			if (end <= disk || off >= disk + 4096) continue;
			return off <= disk && end >= disk + 4096 && (log.flags(i) & WriteLog.DISCARD) == 0 ? i : -1;
		}
		return -1;
	}

	/** A journal read only through the WriteLog interface (as one in HDFS would be, by ranged reads): no mapping to sample in place. */
	static WriteLog unmapped(WriteLog l) {
		return new WriteLog() {
			public String name() { return l.name(); }
			public int sectorSize() { return l.sectorSize(); }
			public int entryCount() { return l.entryCount(); }
			public long diskOffset(int i) { return l.diskOffset(i); }
			public long length(int i) { return l.length(i); }
			public int flags(int i) { return l.flags(i); }
			public String mark(int i) { return l.mark(i); }
			public long epochNanos(int i) { return l.epochNanos(i); }
			public void readData(int i, long within, byte[] buf, int off, int len) throws IOException { l.readData(i, within, buf, off, len); }
			public java.util.Optional<LogDamage> damage() { return l.damage(); }
			public long validBytes() { return l.validBytes(); }
			public void close() throws IOException { l.close(); }
		};
	}

	@Test
	void aJournalReadThroughTheInterfaceOnlyGivesTheSameHits(@TempDir Path tmp) throws IOException {
		Path set = Samples.sets().get(0);
		KnownBlocks known = new KnownBlocks();
		for (Known k : files(set, tmp)) known.addFile(k.file, k.file.toString());
		try (WriteLog log = JournalFormat.open(set.resolve("writes.log"))) {
			TreeSet<String> mapped = search(log, known);
			assertFalse(mapped.isEmpty());
			assertEquals(mapped, search(unmapped(log), known));
		}
	}

	@Test
	void aFileNeverWrittenAndAnEmptyFileGiveNoHit(@TempDir Path tmp) throws IOException {
		byte[] random = new byte[256 * 1024];
		new SplittableRandom(16).nextBytes(random);
		Path never = Files.write(tmp.resolve("never"), random), empty = Files.write(tmp.resolve("empty"), new byte[0]);
		KnownBlocks known = new KnownBlocks();
		assertEquals(64, known.addFile(never, "never"));
		assertEquals(0, known.addFile(empty, "empty"));
		for (Path set : Samples.sets()) {
			try (WriteLog log = JournalFormat.open(set.resolve("writes.log"))) {
				SectorHashSearch.Stats s = SectorHashSearch.search(log, known, true, (e, d, p) -> {
					throw new AssertionError("hit " + e + " " + d + " " + p);
				}, Progress.NONE);
				assertTrue(s.windows() > 1000 && s.hashed() == 0, s.toString());
			}
		}
	}

	@Test
	void theCsjFormatGivesTheSameHitsAndHashSetsRoundTrip(@TempDir Path tmp) throws IOException {
		Path set = Samples.sets().get(0);
		List<Known> files = files(set, tmp);
		KnownBlocks known = new KnownBlocks();
		for (Known k : files) known.addFile(k.file, k.file.toString());
		Path csj = tmp.resolve("j.csj"), hashes = tmp.resolve("set.tsv"), shaOnly = tmp.resolve("sha-only.tsv");
		TreeSet<String> fromLog;
		try (WriteLog log = JournalFormat.open(set.resolve("writes.log"))) {
			fromLog = search(log, known);
			JournalImporter.importJournal(log, Timeline.read(set.resolve("timeline.tsv")), csj, 64 << 20, Progress.NONE);
		}
		known.writeHashSet(hashes);
		// a set of SHA-256 only (another tool's): the same hits, every window hashed
		List<String> lines = Files.readAllLines(hashes);
		List<String> bare = new ArrayList<>();
		for (String l : lines.subList(1, lines.size())) {
			String[] f = l.split("\t");
			bare.add(f[0] + "\t-\t" + f[2] + "\t" + f[3]);
		}
		Files.write(shaOnly, bare);
		KnownBlocks reread = new KnownBlocks(), bareSet = new KnownBlocks();
		reread.readHashSet(hashes);
		bareSet.readHashSet(shaOnly);
		assertEquals(known.size(), reread.size());
		assertTrue(bareSet.unsampled() && !reread.unsampled());
		try (WriteLog j = JournalFormat.open(csj)) {
			assertTrue(j instanceof TimestampedJournal);
			assertEquals(fromLog, search(j, known));
			assertEquals(fromLog, search(j, reread));
			assertEquals(fromLog, search(j, bareSet));
		}
	}

	/**
	 * A .csj searched with its records' CRC32C checked in the search's one pass gives what the checked open and a
	 * search give: the same hits, and a record that fails its checksum ends the journal there with the same damage
	 * (in the middle, with hits before and after it; at the first record, when the journal has no time either).
	 */
	@Test
	void checksumsCheckedInTheSearchsPassEndTheJournalWhereTheCheckedOpenDoes(@TempDir Path tmp) throws IOException {
		Path set = Samples.sets().get(0);
		KnownBlocks known = new KnownBlocks();
		for (Known k : files(set, tmp)) known.addFile(k.file, k.file.toString());
		Path csj = tmp.resolve("j.csj");
		try (WriteLog log = JournalFormat.open(set.resolve("writes.log"))) {
			JournalImporter.importJournal(log, Timeline.read(set.resolve("timeline.tsv")), csj, 64 << 20, Progress.NONE);
		}
		TreeSet<String> all;
		long[] crcAt;
		try (TimestampedJournal j = TimestampedJournal.open(csj); WriteLog once = JournalFormat.openForOnePass(csj.toString())) {
			all = search(j, known);
			assertTrue(once instanceof TimestampedJournal t && t.checksumsLeftToReader());
			TreeSet<String> hits = new TreeSet<>();
			SectorHashSearch.Stats st = SectorHashSearch.search(once, known, false, (e, d, p) -> hits.add(key(e, d, p.file() + " " + p.offset())), Progress.NONE);
			assertEquals(all, hits);
			assertEquals(null, st.checksumDamage());
			assertTrue(SectorHashSearch.hasTime(once));
			assertThrows(IllegalArgumentException.class, () -> SectorHashSearch.search(once, 1, once.entryCount(), known, false, (e, d, p) -> {
			}, Progress.NONE));
			crcAt = new long[j.entryCount() - 1];
			for (int i = 0; i < crcAt.length; i++) crcAt[i] = j.table.dataPos(i + 1) - TimestampedJournal.RECORD_HEADER - 4;
		}
		int middle = Integer.parseInt(all.toArray(new String[0])[all.size() / 2].substring(0, 6).trim());
		for (int bad : new int[] { middle, 0 }) {
			Path c = tmp.resolve("bad-" + bad + ".csj");
			byte[] b = Files.readAllBytes(csj);
			b[(int) crcAt[bad]] ^= 1; // the record's stored CRC32C
			Files.write(c, b);
			try (TimestampedJournal j = TimestampedJournal.open(c); WriteLog once = JournalFormat.openForOnePass(c.toString())) {
				LogDamage want = j.damage().orElseThrow();
				assertEquals(bad, want.entryIndex());
				assertTrue(want.problem().startsWith("record checksum mismatch"), want.problem());
				assertTrue(once.entryCount() > bad, "the headers alone do not see it");
				assertEquals(SectorHashSearch.hasTime(j), SectorHashSearch.hasTime(once), "entry " + bad);
				TreeSet<String> hits = new TreeSet<>();
				SectorHashSearch.Stats st = SectorHashSearch.search(once, known, false, (e, d, p) -> hits.add(key(e, d, p.file() + " " + p.offset())), Progress.NONE);
				assertEquals(want, st.checksumDamage());
				assertEquals(search(j, known), hits);
				if (bad > 0) assertTrue(!hits.isEmpty() && hits.size() < all.size(), hits.size() + " of " + all.size());
			}
		}
	}

	@Test
	void hostileHashSetsAreRefusedWithTheirLine(@TempDir Path tmp) throws IOException {
		Path huge = tmp.resolve("huge.tsv");
		try (OutputStream o = Files.newOutputStream(huge)) {
			o.write("#comment\n".getBytes());
			byte[] a = new byte[1 << 20];
			Arrays.fill(a, (byte) 'a');
			for (int i = 0; i < 64; i++) o.write(a); // one line of 64 MiB
		}
		EvidenceFormatException e = assertThrows(EvidenceFormatException.class, () -> new KnownBlocks().readHashSet(huge));
		assertTrue(e.getMessage().contains("line 2 is longer than"), e.getMessage());
		String sha = "ab".repeat(32);
		for (String[] bad : new String[][] { { "xyz", "line 1: not a SHA-256" }, { sha + "\tzz", "sample key" }, { sha + "\t-\tf\t-5", "file_offset" },
				{ sha + "\t-\ta\u0001b\t0", "control character" }, { sha + "\t-\tf\t0\textra", "5 columns" } }) {
			Path p = Files.writeString(tmp.resolve("bad.tsv"), bad[0] + "\n");
			EvidenceFormatException x = assertThrows(EvidenceFormatException.class, () -> new KnownBlocks().readHashSet(p));
			assertTrue(x.getMessage().contains(bad[1]), x.getMessage());
		}
		KnownBlocks empty = new KnownBlocks();
		empty.readHashSet(Files.writeString(tmp.resolve("empty.tsv"), ""));
		assertEquals(0, empty.size());
		assertFalse(empty.unsampled());
	}
}
