package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.testing.HostileNames;

/**
 * The command line on evidence files with names a root attacker planted (a sample's snapshot and disk, patched:
 * {@link HostileNames}): {@code analyze} prints every such name escaped — manifest (one line of the same columns per
 * path), JSON and the text summary hold no control character — each with a guest-name finding; {@code export} of the
 * merged and cache-only views (which once ended in an internal NullPointerException, exit 3) writes nothing outside
 * its target, as a directory and as a tar.
 */
class HostileNamesCliTest {
	@TempDir
	static Path shared;
	static HostileNames.Evidence evidence;

	@BeforeAll
	static void plant() throws Exception {
		evidence = HostileNames.write("debian-6.1-kaslr", shared.resolve("evidence"));
	}

	static String[] cmd(String name, String... more) {
		List<String> a = new java.util.ArrayList<>(List.of(name, "--memory", evidence.memory().toString(), "--disk", evidence.disk().toString(),
				"--kernel", evidence.kernel().toString()));
		a.addAll(List.of(more));
		return a.toArray(String[]::new);
	}

	/** No byte a terminal acts on: C0 but tab and newline, DEL, C1, bidirectional overrides. */
	static void printable(String what, String text) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			boolean bad = (c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
			assertFalse(bad, what + ": character 0x" + Integer.toHexString(c) + " at " + i + ": "
					+ GuestName.printable(text.substring(Math.max(0, i - 60), Math.min(text.length(), i + 20))));
		}
	}

	@Test
	void analyzePrintsEveryPlantedNameEscaped(@TempDir Path tmp) throws Exception {
		for (String view : List.of("merged", "cache-only", "disk-only")) {
			Path manifest = tmp.resolve(view + ".tsv");
			CliRun r = CliRun.of(cmd("analyze", "--view", view, "--manifest", manifest.toString()));
			assertEquals(0, r.code(), r.err());
			printable("stdout of analyze --view " + view, r.out());
			String text = Files.readString(manifest, StandardCharsets.UTF_8);
			printable(manifest.toString(), text);
			List<String> lines = text.lines().toList();
			for (String l : lines) assertEquals(15, l.split("\t", -1).length, l);
			List<String> paths = ManifestFormat.read(manifest).stream().map(FileRecord::path).toList();
			List<String> planted = view.equals("disk-only") ? HostileNames.ENTRIES.stream().map(e -> e.path("/mnt/disk")).toList() : HostileNames.memoryPaths();
			for (String p : planted) {
				assertTrue(paths.contains(p), view + ": " + p);
				if (GuestName.escaped(GuestName.lastName(p))) {
					assertTrue(r.out().contains("guest-name @" + p + ": "), view + ": finding line for " + p + " in\n" + r.out());
				}
			}
			// the names come back from the text form: the bytes the guest planted
			if (!view.equals("disk-only")) {
				for (HostileNames.Rename x : HostileNames.RENAMES) {
					assertTrue(java.util.Arrays.equals(x.name(), GuestName.raw(GuestName.lastName(x.path()))), x.path());
				}
			}
		}
		CliRun json = CliRun.of(cmd("analyze", "--view", "merged", "--json"));
		assertEquals(0, json.code(), json.err());
		printable("analyze --json", json.out());
		// in JSON a path is the manifest's text, its backslashes doubled
		assertTrue(json.out().contains("\"location\": \"/mnt/disk/etc/..\\\\x2f..\\\\x2f..\\\\x2f..\\\\x2fescaped-by-dotdot\""), json.out());
		assertTrue(json.out().contains("\"location\": \"/mnt/disk/hist/r4/\\\\x1b[31mred\\\\x1b[0m\\\\x1b]0;owned\\\\x07\""), json.out());
	}

	@ParameterizedTest
	@CsvSource({ "merged,out", "cache-only,out", "merged,out.tar", "cache-only,out.tar" })
	void exportWritesNothingOutsideItsTarget(String view, String target, @TempDir Path tmp) throws Exception {
		Path work = Files.createDirectory(tmp.resolve("work"));
		Path out = work.resolve(target);
		TreeSet<String> before = tree(tmp);
		CliRun r = CliRun.of(cmd("export", "--view", view, "--under", "/mnt", "--out", out.toString()));
		assertEquals(0, r.code(), r.out() + r.err());
		printable("stdout of export", r.out());
		assertTrue(r.out().contains("names not written as the guest's bytes"), r.out());
		assertTrue(r.out().contains("export-name @/mnt/disk/etc/..\\x2f..\\x2f..\\x2f..\\x2fescaped-by-dotdot: written as "), r.out());
		Path root = out;
		if (target.endsWith(".tar")) {
			root = Files.createDirectory(work.resolve("x"));
			Process p = new ProcessBuilder("tar", "-x", "-f", out.toString(), "-C", root.toString()).redirectErrorStream(true).start();
			String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertEquals(0, p.waitFor(), log);
		}
		TreeSet<String> after = tree(tmp);
		after.removeAll(before);
		String mine = tmp.relativize(root).toString();
		for (String p : after) {
			assertTrue(p.equals(mine) || p.startsWith(mine + "/") || p.startsWith("work/" + target), "written outside the target: " + p);
		}
		assertTrue(Files.isRegularFile(root.resolve("mnt/disk/etc/..\\x2f..\\x2f..\\x2f..\\x2fescaped-by-dotdot"), LinkOption.NOFOLLOW_LINKS));
		String prov = Files.readString(work.resolve(target + ".provenance.tsv"));
		assertTrue(prov.contains("/mnt/tmp/..\\x2f..\\x2f..\\x2f..\\x2fescaped-from-tmpfs\t-\t-\thost-name\tmnt/tmp/..\\x2f..\\x2f..\\x2f..\\x2fescaped-from-tmpfs\n"), prov);
	}

	/**
	 * {@code replay} and {@code changes} over a write journal whose writes plant the names (the blocks in which the
	 * planted disk differs from the sample's): the manifest at the end holds the names escaped, and both commands
	 * print a guest-name finding for each, with no control character in their output.
	 */
	@Test
	void replayAndChangesReportPlantedNames(@TempDir Path tmp) throws Exception {
		Path clean = cacheshadow.testing.EvidenceSamples.file("debian-6.1-kaslr", "disk.img");
		Path journal = tmp.resolve("plant.log");
		int blocks = journalOfDifferences(clean, evidence.disk(), journal);
		assertTrue(blocks > 0, "the planted disk differs from the sample");
		Path manifest = tmp.resolve("end.tsv");
		CliRun r = CliRun.of("replay", "--disk", clean.toString(), "--journal", journal.toString(), "--at", "end", "--mount-prefix", "/mnt/disk",
				"--manifest", manifest.toString());
		assertEquals(0, r.code(), r.out() + r.err());
		printable("replay", r.out() + progressless(r.err()));
		List<String> paths = ManifestFormat.read(manifest).stream().map(FileRecord::path).toList();
		CliRun ch = CliRun.of("changes", "--disk", clean.toString(), "--journal", journal.toString(), "--from", "entry:0", "--to", "end",
				"--mount-prefix", "/mnt/disk");
		assertEquals(0, ch.code(), ch.out() + ch.err());
		printable("changes", ch.out() + progressless(ch.err()));
		for (HostileNames.Entry e : HostileNames.ENTRIES) {
			String p = e.path("/mnt/disk");
			assertTrue(paths.contains(p), p + " in the replayed manifest");
			assertTrue(ch.out().contains("added\t" + p + "\t"), p + " added in\n" + ch.out());
			if (GuestName.escaped(GuestName.lastName(p))) {
				assertTrue(r.out().contains("guest-name @" + p + ": "), "replay: finding for " + p + " in\n" + r.out());
				assertTrue(ch.out().contains("# finding ") && ch.out().contains("guest-name @" + p + ": "), "changes: finding for " + p + " in\n" + ch.out());
			}
		}
	}

	/** stderr without the progress meter's carriage returns (ours, not the guest's). */
	static String progressless(String err) {
		return err.replace("\r", "");
	}

	/** A dm-log-writes journal of one 4 KiB write per block in which {@code after} differs from {@code before}. */
	static int journalOfDifferences(Path before, Path after, Path journal) throws Exception {
		byte[] a = Files.readAllBytes(before), b = Files.readAllBytes(after);
		assertEquals(a.length, b.length);
		int n = 0;
		try (cacheshadow.journal.DmLogWritesWriter w = new cacheshadow.journal.DmLogWritesWriter(journal, 512)) {
			for (int off = 0; off < a.length; off += 4096) {
				if (java.util.Arrays.equals(a, off, off + 4096, b, off, off + 4096)) continue;
				w.write(off / 512, b, off, 4096, 0);
				n++;
			}
			w.flush();
		}
		return n;
	}

	private static TreeSet<String> tree(Path dir) throws Exception {
		TreeSet<String> out = new TreeSet<>();
		try (Stream<Path> s = Files.walk(dir)) {
			s.forEach(p -> out.add(dir.relativize(p).toString()));
		}
		return out;
	}
}
