package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.layers.EvidenceFormat;

/**
 * The timeline chart's model on the real sample journals: positions of the guest's synced rounds, bucket sums,
 * stepping to the next/previous write and flush, bucket quality; and which disk image is the journal's base.
 * Expected values come from the evidence generator's own {@code writes.index.tsv} and {@code rounds.tsv}.
 */
class JournalActivityTest {

	/** writes.index.tsv: index, ..., byte_len (col 6), flags (col 7). */
	record Row(int index, long bytes, String flags) {
		boolean write() {
			return bytes > 0 && !flags.contains("DISCARD") && !flags.contains("MARK");
		}
	}

	static List<Row> index(Path set) throws IOException {
		List<Row> rows = new ArrayList<>();
		List<String> lines = Files.readAllLines(set.resolve("writes.index.tsv"));
		for (String l : lines.subList(1, lines.size())) {
			String[] f = l.split("\t");
			rows.add(new Row(Integer.parseInt(f[0]), Long.parseLong(f[6]), f[7]));
		}
		return rows;
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void roundsStepsAndBucketsMatchTheGeneratorsOwnRecords(String name) throws IOException {
		Path set = Samples.dir(name);
		List<Row> rows = index(set);
		try (DiskHistory h = DiskHistory.open(set.resolve("disk.base.img"), set.resolve("writes.log"), set.resolve("timeline.tsv"), null, cacheshadow.layers.Progress.NONE)) {
			JournalActivity a = h.activity();
			assertEquals(JournalActivity.Axis.TIME, a.axis());
			assertEquals(rows.size(), a.entryCount());
			// every synced round: the state the guest listed is exactly the entries completed at the round's sample
			for (String l : Files.readAllLines(set.resolve("rounds.tsv")).subList(1, 7)) {
				String[] f = l.split("\t");
				long t = new BigDecimal(f[1]).movePointRight(9).longValueExact();
				int entries = Integer.parseInt(f[2]);
				assertEquals(entries, a.entriesAt(t), "round " + f[0]);
				assertTrue(a.position(entries) <= t, "round " + f[0]);
				assertTrue(a.entriesAt(a.position(entries)) >= entries);
			}
			// buckets cover every write once, at any resolution
			long writes = rows.stream().filter(Row::write).count(), bytes = rows.stream().filter(Row::write).mapToLong(Row::bytes).sum();
			for (int count : new int[] { 1, 7, 100, 1000 }) {
				List<JournalActivity.Bucket> b = a.buckets(a.start(), a.end() + 1, count);
				assertEquals(writes, b.stream().mapToLong(JournalActivity.Bucket::writes).sum(), count + " buckets");
				assertEquals(bytes, b.stream().mapToLong(JournalActivity.Bucket::bytes).sum(), count + " buckets");
			}
			// 50 ms polling: in one-second buckets most writes are placed exactly; in 1 ms buckets few are, and those
			// buckets say their counts are estimates
			List<JournalActivity.Bucket> seconds = a.buckets(a.start() - a.start() % 1_000_000_000L, a.end() + 1_000_000_000L,
					(int) ((a.end() - a.start()) / 1_000_000_000L) + 2);
			long exactSeconds = seconds.stream().mapToLong(JournalActivity.Bucket::exactWrites).sum();
			assertTrue(exactSeconds > 0 && exactSeconds < writes, exactSeconds + " of " + writes);
			assertTrue(seconds.stream().anyMatch(b -> b.quality() == TimeQuality.MEASURED && b.writes() == 0));
			for (JournalActivity.Bucket b : seconds) {
				assertTrue(b.exactWrites() <= b.writes() && b.exactBytes() <= b.bytes(), b.toString());
				if (b.quality() == TimeQuality.MEASURED) assertEquals(b.writes(), b.exactWrites(), b.toString());
			}
			// one bucket over the sidecar's whole span: every write is bounded by two samples inside it
			List<Timeline.Sample> samples = h.timeline().samples();
			JournalActivity.Bucket all = a.buckets(samples.get(0).epochNanos(), samples.get(samples.size() - 1).epochNanos() + 1, 1).get(0);
			assertEquals(writes, all.exactWrites());
			assertEquals(bytes, all.exactBytes());
			assertEquals(TimeQuality.MEASURED, all.quality());
			List<JournalActivity.Bucket> fine = a.buckets(a.start(), a.end() + 1, (int) ((a.end() - a.start()) / 1_000_000L) + 1);
			long exactFine = fine.stream().mapToLong(JournalActivity.Bucket::exactWrites).sum();
			assertTrue(exactFine <= exactSeconds, exactFine + " vs " + exactSeconds);
			assertTrue(fine.stream().anyMatch(b -> b.quality() == TimeQuality.INTERPOLATED && b.writes() > 0));
			// next / previous write and flush against the index file
			for (int n = 0; n <= rows.size(); n++) {
				assertEquals(expectedNext(rows, n, Row::write), a.nextWrite(n), "next write from " + n);
				assertEquals(expectedPrevious(rows, n, Row::write), a.previousWrite(n), "previous write from " + n);
				assertEquals(expectedNext(rows, n, r -> r.flags().contains("FLUSH")), a.nextFlush(n), "next flush from " + n);
				assertEquals(expectedPrevious(rows, n, r -> r.flags().contains("FLUSH")), a.previousFlush(n), "previous flush from " + n);
				assertEquals(n, a.nextMark(n)); // the samples hold no marks
				assertEquals(0, a.previousMark(n));
			}
			// the guest was paused for the snapshot after its last write reached the log
			assertTrue(h.snapshotNanos().isPresent());
			assertEquals(rows.size(), a.entriesAt(h.snapshotNanos().getAsLong()));
		}
	}

	/** The state after the first matching entry at index >= n, or n. */
	static int expectedNext(List<Row> rows, int n, java.util.function.Predicate<Row> p) {
		for (int i = n; i < rows.size(); i++) if (p.test(rows.get(i))) return i + 1;
		return n;
	}

	/** The state after the last matching entry at index < n - 1, or 0. */
	static int expectedPrevious(List<Row> rows, int n, java.util.function.Predicate<Row> p) {
		for (int i = n - 2; i >= 0; i--) if (p.test(rows.get(i))) return i + 1;
		return 0;
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void withoutTimesTheAxisIsTheEntryCount(String name) throws IOException {
		Path set = Samples.dir(name);
		List<Row> rows = index(set);
		try (DiskHistory h = DiskHistory.open(set.resolve("disk.base.img"), set.resolve("writes.log"), null, null, cacheshadow.layers.Progress.NONE)) {
			JournalActivity a = h.activity();
			assertEquals(JournalActivity.Axis.ENTRY, a.axis());
			assertEquals(0, a.start());
			assertEquals(rows.size(), a.end());
			for (int n = 0; n <= rows.size(); n++) {
				assertEquals(n, a.position(n));
				assertEquals(n, a.entriesAt(n));
			}
			// one bucket per entry: bucket [n, n+1) holds entry n-1, the write that made state n
			List<JournalActivity.Bucket> b = a.buckets(0, rows.size() + 1, rows.size() + 1);
			for (int n = 1; n <= rows.size(); n++) {
				Row r = rows.get(n - 1);
				assertEquals(r.write() ? 1 : 0, b.get(n).writes(), "entry " + (n - 1));
				assertEquals(r.write() ? r.bytes() : 0, b.get(n).bytes());
				assertEquals(TimeQuality.NONE, b.get(n).quality());
			}
			assertTrue(h.snapshotNanos().isEmpty());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void theBaseIsTheImageThatLacksTheJournalsLastWrites(String name) throws IOException {
		Path set = Samples.dir(name);
		try (WriteLog log = JournalFormat.open(set.resolve("writes.log"))) {
			JournalBase b = JournalBase.choose(List.of(set.resolve("disk.img"), set.resolve("disk.base.img")), log);
			assertEquals(set.resolve("disk.base.img"), b.base(), b.note());
			// the samples' journals hold fewer than 64 last versions of distinct sectors: every one is compared
			assertTrue(b.samples() > 30 && b.samples() <= JournalBase.SAMPLES, b.note());
			assertTrue(b.agreeing() < b.samples() / 2, b.note());
			JournalBase only = JournalBase.choose(List.of(set.resolve("disk.img")), log);
			assertEquals(only.samples(), only.agreeing(), "disk.img holds every last write: " + only.note());
			assertTrue(only.note().contains("already holds"), only.note());
		}
		assertEquals(EvidenceFormat.TIMING_SIDECAR, EvidenceFormat.detect(set.resolve("timeline.tsv")));
		assertEquals(EvidenceFormat.TIMING_SIDECAR, EvidenceFormat.detect(set.resolve("rounds.tsv")));
		assertEquals(EvidenceFormat.RAW, EvidenceFormat.detect(set.resolve("writes.index.tsv")));
	}
}
