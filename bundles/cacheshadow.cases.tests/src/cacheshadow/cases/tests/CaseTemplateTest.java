package cacheshadow.cases.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.cases.Case;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.layers.Progress;

/**
 * A new case starts as a copy of the empty database shipped with the cases bundle ({@link Case#TEMPLATE}): that copy
 * must be exactly what the schema makes (tables, columns, keys, no rows), and a case made from it, by the command
 * line's {@link Case#createClosed} (no second open) as by {@link Case#create}, whole.
 */
class CaseTemplateTest {

	@Test
	void theShippedEmptyDatabaseIsWhatTheSchemaMakes(@TempDir Path tmp) throws Exception {
		Path fresh = Files.createDirectories(tmp.resolve("fresh")), shipped = Files.createDirectories(tmp.resolve("shipped"));
		Case.writeTemplate(fresh);
		try (InputStream in = Case.class.getResourceAsStream(Case.TEMPLATE + ".mv.db")) {
			assertNotNull(in, "the cases bundle ships " + Case.TEMPLATE + ".mv.db");
			Files.copy(in, shipped.resolve(Case.TEMPLATE + ".mv.db"));
		}
		List<String> want = script(fresh), have = script(shipped);
		assertTrue(want.stream().anyMatch(l -> l.contains("\"CUSTODY\"")), "the script shows the tables: " + want);
		if (!want.equals(have)) {
			// kept for the developer who changed the schema: the file to ship instead
			Path keep = Path.of("target", Case.TEMPLATE + ".mv.db").toAbsolutePath();
			Files.createDirectories(keep.getParent());
			Files.copy(fresh.resolve(Case.TEMPLATE + ".mv.db"), keep, StandardCopyOption.REPLACE_EXISTING);
			fail("the shipped " + Case.TEMPLATE + ".mv.db is not what the schema makes; ship " + keep
					+ " as bundles/cacheshadow.cases/src/cacheshadow/cases/" + Case.TEMPLATE + ".mv.db\nschema: " + want + "\nshipped: " + have);
		}
	}

	/**
	 * H2's script of the database without data: its settings, tables, columns, keys and each table's row count (0), but
	 * not the user line, whose password salt is drawn anew for every database.
	 */
	private static List<String> script(Path dir) throws Exception {
		Properties p = new Properties();
		p.setProperty("user", "cacheshadow");
		p.setProperty("password", "");
		List<String> out = new ArrayList<>();
		try (Connection c = new org.h2.Driver().connect("jdbc:h2:file:" + dir.resolve(Case.TEMPLATE) + ";ACCESS_MODE_DATA=r", p);
				Statement s = c.createStatement(); ResultSet r = s.executeQuery("SCRIPT NODATA")) {
			while (r.next()) {
				String line = r.getString(1);
				if (!line.startsWith("CREATE USER ")) out.add(line);
			}
		}
		return out;
	}

	@Test
	void aCaseCreatedClosedIsWholeWithItsCustodyTextAndFreesItsLock(@TempDir Path tmp) throws Exception {
		Path dir = tmp.resolve("quick");
		// what a kill during an earlier creation left
		Files.createDirectories(dir);
		Files.write(dir.resolve("case-creating.mv.db"), new byte[] { 'H', '2', 0, 0 });
		assertEquals("Lab 7", Case.createClosed(dir, "Lab 7"));
		try (Stream<Path> s = Files.list(dir)) {
			assertEquals(List.of("case.lock", Case.DB_FILE, Case.CUSTODY_TEXT), s.map(f -> f.getFileName().toString()).sorted().toList());
		}
		// the lock is released: this process could take it (it would be an overlapping lock if still held here)
		try (FileChannel ch = FileChannel.open(dir.resolve("case.lock"), StandardOpenOption.WRITE); FileLock l = ch.tryLock()) {
			assertNotNull(l);
		}
		String text = Files.readString(dir.resolve(Case.CUSTODY_TEXT));
		try (Case c = Case.open(dir)) {
			assertEquals("Lab 7", c.name());
			List<CustodyEntry> log = c.custodyLog();
			assertEquals(List.of("case-created"), log.stream().map(CustodyEntry::action).toList());
			assertEquals("case \"Lab 7\" in " + dir.toAbsolutePath().normalize(), log.get(0).detail());
			assertTrue(text.startsWith("1\t") && text.endsWith("\t" + log.get(0).hash() + "\n") && text.lines().count() == 1, text);
			assertTrue(c.verify(Progress.NONE).allGood());
			assertTrue(c.evidence().isEmpty() && c.bookmarks().isEmpty());
			c.addBookmark("merged", "/etc/passwd", null, 0, 10, "first");
			assertEquals(1, c.bookmarks().get(0).id()); // the identity columns start at 1 in a copy as in a new database
		}
		// opening did not rewrite the text it found whole; the bookmark was appended
		assertTrue(Files.readString(dir.resolve(Case.CUSTODY_TEXT)).startsWith(text));
		assertThrows(cacheshadow.cases.CaseException.class, () -> Case.createClosed(dir, "again"));
	}
}
