package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.Progress;
import cacheshadow.testing.MiniHdfsDir;

/**
 * Journals shipped to a real HDFS (Hadoop's mini cluster, releng/hdfs.sh) over WebHDFS and read there in place:
 * the remote bytes equal the local ones with nothing lost or doubled, also across a data node restarted mid-way,
 * and a journal read in HDFS gives the same entries and the same disk at every instant as the local file, fetching
 * less than the whole file.
 */
class WebHdfsJournalTest {

	private static long fetched(WriteLog log) {
		return remote(log).bytesRead();
	}

	private static byte[] remoteBytes(String url) throws IOException {
		WebHdfs r = WebHdfs.of(url);
		WebHdfs.Status s = r.status();
		byte[] b = new byte[Math.toIntExact(s.length())];
		r.read(0, b, 0, b.length);
		return b;
	}

	private static WebHdfs remote(WriteLog log) {
		return ((WebHdfsFile) ((MappedWriteLog) log).file).remote();
	}

	/**
	 * A read of {@link WebHdfsFile#MAX_RANGE} bytes or more goes straight into the caller's buffer and is not kept,
	 * wherever it starts: an unaligned one fetched its range rounded out to whole blocks and kept it (one read could
	 * push the cache past {@link WebHdfsFile#CACHED_BYTES}; near 2 GiB the rounded length overflowed an int). One
	 * that runs into a kept range reads up to it and takes the rest from the cache.
	 */
	@Test
	void largeReadsGoStraightToTheCaller() throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		byte[] whole = new byte[3 * WebHdfsFile.MAX_RANGE];
		new Random(7).nextBytes(whole);
		String url = hdfs.freshUrl("large.bin");
		WebHdfs.of(url).create(whole, 0, whole.length);
		try (WebHdfsFile f = WebHdfsFile.open(url)) {
			int len = WebHdfsFile.MAX_RANGE + 100, at = 4097;
			byte[] b = new byte[len];
			long before = f.remote().bytesRead();
			f.read(at, b, 0, len);
			assertArrayEquals(java.util.Arrays.copyOfRange(whole, at, at + len), b);
			assertEquals(len, f.remote().bytesRead() - before, "an unaligned large read fetches its own bytes only");
			before = f.remote().bytesRead();
			f.read(at, b, 0, len);
			assertEquals(len, f.remote().bytesRead() - before, "and keeps none of them: the same read fetches them again");
			// a small read kept ahead, then a large read running into it: up to the kept range fetched, the rest copied
			int ahead = 2 * WebHdfsFile.MAX_RANGE;
			f.read(ahead, new byte[10], 0, 10);
			before = f.remote().bytesRead();
			int from = ahead - WebHdfsFile.MAX_RANGE, n = WebHdfsFile.MAX_RANGE + 5;
			byte[] c = new byte[n];
			f.read(from, c, 0, n);
			assertArrayEquals(java.util.Arrays.copyOfRange(whole, from, from + n), c);
			assertEquals(WebHdfsFile.MAX_RANGE, f.remote().bytesRead() - before, "fetched up to the kept range only");
		}
	}

	/**
	 * Read-ahead: a journal of 4,096 small writes (headers 8 KiB apart) is opened, and all its data read entry after
	 * entry, in a few dozen requests (one per entry header before), reading each byte of the file at most once; a
	 * journal of writes larger than {@link WebHdfsFile#GAP} is opened fetching its headers alone, one request each (and
	 * its last record, whose CRC32C is checked), not the data between them. Entries and data equal the local file's.
	 */
	@Test
	void entryHeadersAndDataReadInOrderCostFewRequestsAndSparseHeadersFewBytes(@TempDir Path tmp) throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		Random rnd = new Random(16);
		for (int writeBytes : new int[] { 8 << 10, (3 << 20) / 2 }) {
			int writes = writeBytes < WebHdfsFile.GAP ? 4096 : 12;
			Path j = tmp.resolve("j-" + writeBytes + ".csj");
			byte[] data = new byte[writeBytes];
			try (JournalRecorder rec = JournalRecorder.create(j, 512, 1L << 34)) {
				for (int i = 0; i < writes; i++) {
					rnd.nextBytes(data);
					rec.write(rnd.nextInt(1 << 20) * 4096L, data, 0, data.length, 0);
				}
			}
			byte[] whole = Files.readAllBytes(j);
			String url = hdfs.freshUrl(j.getFileName().toString());
			WebHdfs.of(url).create(whole, 0, whole.length);
			try (WriteLog local = JournalFormat.open(j); WriteLog r = JournalFormat.open(url)) {
				long opened = fetched(r), openRequests = remote(r).requests();
				assertEquals(writes, r.entryCount());
				for (int i = 0; i < writes; i++) assertEquals(local.diskOffset(i) + "/" + local.length(i), r.diskOffset(i) + "/" + r.length(i), "entry " + i);
				byte[] x = new byte[writeBytes], y = new byte[writeBytes];
				for (int i = 0; i < writes; i++) {
					local.readData(i, 0, x, 0, x.length);
					r.readData(i, 0, y, 0, y.length);
					assertArrayEquals(x, y, "entry " + i);
				}
				long total = fetched(r), requests = remote(r).requests();
				System.out.printf("WebHDFS read-ahead, %d writes of %d bytes (%d bytes): opened in %d requests reading %d bytes (%.0f%%); every entry's data then in %d requests more, %d bytes in all%n",
						writes, writeBytes, whole.length, openRequests, opened, 100.0 * opened / whole.length, requests - openRequests, total);
				if (writeBytes < WebHdfsFile.GAP) {
					assertTrue(openRequests <= 40, "opening " + writes + " entries took " + openRequests + " requests");
					assertTrue(requests - openRequests <= 40, "the data of every entry, in order, took " + (requests - openRequests) + " requests");
					assertTrue(total <= whole.length, total + " bytes read of " + whole.length + ": a byte fetched twice");
				} else {
					// the headers, and the last record whole (its CRC32C tells whether it is torn); not the data between
					assertTrue(opened <= writeBytes + 2L * writes * WebHdfsFile.BLOCK, "opening read " + opened + " of " + whole.length + " bytes");
					assertTrue(openRequests <= writes + 6, openRequests + " requests: one per header, and the few of opening");
				}
			}
		}
	}

	@Test
	void sampleJournalsShippedAndReadInPlaceGiveTheSameDiskAtEveryRound() throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		for (Path set : Samples.sets()) {
			Path local = set.resolve("writes.log");
			String url = hdfs.freshUrl("writes.log");
			List<String> said = new ArrayList<>();
			JournalShipper shipper = new JournalShipper(local, url, Duration.ofSeconds(60), said::add);
			long t0 = System.nanoTime();
			long size = shipper.shipOnce();
			double sec = (System.nanoTime() - t0) / 1e9;
			assertEquals(Files.size(local), size, set + ": a whole journal is shipped whole");
			assertArrayEquals(Files.readAllBytes(local), remoteBytes(url), set.toString());
			assertEquals(size, shipper.shipOnce(), "shipping again adds nothing");
			assertEquals(size, WebHdfs.of(url).status().length());
			try (DiskHistory mine = DiskHistory.open(set.resolve("disk.base.img"), local, null, null, Progress.NONE);
					DiskHistory theirs = DiskHistory.open(set.resolve("disk.base.img"), url, null, null, Progress.NONE)) {
				WriteLog l = mine.journal(), r = theirs.journal();
				long opened = fetched(r);
				assertEquals(l.entryCount(), r.entryCount());
				assertEquals(l.validBytes(), r.validBytes());
				for (int i = 0; i < l.entryCount(); i++) {
					assertEquals(l.diskOffset(i) + "/" + l.length(i) + "/" + l.flags(i) + "/" + l.mark(i), r.diskOffset(i) + "/" + r.length(i) + "/" + r.flags(i) + "/" + r.mark(i), "entry " + i);
				}
				// the first round's disk: every range the journal wrote up to it, read through both
				List<String> rounds = Files.readAllLines(set.resolve("rounds.tsv"));
				int n = Integer.parseInt(rounds.get(1).split("\t")[2]);
				DiskAtInstant a = mine.at("entry:" + n), b = theirs.at("entry:" + n);
				long compared = 0;
				for (int i = 0; i < n; i++) {
					if (!l.changesDisk(i)) continue;
					int len = (int) Math.min(l.length(i), 1 << 20);
					byte[] x = new byte[len], y = new byte[len];
					a.read(l.diskOffset(i), x, 0, len);
					b.read(l.diskOffset(i), y, 0, len);
					assertArrayEquals(x, y, set + " entry " + i + " at entry:" + n);
					compared += len;
				}
				long total = fetched(r);
				System.out.printf("WebHDFS %s: shipped %d bytes in %.2f s (%.1f MB/s); opened reading %d bytes (%.0f%%), the disk at entry:%d (%d bytes written) with %d bytes more; %d requests%n",
						set.getFileName(), size, sec, size / sec / 1e6, opened, 100.0 * opened / size, n, compared, total - opened, remote(r).requests());
				assertTrue(opened < size, "opening reads " + opened + " of " + size + " bytes: the entry headers, not the whole journal");
				assertTrue(total < size, "opening and the first round read " + total + " of " + size + " bytes");
			}
		}
	}

	/** A recorder writes while the journal is followed to HDFS; the data node restarts mid-way. */
	@Test
	void followingWhileRecordingSurvivesADataNodeRestartWithoutLossOrDuplication(@TempDir Path tmp) throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		Path j = tmp.resolve("rec.csj");
		String url = hdfs.freshUrl("rec.csj");
		List<String> said = java.util.Collections.synchronizedList(new ArrayList<>());
		JournalShipper shipper = new JournalShipper(j, WebHdfs.of(url), Duration.ofSeconds(120), 256 << 10, said::add);
		Random rnd = new Random(16);
		byte[] data = new byte[32 << 10];
		try (JournalRecorder rec = JournalRecorder.create(j, 512, 1L << 30)) {
			rec.sync();
			CompletableFuture<Long> follow = CompletableFuture.supplyAsync(() -> {
				try {
					return shipper.follow(Duration.ofMillis(50), Duration.ofSeconds(3));
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			});
			CompletableFuture<Void> restart = null;
			for (int i = 0; i < 240; i++) {
				rnd.nextBytes(data);
				rec.write((long) rnd.nextInt(1 << 14) * 4096, data, 0, data.length, i % 16 == 15 ? WriteLog.FUA : 0);
				if (i % 8 == 7) rec.flush();
				rec.writeBuffered(); // in the file, as the recorder does before it acknowledges a write
				if (i == 60) {
					// a quarter recorded: wait until HDFS has some of it, then restart the data node while records keep coming
					long deadline = System.nanoTime() + 60_000_000_000L;
					while (shipper.shipped() < (1 << 20) && System.nanoTime() < deadline) Thread.sleep(20);
					restart = CompletableFuture.runAsync(() -> {
						try {
							hdfs.restartDataNode();
						} catch (IOException e) {
							throw new java.io.UncheckedIOException(e);
						}
					});
				}
				Thread.sleep(i > 60 && !restart.isDone() ? 10 : 2);
			}
			boolean restarted = restart != null;
			restart.get();
			rec.sync();
			assertTrue(restarted, "the data node was restarted while shipping");
			long shipped = follow.get();
			assertEquals(Files.size(j), shipped, "every whole record shipped: " + said);
		}
		assertTrue(shipper.retries() > 0, "the restart broke at least one request: " + said);
		assertArrayEquals(Files.readAllBytes(j), remoteBytes(url), "HDFS holds the journal byte for byte (nothing lost, nothing twice)");
		try (WriteLog r = JournalFormat.open(url)) {
			assertEquals(240 + 30, r.entryCount());
			assertTrue(r.damage().isEmpty(), r.damage().toString());
		}
		System.out.println("WebHDFS follow across a data node restart: " + Files.size(j) + " bytes, " + shipper.retries() + " retries; " + said);
	}

	@Test
	void onlyWholeRecordsAreShippedAndAnotherJournalIsNotExtended(@TempDir Path tmp) throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		Path j = tmp.resolve("torn.csj");
		byte[] data = new byte[8192];
		new Random(3).nextBytes(data);
		try (JournalRecorder rec = JournalRecorder.create(j, 512, 1 << 20)) {
			for (int i = 0; i < 5; i++) rec.write(i * 8192L, data, 0, data.length, 0);
			rec.sync();
		}
		long whole = Files.size(j);
		// a crash mid-append: the first 100 bytes of a sixth record
		Files.write(j, java.util.Arrays.copyOfRange(Files.readAllBytes(j), 64, 164), StandardOpenOption.APPEND);
		String url = hdfs.freshUrl("torn.csj");
		List<String> said = new ArrayList<>();
		JournalShipper shipper = new JournalShipper(j, url, Duration.ofSeconds(30), said::add);
		assertEquals(whole, shipper.shipOnce(), "the torn record stays home");
		assertEquals(List.of(), said, "no failure on the way");
		assertEquals(whole, WebHdfs.of(url).status().length());

		Path other = tmp.resolve("other.csj");
		new Random(4).nextBytes(data);
		try (JournalRecorder rec = JournalRecorder.create(other, 512, 1 << 20)) {
			for (int i = 0; i < 9; i++) rec.write(i * 8192L, data, 0, data.length, 0);
		}
		JournalShipper.RefusedException e = assertThrows(JournalShipper.RefusedException.class,
				() -> new JournalShipper(other, url, Duration.ofSeconds(30), said::add).shipOnce());
		assertTrue(e.getMessage().contains("another journal"), e.getMessage());
		assertEquals(List.of(), said, "refused at once, not after retries");
		assertEquals(whole, WebHdfs.of(url).status().length(), "the refused journal appended nothing");
		assertThrows(IllegalArgumentException.class, () -> WebHdfs.of("webhdfs://host:1/dir/"));
		// HDFS's long messages (a stack trace) are read without recursion per character
		assertEquals(3 << 18, WebHdfs.field("{\"RemoteException\":{\"message\":\"" + "a\\\"b".repeat(1 << 18) + "\"}}", "message").length());
		assertThrows(cacheshadow.layers.EvidenceFormatException.class, () -> JournalFormat.open(hdfs.freshUrl("missing.csj")));
	}
}
