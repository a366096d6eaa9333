package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write journal cut short — the sample's real writes.log truncated inside its last data entry's header and inside
 * its data — is refused by replay, changes and timeline (exit 2, the cut said, the hint to add --partial); with
 * --partial it is used up to its last whole entry: the summary gives the bytes after it, results at an instant before
 * the cut equal the guest's ground truth unflagged, results at 'end' (which the cut reaches) are all flagged.
 */
class PartialJournalCliTest {
	/** writes.index.tsv: header_offset of each entry. */
	private static long[] headers(Path set) throws Exception {
		return Files.readAllLines(set.resolve("writes.index.tsv")).stream().skip(1).mapToLong(l -> Long.parseLong(l.split("\t")[1])).toArray();
	}

	@Test
	void aJournalCutShortIsRefusedOrUsedUpToItsLastWholeEntry(@TempDir Path tmp) throws Exception {
		Path set = JournalCliTest.sets().get(0);
		long[] headers = headers(set);
		int last = headers.length - 2; // the last entry holding data (the final one is a flush)
		// rounds.tsv: the round whose entries all lie before the cut
		int[] round = JournalCliTest.rounds(set).stream().filter(r -> r[1] < last).reduce((a, b) -> b).orElseThrow();
		String disk = set.resolve("disk.base.img").toString();
		for (long cutAt : new long[] { headers[last] + 100, headers[last] + 512 + 100 }) { // in the header, in the data
			Path log = tmp.resolve("writes-" + cutAt + ".log");
			Files.copy(set.resolve("writes.log"), log);
			try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
				f.setLength(cutAt);
			}
			String j = log.toString();
			// refused whole, each command: exit 2, where it is cut, the hint
			for (List<String> cmd : List.of(List.of("replay", "--disk", disk, "--journal", j, "--at", "end", "--manifest", tmp.resolve("x.tsv").toString()),
					List.of("changes", "--disk", disk, "--journal", j, "--from", "entry:1", "--to", "end"), List.of("timeline", "--journal", j))) {
				CliRun r = CliRun.of(cmd.toArray(String[]::new));
				assertEquals(2, r.code(), cmd + ": " + r.out() + r.err());
				assertTrue(r.err().contains("cut short at entry " + last + ", byte " + headers[last]), r.err());
				assertTrue(r.err().contains("run again with --partial"), r.err());
			}
			assertTrue(!Files.exists(tmp.resolve("x.tsv")));
			String shortfall = "partial evidence: " + j + ": " + (cutAt - headers[last]) + " of " + cutAt + " declared bytes missing";
			// --partial at a round before the cut: the guest's manifest exactly, a 'missing' column of '-', nothing flagged
			Path m = tmp.resolve("round.tsv");
			CliRun r = CliRun.of("replay", "--disk", disk, "--journal", j, "--at", "entry:" + round[1], "--manifest", m.toString(), "--mount-prefix", "/mnt/disk", "--partial");
			assertEquals(0, r.code(), r.err());
			assertTrue(r.out().contains(shortfall), r.out());
			List<String> rows = Files.readAllLines(m);
			assertTrue(rows.get(0).endsWith("\tmissing"), rows.get(0));
			assertTrue(r.out().contains("flagged: 0 of " + (rows.size() - 1) + " paths"), r.out());
			StringBuilder stripped = new StringBuilder();
			for (String row : rows) {
				assertTrue(row.endsWith("\t-") || row.endsWith("\tmissing"), row);
				stripped.append(row, 0, row.lastIndexOf('\t')).append('\n');
			}
			assertEquals(Files.readString(set.resolve("manifest.round-" + round[0] + ".tsv")), stripped.toString());
			// --partial at 'end': the last whole entry, every row flagged 'journal', an evidence-missing finding
			Path e = tmp.resolve("end.tsv");
			r = CliRun.of("replay", "--disk", disk, "--journal", j, "--at", "end", "--manifest", e.toString(), "--mount-prefix", "/mnt/disk", "--partial");
			assertEquals(0, r.code(), r.err());
			List<String> endRows = Files.readAllLines(e);
			assertTrue(r.out().contains(shortfall) && r.out().contains("flagged: " + (endRows.size() - 1) + " of " + (endRows.size() - 1) + " paths"), r.out());
			assertTrue(r.out().contains("evidence-missing") && r.out().contains("after its " + last + " whole entries"), r.out());
			for (String row : endRows.subList(1, endRows.size())) assertTrue(row.endsWith("\tjournal"), row);
			// the same rows as the whole journal after those entries
			Path whole = tmp.resolve("whole.tsv");
			assertEquals(0, CliRun.of("replay", "--disk", disk, "--journal", set.resolve("writes.log").toString(), "--at", "entry:" + last, "--manifest", whole.toString(),
					"--mount-prefix", "/mnt/disk").code());
			List<String> wholeRows = Files.readAllLines(whole);
			assertEquals(wholeRows.size(), endRows.size());
			for (int i = 1; i < endRows.size(); i++) assertEquals(wholeRows.get(i) + "\tjournal", endRows.get(i));
			// changes to 'end': every row flagged, as comment lines; timeline: the end flagged
			r = CliRun.of("changes", "--disk", disk, "--journal", j, "--from", "entry:" + round[1], "--to", "end", "--mount-prefix", "/mnt/disk", "--partial");
			assertEquals(0, r.code(), r.err());
			assertTrue(r.out().contains("# " + shortfall), r.out());
			assertTrue(r.out().matches("(?s).*# flagged: (\\d+) of \\1 paths.*"), r.out());
			r = CliRun.of("timeline", "--journal", j, "--partial");
			assertEquals(0, r.code(), r.err());
			assertTrue(r.out().contains(shortfall) && r.out().contains("flagged: the journal's end is its last whole entry (entry " + last + ")"), r.out());
		}
	}
}
