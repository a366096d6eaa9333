package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalCatalogueTest {
	@TempDir
	Path tmp;

	@Test
	void registersSamplesAndFindsThemAgainAfterReopening() throws IOException {
		Path db = tmp.resolve("catalogue");
		long[] ids = new long[2];
		List<Path> sets = Samples.sets();
		try (JournalCatalogue c = JournalCatalogue.open(db)) {
			for (int k = 0; k < sets.size(); k++) {
				Path set = sets.get(k);
				try (DmLogWritesLog log = DmLogWritesReader.read(set.resolve("writes.log"))) {
					Timeline tl = Timeline.read(set.resolve("timeline.tsv"));
					c.register(set.getFileName().toString(), log, tl, null);
					ids[k] = c.register(set.getFileName().toString(), log, tl, null); // again: replaces
				}
			}
			assertEquals(sets.size(), c.journals().size());
		}
		try (JournalCatalogue c = JournalCatalogue.open(db)) {
			for (int k = 0; k < sets.size(); k++) {
				Path set = sets.get(k);
				String machine = set.getFileName().toString();
				JournalCatalogue.Entry e = c.find(machine, set.resolve("writes.log").toString()).orElseThrow();
				assertEquals(ids[k], e.id());
				assertEquals("dm-log-writes", e.format());
				assertEquals(Samples.tsv(set.resolve("writes.index.tsv")).size(), e.entries());
				List<TimelineSummary.Point> flushes = c.instants(e.id(), "flush");
				assertTrue(flushes.size() > 5);
				assertEquals("flush:1", flushes.get(0).instant());
				assertTrue(c.instants(e.id(), "event").stream().anyMatch(p -> p.label().contains("EVIDENCE-ROUND-6-SYNCED")));
				assertTrue(!c.rates(e.id()).isEmpty());
				// the journal is found by a time inside it; its round entry counts are catalogued as events
				String[] round = Samples.tsv(set.resolve("rounds.tsv")).get(2);
				long t = InstantSpec.parseTime("@" + round[1]);
				assertEquals(List.of(e.id()), c.journalsAt(machine, t).stream().map(JournalCatalogue.Entry::id).toList());
				assertTrue(c.instants(e.id(), "event").stream()
						.anyMatch(p -> p.entryCount() == Integer.parseInt(round[2]) && p.label().contains("ROUND-3-SYNCED")));
			}
		}
	}
}
