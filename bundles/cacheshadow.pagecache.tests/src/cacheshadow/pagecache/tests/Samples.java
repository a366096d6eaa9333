package cacheshadow.pagecache.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The decompressed evidence sets ({@code -Dcacheshadow.samples}); tests fail, not skip, without them. */
public final class Samples {
	public static final List<String> SETS = List.of("debian-6.1-kaslr", "debian-6.12-kaslr");

	private Samples() {
	}

	public static Path dir(String set) {
		String root = System.getProperty("cacheshadow.samples");
		if (root == null || root.isBlank()) fail("system property cacheshadow.samples is not set (releng/samples.sh gives the directory)");
		Path d = Path.of(root, set);
		assertTrue(Files.isDirectory(d), "missing sample set " + d);
		return d;
	}

	public static Path file(String set, String relative) {
		Path f = dir(set).resolve(relative);
		assertTrue(Files.isRegularFile(f), "missing sample file " + f);
		return f;
	}

	/** key=value lines of meta.txt. */
	public static Map<String, String> meta(String set) throws IOException {
		Map<String, String> m = new HashMap<>();
		for (String l : Files.readAllLines(file(set, "meta.txt"))) {
			int eq = l.indexOf('=');
			if (eq > 0 && !l.startsWith("#")) m.put(l.substring(0, eq), l.substring(eq + 1));
		}
		return m;
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
}
