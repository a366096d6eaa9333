package cacheshadow.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;

/**
 * The decompressed evidence sample sets that every test fragment reads ({@code -Dcacheshadow.samples}, made by
 * releng/samples.sh). A missing sample fails the test, never skips it. Test fragments extend this class with a
 * {@code Samples} of their own for their extra helpers, so {@code Samples.dir(set)} reads the same everywhere.
 */
public class EvidenceSamples {
	public static final List<String> SETS = List.of("debian-6.1-kaslr", "debian-6.12-kaslr");

	protected EvidenceSamples() {
	}

	/** The directory holding the sample sets. */
	public static Path dir() {
		String p = System.getProperty("cacheshadow.samples");
		if (p == null || p.isBlank()) fail("system property cacheshadow.samples is not set (releng/samples.sh prints the directory)");
		Path d = Path.of(p);
		assertTrue(Files.isDirectory(d), "no evidence samples at " + d + " (releng/samples.sh makes them)");
		if (!EvidenceGuard.active()) EvidenceGuard.watchWithoutJUnit(d); // the guard is not registered where this runs
		return d;
	}

	public static Path dir(String set) {
		Path d = dir().resolve(set);
		assertTrue(Files.isDirectory(d), "missing sample set " + d);
		return d;
	}

	public static Path file(String set, String relative) {
		Path f = dir(set).resolve(relative);
		assertTrue(Files.isRegularFile(f), "missing sample file " + f);
		return f;
	}

	/** Every sample set present, sorted (at least one). */
	public static List<Path> sets() throws IOException {
		try (Stream<Path> s = Files.list(dir())) {
			List<Path> sets = s.filter(Files::isDirectory).sorted().toList();
			assertFalse(sets.isEmpty(), "no sample sets in " + dir());
			return sets;
		}
	}

	/** key=value lines of a set's meta.txt. */
	public static Map<String, String> meta(String set) throws IOException {
		Map<String, String> m = new HashMap<>();
		for (String l : Files.readAllLines(file(set, "meta.txt"))) {
			int eq = l.indexOf('=');
			if (eq > 0 && !l.startsWith("#")) m.put(l.substring(0, eq), l.substring(eq + 1));
		}
		return m;
	}

	/** One key of a set's meta.txt; fails when absent. */
	public static String meta(Path set, String key) throws IOException {
		String v = meta(set.getFileName().toString()).get(key);
		if (v == null) fail("meta.txt of " + set + " has no " + key);
		return v;
	}

	/** A string value of manifest.json's {@code info} object (flat string values only). */
	public static String info(String set, String key) throws IOException {
		String json = Files.readString(file(set, "manifest.json"));
		Matcher mt = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
		if (!mt.find()) fail("manifest.json of " + set + " has no info." + key);
		return mt.group(1);
	}

	public static long infoHex(String set, String key) throws IOException {
		return Long.parseUnsignedLong(info(set, key), 16);
	}

	/** SHA-256 of a file of the set as its SHA256SUMS records it. */
	public static String recordedSha(Path set, String name) throws IOException {
		for (String l : Files.readAllLines(set.resolve("SHA256SUMS"))) {
			String[] p = l.split("\\s+\\*?", 2);
			if (p.length == 2 && p[1].equals(name)) return p[0];
		}
		return fail("SHA256SUMS of " + set + " has no " + name);
	}

	/** Rows of a TSV file after its header line. */
	public static List<String[]> tsv(Path file) throws IOException {
		List<String[]> rows = new ArrayList<>();
		List<String> lines = Files.readAllLines(file);
		for (int i = 1; i < lines.size(); i++) {
			if (!lines.get(i).isEmpty()) rows.add(lines.get(i).split("\t", -1));
		}
		return rows;
	}

	/** Differences between two listings in manifest form, one entry per path; empty when equal. */
	public static List<String> diff(List<FileRecord> expected, List<FileRecord> got) {
		Map<String, String> e = lines(expected), g = lines(got);
		List<String> out = new ArrayList<>();
		for (var x : e.entrySet()) {
			String gl = g.get(x.getKey());
			if (gl == null) out.add("missing " + x.getValue());
			else if (!gl.equals(x.getValue())) out.add("expected " + x.getValue() + "\n     got " + gl);
		}
		for (var x : g.entrySet()) if (!e.containsKey(x.getKey())) out.add("extra   " + x.getValue());
		return out;
	}

	private static Map<String, String> lines(List<FileRecord> rs) {
		Map<String, String> m = new TreeMap<>(ManifestFormat.PATH_ORDER);
		for (FileRecord r : rs) m.put(r.path(), ManifestFormat.line(r, List.of()));
		return m;
	}
}
