package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstantSpecTest {
	@TempDir
	Path tmp;

	@Test
	void parsesEveryForm() {
		assertEquals(InstantSpec.Kind.END, InstantSpec.parse("end").kind());
		assertEquals(21, InstantSpec.parse("entry:21").number());
		assertEquals(3, InstantSpec.parse("flush:3").number());
		assertEquals("a b:c", InstantSpec.parse("mark:a b:c").text());
		assertEquals(1795440578_184884000L, InstantSpec.parse("time:@1795440578.184884").epochNanos());
		assertEquals(1795440578_184884000L, InstantSpec.parse("time:1795440578.184884").epochNanos());
		long iso = InstantSpec.parse("time:2026-11-23T14:09:38.184884Z").epochNanos();
		assertEquals(iso, InstantSpec.parse("time:2026-11-23T15:09:38.184884+01:00").epochNanos());
		assertEquals(iso, InstantSpec.parse("time:2026-11-23 14:09:38.184884").epochNanos());
		for (String bad : new String[] { "", "entry", "entry:-1", "entry:x", "later", "time:yesterday", "mark:" }) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InstantSpec.parse(bad), bad);
			assertTrue(e.getMessage().contains("entry:N"), e.getMessage());
		}
	}

	@Test
	void resolvesFlushMarkAndEndOnACraftedLog() throws IOException {
		Path f = tmp.resolve("m.log");
		try (DmLogWritesWriter w = new DmLogWritesWriter(f, 512)) {
			w.write(0, new byte[512], 0, 512, 0); // 0
			w.flush(); // 1: flush 1
			w.mark("after-first"); // 2
			w.write(1, new byte[512], 0, 512, WriteLog.FLUSH | WriteLog.FUA); // 3: flush 2
			w.write(2, new byte[512], 0, 512, 0); // 4
		}
		try (DmLogWritesLog log = DmLogWritesReader.read(f)) {
			assertEquals(2, InstantSpec.parse("flush:1").resolve(log, null).entryCount());
			assertEquals(4, InstantSpec.parse("flush:2").resolve(log, null).entryCount());
			assertEquals(0, InstantSpec.parse("flush:0").resolve(log, null).entryCount());
			assertEquals(3, InstantSpec.parse("mark:after-first").resolve(log, null).entryCount());
			assertEquals(5, InstantSpec.parse("end").resolve(log, null).entryCount());
			assertEquals(TimeQuality.NONE, InstantSpec.parse("end").resolve(log, null).timeQuality());
			assertThrows(IllegalArgumentException.class, () -> InstantSpec.parse("flush:3").resolve(log, null));
			assertThrows(IllegalArgumentException.class, () -> InstantSpec.parse("mark:nope").resolve(log, null));
			assertThrows(IllegalArgumentException.class, () -> InstantSpec.parse("entry:6").resolve(log, null));
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InstantSpec.parse("time:@5").resolve(log, null));
			assertTrue(e.getMessage().contains("sidecar"), e.getMessage());
		}
	}

	@Test
	void timesBetweenSamplesAreInterpolatedAndSaySo() throws IOException {
		Path set = Samples.sets().get(0);
		Timeline tl = Timeline.read(set.resolve("timeline.tsv"));
		try (DmLogWritesLog log = DmLogWritesReader.read(set.resolve("writes.log"))) {
			// find two consecutive samples with entries completing between them
			Timeline.Sample a = null, b = null;
			for (int i = 0; i + 1 < tl.samples().size(); i++) {
				if (tl.samples().get(i + 1).entries() - tl.samples().get(i).entries() >= 2) {
					a = tl.samples().get(i);
					b = tl.samples().get(i + 1);
					break;
				}
			}
			long mid = (a.epochNanos() + b.epochNanos()) / 2;
			ResolvedInstant r = InstantSpec.parse("time:@" + java.math.BigDecimal.valueOf(mid, 9).toPlainString()).resolve(log, tl);
			assertEquals(TimeQuality.INTERPOLATED, r.timeQuality(), r.toString());
			assertTrue(r.entryCount() >= a.entries() && r.entryCount() <= b.entries(), r.toString());
			assertEquals(a.entries(), r.lowerBound());
			assertEquals(b.entries(), r.upperBound());
			assertTrue(r.description().contains("interpolated"), r.description());
			ResolvedInstant e = InstantSpec.parse("entry:30").resolve(log, tl);
			assertEquals(TimeQuality.INTERPOLATED, e.timeQuality());
			assertTrue(e.description().contains("interpolated"), e.description());
			assertEquals(0, InstantSpec.parse("time:@1000").resolve(log, tl).entryCount());
		}
	}
}
