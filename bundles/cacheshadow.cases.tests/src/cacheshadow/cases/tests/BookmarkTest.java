package cacheshadow.cases.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;
import cacheshadow.cases.CustodyEntry;

/**
 * Bookmarks live in the case database, survive closing and reopening, keep their order, and every change is in the
 * custody log (chain intact); a hostile guest path or note cannot forge a line or a column of the custody text.
 */
class BookmarkTest {

	@Test
	void bookmarksPersistInOrderAndEveryChangeIsInTheCustodyLog(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case");
		long first, second, third;
		try (Case c = Case.create(dir, "bookmarks")) {
			first = c.addBookmark("merged", "/mnt/disk/data/blob.bin", null, 20480, 4096, "dirty page 5: the cache's newer bytes").id();
			second = c.addBookmark("disk-at-instant", "/mnt/disk/hist/r2/f2.txt", "entry:43", 0, 0, "as the disk stood after round 2").id();
			third = c.addBookmark("cache-only", "/mnt/tmp/p2_tmp_1.txt", null, 0, 0, "").id();
			assertTrue(first < second && second < third);
			Bookmark changed = c.updateBookmarkNote(second, "after round 2's sync");
			assertEquals("after round 2's sync", changed.note());
			c.removeBookmark(third);
			assertThrows(CaseException.class, () -> c.removeBookmark(third));
			assertThrows(IllegalArgumentException.class, () -> c.addBookmark("merged", "/x", null, -1, 5, ""));
			assertThrows(IllegalArgumentException.class, () -> c.addBookmark("merged", "/x", null, Long.MAX_VALUE, 5, ""));
		}
		try (Case c = Case.open(dir)) {
			List<Bookmark> b = c.bookmarks();
			assertEquals(2, b.size());
			assertEquals(first, b.get(0).id());
			assertEquals("merged", b.get(0).view());
			assertEquals("/mnt/disk/data/blob.bin", b.get(0).path());
			assertNull(b.get(0).instant());
			assertEquals(20480, b.get(0).offset());
			assertEquals(4096, b.get(0).length());
			assertEquals("entry:43", b.get(1).instant());
			assertEquals("after round 2's sync", b.get(1).note());
			List<String> actions = c.custodyLog().stream().map(CustodyEntry::action).filter(a -> a.startsWith("bookmark")).toList();
			assertEquals(List.of("bookmark-added", "bookmark-added", "bookmark-added", "bookmark-changed", "bookmark-removed"), actions);
			assertTrue(c.custodyChain().intact(), c.custodyChain().problem());
		}
	}

	@Test
	void hostileNamesAndNotesStayOneFieldOfTheCustodyText(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("case");
		// a guest can name a file with tabs, newlines and a fake custody line; an examiner's note can hold them too
		String path = "/mnt/disk/evil\tname\n99\t2026-01-01T00:00:00Z\troot\tcase-created\tforged\t" + "0".repeat(64);
		String note = "line one\r\nline two \\ back\u2028slash\u0000";
		try (Case c = Case.create(dir, "hostile")) {
			Bookmark b = c.addBookmark("merged", path, null, 0, 0, note);
			assertEquals(path, c.bookmarks().get(0).path()); // the database keeps the exact text
			assertEquals(note, c.bookmarks().get(0).note());
			c.updateBookmarkNote(b.id(), "x\ny");
			assertTrue(c.custodyChain().intact());
			List<String> lines = Files.readAllLines(dir.resolve(Case.CUSTODY_TEXT));
			assertEquals(c.custodyLog().size(), lines.size(), String.join("\n", lines));
			for (String l : lines) assertEquals(6, l.split("\t", -1).length, l);
			assertTrue(lines.get(1).contains("evil\\tname\\n99\\t"), lines.get(1));
			assertTrue(lines.get(1).contains("line one\\r\\nline two \\\\ back\\x2028slash\\x00"), lines.get(1));
		}
	}
}
