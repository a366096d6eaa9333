package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import cacheshadow.layers.Progress;
import cacheshadow.merge.LiveChanges;
import cacheshadow.merge.LiveWatch;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.pagecache.LiveGuest;

/**
 * {@link LiveWatch} on the live guest started by {@code make-evidence.sh --live DIR} ({@code -Dcacheshadow.live=DIR}):
 * the watched paths default to the disk's and the tmpfs' mount points; the first refresh lists what the guest's
 * phase 2 left only in its caches ({@code expect.tsv}: new files cache-only, deleted files deleted, rewritten ones
 * differing in data), the second nothing (the guest is idle); each step's views stay readable until closed; the guest
 * runs between refreshes.
 */
@EnabledIfSystemProperty(named = "cacheshadow.live", matches = ".+")
class LiveWatchTest {
	@Test
	void twoRefreshesOfTheIdleGuest() throws Exception {
		Path dir = Path.of(System.getProperty("cacheshadow.live"));
		cacheshadow.testing.LiveGuestDir.await(dir);
		try (LiveGuest g = LiveGuest.attach(dir)) {
			assertThrows(IllegalArgumentException.class, () -> LiveWatch.start(g, null, null, true, List.of(), Progress.NONE));
			LiveWatch w = LiveWatch.start(g, dir.resolve("kernel"), dir.resolve("disk.img"), true, List.of(), Progress.NONE);
			assertEquals(List.of(), w.roots());
			LiveWatch.Step first = w.refresh(Progress.NONE);
			Map<String, String> events = new TreeMap<>();
			try (MergedFileSystem m = first.refresh().fs()) {
				assertEquals(1, first.number());
				assertEquals(List.of("/mnt/disk", "/mnt/tmp"), w.roots());
				for (LiveChanges.Change c : first.changes()) events.put(c.path(), c.event() + " " + c.detail());
				// the refresh's frozen views answer after the guest resumed
				String created = Files.readAllLines(dir.resolve("expect.tsv")).stream().filter(l -> l.startsWith("absent\t")).findFirst().orElseThrow()
						.split("\t")[1];
				assertNotNull(m.tree(View.MERGED).getattr(created), created);
			}
			int checked = 0;
			for (String l : Files.readAllLines(dir.resolve("expect.tsv"))) {
				String[] c = l.split("\t");
				String e = events.get(c[1]);
				switch (c[0]) {
				case "absent" -> assertTrue(e != null && e.startsWith("cache-only"), l + " -> " + e);
				case "gone" -> assertTrue(e != null && e.startsWith("deleted"), l + " -> " + e);
				case "content" -> assertTrue(e != null && e.startsWith("differs") && e.contains("data"), l + " -> " + e);
				default -> {
					continue;
				}
				}
				checked++;
			}
			assertTrue(checked > 5, "expectations checked: " + checked);
			assertTrue(g.qmp().running());
			LiveWatch.Step second = w.refresh(Progress.NONE);
			second.refresh().fs().close();
			System.out.println("LiveWatchTest: " + first.summary() + "\nLiveWatchTest: " + second.summary());
			assertEquals(2, second.number());
			assertEquals(List.of(), second.changes(), "the idle guest changed nothing");
			assertTrue(!second.pausedAt().isBefore(first.pausedAt()));
			assertTrue(second.summary().startsWith("refresh 2 at " + second.pausedAt() + ": 0 changes; guest paused "), second.summary());
			assertEquals(2, w.count());
			assertTrue(g.qmp().running());
		}
	}
}
