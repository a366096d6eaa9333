package cacheshadow.cases;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Progress;

/**
 * A case: a folder holding an embedded H2 database ({@code case.mv.db}) with the evidence registry and the custody
 * log, plus a human-readable mirror of that log ({@code custody.log}). Evidence stays where it is and is only ever
 * opened for reading. One process holds a case at a time (H2's file lock).
 */
public final class Case implements AutoCloseable {
	public static final String DB_NAME = "case";
	public static final String DB_FILE = DB_NAME + ".mv.db";
	public static final String CUSTODY_TEXT = "custody.log";

	private final Path dir;
	private final Connection db;
	private final String actor;

	private Case(Path dir, Connection db) {
		this.dir = dir;
		this.db = db;
		this.actor = System.getProperty("user.name", "unknown");
	}

	public static boolean isCase(Path dir) {
		return Files.isRegularFile(dir.resolve(DB_FILE));
	}

	/** Creates a new case folder (it may exist, but must not hold a case yet). */
	public static Case create(Path dir, String name) throws IOException {
		dir = dir.toAbsolutePath().normalize();
		if (isCase(dir)) throw new CaseException(dir + ": already holds a case");
		Files.createDirectories(dir);
		Case c = new Case(dir, connect(dir));
		try {
			c.createSchema();
			c.setInfo("name", name == null || name.isBlank() ? dir.getFileName().toString() : name);
			c.setInfo("created", now().toString());
			c.setInfo("format", "1");
			c.appendCustody("case-created", "case \"" + c.name() + "\" in " + dir);
		} catch (IOException | RuntimeException e) {
			c.close();
			throw e;
		}
		return c;
	}

	public static Case open(Path dir) throws IOException {
		dir = dir.toAbsolutePath().normalize();
		if (!isCase(dir)) throw new CaseException(dir + ": not a case folder (no " + DB_FILE + ")");
		Case c = new Case(dir, connect(dir));
		c.createSchema();
		return c;
	}

	private static Connection connect(Path dir) throws CaseException {
		Properties p = new Properties();
		p.setProperty("user", "cacheshadow");
		p.setProperty("password", "");
		String url = "jdbc:h2:file:" + dir.resolve(DB_NAME) + ";DB_CLOSE_ON_EXIT=FALSE";
		try {
			// the driver is called directly: DriverManager does not see bundle class loaders under OSGi
			Connection c = new org.h2.Driver().connect(url, p);
			c.setAutoCommit(true);
			return c;
		} catch (SQLException e) {
			String m = e.getMessage() == null ? "" : e.getMessage();
			if (m.contains("locked") || m.contains("Locked")) throw new CaseException(dir + ": the case is open in another process");
			throw new CaseException(dir + ": cannot open the case database (" + firstLine(m) + ")");
		}
	}

	private void createSchema() throws CaseException {
		sql(s -> {
			s.execute("CREATE TABLE IF NOT EXISTS case_info(k VARCHAR PRIMARY KEY, v VARCHAR)");
			s.execute("CREATE TABLE IF NOT EXISTS evidence(id BIGINT AUTO_INCREMENT PRIMARY KEY, path VARCHAR NOT NULL UNIQUE,"
					+ " size BIGINT NOT NULL, format VARCHAR NOT NULL, sha256 VARCHAR(64), added_at VARCHAR NOT NULL,"
					+ " status VARCHAR NOT NULL, verified_at VARCHAR)");
			s.execute("CREATE TABLE IF NOT EXISTS bookmark(id BIGINT AUTO_INCREMENT PRIMARY KEY, view VARCHAR NOT NULL, path VARCHAR NOT NULL,"
					+ " instant VARCHAR, range_offset BIGINT NOT NULL, range_length BIGINT NOT NULL, note VARCHAR NOT NULL, created_at VARCHAR NOT NULL)");
			s.execute("CREATE TABLE IF NOT EXISTS custody(seq BIGINT PRIMARY KEY, at VARCHAR NOT NULL, actor VARCHAR NOT NULL,"
					+ " action VARCHAR NOT NULL, detail VARCHAR NOT NULL, prev_hash VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL)");
			return null;
		});
	}

	public Path dir() {
		return dir;
	}

	public String name() throws CaseException {
		return info("name");
	}

	/** Registers an evidence file: format from its content, size, SHA-256 (with progress); logged in custody. */
	public EvidenceItem addEvidence(Path file, Progress progress) throws IOException {
		Path abs = file.toAbsolutePath().normalize();
		if (!Files.isRegularFile(abs)) throw new EvidenceFormatException(abs, Files.exists(abs) ? "not a regular file" : "no such file");
		if (!Files.isReadable(abs)) throw new EvidenceFormatException(abs, "permission denied");
		String path = abs.toString();
		for (EvidenceItem e : evidence()) {
			if (e.path().equals(path)) throw new CaseException(path + ": already in the case as evidence #" + e.id());
		}
		EvidenceFormat format = EvidenceFormat.detect(abs);
		long size = Files.size(abs);
		Instant at = now();
		long id = sql(s -> {
			try (PreparedStatement ps = db.prepareStatement(
					"INSERT INTO evidence(path, size, format, sha256, added_at, status) VALUES (?,?,?,NULL,?,?)",
					Statement.RETURN_GENERATED_KEYS)) {
				ps.setString(1, path);
				ps.setLong(2, size);
				ps.setString(3, format.name());
				ps.setString(4, at.toString());
				ps.setString(5, EvidenceItem.Status.HASHED.name());
				ps.executeUpdate();
				try (ResultSet k = ps.getGeneratedKeys()) {
					k.next();
					return k.getLong(1);
				}
			}
		});
		appendCustody("evidence-added", "#" + id + " " + path + " (" + format.label() + ", " + size + " bytes)");
		String sha = EvidenceHasher.sha256(abs, progress);
		sql(s -> {
			try (PreparedStatement ps = db.prepareStatement("UPDATE evidence SET sha256=? WHERE id=?")) {
				ps.setString(1, sha);
				ps.setLong(2, id);
				ps.executeUpdate();
			}
			return null;
		});
		appendCustody("evidence-hashed", "#" + id + " sha256=" + sha);
		return get(id);
	}

	public List<EvidenceItem> evidence() throws CaseException {
		return sql(s -> {
			List<EvidenceItem> out = new ArrayList<>();
			try (ResultSet r = s.executeQuery("SELECT id, path, size, format, sha256, added_at, status, verified_at FROM evidence ORDER BY id")) {
				while (r.next()) out.add(item(r));
			}
			return out;
		});
	}

	private EvidenceItem get(long id) throws CaseException {
		return evidence().stream().filter(e -> e.id() == id).findFirst().orElseThrow();
	}

	private static EvidenceItem item(ResultSet r) throws SQLException {
		String v = r.getString(8);
		return new EvidenceItem(r.getLong(1), r.getString(2), r.getLong(3), EvidenceFormat.valueOf(r.getString(4)),
				r.getString(5), Instant.parse(r.getString(6)), EvidenceItem.Status.valueOf(r.getString(7)),
				v == null ? null : Instant.parse(v));
	}

	/**
	 * Re-hashes every evidence file and checks the custody chain; records the outcome (status per item, and a
	 * custody entry). Mismatches are reported, never repaired.
	 */
	public VerificationReport verify(Progress progress) throws IOException {
		long[] broken = { -1 };
		String chainProblem = checkChain(broken);
		List<VerificationReport.Item> items = new ArrayList<>();
		for (EvidenceItem e : evidence()) {
			Path p = Path.of(e.path());
			String actual = null;
			EvidenceItem.Status st;
			String problem = null;
			try {
				actual = EvidenceHasher.sha256(p, progress);
				st = actual.equals(e.sha256()) ? EvidenceItem.Status.VERIFIED : EvidenceItem.Status.MISMATCH;
				if (st == EvidenceItem.Status.MISMATCH) problem = "SHA-256 differs from the one recorded when it was added";
			} catch (IOException ex) {
				st = EvidenceItem.Status.MISSING;
				problem = ex.getMessage();
			}
			EvidenceItem.Status status = st;
			String at = now().toString();
			sql(s -> {
				try (PreparedStatement ps = db.prepareStatement("UPDATE evidence SET status=?, verified_at=? WHERE id=?")) {
					ps.setString(1, status.name());
					ps.setString(2, at);
					ps.setLong(3, e.id());
					ps.executeUpdate();
				}
				return null;
			});
			items.add(new VerificationReport.Item(e, actual, st, problem));
		}
		VerificationReport report = new VerificationReport(items, broken[0], chainProblem);
		long bad = items.stream().filter(i -> i.status() != EvidenceItem.Status.VERIFIED).count();
		appendCustody("verified", items.size() + " evidence item(s), " + bad + " failed; custody chain "
				+ (broken[0] < 0 ? "intact" : "BROKEN at entry " + broken[0]));
		return report;
	}

	/** Returns null if the chain holds, else the problem; {@code brokenAt[0]} gets the first bad sequence number. */
	private String checkChain(long[] brokenAt) throws CaseException {
		String prev = CustodyEntry.GENESIS;
		long expectSeq = 1;
		for (CustodyEntry e : custodyLog()) {
			if (e.seq() != expectSeq) {
				brokenAt[0] = expectSeq;
				return "entry " + expectSeq + " is missing";
			}
			if (!e.prevHash().equals(prev)) {
				brokenAt[0] = e.seq();
				return "entry " + e.seq() + " does not link to the entry before it";
			}
			if (!e.hashMatches()) {
				brokenAt[0] = e.seq();
				return "entry " + e.seq() + " was altered (its hash does not match its content)";
			}
			prev = e.hash();
			expectSeq++;
		}
		return null;
	}

	public List<CustodyEntry> custodyLog() throws CaseException {
		return sql(s -> {
			List<CustodyEntry> out = new ArrayList<>();
			try (ResultSet r = s.executeQuery("SELECT seq, at, actor, action, detail, prev_hash, hash FROM custody ORDER BY seq")) {
				while (r.next()) {
					out.add(new CustodyEntry(r.getLong(1), Instant.parse(r.getString(2)), r.getString(3), r.getString(4),
							r.getString(5), r.getString(6), r.getString(7)));
				}
			}
			return out;
		});
	}

	/**
	 * The custody chain as it stands: how many entries it has and the first problem ({@code problem} null when every
	 * entry links to the one before it and matches its hash). The same check as {@link #verify}, without re-hashing
	 * evidence or recording anything; for views that show the log.
	 */
	public record ChainState(int entries, long brokenAt, String problem) {
		public boolean intact() {
			return problem == null;
		}
	}

	/** Checks the custody chain now (see {@link ChainState}); synchronized with appends, so the count is the one checked. */
	public synchronized ChainState custodyChain() throws CaseException {
		long[] broken = { -1 };
		String problem = checkChain(broken);
		return new ChainState(custodyLog().size(), broken[0], problem);
	}

	/** Records an action on the case (analysis run, export, ...) as the next link of the custody chain. */
	public synchronized CustodyEntry appendCustody(String action, String detail) throws CaseException {
		CustodyEntry entry = sql(s -> {
			long seq = 1;
			String prev = CustodyEntry.GENESIS;
			try (ResultSet r = s.executeQuery("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1")) {
				if (r.next()) {
					seq = r.getLong(1) + 1;
					prev = r.getString(2);
				}
			}
			Instant at = now();
			String hash = CustodyEntry.computeHash(seq, at, actor, action, detail, prev);
			try (PreparedStatement ps = db.prepareStatement("INSERT INTO custody VALUES (?,?,?,?,?,?,?)")) {
				ps.setLong(1, seq);
				ps.setString(2, at.toString());
				ps.setString(3, actor);
				ps.setString(4, action);
				ps.setString(5, detail);
				ps.setString(6, prev);
				ps.setString(7, hash);
				ps.executeUpdate();
			}
			return new CustodyEntry(seq, at, actor, action, detail, prev, hash);
		});
		try (Writer w = Files.newBufferedWriter(dir.resolve(CUSTODY_TEXT), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
				StandardOpenOption.APPEND)) {
			w.write(entry.seq() + "\t" + entry.at() + "\t" + oneField(entry.actor()) + "\t" + oneField(entry.action()) + "\t" + oneField(entry.detail()) + "\t"
					+ entry.hash() + "\n");
		} catch (IOException e) {
			throw new CaseException(dir.resolve(CUSTODY_TEXT) + ": cannot append (" + e.getMessage() + ")");
		}
		return entry;
	}

	/** Saves a bookmark (its id and time are assigned here); logged in custody. */
	public synchronized Bookmark addBookmark(String view, String path, String instant, long offset, long length, String note) throws CaseException {
		Instant at = now();
		Bookmark draft = new Bookmark(0, view, path, instant, offset, length, note, at); // validates
		long id = sql(s -> {
			try (PreparedStatement p = db.prepareStatement(
					"INSERT INTO bookmark(view, path, instant, range_offset, range_length, note, created_at) VALUES (?,?,?,?,?,?,?)",
					Statement.RETURN_GENERATED_KEYS)) {
				p.setString(1, draft.view());
				p.setString(2, draft.path());
				p.setString(3, draft.instant());
				p.setLong(4, draft.offset());
				p.setLong(5, draft.length());
				p.setString(6, draft.note());
				p.setString(7, at.toString());
				p.executeUpdate();
				try (ResultSet k = p.getGeneratedKeys()) {
					k.next();
					return k.getLong(1);
				}
			}
		});
		Bookmark b = new Bookmark(id, view, path, instant, offset, length, draft.note(), at);
		appendCustody("bookmark-added", "#" + id + " " + b.describe());
		return b;
	}

	/** Replaces a bookmark's note; logged in custody with the old and the new note. */
	public synchronized Bookmark updateBookmarkNote(long id, String note) throws CaseException {
		Bookmark old = bookmark(id);
		String n = note == null ? "" : note;
		sql(s -> {
			try (PreparedStatement p = db.prepareStatement("UPDATE bookmark SET note = ? WHERE id = ?")) {
				p.setString(1, n);
				p.setLong(2, id);
				p.executeUpdate();
			}
			return null;
		});
		appendCustody("bookmark-changed", "#" + id + " note \"" + old.note() + "\" -> \"" + n + "\"");
		return bookmark(id);
	}

	/** Removes a bookmark; logged in custody with what it was. */
	public synchronized void removeBookmark(long id) throws CaseException {
		Bookmark old = bookmark(id);
		sql(s -> {
			try (PreparedStatement p = db.prepareStatement("DELETE FROM bookmark WHERE id = ?")) {
				p.setLong(1, id);
				p.executeUpdate();
			}
			return null;
		});
		appendCustody("bookmark-removed", "#" + id + " " + old.describe());
	}

	/** The case's bookmarks in the order they were made (a walkthrough's order). */
	public List<Bookmark> bookmarks() throws CaseException {
		return sql(s -> {
			List<Bookmark> out = new ArrayList<>();
			try (ResultSet r = s.executeQuery("SELECT id, view, path, instant, range_offset, range_length, note, created_at FROM bookmark ORDER BY id")) {
				while (r.next()) out.add(bookmark(r));
			}
			return out;
		});
	}

	private Bookmark bookmark(long id) throws CaseException {
		for (Bookmark b : bookmarks()) if (b.id() == id) return b;
		throw new CaseException("no bookmark #" + id + " in the case");
	}

	private static Bookmark bookmark(ResultSet r) throws SQLException {
		return new Bookmark(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getLong(5), r.getLong(6), r.getString(7),
				Instant.parse(r.getString(8)));
	}

	private String info(String k) throws CaseException {
		return sql(s -> {
			try (PreparedStatement ps = db.prepareStatement("SELECT v FROM case_info WHERE k=?")) {
				ps.setString(1, k);
				try (ResultSet r = ps.executeQuery()) {
					return r.next() ? r.getString(1) : null;
				}
			}
		});
	}

	private void setInfo(String k, String v) throws CaseException {
		sql(s -> {
			try (PreparedStatement ps = db.prepareStatement("MERGE INTO case_info KEY(k) VALUES (?,?)")) {
				ps.setString(1, k);
				ps.setString(2, v);
				ps.executeUpdate();
			}
			return null;
		});
	}

	private static Instant now() {
		return Instant.now().truncatedTo(ChronoUnit.MICROS);
	}

	private interface SqlWork<T> {
		T run(Statement s) throws SQLException;
	}

	private <T> T sql(SqlWork<T> work) throws CaseException {
		try (Statement s = db.createStatement()) {
			return work.run(s);
		} catch (SQLException e) {
			throw new CaseException(dir + ": case database error (" + firstLine(e.getMessage()) + ")");
		}
	}

	/**
	 * A value as one field of the text mirror: a guest-chosen name or an examiner's note with a tab or a newline must
	 * not forge a column or a custody line there. Backslash and control characters are escaped (C style); the
	 * database keeps the exact text, and the hash covers that.
	 */
	static String oneField(String v) {
		StringBuilder sb = null;
		for (int i = 0; i < v.length(); i++) {
			char c = v.charAt(i);
			String rep = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
					: c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085' ? String.format("\\x%02x", (int) c) : null;
			if (rep == null) {
				if (sb != null) sb.append(c);
				continue;
			}
			if (sb == null) sb = new StringBuilder(v.length() + 8).append(v, 0, i);
			sb.append(rep);
		}
		return sb == null ? v : sb.toString();
	}

	private static String firstLine(String m) {
		if (m == null) return "";
		int i = m.indexOf('\n');
		return i < 0 ? m : m.substring(0, i);
	}

	@Override
	public void close() {
		try {
			db.close();
		} catch (SQLException e) {
			// closing a database we only read and appended to: nothing left to save
		}
	}
}
