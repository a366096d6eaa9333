package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.Json;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewExport;
import cacheshadow.merge.ViewTree;
import cacheshadow.pagecache.PageCache;
import cacheshadow.testing.HostileNames;

/**
 * Names a root attacker planted in a real snapshot's dentry cache and in a directory block of a copy of its disk
 * ({@link HostileNames}), through the merge and out of every view's export, as a directory and as a tar: nothing is
 * written outside the target (the whole temporary tree is compared before and after), no symbolic link is followed
 * (the guest's own, one planted as its directory's twin, nor one already on the host), each name is escaped with
 * findings, a host-name row in the provenance sidecar and a pax comment, and modes are masked. This evidence once
 * made the merged and cache-only exports end in a NullPointerException (a name with a trailing slash) and the
 * directory export write {@code escaped-by-dotdot} next to its target.
 */
class HostileNamesExportTest {
	private static final Map<String, MergedFileSystem> OPENED = new HashMap<>();

	/** The set's merge over its snapshot and a copy of its disk, both with the planted names; opened once. */
	static synchronized MergedFileSystem hostile(String set) throws IOException {
		MergedFileSystem m = OPENED.get(set);
		if (m != null) return m;
		Path dir = Files.createTempDirectory("cacheshadow-hostile-");
		dir.toFile().deleteOnExit();
		Path img = dir.resolve("disk.img");
		HostileNames.plantInDisk(Samples.file(set, "disk.img"), img);
		img.toFile().deleteOnExit();
		Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"));
		Layer disk = Layers.openDisk(img);
		CacheAnalysis clean = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
		CacheAnalysis a = CacheAnalysis.open(HostileNames.plantInMemory(mem, clean), Samples.dir(set).resolve("kernel"), Progress.NONE);
		m = MergedFileSystem.of(a, new PageCache(a), List.of(disk), true, Progress.NONE);
		OPENED.put(set, m);
		return m;
	}

	static Stream<Arguments> exports() {
		List<Arguments> out = new ArrayList<>();
		for (String set : Samples.SETS) for (View v : View.values()) for (boolean tar : new boolean[] { false, true }) out.add(Arguments.of(set, v, tar));
		return out.stream();
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void everyViewListsEscapedNamesWithFindings(String set) throws Exception {
		MergedFileSystem m = hostile(set);
		List<Finding> findings = m.findings();
		for (View v : View.values()) {
			List<FileRecord> listing = m.tree(v).listing(false);
			for (FileRecord r : listing) {
				String line = ManifestFormat.line(r, List.of());
				assertEquals(14, line.split("\t", -1).length, line);
				for (String c : line.split("\t", -1)) assertEquals(c, GuestName.printable(c), line);
				if (!r.path().equals("/")) for (String c : r.path().substring(1).split("/", -1)) assertTrue(GuestName.validComponent(c), r.path());
			}
			String json = Json.of(listing.stream().map(FileRecord::path).toList());
			for (char c : json.toCharArray()) assertTrue(c == '\n' || (c >= 0x20 && (c < 0x7f || c > 0x9f)), "control character in JSON");
		}
		List<String> cachePaths = m.tree(View.CACHE_ONLY).listing(false).stream().map(FileRecord::path).toList();
		for (HostileNames.Rename r : HostileNames.RENAMES) {
			assertTrue(cachePaths.contains(r.path()), r.path());
			if (GuestName.escaped(GuestName.lastName(r.path()))) {
				assertTrue(findings.stream().anyMatch(f -> f.kind().equals("guest-name") && f.location().equals(r.path())), "finding for " + r.path());
			}
		}
		List<String> diskPaths = m.tree(View.DISK_ONLY).listing(false).stream().map(FileRecord::path).toList();
		for (HostileNames.Entry e : HostileNames.ENTRIES) {
			String p = e.path("/mnt/disk");
			assertTrue(diskPaths.contains(p), p);
			assertTrue(findings.stream().anyMatch(f -> f.kind().equals("guest-name") && f.location().equals(p)), "finding for " + p);
		}
		// the statuses (merged against disk-only) cover the planted names too, without failing
		assertTrue(m.statuses().stream().anyMatch(s -> s.path().equals(HostileNames.RENAMES.get(0).path())));
	}

	@ParameterizedTest(name = "{0} {1} tar={2}")
	@MethodSource("exports")
	void exportWritesNothingOutsideItsTargetAndFollowsNoLink(String set, View view, boolean tar, @TempDir Path tmp) throws Exception {
		MergedFileSystem m = hostile(set);
		ViewTree tree = m.tree(view);
		Path work = Files.createDirectory(tmp.resolve("work"));
		Path out = work.resolve(tar ? "out.tar" : "out");
		TreeSet<String> before = tree(tmp);
		String under = view == View.DISK_ONLY ? "/mnt/disk" : "/mnt";
		ViewExport.Result r = tar ? ViewExport.toTar(tree, under, out, work.resolve("p.tsv"), work.resolve("m.tsv"))
				: ViewExport.toDirectory(tree, under, out, work.resolve("p.tsv"), work.resolve("m.tsv"));
		assertTrue(r.files() > 0);
		Path root = out;
		if (tar) {
			root = Files.createDirectory(work.resolve("x"));
			Process p = new ProcessBuilder("tar", "-x", "-f", out.toString(), "-C", root.toString()).redirectErrorStream(true).start();
			String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertEquals(0, p.waitFor(), log);
			assertEquals("", log);
			checkMemberNames(out);
		}
		// nothing new outside the target and the sidecars
		TreeSet<String> after = tree(tmp);
		after.removeAll(before);
		String prefix = tmp.relativize(root) + "/";
		for (String p : after) {
			boolean ours = p.startsWith(prefix) || p.equals(tmp.relativize(root).toString()) || p.equals("work/p.tsv") || p.equals("work/m.tsv")
					|| p.equals("work/out.tar") || p.equals("work");
			assertTrue(ours, "written outside the target: " + p);
		}
		assertFalse(Files.exists(tmp.resolve("escaped-by-dotdot"), LinkOption.NOFOLLOW_LINKS));
		// no path lies below a symbolic link, no file has a setuid, setgid, sticky or world-writable bit
		Path real = root.toRealPath();
		try (Stream<Path> s = Files.walk(root)) {
			for (Path f : s.toList()) {
				if (Files.isSymbolicLink(f)) continue;
				assertTrue(f.toRealPath().startsWith(real), f + " resolves outside the target");
				int mode = (Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS);
				assertEquals(0, mode & 07002, f + " mode " + Integer.toOctalString(mode));
				assertTrue(f.getFileName().toString().getBytes(StandardCharsets.UTF_8).length <= 255);
			}
		}
		// every planted name of the view: written under its escaped (or shortened) name, with a finding and a sidecar row
		Map<String, String> hostNames = new HashMap<>();
		for (String l : Files.readAllLines(work.resolve("p.tsv"))) {
			String[] c = l.split("\t", -1);
			assertEquals(5, c.length, l);
			if (c[3].equals("host-name")) hostNames.put(c[0], c[4]);
		}
		List<String> planted = new ArrayList<>(HostileNames.memoryPaths());
		for (HostileNames.Entry e : HostileNames.ENTRIES) planted.add(e.path("/mnt/disk"));
		int seen = 0;
		for (String p : planted) {
			FileRecord g = tree.getattr(p);
			if (g == null || p.equals(HostileNames.TWIN_SYMLINK)) continue;
			String name = GuestName.lastName(p);
			String host = GuestName.hostName(name);
			if (!GuestName.escaped(name) && host.equals(name)) continue;
			seen++;
			assertTrue(r.findings().stream().anyMatch(f -> f.kind().equals("export-name") && f.location().equals(p)), "export-name finding for " + p);
			String rel = hostNames.get(p);
			assertTrue(rel != null, "host-name row for " + p);
			assertTrue(rel.endsWith(host + (tar && g.type() == FileType.DIRECTORY ? "/" : "")), rel + " for " + p);
			Path written = root.resolve(rel);
			assertTrue(Files.exists(written, LinkOption.NOFOLLOW_LINKS), written.toString());
			if (g.type().isRegular()) assertEquals(g.size(), Files.size(written), p);
		}
		assertTrue(seen >= (view == View.DISK_ONLY ? HostileNames.ENTRIES.size() : 10), "planted names exported: " + seen);
		// the twin: a directory whose name is also a symlink's, the link aimed out of the target
		FileRecord twin = tree.getattr(HostileNames.TWIN_SYMLINK);
		Path twinOut = root.resolve("mnt/disk/hist/symlink_r4");
		if (twin != null && twin.type() == FileType.SYMLINK && view != View.DISK_ONLY) {
			assertTrue(Files.isSymbolicLink(twinOut));
			assertTrue(r.findings().stream().anyMatch(f -> f.kind().equals("export-skipped") && f.location().equals(HostileNames.TWIN_SYMLINK + "/f1.txt")),
					r.findings().toString());
		}
		assertFalse(Files.exists(tmp.resolve("escaped-by-link"), LinkOption.NOFOLLOW_LINKS));
		// the manifest sidecar has the guest's paths and modes, one line each
		for (FileRecord x : ManifestFormat.read(work.resolve("m.tsv"))) assertTrue(tree.getattr(x.path()) != null, x.path());
	}

	/** The pax path records of the tar: relative, no '.' or '..' component, no control character. */
	private static void checkMemberNames(Path tar) throws IOException {
		String text = new String(Files.readAllBytes(tar), StandardCharsets.UTF_8);
		int n = 0;
		for (int i = text.indexOf(" path="); i >= 0; i = text.indexOf(" path=", i + 1)) {
			String name = text.substring(i + 6, text.indexOf('\n', i));
			n++;
			assertFalse(name.startsWith("/"), name);
			for (String c : name.split("/")) assertFalse(c.equals("..") || c.isEmpty() && !name.endsWith("/"), name);
			assertEquals(name, GuestName.printable(name));
		}
		assertTrue(n > 0);
	}

	/** Every path below {@code dir} (not following links), relative. */
	private static TreeSet<String> tree(Path dir) throws IOException {
		TreeSet<String> out = new TreeSet<>();
		try (Stream<Path> s = Files.walk(dir)) {
			s.forEach(p -> out.add(dir.relativize(p).toString()));
		}
		return out;
	}

	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void symlinksAlreadyInTheTargetAreNotFollowed(String set, @TempDir Path tmp) throws Exception {
		MergedFileSystem m = hostile(set);
		Path outside = Files.createDirectory(tmp.resolve("outside"));
		Path victim = Files.writeString(outside.resolve("victim.txt"), "victim\n");
		Path out = tmp.resolve("out");
		// a link named like a guest directory, one named like a guest mount point, one named like a guest file
		Files.createDirectories(out.resolve("mnt/disk/var/log"));
		Files.createSymbolicLink(out.resolve("mnt/disk/etc"), outside);
		Files.createSymbolicLink(out.resolve("mnt/tmp"), outside);
		Files.createSymbolicLink(out.resolve("mnt/disk/var/log/app.log"), victim);
		ViewExport.Result r = ViewExport.toDirectory(m.tree(View.MERGED), "/mnt", out, tmp.resolve("p.tsv"), tmp.resolve("m.tsv"));
		try (Stream<Path> s = Files.list(outside)) {
			assertEquals(List.of(victim), s.toList());
		}
		assertEquals("victim\n", Files.readString(victim));
		for (String p : List.of("/mnt/disk/etc", "/mnt/tmp")) {
			assertTrue(r.findings().stream().anyMatch(f -> f.kind().equals("export-host-symlink") && f.location().equals(p)), p + " in " + r.findings());
		}
		assertTrue(Files.isSymbolicLink(out.resolve("mnt/disk/etc")));
		// the link where a guest file goes is replaced by the file (unlinked, not written through)
		assertTrue(Files.isRegularFile(out.resolve("mnt/disk/var/log/app.log"), LinkOption.NOFOLLOW_LINKS));
		assertEquals(m.tree(View.MERGED).getattr("/mnt/disk/var/log/app.log").size(), Files.size(out.resolve("mnt/disk/var/log/app.log")));
		// everything else is written
		assertTrue(Files.isRegularFile(out.resolve("mnt/disk/data/blob.bin"), LinkOption.NOFOLLOW_LINKS));
		// and the export root itself behind a link: refused at once
		Path out2 = tmp.resolve("out2");
		Files.createDirectory(out2);
		Files.createSymbolicLink(out2.resolve("mnt"), outside);
		ViewExport.Result r2 = ViewExport.toDirectory(m.tree(View.MERGED), "/mnt/disk", out2, null, null);
		assertEquals(0, r2.files());
		assertTrue(r2.findings().stream().anyMatch(f -> f.kind().equals("export-host-symlink") && f.location().equals("/mnt")), r2.findings().toString());
		try (Stream<Path> s = Files.list(outside)) {
			assertEquals(List.of(victim), s.toList());
		}
	}
}
