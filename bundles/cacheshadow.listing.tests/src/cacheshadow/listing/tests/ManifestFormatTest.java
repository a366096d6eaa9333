package cacheshadow.listing.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.ManifestFormat;

/** Our manifest writer reproduces the guest's own manifests byte for byte. */
class ManifestFormatTest {

	@Test
	void sortByPathSortsInPathOrder() {
		// Code points whose UTF-16 and UTF-8 orders disagree (U+E000..U+FFFF against surrogate pairs) among ASCII.
		int[] pool = { '/', '.', 'a', 'z', 'A', '_', 0xe9, 0x4e2d, 0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff };
		java.util.Random r = new java.util.Random(5);
		List<String> paths = new ArrayList<>();
		for (int k = 0; k < 50_000; k++) paths.add(randomPath(r, pool));
		List<String> expected = new ArrayList<>(paths);
		expected.sort(ManifestFormat.PATH_ORDER);
		List<String> got = new ArrayList<>(paths);
		ManifestFormat.sortByPath(got, p -> p);
		assertEquals(expected, got);
		assertNotEquals(expected, paths.stream().sorted().toList(), "UTF-16 order differs from byte order here");
	}

	private static String randomPath(java.util.Random r, int[] pool) {
		StringBuilder sb = new StringBuilder();
		for (int n = r.nextInt(5); n > 0; n--) sb.appendCodePoint(pool[r.nextInt(pool.length)]);
		return sb.toString();
	}

	@Test
	void everyGroundTruthManifestRoundTripsExactly() throws Exception {
		Path samples = Path.of(System.getProperty("cacheshadow.samples", "-")).toRealPath();
		assertTrue(Files.isDirectory(samples), "no samples at " + samples);
		int n = 0;
		try (Stream<Path> s = Files.walk(samples, 2)) {
			for (Path m : s.filter(p -> p.getFileName().toString().matches("manifest(\\.round-\\d+)?\\.tsv")).toList()) {
				List<FileRecord> recs = new ArrayList<>(ManifestFormat.read(m));
				Collections.shuffle(recs);
				StringWriter w = new StringWriter();
				ManifestFormat.write(w, recs);
				assertEquals(Files.readString(m), w.toString(), m.toString());
				n++;
			}
		}
		assertTrue(n >= 14, "round-tripped " + n + " manifests");
	}

	@Test
	void typesFromModeBits() {
		assertEquals(FileType.REGULAR_EMPTY, FileType.fromMode(0100644, 0));
		assertEquals(FileType.REGULAR, FileType.fromMode(0100644, 1));
		assertEquals(FileType.DIRECTORY, FileType.fromMode(040755, 4096));
		assertEquals(FileType.SYMLINK, FileType.fromMode(0120777, 9));
		assertEquals("2026-11-23 13:29:51.578860353 +0000", ManifestFormat.fullTime(1795440591L, 578860353));
	}
}
