package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The decompressed evidence sets ({@code -Dcacheshadow.samples}); tests fail, not skip, without them. */
final class Samples {
	static final List<String> SETS = List.of("debian-6.1-kaslr", "debian-6.12-kaslr");

	private Samples() {
	}

	static Path file(String set, String relative) {
		String root = System.getProperty("cacheshadow.samples");
		if (root == null || root.isBlank()) fail("system property cacheshadow.samples is not set (releng/samples.sh gives the directory)");
		Path f = Path.of(root, set).resolve(relative);
		assertTrue(Files.isRegularFile(f), "missing sample file " + f);
		return f;
	}
}
