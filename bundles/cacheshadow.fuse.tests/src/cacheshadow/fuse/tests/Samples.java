package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The decompressed evidence sets ({@code -Dcacheshadow.samples}); tests fail, not skip, without them. */
final class Samples {
	private Samples() {
	}

	static Path dir(String set) {
		String root = System.getProperty("cacheshadow.samples");
		if (root == null || root.isBlank()) fail("system property cacheshadow.samples is not set (releng/samples.sh gives the directory)");
		Path d = Path.of(root, set);
		assertTrue(Files.isDirectory(d), "missing sample set " + d);
		return d;
	}

	static Path file(String set, String relative) {
		Path f = dir(set).resolve(relative);
		assertTrue(Files.isRegularFile(f), "missing sample file " + f);
		return f;
	}
}
