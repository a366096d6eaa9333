package cacheshadow.cases;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import org.h2.api.ErrorCode;

import cacheshadow.journal.WebHdfs;
import cacheshadow.layers.AtomicFile;
import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.EwfLayer;
import cacheshadow.layers.Progress;

/**
 * A case: a folder holding an embedded H2 database ({@code case.mv.db}) with the evidence registry and the custody
 * log, plus a human-readable mirror of that log ({@code custody.log}). Evidence stays where it is and is only ever
 * opened for reading.
 *
 * <h2>Crash safety</h2>
 * <ul>
 * <li>One process holds a case at a time ({@link CaseLock}, {@code case.lock}): a second one is told which case and
 * what holds it, before it touches the database.</li>
 * <li>Every change is one transaction together with its custody entries (evidence row, hash and both entries;
 * verification statuses and the verified entry; a bookmark and its entry), forced to stable storage when it commits:
 * a crash at any moment leaves each change whole or absent, and the chain verifiable. Hashing, the long part, runs
 * before the transaction: an interrupted {@code add} or {@code verify} has recorded nothing and simply runs again.</li>
 * <li>A new case is built as {@code case-creating.mv.db} and renamed to {@code case.mv.db} once complete: a folder
 * never holds half a case; a leftover is removed by the next {@code create}.</li>
 * <li>The mirror is appended after the commit; one left behind by a crash (a line short, or torn) is completed from
 * the database when the case is next opened. A mirror that is not a prefix of the log is left as it is.</li>
 * </ul>
 */
public final class Case implements AutoCloseable {
	public static final String DB_NAME = "case";
	public static final String DB_FILE = DB_NAME + ".mv.db";
	public static final String CUSTODY_TEXT = "custody.log";
	/** The database of a case being created, renamed to {@link #DB_FILE} when complete. */
	static final String CREATING_NAME = "case-creating";
	/**
	 * The empty case database (the schema, no rows) shipped beside this class, made by {@link #writeTemplate}: a new case
	 * starts as a copy of it, so creating one runs no DDL (H2's CREATE TABLEs, with the secure-random seeding of their
	 * identity columns, were a fifth of {@code case new}). CaseTemplateTest checks it against {@link #SCHEMA}.
	 */
	public static final String TEMPLATE = "case-template";
	/** The tables of a case, as {@link #writeTemplate} makes them and every open of an older case checks. */
	private static final List<String> SCHEMA = List.of("CREATE TABLE IF NOT EXISTS case_info(k VARCHAR PRIMARY KEY, v VARCHAR)",
			"CREATE TABLE IF NOT EXISTS evidence(id BIGINT AUTO_INCREMENT PRIMARY KEY, path VARCHAR NOT NULL UNIQUE,"
					+ " size BIGINT NOT NULL, format VARCHAR NOT NULL, sha256 VARCHAR(64), added_at VARCHAR NOT NULL,"
					+ " status VARCHAR NOT NULL, verified_at VARCHAR)",
			"CREATE TABLE IF NOT EXISTS bookmark(id BIGINT AUTO_INCREMENT PRIMARY KEY, view VARCHAR NOT NULL, path VARCHAR NOT NULL,"
					+ " instant VARCHAR, range_offset BIGINT NOT NULL, range_length BIGINT NOT NULL, note VARCHAR NOT NULL, created_at VARCHAR NOT NULL)",
			"CREATE TABLE IF NOT EXISTS custody(seq BIGINT PRIMARY KEY, at VARCHAR NOT NULL, actor VARCHAR NOT NULL,"
					+ " action VARCHAR NOT NULL, detail VARCHAR NOT NULL, prev_hash VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL)");

	private static volatile String program = "a Java program";

	private final Path dir;
	/** The database's file (the case's, or the one being created). */
	private final Path dbFile;
	private final Connection db;
	private final CaseLock lock;
	private final String actor;

	private Case(Path dir, Path dbFile, Connection db, CaseLock lock) {
		this.dir = dir;
		this.dbFile = dbFile;
		this.db = db;
		this.lock = lock;
		this.actor = System.getProperty("user.name", "unknown");
	}

	/** What this process is, as another process trying to open a case this one holds is told (e.g. "./cacheshadow case add"). */
	public static void setProgram(String name) {
		program = name;
	}

	public static boolean isCase(Path dir) {
		return Files.isRegularFile(dir.resolve(DB_FILE));
	}

	/** Creates a new case folder (it may exist, but must not hold a case yet) and opens it. */
	public static Case create(Path dir, String name) throws IOException {
		dir = dir.toAbsolutePath().normalize();
		Files.createDirectories(dir);
		CaseLock lock = CaseLock.acquire(dir, program);
		try {
			build(dir, name);
			return openLocked(dir, lock);
		} catch (IOException | RuntimeException e) {
			lock.close();
			throw e;
		}
	}

	/**
	 * Creates a new case as {@link #create} does and leaves it closed; its name. For a command that only creates the
	 * case: when this returns, the case is on disk, whole (renamed into place and the folder forced), its mirror
	 * written; the database is not opened a second time.
	 */
	public static String createClosed(Path dir, String name) throws IOException {
		dir = dir.toAbsolutePath().normalize();
		Files.createDirectories(dir);
		try (CaseLock lock = CaseLock.acquire(dir, program)) {
			return build(dir, name);
		}
	}

	/**
	 * Builds the case's database as {@link #CREATING_NAME}, renames it to {@link #DB_FILE} once complete and writes the
	 * mirror; the case's name. The caller holds the case's lock.
	 */
	private static String build(Path dir, String name) throws IOException {
		if (isCase(dir)) throw new CaseException(dir + ": already holds a case");
		if (Files.exists(dir.resolve(CUSTODY_TEXT))) {
			throw new CaseException(dir + ": holds a " + CUSTODY_TEXT + " but no case database (" + DB_FILE + "); move it away or choose another folder");
		}
		removeCreating(dir);
		String caseName = name == null || name.isBlank() ? dir.getFileName().toString() : name;
		List<CustodyEntry> log;
		Path creating = dir.resolve(CREATING_NAME + ".mv.db");
		try (InputStream template = Case.class.getResourceAsStream(TEMPLATE + ".mv.db")) {
			if (template == null) throw new CaseException(dir + ": cannot create the case: " + TEMPLATE + ".mv.db is missing from this build");
			Files.copy(template, creating); // not forced: SHUTDOWN forces the whole file
		}
		try (Connection c = connect(dir, CREATING_NAME)) {
			Case building = new Case(dir, creating, c, null);
			Path d = dir;
			building.transaction((s, custody) -> {
				building.setInfo("name", caseName);
				building.setInfo("created", now().toString());
				building.setInfo("format", "1");
				custody.add("case-created", "case \"" + caseName + "\" in " + d);
				return null;
			});
			log = building.custodyLog();
			try (Statement s = c.createStatement()) {
				s.execute("SHUTDOWN");
			}
		} catch (SQLException e) {
			throw new CaseException(dir + ": cannot create the case database (" + firstLine(e.getMessage()) + ")");
		}
		Files.move(creating, dir.resolve(DB_FILE), StandardCopyOption.ATOMIC_MOVE);
		AtomicFile.forceDirectory(dir);
		removeCreating(dir);
		// the mirror once the database is the case's (a custody.log beside no case would stop the next create); a crash
		// before it is written leaves it to be completed when the case is next opened
		completeMirror(dir, log);
		return caseName;
	}

	/** Removes what an interrupted {@link #create} left: a database that never became the case's. */
	private static void removeCreating(Path dir) throws IOException {
		try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, CREATING_NAME + ".*")) {
			for (Path p : ds) Files.deleteIfExists(p);
		}
	}

	public static Case open(Path dir) throws IOException {
		dir = dir.toAbsolutePath().normalize();
		Path creating = dir.resolve(CREATING_NAME + ".mv.db");
		if (!isCase(dir) && !Files.exists(creating)) throw new CaseException(dir + ": not a case folder (no " + DB_FILE + ")");
		CaseLock lock = CaseLock.acquire(dir, program); // first: a case being created says so here
		try {
			if (!isCase(dir)) throw new CaseException(dir + ": creating the case was interrupted; create it again (case new)");
			return openLocked(dir, lock);
		} catch (IOException | RuntimeException e) {
			lock.close();
			throw e;
		}
	}

	private static Case openLocked(Path dir, CaseLock lock) throws IOException {
		Case c = new Case(dir, dir.resolve(DB_FILE), connect(dir, DB_NAME + (lock.readOnly() ? ";ACCESS_MODE_DATA=r" : "")), lock);
		try {
			if (!lock.readOnly()) c.createSchema();
			lock.name(c.name());
			if (!lock.readOnly()) completeMirror(dir, c.custodyLog());
		} catch (IOException | RuntimeException e) {
			c.closeDatabase();
			throw e;
		}
		return c;
	}

	private static Connection connect(Path dir, String dbName) throws CaseException {
		Properties p = new Properties();
		p.setProperty("user", "cacheshadow");
		p.setProperty("password", "");
		// What the kill loop (releng/crash-loop.sh, its dense "transactions" workload) found of H2 2.5's MVStore under
		// kill -9, and how each is kept off:
		// - WRITE_DELAY=0: a commit is written before it returns; by default it is written up to half a second later by
		//   a background writer (a kill in between lost it), which beside a compacting CHECKPOINT also made the store
		//   fail once with an internal NullPointerException and, in a long run, lose chunks ("Chunk 770 not found").
		// - REUSE_SPACE=FALSE: every chunk is appended at the end of the file, where reopening looks for the newest one;
		//   with free space reused, a written, forced commit was now and then not found again after a kill (1 in 60-160
		//   kills: the last entries gone, with or without compaction).
		// - MAX_COMPACT_TIME=0: no compaction that moves chunks in place when closing; the file is compacted by a copy
		//   renamed over it instead (closeDatabase).
		String url = "jdbc:h2:file:" + dir.resolve(dbName) + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;REUSE_SPACE=FALSE;MAX_COMPACT_TIME=0";
		try {
			// the driver is called directly: DriverManager does not see bundle class loaders under OSGi
			Connection c = new org.h2.Driver().connect(url, p);
			c.setAutoCommit(true);
			return c;
		} catch (SQLException e) {
			// case.lock is ours; a database locked all the same is open in a program that does not take it
			if (e.getErrorCode() == ErrorCode.DATABASE_ALREADY_OPEN_1) {
				throw new CaseException(dir + ": the case database is open in another program (one that does not take " + CaseLock.FILE + ")");
			}
			throw new CaseException(dir + ": cannot open the case database (" + firstLine(e.getMessage()) + ")");
		}
	}

	private void createSchema() throws CaseException {
		sql(s -> {
			for (String table : SCHEMA) s.execute(table);
			return null;
		});
	}

	/**
	 * Writes an empty case database, the schema and no rows, as {@code dir/}{@value #TEMPLATE}{@code .mv.db}: how the
	 * template shipped with this class is made (bundles/cacheshadow.cases/src/cacheshadow/cases/).
	 */
	public static void writeTemplate(Path dir) throws IOException {
		try (Connection c = connect(dir, TEMPLATE); Statement s = c.createStatement()) {
			for (String table : SCHEMA) s.execute(table);
			s.execute("SHUTDOWN COMPACT");
		} catch (SQLException e) {
			throw new CaseException(dir + ": cannot write the empty case database (" + firstLine(e.getMessage()) + ")");
		}
	}

	public Path dir() {
		return dir;
	}

	/** Whether the case lies on a read-only file system (archived media): it can be read and verified, nothing recorded. */
	public boolean readOnly() {
		return lock != null && lock.readOnly();
	}

	public String name() throws CaseException {
		return info("name");
	}

	/**
	 * Registers an evidence file: format from its content, size, SHA-256 (with progress); logged in custody. The file
	 * is hashed first and registered in one transaction with both custody entries, so an interrupted add leaves
	 * nothing behind. A file an older version left registered without a hash is hashed now. An EWF acquisition in
	 * several segment files is registered by its first: its size and SHA-256 are those of all its segment files read
	 * in order ({@code cat disk.E?? | sha256sum}), and each segment's own size and SHA-256 is one custody entry
	 * ({@code evidence-segment}), so every file received is fixed; a later segment alone is refused. (The MD5 the
	 * acquisition stores is over the acquired media, not the files: {@code ewfverify} checks that.)
	 */
	public EvidenceItem addEvidence(Path file, Progress progress) throws IOException {
		Path abs = file.toAbsolutePath().normalize();
		if (!Files.isRegularFile(abs)) throw new EvidenceFormatException(abs, Files.exists(abs) ? "not a regular file" : "no such file");
		if (!Files.isReadable(abs)) throw new EvidenceFormatException(abs, "permission denied");
		String path = abs.toString();
		registered(path); // refuses one already registered before it is hashed again
		EvidenceFormat format = EvidenceFormat.detect(abs);
		List<Path> files = files(abs, format);
		int segment = format == EvidenceFormat.EWF ? EwfLayer.segmentNumber(abs) : -1;
		if (segment > 1) {
			throw new EvidenceFormatException(abs, "segment " + segment + " of an EWF acquisition: add its first segment file (.E01), which registers all of them");
		}
		long[] sizes = new long[files.size()];
		long total = 0;
		for (int i = 0; i < sizes.length; i++) total += sizes[i] = Files.size(files.get(i));
		long size = total;
		Instant at = now();
		EvidenceHasher.Digests digests = EvidenceHasher.sha256(files, progress);
		String sha = digests.whole();
		long id = transaction((s, custody) -> {
			EvidenceItem e = registered(path);
			if (e != null) { // registered by an older version that was stopped before it could hash it
				try (PreparedStatement ps = db.prepareStatement("UPDATE evidence SET sha256=? WHERE id=?")) {
					ps.setString(1, sha);
					ps.setLong(2, e.id());
					ps.executeUpdate();
				}
				segments(custody, e.id(), files, sizes, digests);
				custody.add("evidence-hashed", "#" + e.id() + " sha256=" + sha + of(files));
				return e.id();
			}
			long k = insertEvidence(path, size, format, sha, at);
			custody.add("evidence-added", "#" + k + " " + path + " (" + format.label() + ", " + size + " bytes" + (files.size() > 1 ? " in " + files.size() + " segment files" : "") + ")");
			segments(custody, k, files, sizes, digests);
			custody.add("evidence-hashed", "#" + k + " sha256=" + sha + of(files));
			return k;
		});
		return get(id);
	}

	/**
	 * Registers evidence at {@code location}: a local file ({@link #addEvidence(Path, Progress)}), or a write journal
	 * in HDFS by its {@code webhdfs://} URL ({@link #addHdfsJournal}).
	 */
	public EvidenceItem addEvidence(String location, Progress progress) throws IOException {
		return WebHdfs.isUrl(location) ? addHdfsJournal(location) : addEvidence(Path.of(location), progress);
	}

	/**
	 * Registers a write journal that stays in HDFS, read in place by the timeline. It is pinned by what HDFS proves
	 * without the journal crossing the network: its length and HDFS's file checksum (GETFILECHECKSUM, over the CRCs
	 * the data nodes keep of every block), held where a local file's SHA-256 is and named as such in the custody log;
	 * {@link #verify} asks HDFS for both again. Only journals: a disk or a snapshot is read whole and is added as a file.
	 */
	private EvidenceItem addHdfsJournal(String url) throws IOException {
		WebHdfs remote = webHdfs(url);
		registered(url);
		HdfsPin pin = HdfsPin.of(remote);
		if (pin.format().kind() != EvidenceFormat.Kind.JOURNAL) {
			throw new EvidenceFormatException(url, pin.format().label() + ": only a write journal is added by URL (it is read in place); copy other evidence here and add the file");
		}
		Instant at = now();
		long id = transaction((s, custody) -> {
			long k = insertEvidence(url, pin.length(), pin.format(), pin.checksum().bytes(), at);
			custody.add("evidence-added", "#" + k + " " + url + " (" + pin.format().label() + ", " + pin.length() + " bytes, in HDFS: read in place, not copied)");
			custody.add("evidence-pinned", "#" + k + " " + pin);
			return k;
		});
		return get(id);
	}

	/** A new evidence row, hashed (or pinned) when added; its id. */
	private long insertEvidence(String path, long size, EvidenceFormat format, String pin, Instant at) throws SQLException {
		try (PreparedStatement ps = db.prepareStatement(
				"INSERT INTO evidence(path, size, format, sha256, added_at, status) VALUES (?,?,?,?,?,?)", Statement.RETURN_GENERATED_KEYS)) {
			ps.setString(1, path);
			ps.setLong(2, size);
			ps.setString(3, format.name());
			ps.setString(4, pin);
			ps.setString(5, at.toString());
			ps.setString(6, EvidenceItem.Status.HASHED.name());
			ps.executeUpdate();
			try (ResultSet r = ps.getGeneratedKeys()) {
				r.next();
				return r.getLong(1);
			}
		}
	}

	/**
	 * What pins {@code e} now, to set beside what was recorded: a file's SHA-256 (read again, with progress), or for a
	 * journal in HDFS HDFS's file checksum (asked again, nothing downloaded).
	 */
	public static String pinNow(EvidenceItem e, Progress progress) throws IOException {
		return e.inHdfs() ? HdfsPin.of(webHdfs(e.path())).checksum().bytes() : EvidenceHasher.sha256(Path.of(e.path()), progress);
	}

	private static WebHdfs webHdfs(String url) throws CaseException {
		try {
			return WebHdfs.of(url);
		} catch (IllegalArgumentException e) {
			throw new CaseException(e.getMessage());
		}
	}

	/** The files of the evidence at {@code file}: an EWF acquisition's segment files in order, else the file itself. */
	private static List<Path> files(Path file, EvidenceFormat format) throws IOException {
		return format == EvidenceFormat.EWF ? EwfLayer.segmentFiles(file) : List.of(file);
	}

	/** What a hash of several files is over, for its custody entry. */
	private static String of(List<Path> files) {
		return files.size() > 1 ? " (of its " + files.size() + " segment files in order)" : "";
	}

	/** One custody entry per segment file of a multi-file acquisition: its path, size and SHA-256. */
	private static void segments(Custody custody, long id, List<Path> files, long[] sizes, EvidenceHasher.Digests digests) throws SQLException {
		if (files.size() < 2) return;
		for (int i = 0; i < files.size(); i++) {
			custody.add("evidence-segment", "#" + id + " " + (i + 1) + "/" + files.size() + " " + files.get(i) + " " + sizes[i] + " bytes sha256=" + digests.each().get(i));
		}
	}

	/** The evidence registered at {@code path} without a hash, or null if none; an exception if it is there with one. */
	private EvidenceItem registered(String path) throws CaseException {
		for (EvidenceItem e : evidence()) {
			if (!e.path().equals(path)) continue;
			if (e.sha256() != null) throw new CaseException(path + ": already in the case as evidence #" + e.id());
			return e;
		}
		return null;
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
		try {
			// a file's absolute path, as add registers it (no NUL, a folder above it): verify and the analyses open it
			// there; or a journal's WebHDFS URL
			if (WebHdfs.isUrl(r.getString(2))) WebHdfs.of(r.getString(2));
			else {
				Path p = Path.of(r.getString(2));
				if (!p.isAbsolute() || p.getParent() == null) throw new IllegalArgumentException("path " + p + " is not a file's absolute path");
			}
			return new EvidenceItem(r.getLong(1), r.getString(2), r.getLong(3), EvidenceFormat.valueOf(r.getString(4)),
					r.getString(5), Instant.parse(r.getString(6)), EvidenceItem.Status.valueOf(r.getString(7)),
					v == null ? null : Instant.parse(v));
		} catch (RuntimeException e) {
			throw damaged("evidence #" + r.getLong(1), e);
		}
	}

	/**
	 * A row whose values this program never writes (a time that does not parse, an unknown format or status, a path
	 * with a NUL, a bookmark's negative range): the database was damaged or edited. Said in one line as a database
	 * error, never an internal one.
	 */
	private static SQLException damaged(String row, RuntimeException e) {
		return new SQLException(row + " is damaged (" + e.getMessage() + ")", e);
	}

	/**
	 * Re-hashes every evidence file and checks the custody chain; records the outcome (status per item, and a
	 * custody entry) in one transaction, so an interrupted verification records nothing. Mismatches are reported,
	 * never repaired.
	 */
	public VerificationReport verify(Progress progress) throws IOException {
		long[] broken = { -1 };
		String chainProblem = checkChain(broken);
		List<VerificationReport.Item> items = new ArrayList<>();
		List<Instant> times = new ArrayList<>();
		for (EvidenceItem e : evidence()) {
			if (e.inHdfs()) {
				items.add(verifyHdfs(e));
				times.add(now());
				continue;
			}
			Path p = Path.of(e.path());
			String actual = null;
			EvidenceItem.Status st;
			String problem = null;
			try {
				List<Path> files = Files.isRegularFile(p) ? files(p, e.format()) : List.of(p);
				actual = EvidenceHasher.sha256(files, progress).whole();
				st = actual.equals(e.sha256()) ? EvidenceItem.Status.VERIFIED : EvidenceItem.Status.MISMATCH;
				if (e.sha256() == null) problem = "no SHA-256 was recorded when it was added (that was interrupted); add it again";
				else if (st == EvidenceItem.Status.MISMATCH) {
					problem = "SHA-256" + of(files) + " differs from the one recorded when it was added"
							+ (e.format() == EvidenceFormat.EWF ? " (a segment file changed, went missing or was added: its evidence-segment entries name each as added)" : "");
				}
			} catch (IOException ex) {
				st = EvidenceItem.Status.MISSING;
				problem = ex.getMessage();
			}
			items.add(new VerificationReport.Item(e, actual, st, problem));
			times.add(now());
		}
		VerificationReport report = new VerificationReport(items, broken[0], chainProblem);
		long bad = items.stream().filter(i -> i.status() != EvidenceItem.Status.VERIFIED).count();
		if (readOnly()) return report; // nothing can be recorded on read-only media; the report is the outcome
		transaction((s, custody) -> {
			try (PreparedStatement ps = db.prepareStatement("UPDATE evidence SET status=?, verified_at=? WHERE id=?")) {
				for (int i = 0; i < items.size(); i++) {
					ps.setString(1, items.get(i).status().name());
					ps.setString(2, times.get(i).toString());
					ps.setLong(3, items.get(i).evidence().id());
					ps.executeUpdate();
				}
			}
			custody.add("verified", items.size() + " evidence item(s), " + bad + " failed; custody chain "
					+ (broken[0] < 0 ? "intact" : "BROKEN at entry " + broken[0]));
			return null;
		});
		return report;
	}

	/** A journal in HDFS checked by what pinned it: its length and HDFS's file checksum, asked again. */
	private static VerificationReport.Item verifyHdfs(EvidenceItem e) {
		try {
			HdfsPin now = HdfsPin.of(WebHdfs.of(e.path()));
			String problem = null;
			if (now.length() != e.size()) problem = "its length in HDFS is " + now.length() + " bytes, " + e.size() + " when it was added";
			else if (!now.checksum().bytes().equals(e.sha256())) {
				problem = "HDFS's file checksum (" + now.checksum().algorithm() + ") differs from the one recorded when it was added";
			}
			return new VerificationReport.Item(e, now.checksum().bytes(), problem == null ? EvidenceItem.Status.VERIFIED : EvidenceItem.Status.MISMATCH, problem);
		} catch (IOException | IllegalArgumentException ex) {
			return new VerificationReport.Item(e, null, EvidenceItem.Status.MISSING, ex.getMessage());
		}
	}

	/** Returns null if the chain holds, else the problem; {@code brokenAt[0]} gets the first bad sequence number. */
	private String checkChain(long[] brokenAt) throws CaseException {
		String prev = CustodyEntry.GENESIS;
		long expectSeq = 1;
		List<CustodyEntry> log = custodyLog();
		for (CustodyEntry e : log) {
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
		return mirrorProblem(log, brokenAt);
	}

	/**
	 * The text mirror as a witness of the database: each entry is appended to it only once its transaction is on disk,
	 * so a mirror holding entries the database lacks means the database lost entries it had committed (restored from
	 * an older state, or rolled back by a damaged store). A mirror that is short is completed on open, not a problem.
	 */
	private String mirrorProblem(List<CustodyEntry> log, long[] brokenAt) throws CaseException {
		Path f = dir.resolve(CUSTODY_TEXT);
		List<String> have;
		try {
			if (!Files.exists(f)) return null;
			have = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).lines().toList();
		} catch (IOException e) {
			throw new CaseException(f + ": cannot read (" + e.getMessage() + ")");
		}
		for (int i = 0; i < have.size(); i++) {
			if (i >= log.size()) {
				brokenAt[0] = i + 1;
				return CUSTODY_TEXT + " holds " + (have.size() - i) + " entries from " + (i + 1) + " on that the database lacks: the database lost entries it had committed";
			}
			String want = mirrorLine(log.get(i));
			if (!have.get(i).equals(want.substring(0, want.length() - 1)) && !(i == have.size() - 1 && want.startsWith(have.get(i)))) {
				brokenAt[0] = i + 1;
				return CUSTODY_TEXT + " differs from the database at entry " + (i + 1) + " (edited, or the database's entry replaced)";
			}
		}
		return null;
	}

	public List<CustodyEntry> custodyLog() throws CaseException {
		return sql(s -> {
			List<CustodyEntry> out = new ArrayList<>();
			try (ResultSet r = s.executeQuery("SELECT seq, at, actor, action, detail, prev_hash, hash FROM custody ORDER BY seq")) {
				while (r.next()) {
					try {
						out.add(new CustodyEntry(r.getLong(1), Instant.parse(r.getString(2)), r.getString(3), r.getString(4),
								r.getString(5), r.getString(6), r.getString(7)));
					} catch (RuntimeException e) {
						throw damaged("custody entry " + r.getLong(1), e);
					}
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
	public CustodyEntry appendCustody(String action, String detail) throws CaseException {
		return transaction((s, custody) -> custody.add(action, detail));
	}

	/** Adds custody entries inside a {@link #transaction}. */
	private interface Custody {
		CustodyEntry add(String action, String detail) throws SQLException;
	}

	private interface TxWork<T> {
		T run(Statement s, Custody custody) throws SQLException, CaseException;
	}

	/**
	 * Runs {@code work} as one transaction, with the custody entries it adds; the commit is written before it returns
	 * (WRITE_DELAY=0) and the database file forced to stable storage, then the entries are appended to the mirror.
	 * Synchronized: the chain is extended by one writer at a time.
	 */
	private synchronized <T> T transaction(TxWork<T> work) throws CaseException {
		if (readOnly()) throw new CaseException(dir + ": the case is on a read-only file system: nothing can be recorded there (copy the folder to work on it)");
		List<CustodyEntry> added = new ArrayList<>();
		T result;
		try {
			db.setAutoCommit(false);
			try (Statement s = db.createStatement()) {
				result = work.run(s, (action, detail) -> {
					CustodyEntry e = nextCustody(s, action, detail);
					added.add(e);
					return e;
				});
				db.commit();
			} catch (SQLException | CaseException | RuntimeException e) {
				try {
					db.rollback();
				} catch (SQLException ignored) {
					// the connection is gone: nothing of this transaction was committed
				}
				throw e;
			} finally {
				db.setAutoCommit(true);
			}
		} catch (SQLException e) {
			throw new CaseException(dir + ": case database error (" + firstLine(e.getMessage()) + ")");
		}
		// a case being created is forced by its SHUTDOWN before it is renamed to be the case's, and writes its mirror then
		if (lock == null) return result;
		// written by the commit; forced to stable storage here (a power cut, not only a kill, keeps it)
		try (FileChannel f = FileChannel.open(dbFile, StandardOpenOption.READ)) {
			f.force(true);
		} catch (IOException e) {
			throw new CaseException(dbFile + ": cannot force the committed change to disk (" + e.getMessage() + ")");
		}
		appendMirror(added);
		return result;
	}

	/** Inserts the next link of the chain (in the caller's transaction). */
	private CustodyEntry nextCustody(Statement s, String action, String detail) throws SQLException {
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
	}

	private void appendMirror(List<CustodyEntry> entries) throws CaseException {
		if (entries.isEmpty()) return;
		StringBuilder sb = new StringBuilder();
		for (CustodyEntry e : entries) sb.append(mirrorLine(e));
		try (Writer w = Files.newBufferedWriter(dir.resolve(CUSTODY_TEXT), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
				StandardOpenOption.APPEND)) {
			w.write(sb.toString());
		} catch (IOException e) {
			throw new CaseException(dir.resolve(CUSTODY_TEXT) + ": cannot append (" + e.getMessage() + ")");
		}
	}

	private static String mirrorLine(CustodyEntry e) {
		return e.seq() + "\t" + e.at() + "\t" + oneField(e.actor()) + "\t" + oneField(e.action()) + "\t" + oneField(e.detail()) + "\t" + e.hash() + "\n";
	}

	/**
	 * Completes the mirror from {@code log}, the database's, when a crash left it short (entries committed, not yet
	 * appended), torn in its last line or not yet written: it is then a prefix of what it should be, and is rewritten
	 * whole ({@link AtomicFile}). A mirror that differs otherwise was changed by someone else and is left for the
	 * examiner to see.
	 */
	private static void completeMirror(Path dir, List<CustodyEntry> log) throws CaseException {
		Path f = dir.resolve(CUSTODY_TEXT);
		StringBuilder sb = new StringBuilder();
		for (CustodyEntry e : log) sb.append(mirrorLine(e));
		byte[] want = sb.toString().getBytes(StandardCharsets.UTF_8);
		try {
			byte[] have = Files.exists(f) ? Files.readAllBytes(f) : new byte[0];
			if (have.length >= want.length || !Arrays.equals(have, 0, have.length, want, 0, have.length)) return;
			AtomicFile.writeText(f, w -> w.write(sb.toString()));
		} catch (IOException e) {
			throw new CaseException(f + ": cannot complete the custody log's text (" + e.getMessage() + ")");
		}
	}

	/** Saves a bookmark (its id and time are assigned here); logged in custody, in the same transaction. */
	public Bookmark addBookmark(String view, String path, String instant, long offset, long length, String note) throws CaseException {
		Instant at = now();
		Bookmark draft = new Bookmark(0, view, path, instant, offset, length, note, at); // validates
		return transaction((s, custody) -> {
			long id;
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
					id = k.getLong(1);
				}
			}
			Bookmark b = new Bookmark(id, view, path, instant, offset, length, draft.note(), at);
			custody.add("bookmark-added", "#" + id + " " + b.describe());
			return b;
		});
	}

	/** Replaces a bookmark's note; logged in custody with the old and the new note. */
	public Bookmark updateBookmarkNote(long id, String note) throws CaseException {
		String n = note == null ? "" : note;
		transaction((s, custody) -> {
			Bookmark old = bookmark(id);
			try (PreparedStatement p = db.prepareStatement("UPDATE bookmark SET note = ? WHERE id = ?")) {
				p.setString(1, n);
				p.setLong(2, id);
				p.executeUpdate();
			}
			custody.add("bookmark-changed", "#" + id + " note \"" + old.note() + "\" -> \"" + n + "\"");
			return null;
		});
		return bookmark(id);
	}

	/** Removes a bookmark; logged in custody with what it was. */
	public void removeBookmark(long id) throws CaseException {
		transaction((s, custody) -> {
			Bookmark old = bookmark(id);
			try (PreparedStatement p = db.prepareStatement("DELETE FROM bookmark WHERE id = ?")) {
				p.setLong(1, id);
				p.executeUpdate();
			}
			custody.add("bookmark-removed", "#" + id + " " + old.describe());
			return null;
		});
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
		try {
			return new Bookmark(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getLong(5), r.getLong(6), r.getString(7),
					Instant.parse(r.getString(8)));
		} catch (RuntimeException e) {
			throw damaged("bookmark #" + r.getLong(1), e);
		}
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
		closeDatabase();
		lock.close();
	}

	/** Size past which closing compacts the database: chunks are only appended (REUSE_SPACE=FALSE), ~14 KiB a commit. */
	private static final long COMPACT_ABOVE = 256 << 10;

	private void closeDatabase() {
		try {
			// SHUTDOWN COMPACT copies the live data to case.mv.db.tempFile and renames it over the file; a kill before the
			// rename leaves the old file whole (H2 removes the leftover when it next opens it)
			if (!readOnly() && Files.size(dbFile) > COMPACT_ABOVE) {
				try (Statement s = db.createStatement()) {
					s.execute("SHUTDOWN COMPACT");
				}
			}
		} catch (IOException | SQLException e) {
			// left as it is: compacted when next closed
		}
		try {
			db.close();
		} catch (SQLException e) {
			// every change was committed and forced when it was made: nothing is left to save
		}
	}
}
