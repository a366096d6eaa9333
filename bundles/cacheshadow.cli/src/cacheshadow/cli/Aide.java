package cacheshadow.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import cacheshadow.listing.FileRecord;

/**
 * Debian's {@code aide} (the unmodified intrusion detection system) run over a directory tree that holds a guest's
 * namespace, e.g. a CacheShadow mount: the database and every check name the guest's paths ({@code /mnt/disk/...})
 * whatever host directory the tree is at ({@code root_prefix}). Each selected path and everything below it is checked
 * for {@link #ATTRIBUTES}: permissions, file type, inode number, link target, link count, owner, group, size, mtime,
 * ctime and SHA-256 — every column of the guest's own manifest but the atime, which every read moves (the guest's own
 * listing included). Extended attributes, ACLs and ext2 flags are left out: the guest's manifest has none of them.
 * {@link #differences} says what aide must report between two listings under the same rule.
 */
public final class Aide {
	/** The one attribute group of every selected path (aide.conf(5) attribute names). */
	public static final String ATTRIBUTES = "p+ftype+i+l+n+u+g+s+m+c+sha256";
	private static final long TIMEOUT_MINUTES = 10;

	private final Path work, database;
	private final List<String> selection;

	/**
	 * @param work      a scratch directory of this run: configuration, database and reports are written there
	 * @param selection guest paths to check, each with everything below it (e.g. {@code /mnt/disk}, {@code /mnt/tmp})
	 */
	public Aide(Path work, List<String> selection) {
		for (String s : selection) {
			if (!s.matches("(/[A-Za-z0-9._-]+)+")) throw new IllegalArgumentException("selection " + s + ": an absolute path of plain names");
		}
		this.work = work;
		this.database = work.resolve("aide.db");
		this.selection = List.copyOf(selection);
	}

	/** What a run said: exit status, entries it saw, the paths it reported, its report and its wall time. */
	public record Report(int exit, long entries, Differences differences, String text, long nanos) {
	}

	/** Paths aide reports as added, removed and changed (guest paths, sorted). */
	public record Differences(SortedSet<String> added, SortedSet<String> removed, SortedSet<String> changed) {
		public Differences {
			added = Collections.unmodifiableSortedSet(new TreeSet<>(added));
			removed = Collections.unmodifiableSortedSet(new TreeSet<>(removed));
			changed = Collections.unmodifiableSortedSet(new TreeSet<>(changed));
		}

		public boolean none() {
			return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
		}

		@Override
		public String toString() {
			return "added " + added + ", removed " + removed + ", changed " + changed;
		}
	}

	/** {@code aide --init} over the tree at {@code root}: writes this run's database. */
	public Report init(Path root) throws IOException, InterruptedException {
		Files.deleteIfExists(database);
		Report r = run("--init", root, "init");
		if (r.exit() != 0 || !Files.isRegularFile(database)) throw new IOException("aide --init on " + root + " failed (exit " + r.exit() + "): " + tail(r.text()));
		return r;
	}

	/** {@code aide --check} of the tree at {@code root} against the database {@link #init} wrote. */
	public Report check(Path root) throws IOException, InterruptedException {
		if (!Files.isRegularFile(database)) throw new IOException("no aide database yet: init first");
		Report r = run("--check", root, "check");
		// aide(1): bits 1, 2, 4 = added, removed, changed entries; 14 and above are errors
		if (r.exit() > 7) throw new IOException("aide --check on " + root + " failed (exit " + r.exit() + "): " + tail(r.text()));
		return r;
	}

	private Report run(String mode, Path root, String name) throws IOException, InterruptedException {
		String prefix = root.toAbsolutePath().normalize().toString();
		if (prefix.contains("\n")) throw new IOException("root " + prefix + ": a path with a newline");
		StringBuilder conf = new StringBuilder();
		conf.append("database_in=file:").append(database).append('\n');
		conf.append("database_out=file:").append(database).append('\n');
		conf.append("gzip_dbout=no\n");
		conf.append("database_attrs=E\n"); // no checksums of the database file itself in the report
		conf.append("root_prefix=").append(prefix).append('\n');
		conf.append("report_url=stdout\n");
		conf.append("CacheShadow = ").append(ATTRIBUTES).append('\n');
		for (String s : selection) conf.append(s.replace(".", "\\.")).append(" CacheShadow\n");
		Path confFile = work.resolve("aide-" + name + ".conf"), out = work.resolve("aide-" + name + ".txt");
		Files.writeString(confFile, conf);
		ProcessBuilder pb = new ProcessBuilder("aide", "--config", confFile.toString(), mode).redirectErrorStream(true).redirectOutput(out.toFile());
		long t0 = System.nanoTime();
		Process p;
		try {
			p = pb.start();
		} catch (IOException e) {
			throw new IOException("cannot run aide (" + e.getMessage() + "); Debian: apt-get install --no-install-recommends aide");
		}
		if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
			p.destroyForcibly().waitFor();
			throw new IOException("aide " + mode + " on " + root + " took more than " + TIMEOUT_MINUTES + " minutes; stopped");
		}
		long nanos = System.nanoTime() - t0;
		String text = Files.readString(out, StandardCharsets.UTF_8);
		return parse(p.exitValue(), text, nanos);
	}

	private static String tail(String text) {
		List<String> l = text.lines().toList();
		return String.join(" | ", l.subList(Math.max(0, l.size() - 8), l.size()));
	}

	/**
	 * Reads aide's plain report: the {@code (Total n|N)umber of entries} line and the {@code Added entries:},
	 * {@code Removed entries:} and {@code Changed entries:} sections, one {@code SUMMARY: PATH} line each.
	 */
	static Report parse(int exit, String text, long nanos) {
		Map<String, SortedSet<String>> sections = new HashMap<>();
		for (String s : List.of("Added", "Removed", "Changed")) sections.put(s + " entries:", new TreeSet<>());
		SortedSet<String> into = null;
		long entries = -1;
		for (String line : text.lines().toList()) {
			String t = line.strip();
			if (t.startsWith("Number of entries:") || t.startsWith("Total number of entries:")) {
				entries = Long.parseLong(t.substring(t.indexOf(':') + 1).strip());
			} else if (sections.containsKey(t)) {
				into = sections.get(t);
			} else if (into != null && !t.isEmpty() && !t.startsWith("---")) {
				int colon = line.indexOf(": ");
				if (colon < 0) {
					into = null; // a heading of the next part ("Detailed information about changes:")
				} else {
					into.add(line.substring(colon + 2));
				}
			}
		}
		return new Report(exit, entries, new Differences(sections.get("Added entries:"), sections.get("Removed entries:"), sections.get("Changed entries:")), text, nanos);
	}

	/**
	 * What aide with {@link #ATTRIBUTES} must report when the tree held {@code before} at {@code --init} and holds
	 * {@code after} at {@code --check} (both in the guest's manifest form), for paths at or below {@code selection}.
	 * The atime is not compared, nor a regular file's being empty or not (one file type for aide); times in seconds.
	 */
	public static Differences differences(List<FileRecord> before, List<FileRecord> after, List<String> selection) {
		Map<String, FileRecord> b = selected(before, selection), a = selected(after, selection);
		SortedSet<String> added = new TreeSet<>(), removed = new TreeSet<>(), changed = new TreeSet<>();
		for (String p : a.keySet()) if (!b.containsKey(p)) added.add(p);
		for (Map.Entry<String, FileRecord> e : b.entrySet()) {
			FileRecord x = e.getValue(), y = a.get(e.getKey());
			if (y == null) removed.add(e.getKey());
			else if (!checked(x).equals(checked(y))) changed.add(e.getKey());
		}
		return new Differences(added, removed, changed);
	}

	private static Map<String, FileRecord> selected(List<FileRecord> records, List<String> selection) {
		Map<String, FileRecord> m = new HashMap<>();
		for (FileRecord r : records) {
			for (String s : selection) {
				if (r.path().equals(s) || r.path().startsWith(s + "/")) m.put(r.path(), r);
			}
		}
		return m;
	}

	/** The values of {@link #ATTRIBUTES}, in that order. */
	private static List<Object> checked(FileRecord r) {
		List<Object> v = new ArrayList<>();
		v.add(r.permissions());
		v.add(r.type().isRegular() ? "regular" : r.type().label());
		v.add(r.inode());
		v.add(Objects.toString(r.symlinkTarget()));
		v.add(r.nlink());
		v.add(r.uid());
		v.add(r.gid());
		v.add(r.size());
		v.add(r.mtime());
		v.add(r.ctime());
		v.add(r.type().isRegular() ? Objects.toString(r.sha256()) : "");
		return v;
	}
}
