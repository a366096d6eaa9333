package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;

/** The evidence sample sets ({@code -Dcacheshadow.samples}); missing samples fail the test, never skip it. */
final class Samples {
	static final List<String> SETS = List.of("debian-6.1-kaslr", "debian-6.12-kaslr");

	private Samples() {
	}

	static Path dir(String set) {
		String p = System.getProperty("cacheshadow.samples");
		if (p == null) fail("system property cacheshadow.samples is not set (releng/samples.sh prints the directory)");
		Path d = Path.of(p, set);
		assertTrue(Files.isRegularFile(d.resolve("disk.img")), "sample set missing: " + d);
		return d;
	}

	/** Differences between two listings in manifest form, one line per path; empty when equal. */
	static List<String> diff(List<FileRecord> expected, List<FileRecord> got) {
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
