package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.testing.EvidenceSamples;

/**
 * The evidence samples ({@link EvidenceSamples}) plus the merge's helpers; sets may also be named by absolute path
 * (extra sets from {@code $CACHESHADOW_EXTRA_SAMPLES}).
 */
public final class Samples extends EvidenceSamples {
	private static final Map<String, MergedFileSystem> OPENED = new HashMap<>();

	private Samples() {
	}

	/**
	 * The required sets, then every evidence set under {@code $CACHESHADOW_EXTRA_SAMPLES} (e.g. sets made with
	 * {@code make-evidence.sh --drop-caches 3}), named by absolute path.
	 */
	public static List<String> allSets() throws IOException {
		List<String> out = new ArrayList<>(SETS);
		String extra = System.getenv("CACHESHADOW_EXTRA_SAMPLES");
		if (extra != null && !extra.isBlank()) {
			try (var s = Files.list(Path.of(extra))) {
				for (Path d : s.sorted().toList()) {
					if (Files.isRegularFile(d.resolve("memory.elf")) && Files.isRegularFile(d.resolve("disk.img")) && Files.isRegularFile(d.resolve("manifest.tsv"))) {
						out.add(d.toAbsolutePath().toString());
					}
				}
			}
		}
		return out;
	}

	/** The last synced round's manifest: the disk after journal replay. */
	public static Path lastRound(String set) throws IOException {
		for (int k = 20; k > 0; k--) {
			Path p = dir(set).resolve("manifest.round-" + k + ".tsv");
			if (Files.isRegularFile(p)) return p;
		}
		throw new AssertionError("no manifest.round-K.tsv in " + dir(set));
	}

	public static Path dir(String set) {
		return set.startsWith("/") ? Path.of(set) : EvidenceSamples.dir(set);
	}

	public static Path file(String set, String relative) {
		Path f = dir(set).resolve(relative);
		assertTrue(Files.isRegularFile(f), "missing sample file " + f);
		return f;
	}

	/** The merge of a set (ELF memory, stale disk, kernel files, journal replayed), opened once per test run. */
	public static synchronized MergedFileSystem merged(String set) throws IOException {
		MergedFileSystem m = OPENED.get(set);
		if (m == null) {
			m = MergedFileSystem.open(file(set, "memory.elf"), file(set, "disk.img"), dir(set).resolve("kernel"), true, Progress.NONE);
			OPENED.put(set, m);
		}
		return m;
	}

	/** {@code expect.tsv}: kind → paths. */
	public static Map<String, List<String>> expect(String set) throws IOException {
		Map<String, List<String>> m = new HashMap<>();
		for (String l : Files.readAllLines(file(set, "expect.tsv"))) {
			String[] c = l.split("\t");
			if (c.length >= 2) m.computeIfAbsent(c[0], k -> new ArrayList<>()).add(c[1]);
		}
		return m;
	}

	/** Rows at or below one of the roots. */
	public static List<FileRecord> under(List<FileRecord> rs, String... roots) {
		List<FileRecord> out = new ArrayList<>();
		for (FileRecord r : rs) {
			for (String root : roots) {
				if (r.path().equals(root) || r.path().startsWith(root + "/")) {
					out.add(r);
					break;
				}
			}
		}
		return out;
	}
}
