package cacheshadow.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import cacheshadow.cases.Bookmark;
import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;
import cacheshadow.cases.CaseInputs;
import cacheshadow.cases.CustodyEntry;
import cacheshadow.cases.EvidenceItem;
import cacheshadow.layers.Progress;

/**
 * What a case folder holds that the workbench reads back: the rows of its database (case information, evidence
 * registry, bookmarks, custody log; every value as the database stores it, so a damaged or edited case is what is
 * fuzzed, not the H2 file format, which is H2's) and the custody log's text mirror. The input is a dump in the form
 * {@link #dump} writes: sections {@code == TABLE} (or {@code == custody.log}) of tab-separated rows. The rows replace
 * the case's, then the case is opened and everything read back: name, evidence, the inputs an analysis would take,
 * bookmarks, the custody log and chain; and, when the input has a section {@code == verify}, a verification (it
 * re-hashes the evidence and forces the database to disk: a tenth of the speed). Damage must be refused with a
 * {@link CaseException}.
 * The database file itself stays open in this process between inputs (H2 shares it with the case's connection); a
 * case closed past its compaction size shuts the database down for every connection (SHUTDOWN COMPACT), and the
 * harness then connects again.
 */
public final class CaseFilesFuzzer {
	static final Map<String, List<String>> TABLES = Map.of( //
			"case_info", List.of("k", "v"), //
			"evidence", List.of("id", "path", "size", "format", "sha256", "added_at", "status", "verified_at"), //
			"bookmark", List.of("id", "view", "path", "instant", "range_offset", "range_length", "note", "created_at"), //
			"custody", List.of("seq", "at", "actor", "action", "detail", "prev_hash", "hash"));
	static final List<String> ORDER = List.of("case_info", "evidence", "bookmark", "custody");
	private static final Path DIR;
	private static Connection db;
	/** The harness's statements on {@link #db}, prepared once per connection (parsing SQL per row was a third of an input). */
	private static final Map<String, PreparedStatement> STATEMENTS = new HashMap<>();

	/** Stands for the case folder in an input's values (paths of evidence, custody details). */
	static final String CASE = "$CASE";

	static {
		try {
			DIR = Files.createTempDirectory(InputFile.dir(), "case");
			makeCase(DIR);
			db = connect();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} catch (SQLException e) {
			throw new IllegalStateException(e);
		}
	}

	private CaseFilesFuzzer() {
	}

	private static Connection connect() throws SQLException {
		Properties p = new Properties();
		p.setProperty("user", "cacheshadow");
		p.setProperty("password", "");
		return new org.h2.Driver().connect("jdbc:h2:file:" + DIR.resolve(Case.DB_NAME) + ";DB_CLOSE_ON_EXIT=FALSE", p);
	}

	/** Makes the case and opens the database before the first input is timed. */
	public static void fuzzerInitialize() throws IOException {
		try (Case c = Case.open(DIR)) {
			c.evidence();
		}
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		String text = new String(data, StandardCharsets.UTF_8);
		load(text);
		try (Case c = Case.open(DIR)) {
			c.name();
			List<EvidenceItem> ev = c.evidence();
			for (EvidenceItem e : ev) e.fileName();
			CaseInputs.of(ev);
			for (Bookmark b : c.bookmarks()) b.toString();
			for (CustodyEntry e : c.custodyLog()) e.hashMatches();
			c.custodyChain();
			if (text.contains("\n== verify\n") || text.startsWith("== verify\n")) c.verify(Progress.NONE);
		} catch (CaseException refused) {
			// a damaged case, said so
		}
	}

	/**
	 * A case in {@code dir} as the workbench makes one: evidence of each kind (the first 4 KiB of each sample file, so
	 * the formats are detected as the real ones), bookmarks of each view, a verification.
	 */
	static void makeCase(Path dir) throws IOException {
		Path samples = Path.of(System.getProperty("cacheshadow.samples", "build/samples")).resolve("debian-6.12-kaslr");
		try (Case c = Case.create(dir, "fuzzed case")) {
			for (String f : new String[] { "memory.elf", "disk.img", "kernel/System.map", "kernel/vmlinux.btf", "timeline.tsv" }) {
				byte[] head = new byte[4096];
				try (var in = Files.newInputStream(samples.resolve(f))) {
					head = java.util.Arrays.copyOf(head, in.readNBytes(head, 0, head.length));
				}
				Path copy = Files.write(dir.resolve(Path.of(f).getFileName()), head);
				c.addEvidence(copy, Progress.NONE);
			}
			c.addBookmark("merged", "/mnt/disk/etc/passwd", null, 0, 0, "a note");
			c.addBookmark("disk-at-instant", "/mnt/disk/new/a", "entry:43", 4096, 512, "second note");
			c.addBookmark("cache-only", "/mnt/tmp/x", null, 0, 0, "");
			c.verify(Progress.NONE);
		}
	}

	/** Replaces the case's rows and mirror with the input's (rows the database cannot store are left out). */
	private static void load(String text) {
		text = text.replace(CASE, DIR.toString());
		String mirror = null;
		List<String[]> rows = new ArrayList<>();
		String table = null;
		StringBuilder mirrorText = null;
		for (String line : text.split("\n", -1)) {
			if (line.startsWith("== ")) {
				table = line.substring(3).strip();
				if (table.equals(Case.CUSTODY_TEXT)) mirrorText = new StringBuilder();
				continue;
			}
			if (Case.CUSTODY_TEXT.equals(table)) mirrorText.append(line).append('\n');
			else if (table != null && TABLES.containsKey(table) && !line.isEmpty()) {
				String[] f = line.split("\t", -1);
				String[] row = new String[f.length + 1];
				row[0] = table;
				System.arraycopy(f, 0, row, 1, f.length);
				rows.add(row);
			}
		}
		if (mirrorText != null) mirror = mirrorText.toString();
		try {
			if (db.isClosed()) {
				db = connect();
				STATEMENTS.clear();
			}
			db.setAutoCommit(false);
			for (String t : ORDER) statement("DELETE FROM " + t).executeUpdate();
			for (String[] row : rows) {
				List<String> cols = TABLES.get(row[0]);
				if (row.length - 1 != cols.size()) continue;
				PreparedStatement ps = statement("INSERT INTO " + row[0] + "(" + String.join(",", cols) + ") VALUES (" + "?,".repeat(cols.size() - 1) + "?)");
				try {
					for (int i = 0; i < cols.size(); i++) ps.setString(i + 1, row[i + 1].equals("\\N") ? null : row[i + 1]);
					ps.executeUpdate();
				} catch (SQLException notStorable) {
					// a value the column cannot hold (a letter in a number, a duplicate key): the database never has it
				}
			}
			db.commit();
			db.setAutoCommit(true);
			Path m = DIR.resolve(Case.CUSTODY_TEXT);
			Files.deleteIfExists(m);
			if (mirror != null) Files.writeString(m, mirror);
		} catch (SQLException | IOException e) {
			throw new IllegalStateException("the harness could not write the case", e);
		}
	}

	private static PreparedStatement statement(String sql) throws SQLException {
		PreparedStatement ps = STATEMENTS.get(sql);
		if (ps == null) STATEMENTS.put(sql, ps = db.prepareStatement(sql));
		return ps;
	}

	/** The case's rows and mirror in the input form ({@code \N} for a null, {@link #CASE} for its folder): the seed of a real case. */
	static String dump(Path dir) throws SQLException, IOException {
		StringBuilder sb = new StringBuilder();
		Properties p = new Properties();
		p.setProperty("user", "cacheshadow");
		p.setProperty("password", "");
		try (Connection c = new org.h2.Driver().connect("jdbc:h2:file:" + dir.resolve(Case.DB_NAME) + ";DB_CLOSE_ON_EXIT=FALSE", p);
				Statement s = c.createStatement()) {
			for (String t : ORDER) {
				sb.append("== ").append(t).append('\n');
				List<String> cols = TABLES.get(t);
				try (var r = s.executeQuery("SELECT " + String.join(",", cols) + " FROM " + t + " ORDER BY 1")) {
					while (r.next()) {
						for (int i = 1; i <= cols.size(); i++) {
							String v = r.getString(i);
							sb.append(i > 1 ? "\t" : "").append(v == null ? "\\N" : v);
						}
						sb.append('\n');
					}
				}
			}
		}
		sb.append("== ").append(Case.CUSTODY_TEXT).append('\n').append(Files.readString(dir.resolve(Case.CUSTODY_TEXT)));
		return sb.toString().replace(dir.toString(), CASE);
	}
}
