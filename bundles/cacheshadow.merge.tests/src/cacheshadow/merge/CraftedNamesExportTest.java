package cacheshadow.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.GuestName;

/**
 * Small crafted inputs: a view whose paths are raw strings, as a tree from some source that did not escape its names
 * would hold them ({@code ..} and {@code .} components, NUL, a file below a symlink, 4 KiB deep paths, setuid and
 * world-writable modes), exported as a directory and a tar; and the tar's ustar fallback for long names. Nothing is
 * written outside the target or through a link, whatever the tree says.
 */
class CraftedNamesExportTest {
	private static final long T = 1_700_000_000L;

	private static FileRecord rec(String path, FileType type, int perm, long size, long inode, String target) {
		int fmt = switch (type) {
		case DIRECTORY -> 0040000;
		case SYMLINK -> 0120000;
		default -> 0100000;
		};
		return new FileRecord(path, type, fmt | perm, 0, 0, size, 1, inode, T, T, T, 0, null, target);
	}

	private static ViewTree crafted() {
		Map<String, ViewTree.Node> nodes = ViewTree.newMap();
		long[] ino = { 2 };
		java.util.function.BiConsumer<String, FileRecord> put = (p, r) -> nodes.put(p, new ViewTree.Node(p, r,
				r.type().isRegular() ? new FileContent(r.size(), null, true, null, null) : null, r.type() == FileType.DIRECTORY ? new TreeSet<>() : null,
				ViewTree.Origin.CACHE, 1));
		put.accept("/", rec("/", FileType.DIRECTORY, 0755, 4096, ino[0]++, null));
		put.accept("/a", rec("/a", FileType.DIRECTORY, 0755, 4096, ino[0]++, null));
		put.accept("/a/..", rec("/a/..", FileType.REGULAR, 0644, 3, ino[0]++, null)); // a name '..'
		put.accept("/a/.", rec("/a/.", FileType.REGULAR, 06755, 3, ino[0]++, null)); // a name '.', setuid
		put.accept("/a/../../escaped-crafted", rec("/a/../../escaped-crafted", FileType.REGULAR, 0644, 3, ino[0]++, null));
		put.accept("/a/nul\0name", rec("/a/nul\0name", FileType.REGULAR, 0666, 3, ino[0]++, null)); // world-writable
		put.accept("/a/link", rec("/a/link", FileType.SYMLINK, 0777, 4, ino[0]++, "/etc"));
		put.accept("/a/link/passwd", rec("/a/link/passwd", FileType.REGULAR, 0644, 3, ino[0]++, null)); // below a link
		put.accept("/a/tab\tnewline\nesc\u001b[2J", rec("/a/tab\tnewline\nesc\u001b[2J", FileType.REGULAR, 0644, 3, ino[0]++, null));
		// a chain of directories of 250-byte names: past PATH_MAX on the host after 16 levels
		String deep = "/a";
		for (int i = 0; i < 20; i++) {
			deep += "/" + (char) ('A' + i) + "d".repeat(249);
			put.accept(deep, rec(deep, FileType.DIRECTORY, 0755, 4096, ino[0]++, null));
		}
		put.accept(deep + "/deep.txt", rec(deep + "/deep.txt", FileType.REGULAR, 0644, 3, ino[0]++, null));
		return new ViewTree(View.CACHE_ONLY, "/", nodes);
	}

	private static TreeSet<String> tree(Path dir) throws Exception {
		TreeSet<String> out = new TreeSet<>();
		try (Stream<Path> s = Files.walk(dir)) {
			s.forEach(p -> out.add(dir.relativize(p).toString()));
		}
		return out;
	}

	@Test
	void rawHostileNamesAreWrittenEscapedInsideTheTarget(@TempDir Path tmp) throws Exception {
		ViewTree t = crafted();
		Path out = tmp.resolve("work/out");
		ViewExport.Result r = ViewExport.toDirectory(t, "/", out, tmp.resolve("work/p.tsv"), null);
		for (String p : tree(tmp)) assertTrue(p.isEmpty() || p.equals("work") || p.equals("work/p.tsv") || p.equals("work/out") || p.startsWith("work/out/"), "outside: " + p);
		Path a = out.resolve("a");
		assertTrue(Files.isRegularFile(a.resolve("\\x2e\\x2e"), LinkOption.NOFOLLOW_LINKS));
		assertTrue(Files.isRegularFile(a.resolve("\\x2e"), LinkOption.NOFOLLOW_LINKS));
		assertTrue(Files.isRegularFile(a.resolve("nul\\x00name"), LinkOption.NOFOLLOW_LINKS));
		assertTrue(Files.isRegularFile(a.resolve("tab\\x09newline\\x0aesc\\x1b[2J"), LinkOption.NOFOLLOW_LINKS));
		assertTrue(Files.isSymbolicLink(a.resolve("link")));
		assertEquals(0, (Integer) Files.getAttribute(a.resolve("\\x2e"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07000);
		assertEquals(0, (Integer) Files.getAttribute(a.resolve("nul\\x00name"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0002);
		List<String> kinds = new ArrayList<>();
		r.findings().forEach(f -> kinds.add(f.kind() + " " + GuestName.printable(f.location())));
		assertTrue(kinds.contains("export-skipped /a/link/passwd"), kinds.toString());
		// "/a/../../escaped-crafted" has no parent in the view ("/a/../.."): not written anywhere
		assertTrue(kinds.contains("export-skipped /a/../../escaped-crafted"), kinds.toString());
		assertTrue(kinds.contains("export-mode-masked /a/."), kinds.toString());
		assertTrue(kinds.contains("export-mode-masked /a/nul\\x00name"), kinds.toString());
		assertTrue(kinds.stream().anyMatch(k -> k.startsWith("export-path-too-long /a/Ad")), kinds.toString());
		assertTrue(kinds.contains("export-name /a/.."), kinds.toString());
		assertFalse(Files.exists(tmp.resolve("escaped-crafted")));
		// the tar of the same tree: extracted by GNU tar, nothing lands outside; the deep path is kept whole (pax)
		Path tar = tmp.resolve("work/out.tar");
		ViewExport.Result rt = ViewExport.toTar(t, "/", tar, null, null);
		Path x = Files.createDirectories(tmp.resolve("work/x"));
		Process p = new ProcessBuilder("tar", "-x", "-f", tar.toString(), "-C", x.toString()).redirectErrorStream(true).start();
		String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		p.waitFor();
		// GNU tar itself cannot create what lies past PATH_MAX; anything else it extracts without complaint
		for (String l : log.lines().toList()) {
			assertTrue(l.startsWith("tar: a/Ad") && l.endsWith("File name too long") || l.equals("tar: Exiting with failure status due to previous errors"), l);
		}
		for (String q : tree(tmp)) assertTrue(q.isEmpty() || q.startsWith("work"), "outside: " + q);
		assertTrue(Files.isRegularFile(x.resolve("a/\\x2e\\x2e"), LinkOption.NOFOLLOW_LINKS), log);
		assertTrue(rt.findings().stream().anyMatch(f -> f.kind().equals("export-skipped") && f.location().equals("/a/link/passwd")));
		String text = new String(Files.readAllBytes(tar), StandardCharsets.UTF_8);
		assertTrue(text.contains(" path=a/Ad"), "long path in a pax record");
	}

	@Test
	void ustarFallbackNamesNeverClimbOrStartAtTheRoot() throws Exception {
		// a reader that ignores pax headers sees the ustar name field: the whole path where it fits in 99 bytes, else
		// whole trailing components, else the start of the last component — never "..", never "/..."
		String longComponent = "a..".repeat(80); // 240 bytes whose tail would start with ".."
		for (String name : List.of("x/" + longComponent, "dir/" + "é".repeat(120) + "/f", "p/".repeat(100) + "leaf", "d/" + "z".repeat(200) + "/",
				"q/" + "w".repeat(96) + "/..x")) { // the first 99 bytes of the last one end in "/.."
			String u = PaxTarStream.tailComponents(name, 99);
			assertTrue(u.getBytes(StandardCharsets.UTF_8).length <= 99, name);
			assertFalse(u.startsWith("/"), u);
			for (String c : u.split("/")) assertFalse(c.equals("..") || c.equals("."), u);
			assertTrue(name.endsWith(u) || name.substring(name.lastIndexOf('/', name.length() - 2) + 1).startsWith(u.replaceAll("/$", "")), name + " → " + u);
		}
		assertEquals("a..a..", PaxTarStream.cut(longComponent, 6));
		assertEquals("é", PaxTarStream.cut("éé", 3)); // never half a character
		// the archive: a member whose name is longer than ustar holds lists whole through pax
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (PaxTarStream w = new PaxTarStream(b)) {
			w.entry("x/" + longComponent, PaxTarStream.REGULAR, 0644, 0, 0, 0, T, 0, T, T, null, Map.of());
			w.endData();
		}
		Path tar = Files.createTempFile("crafted", ".tar");
		try {
			Files.write(tar, b.toByteArray());
			Process p = new ProcessBuilder("tar", "-t", "-f", tar.toString()).redirectErrorStream(true).start();
			String list = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertEquals(0, p.waitFor(), list);
			assertEquals("x/" + longComponent + "\n", list);
		} finally {
			Files.delete(tar);
		}
	}
}
