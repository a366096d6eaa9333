package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.testing.MiniHdfsDir;

/**
 * A sample's journal shipped to a real HDFS (releng/hdfs.sh) with {@code ship} and read there in place by
 * {@code timeline}, {@code replay --at} and {@code search}: the same output as from the local file, reading less
 * than the whole journal (the byte count each command prints).
 */
class WebHdfsCliTest {
	private static final Pattern READ = Pattern.compile("webhdfs: (\\d+) bytes read in (\\d+) requests");

	private static long bytesRead(CliRun r) {
		return count(r, 1);
	}

	private static long requests(CliRun r) {
		return count(r, 2);
	}

	private static long count(CliRun r, int group) {
		Matcher m = READ.matcher(r.err());
		assertTrue(m.find(), "no read count in: " + r.err());
		return Long.parseLong(m.group(group));
	}

	@Test
	void shippedJournalGivesTheSameTimelineReplayAndSearchAsTheLocalFile(@TempDir Path tmp) throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		Path set = JournalCliTest.sets().get(0);
		Path log = set.resolve("writes.log"), base = set.resolve("disk.base.img"), tl = set.resolve("timeline.tsv");
		long size = Files.size(log);
		String url = hdfs.freshUrl("writes.log");

		CliRun ship = CliRun.of("ship", "--journal", log.toString(), "--to", url);
		assertEquals(0, ship.code(), ship.err());
		assertTrue(ship.out().contains("HDFS holds " + size + " bytes"), ship.out());
		CliRun again = CliRun.of("ship", "--journal", log.toString(), "--to", url);
		assertTrue(again.out().contains("HDFS holds " + size + " bytes"), again.out() + again.err());

		CliRun local = CliRun.of("timeline", "--journal", log.toString(), "--timeline", tl.toString(), "--json");
		CliRun remote = CliRun.of("timeline", "--journal", url, "--timeline", tl.toString(), "--json");
		assertEquals(0, remote.code(), remote.err());
		assertEquals(local.out().replace(log.toString(), url), remote.out());
		long timelineRead = bytesRead(remote);
		assertTrue(timelineRead < size, "timeline read " + timelineRead + " of " + size + " bytes");
		// the entry headers read ahead in growing ranges: a few requests, not one per header (120 entries)
		assertTrue(requests(remote) <= 30, requests(remote) + " requests");

		List<String> rounds = Files.readAllLines(set.resolve("rounds.tsv"));
		long replayRead = 0;
		for (String round : List.of(rounds.get(1), rounds.get(rounds.size() - 1))) {
			String at = "entry:" + round.split("\t")[2];
			Path mine = tmp.resolve("local.tsv"), theirs = tmp.resolve("remote.tsv");
			CliRun a = CliRun.of("replay", "--disk", base.toString(), "--journal", log.toString(), "--at", at, "--manifest", mine.toString(), "--mount-prefix", "/mnt/disk");
			CliRun b = CliRun.of("replay", "--disk", base.toString(), "--journal", url, "--at", at, "--manifest", theirs.toString(), "--mount-prefix", "/mnt/disk");
			assertEquals(0, b.code(), b.err());
			assertEquals(Files.readString(mine), Files.readString(theirs), at);
			assertEquals(Files.readString(set.resolve("manifest.round-" + round.split("\t")[0] + ".tsv")), Files.readString(theirs), at + " against the guest's manifest");
			replayRead = bytesRead(b);
			System.out.printf("WebHDFS replay --at %s: %d of %d bytes read (%.0f%%) in %d requests%n", at, replayRead, size, 100.0 * replayRead / size, requests(b));
			assertTrue(requests(b) <= 40, requests(b) + " requests");
		}

		Path blob = tmp.resolve("blob.bin");
		try (Layer disk = Layers.openDisk(set.resolve("disk.img"))) {
			Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED);
			Files.write(blob, fs.open(fs.lookup("/data/blob.bin")).readAll(Integer.MAX_VALUE));
		}
		Path hitsLocal = tmp.resolve("hits-local.tsv"), hitsRemote = tmp.resolve("hits-remote.tsv");
		CliRun s1 = CliRun.of("search", "--journal", log.toString(), "--timeline", tl.toString(), "--file", blob.toString(), "--out", hitsLocal.toString());
		CliRun s2 = CliRun.of("search", "--journal", url, "--timeline", tl.toString(), "--file", blob.toString(), "--out", hitsRemote.toString());
		assertEquals(0, s2.code(), s2.err());
		List<String> want = Files.readAllLines(hitsLocal).stream().map(l -> l.replace(log.toString(), url)).toList();
		assertTrue(want.size() > 1, "the local search finds the file: " + s1.err());
		assertEquals(want, Files.readAllLines(hitsRemote));
		System.out.printf("WebHDFS %s (%d bytes): timeline read %d bytes (%.0f%%) in %d requests, replay --at the last round %d, search %d in %d requests%n", set.getFileName(),
				size, timelineRead, 100.0 * timelineRead / size, requests(remote), replayRead, bytesRead(s2), requests(s2));
	}

	/** A journal read while its last entry is still on the way (HDFS holds part of it): as a local journal cut there. */
	@Test
	void aJournalCutShortInHdfsIsRefusedOrReadWithPartialAsALocalOne(@TempDir Path tmp) throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		Path set = JournalCliTest.sets().get(0);
		byte[] whole = Files.readAllBytes(set.resolve("writes.log"));
		byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3000);
		Path local = tmp.resolve("writes.log");
		Files.write(local, cut);
		String url = hdfs.freshUrl("writes.log");
		cacheshadow.journal.WebHdfs.of(url).create(cut, 0, cut.length);
		CliRun refused = CliRun.of("timeline", "--journal", url);
		assertEquals(2, refused.code(), refused.err());
		assertTrue(refused.err().contains(url + ": truncated: the journal is cut short at entry"), refused.err());
		CliRun mine = CliRun.of("timeline", "--journal", local.toString(), "--partial");
		CliRun theirs = CliRun.of("timeline", "--journal", url, "--partial");
		assertEquals(0, theirs.code(), theirs.err());
		assertEquals(mine.out().replace(local.toString(), url), theirs.out());
		assertTrue(theirs.out().contains("flagged"), theirs.out());
	}

	@Test
	void badUrlsAndAnotherJournalAreRefusedInOneLine(@TempDir Path tmp) throws Exception {
		MiniHdfsDir hdfs = MiniHdfsDir.await();
		Path set = JournalCliTest.sets().get(0);
		CliRun notUrl = CliRun.of("ship", "--journal", set.resolve("writes.log").toString(), "--to", "/tmp/x");
		assertEquals(2, notUrl.code());
		assertTrue(notUrl.err().contains("not a webhdfs:// URL"), notUrl.err());
		CliRun missing = CliRun.of("timeline", "--journal", hdfs.freshUrl("none.log"));
		assertEquals(2, missing.code());
		assertTrue(missing.err().contains("no such file"), missing.err());
		String url = hdfs.freshUrl("writes.log");
		assertEquals(0, CliRun.of("ship", "--journal", set.resolve("writes.log").toString(), "--to", url).code());
		Path other = JournalCliTest.sets().get(1).resolve("writes.log");
		CliRun refused = CliRun.of("ship", "--journal", other.toString(), "--to", url);
		assertEquals(2, refused.code(), refused.err());
		assertTrue(refused.err().contains("another journal"), refused.err());
		assertEquals(1, refused.err().strip().lines().filter(l -> !l.contains("webhdfs: ")).count(), refused.err());
	}
}
