package cacheshadow.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The catalogue of journals (H2, embedded): which journals exist for which machine, their named instants (flushes,
 * marks, sidecar events) and their writes per second, so a workbench or CLI can find "the disk of machine M at time
 * T" across many journals without opening them. The block → versions data stays in each journal's compact index file
 * ({@link MappedBlockVersionStore}); the catalogue only records where it is.
 */
public final class JournalCatalogue implements AutoCloseable {
	/** One registered journal. */
	public record Entry(long id, String machine, String path, String format, int sectorSize, int entries, long validBytes, int fingerprint,
			String damage, String indexPath, String timelinePath, long firstNanos, long lastNanos) {
	}

	private final Connection db;

	private JournalCatalogue(Connection db) throws SQLException {
		this.db = db;
		try (Statement s = db.createStatement()) {
			s.execute("CREATE TABLE IF NOT EXISTS journal(id BIGINT AUTO_INCREMENT PRIMARY KEY, machine VARCHAR NOT NULL, path VARCHAR NOT NULL, "
					+ "format VARCHAR NOT NULL, sector_size INT NOT NULL, entries INT NOT NULL, valid_bytes BIGINT NOT NULL, fingerprint INT NOT NULL, "
					+ "damage VARCHAR, index_path VARCHAR, timeline_path VARCHAR, first_nanos BIGINT, last_nanos BIGINT, UNIQUE(machine, path))");
			s.execute("CREATE TABLE IF NOT EXISTS instant(journal_id BIGINT NOT NULL REFERENCES journal(id) ON DELETE CASCADE, name VARCHAR NOT NULL, "
					+ "kind VARCHAR NOT NULL, entry_count INT NOT NULL, epoch_nanos BIGINT, time_quality VARCHAR NOT NULL, label VARCHAR)");
			s.execute("CREATE INDEX IF NOT EXISTS instant_time ON instant(journal_id, epoch_nanos)");
			s.execute("CREATE TABLE IF NOT EXISTS rate(journal_id BIGINT NOT NULL REFERENCES journal(id) ON DELETE CASCADE, epoch_second BIGINT NOT NULL, "
					+ "writes INT NOT NULL, bytes BIGINT NOT NULL, PRIMARY KEY(journal_id, epoch_second))");
		}
	}

	/** Opens (or creates) the catalogue database {@code file} ({@code file.mv.db} on disk). */
	public static JournalCatalogue open(Path file) throws IOException {
		return connect("jdbc:h2:file:" + file.toAbsolutePath());
	}

	/** A private in-memory catalogue (tests, one-shot CLI runs). */
	public static JournalCatalogue inMemory(String name) throws IOException {
		return connect("jdbc:h2:mem:" + name);
	}

	private static JournalCatalogue connect(String url) throws IOException {
		try {
			// The driver class directly, not DriverManager: works inside OSGi without service lookups.
			Connection c = org.h2.Driver.load().connect(url, new Properties());
			return new JournalCatalogue(c);
		} catch (SQLException e) {
			throw new IOException("journal catalogue " + url + ": " + e.getMessage(), e);
		}
	}

	/**
	 * Registers {@code log} for {@code machine} with its instants and writes per second; a journal already registered
	 * under the same machine and path is replaced. Returns its id.
	 */
	public long register(String machine, WriteLog log, Timeline timeline, Path indexFile) throws IOException {
		TimelineSummary s = TimelineSummary.of(log, timeline);
		String format = log instanceof TimestampedJournal ? "cacheshadow" : "dm-log-writes";
		try {
			db.setAutoCommit(false);
			try (PreparedStatement del = db.prepareStatement("DELETE FROM journal WHERE machine = ? AND path = ?")) {
				del.setString(1, machine);
				del.setString(2, log.name());
				del.executeUpdate();
			}
			long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
			for (TimelineSummary.Rate r : s.perSecond()) {
				first = Math.min(first, r.epochSecond() * 1_000_000_000L);
				last = Math.max(last, r.epochSecond() * 1_000_000_000L + 999_999_999L);
			}
			long id;
			try (PreparedStatement ins = db.prepareStatement("INSERT INTO journal(machine, path, format, sector_size, entries, valid_bytes, fingerprint, "
					+ "damage, index_path, timeline_path, first_nanos, last_nanos) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", Statement.RETURN_GENERATED_KEYS)) {
				ins.setString(1, machine);
				ins.setString(2, log.name());
				ins.setString(3, format);
				ins.setInt(4, log.sectorSize());
				ins.setInt(5, log.entryCount());
				ins.setLong(6, log.validBytes());
				ins.setInt(7, MappedBlockVersionStore.fingerprint(log));
				ins.setString(8, log.damage().map(LogDamage::message).orElse(null));
				ins.setString(9, indexFile == null ? null : indexFile.toString());
				ins.setString(10, timeline == null ? null : timeline.source());
				if (first == Long.MAX_VALUE) {
					ins.setNull(11, java.sql.Types.BIGINT);
					ins.setNull(12, java.sql.Types.BIGINT);
				} else {
					ins.setLong(11, first);
					ins.setLong(12, last);
				}
				ins.executeUpdate();
				try (ResultSet k = ins.getGeneratedKeys()) {
					k.next();
					id = k.getLong(1);
				}
			}
			try (PreparedStatement ins = db.prepareStatement("INSERT INTO instant(journal_id, name, kind, entry_count, epoch_nanos, time_quality, label) VALUES (?,?,?,?,?,?,?)")) {
				addInstants(ins, id, "flush", s.flushes());
				addInstants(ins, id, "mark", s.marks());
				addInstants(ins, id, "event", s.events());
				ins.executeBatch();
			}
			try (PreparedStatement ins = db.prepareStatement("INSERT INTO rate(journal_id, epoch_second, writes, bytes) VALUES (?,?,?,?)")) {
				for (TimelineSummary.Rate r : s.perSecond()) {
					ins.setLong(1, id);
					ins.setLong(2, r.epochSecond());
					ins.setInt(3, r.writes());
					ins.setLong(4, r.bytes());
					ins.addBatch();
				}
				ins.executeBatch();
			}
			db.commit();
			return id;
		} catch (SQLException e) {
			try {
				db.rollback();
			} catch (SQLException ignored) {
				// the original error is the one to report
			}
			throw new IOException("journal catalogue: cannot register " + log.name() + ": " + e.getMessage(), e);
		} finally {
			try {
				db.setAutoCommit(true);
			} catch (SQLException ignored) {
				// connection is being closed or broken; the caller sees the first error
			}
		}
	}

	private static void addInstants(PreparedStatement ins, long id, String kind, List<TimelineSummary.Point> points) throws SQLException {
		for (TimelineSummary.Point p : points) {
			ins.setLong(1, id);
			ins.setString(2, p.instant());
			ins.setString(3, kind);
			ins.setInt(4, p.entryCount());
			if (p.epochNanos() == WriteLog.NO_TIME) ins.setNull(5, java.sql.Types.BIGINT);
			else ins.setLong(5, p.epochNanos());
			ins.setString(6, p.quality().name());
			ins.setString(7, p.label());
			ins.addBatch();
		}
	}

	public List<Entry> journals() throws IOException {
		return query("SELECT * FROM journal ORDER BY machine, first_nanos, path", ps -> {
		});
	}

	/** Journals of {@code machine} whose writes span {@code epochNanos}. */
	public List<Entry> journalsAt(String machine, long epochNanos) throws IOException {
		return query("SELECT * FROM journal WHERE machine = ? AND first_nanos <= ? AND last_nanos >= ? ORDER BY first_nanos", ps -> {
			ps.setString(1, machine);
			ps.setLong(2, epochNanos);
			ps.setLong(3, epochNanos);
		});
	}

	public Optional<Entry> find(String machine, String path) throws IOException {
		return query("SELECT * FROM journal WHERE machine = ? AND path = ?", ps -> {
			ps.setString(1, machine);
			ps.setString(2, path);
		}).stream().findFirst();
	}

	/** Named instants of a journal in entry order; {@code kind} null for all ("flush", "mark", "event"). */
	public List<TimelineSummary.Point> instants(long journalId, String kind) throws IOException {
		try (PreparedStatement ps = db.prepareStatement(kind == null
				? "SELECT name, entry_count, label, epoch_nanos, time_quality FROM instant WHERE journal_id = ? ORDER BY entry_count, epoch_nanos"
				: "SELECT name, entry_count, label, epoch_nanos, time_quality FROM instant WHERE journal_id = ? AND kind = ? ORDER BY entry_count, epoch_nanos")) {
			ps.setLong(1, journalId);
			if (kind != null) ps.setString(2, kind);
			List<TimelineSummary.Point> out = new ArrayList<>();
			try (ResultSet r = ps.executeQuery()) {
				while (r.next()) {
					long t = r.getLong(4);
					if (r.wasNull()) t = WriteLog.NO_TIME;
					out.add(new TimelineSummary.Point(r.getString(1), r.getInt(2), r.getString(3), t, TimeQuality.valueOf(r.getString(5))));
				}
			}
			return out;
		} catch (SQLException e) {
			throw new IOException("journal catalogue: " + e.getMessage(), e);
		}
	}

	/** Writes per second of a journal, ascending. */
	public List<TimelineSummary.Rate> rates(long journalId) throws IOException {
		try (PreparedStatement ps = db.prepareStatement("SELECT epoch_second, writes, bytes FROM rate WHERE journal_id = ? ORDER BY epoch_second")) {
			ps.setLong(1, journalId);
			List<TimelineSummary.Rate> out = new ArrayList<>();
			try (ResultSet r = ps.executeQuery()) {
				while (r.next()) out.add(new TimelineSummary.Rate(r.getLong(1), r.getInt(2), r.getLong(3)));
			}
			return out;
		} catch (SQLException e) {
			throw new IOException("journal catalogue: " + e.getMessage(), e);
		}
	}

	private interface Binder {
		void bind(PreparedStatement ps) throws SQLException;
	}

	private List<Entry> query(String sql, Binder b) throws IOException {
		try (PreparedStatement ps = db.prepareStatement(sql)) {
			b.bind(ps);
			List<Entry> out = new ArrayList<>();
			try (ResultSet r = ps.executeQuery()) {
				while (r.next()) {
					long first = r.getLong("first_nanos");
					if (r.wasNull()) first = WriteLog.NO_TIME;
					long last = r.getLong("last_nanos");
					if (r.wasNull()) last = WriteLog.NO_TIME;
					out.add(new Entry(r.getLong("id"), r.getString("machine"), r.getString("path"), r.getString("format"), r.getInt("sector_size"),
							r.getInt("entries"), r.getLong("valid_bytes"), r.getInt("fingerprint"), r.getString("damage"), r.getString("index_path"),
							r.getString("timeline_path"), first, last));
				}
			}
			return out;
		} catch (SQLException e) {
			throw new IOException("journal catalogue: " + e.getMessage(), e);
		}
	}

	@Override
	public void close() throws IOException {
		try {
			db.close();
		} catch (SQLException e) {
			throw new IOException("journal catalogue: " + e.getMessage(), e);
		}
	}
}
