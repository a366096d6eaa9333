package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The evidence sample sets; tests fail (never skip) when they are missing. */
final class Samples {
	private Samples() {
	}

	static Path dir() {
		String p = System.getProperty("cacheshadow.samples");
		assertNotNull(p, "system property cacheshadow.samples is not set (run releng/devtest.sh or releng/test.sh)");
		Path d = Path.of(p);
		assertTrue(Files.isDirectory(d), "cacheshadow.samples " + d + " is not a directory");
		return d;
	}

	/** Every sample set that has a write log. */
	static List<Path> sets() throws IOException {
		List<Path> out = new ArrayList<>();
		try (Stream<Path> s = Files.list(dir())) {
			s.filter(d -> Files.isRegularFile(d.resolve("writes.log"))).sorted().forEach(out::add);
		}
		assertFalse(out.isEmpty(), "no sample set with writes.log under " + dir());
		return out;
	}

	static List<String[]> tsv(Path file) throws IOException {
		List<String[]> rows = new ArrayList<>();
		List<String> lines = Files.readAllLines(file);
		for (int i = 1; i < lines.size(); i++) {
			if (!lines.get(i).isEmpty()) rows.add(lines.get(i).split("\t", -1));
		}
		return rows;
	}
}
