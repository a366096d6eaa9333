package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;

/**
 * {@code search}'s contract on the samples: the header and one row per hit, each row's entry really writing its
 * sector (the evidence tool's own writes.index.tsv) with the file's bytes there, times from the timing sidecar in
 * its range; the same through --hashes; bad usage and bad inputs exit 2 in one line.
 */
class SearchCliTest {
	static final String HEADER = "journal\tentry\ttime\tsector\tfile\tfile_offset";

	@Test
	void aWrittenFileIsFoundAtItsEntriesSectorsAndTimes(@TempDir Path tmp) throws Exception {
		for (Path set : JournalCliTest.sets()) {
			Path file = tmp.resolve(set.getFileName() + "-blob.bin");
			byte[] bytes;
			try (Layer disk = Layers.openDisk(set.resolve("disk.img"))) {
				Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED);
				bytes = fs.open(fs.lookup("/data/blob.bin")).readAll(Integer.MAX_VALUE);
				Files.write(file, bytes);
			}
			Path hits = tmp.resolve("hits.tsv"), set2 = tmp.resolve("set.tsv"), hits2 = tmp.resolve("hits2.tsv");
			String log = set.resolve("writes.log").toString();
			CliRun r = CliRun.of("search", "--journal", log, "--timeline", set.resolve("timeline.tsv").toString(), "--file", file.toString(), "--out",
					hits.toString(), "--save-hashes", set2.toString());
			assertEquals(0, r.code(), r.err());
			List<String> rows = Files.readAllLines(hits);
			assertEquals(HEADER, rows.get(0));
			assertTrue(rows.size() > 1, "no hit: " + r.err());
			// the evidence tool's own index of the log: entry -> byte offset and length
			Map<Integer, long[]> index = new HashMap<>();
			for (String l : Files.readAllLines(set.resolve("writes.index.tsv")).stream().skip(1).toList()) {
				String[] c = l.split("\t");
				index.put(Integer.parseInt(c[0]), new long[] { Long.parseLong(c[5]), Long.parseLong(c[6]), Long.parseLong(c[2]) });
			}
			List<String[]> samples = new ArrayList<>();
			for (String l : Files.readAllLines(set.resolve("timeline.tsv")).stream().skip(1).toList()) samples.add(l.split("\t"));
			Instant first = epoch(samples.get(0)[0]), last = epoch(samples.get(samples.size() - 1)[0]);
			byte[] logBytes = Files.readAllBytes(set.resolve("writes.log"));
			Instant prev = Instant.MIN;
			for (String row : rows.subList(1, rows.size())) {
				String[] c = row.split("\t", -1);
				assertEquals(6, c.length, row);
				assertEquals(log, c[0]);
				long[] e = index.get(Integer.parseInt(c[1]));
				long disk = Long.parseLong(c[3]) * 512, off = Long.parseLong(c[5]);
				assertTrue(e[0] <= disk && disk + 4096 <= e[0] + e[1], row + ": the entry does not write that sector");
				assertEquals(file.toString(), c[4]);
				// the journal's bytes there are the file's block (zero-padded at its end)
				byte[] want = java.util.Arrays.copyOfRange(bytes, (int) off, (int) off + 4096);
				byte[] got = java.util.Arrays.copyOfRange(logBytes, (int) (e[2] + disk - e[0]), (int) (e[2] + disk - e[0]) + 4096);
				assertTrue(java.util.Arrays.equals(want, got), row);
				Instant t = Instant.parse(c[2]);
				assertFalse(t.isBefore(first) || t.isAfter(last), row);
				assertFalse(t.isBefore(prev), row + ": times go backwards");
				prev = t;
			}
			// the saved hash set finds the same rows
			r = CliRun.of("search", "--journal", log, "--timeline", set.resolve("timeline.tsv").toString(), "--hashes", set2.toString(), "--out", hits2.toString());
			assertEquals(0, r.code(), r.err());
			assertEquals(rows, Files.readAllLines(hits2));
		}
	}

	static Instant epoch(String s) {
		java.math.BigDecimal d = new java.math.BigDecimal(s);
		return Instant.ofEpochSecond(d.longValue(), d.remainder(java.math.BigDecimal.ONE).movePointRight(9).longValue());
	}

	@Test
	void withoutTimesAnEmptyFileAndBadUsage(@TempDir Path tmp) throws Exception {
		Path set = JournalCliTest.sets().get(0), empty = Files.write(tmp.resolve("empty"), new byte[0]), out = tmp.resolve("o.tsv");
		String log = set.resolve("writes.log").toString();
		CliRun r = CliRun.of("search", "--journal", log, "--journal", log, "--file", empty.toString(), "--out", out.toString());
		assertEquals(0, r.code(), r.err());
		assertTrue(r.err().contains("is empty"), r.err());
		assertEquals(List.of(HEADER), Files.readAllLines(out));
		for (String[] bad : new String[][] { { "search", "--file", empty.toString(), "--out", out.toString() },
				{ "search", "--journal", log, "--out", out.toString() },
				{ "search", "--journal", log, "--file", empty.toString(), "--hashes", empty.toString(), "--out", out.toString() },
				{ "search", "--journal", log, "--journal", log, "--timeline", set.resolve("timeline.tsv").toString(), "--file", empty.toString(), "--out", out.toString() },
				{ "search", "--journal", log, "--file", tmp.resolve("missing").toString(), "--out", out.toString() },
				{ "search", "--journal", tmp.resolve("missing.log").toString(), "--file", empty.toString(), "--out", out.toString() },
				{ "search", "--journal", log, "--hashes", Files.writeString(tmp.resolve("bad.tsv"), "nothex\n").toString(), "--out", out.toString() } }) {
			r = CliRun.of(bad);
			assertEquals(2, r.code(), String.join(" ", bad) + ": " + r.err());
			assertEquals(1, r.err().lines().filter(l -> l.startsWith("cacheshadow search: ")).count(), r.err()); // one line saying why
		}
	}
}
