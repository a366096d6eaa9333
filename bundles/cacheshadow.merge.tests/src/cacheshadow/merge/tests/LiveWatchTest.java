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
import cacheshadow.testing.LiveGuestDir;

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
		Path dir = LiveGuestDir.await();
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

	/**
	 * A refresh after the guest changed one file in place (same size, same page: only its bytes differ) hashes that
	 * file again, and only what changed: the hash shown is the guest's own sha256sum of it, every other file's hash is
	 * the refresh before's, and the guest was paused only for the check (the walk ran while it ran). The files are on
	 * a tmpfs of the test's own, so the guest's listings that other tests compare against stay as they were.
	 */
	@Test
	void aFileChangedInPlaceIsHashedAgainAndOnlyIt() throws Exception {
		Path dir = LiveGuestDir.await();
		String t = "/srv/live-watch";
		cacheshadow.testing.GuestShell.ok(dir, "umount " + t + " 2>/dev/null; mkdir -p " + t + " && mount -t tmpfs -o size=4m tmpfs " + t
				+ " && cd " + t + " && echo aaaa > a && echo bbbb > b && echo cccc > c");
		try (LiveGuest g = LiveGuest.attach(dir)) {
			LiveWatch w = LiveWatch.start(g, dir.resolve("kernel"), dir.resolve("disk.img"), true, List.of(t), Progress.NONE);
			w.refresh(Progress.NONE).refresh().fs().close();
			LiveWatch.Step idle = w.refresh(Progress.NONE);
			idle.refresh().fs().close();
			System.out.println("LiveWatchTest: " + idle.summary());
			assertEquals(List.of(), idle.changes());
			assertTrue(idle.refresh().hashesTotal() > 3, idle.summary());
			assertEquals(idle.refresh().hashesTotal(), idle.refresh().hashesReused(), "nothing changed in the idle guest: " + idle.summary());
			assertTrue(!idle.refresh().walkedPaused() && idle.refresh().pagesChecked() > 0, idle.summary());
			assertTrue(idle.summary().contains("pages checked unchanged in "), idle.summary());
			cacheshadow.testing.GuestShell.ok(dir, "printf BBBB | dd of=" + t + "/b bs=4 count=1 conv=notrunc 2>/dev/null");
			String guestSha = cacheshadow.testing.GuestShell.ok(dir, "sha256sum " + t + "/b").strip().split("\\s+")[0];
			LiveWatch.Step after = w.refresh(Progress.NONE);
			try (MergedFileSystem m = after.refresh().fs()) {
				System.out.println("LiveWatchTest: " + after.summary());
				assertEquals(List.of(t + "/b"), after.changes().stream().map(LiveChanges.Change::path).toList(), after.summary());
				assertTrue(after.changes().get(0).detail().contains("data"), after.changes().get(0).toString());
				String shown = m.tree(View.MERGED).listing(true).stream().filter(r -> r.path().equals(t + "/b")).findFirst().orElseThrow().sha256();
				assertEquals(guestSha, shown, "the merged view's hash of the changed file is the guest's own");
				int hashedAgain = after.refresh().hashesTotal() - after.refresh().hashesReused();
				assertTrue(hashedAgain >= 1 && hashedAgain < after.refresh().hashesTotal() / 2, after.summary());
			}
		} finally {
			cacheshadow.testing.GuestShell.ok(dir, "umount " + t);
		}
	}
}
