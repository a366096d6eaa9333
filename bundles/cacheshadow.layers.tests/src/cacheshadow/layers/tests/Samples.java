package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The decompressed evidence sample sets (releng/samples.sh), passed as -Dcacheshadow.samples. */
final class Samples {
	private Samples() {
	}

	static Path dir() {
		String p = System.getProperty("cacheshadow.samples");
		assertNotNull(p, "system property cacheshadow.samples is not set (run through releng/test.sh)");
		Path d = Path.of(p);
		assertTrue(Files.isDirectory(d), "no evidence samples at " + d + " (releng/samples.sh makes them)");
		return d;
	}

	static List<Path> sets() throws IOException {
		try (Stream<Path> s = Files.list(dir())) {
			List<Path> sets = s.filter(Files::isDirectory).sorted().toList();
			assertFalse(sets.isEmpty(), "no sample sets in " + dir());
			return sets;
		}
	}

	/** A {@code key=value} line of the set's meta.txt. */
	static String meta(Path set, String key) throws IOException {
		for (String l : Files.readAllLines(set.resolve("meta.txt"))) {
			if (l.startsWith(key + "=")) return l.substring(key.length() + 1);
		}
		return fail("meta.txt of " + set + " has no " + key);
	}

	/** SHA-256 of a file as recorded in the set's SHA256SUMS. */
	static String recordedSha(Path set, String name) throws IOException {
		for (String l : Files.readAllLines(set.resolve("SHA256SUMS"))) {
			String[] p = l.split("\\s+\\*?", 2);
			if (p.length == 2 && p[1].equals(name)) return p[0];
		}
		return fail("SHA256SUMS of " + set + " has no " + name);
	}
}
