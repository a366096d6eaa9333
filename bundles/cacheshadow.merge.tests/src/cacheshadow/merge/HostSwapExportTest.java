package cacheshadow.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.Finding;

/**
 * A process on the examiner's machine that swaps the export's own directories for symbolic links while it runs (the
 * directory renamed aside within the target, a link to a folder outside put in its place) never gets a byte written
 * outside: a directory still open is written into where it now is, one opened again by name is refused
 * ({@code export-host-symlink}), and every file of the view is either inside the target or under a finding.
 * With path-based writes (the export before it held directories open) the files of a swapped directory went through
 * the link into the folder outside.
 */
class HostSwapExportTest {
	private static final long T = 1_700_000_000L;
	private static final int DIRS = 100, FILES = 5, ROUNDS = 20;

	private static FileRecord rec(String path, FileType type, long size, long inode) {
		return new FileRecord(path, type, (type == FileType.DIRECTORY ? 0040000 : 0100000) | 0755, 0, 0, size, 1, inode, T, T, T, 0, null, null);
	}

	/**
	 * "/s" first, then "/s-000".. (which sort between "/s" and "/s/…": '-' before '/'), so the files of /s come after
	 * more directories than the export holds open: /s is opened again by name.
	 */
	private static ViewTree tree(Set<String> files) {
		Map<String, ViewTree.Node> nodes = ViewTree.newMap();
		long[] ino = { 2 };
		java.util.function.Consumer<FileRecord> put = r -> nodes.put(r.path(), new ViewTree.Node(r.path(), r,
				r.type().isRegular() ? new FileContent(r.size(), null, true, null, null) : null, r.type() == FileType.DIRECTORY ? new TreeSet<>() : null,
				ViewTree.Origin.CACHE, 1));
		put.accept(rec("/", FileType.DIRECTORY, 4096, ino[0]++));
		for (int d = -1; d < DIRS; d++) {
			String dir = d < 0 ? "/s" : String.format("/s-%03d", d);
			put.accept(rec(dir, FileType.DIRECTORY, 4096, ino[0]++));
			for (int f = 0; f < FILES; f++) {
				put.accept(rec(dir + "/f" + f, FileType.REGULAR, 8192, ino[0]++));
				files.add(dir + "/f" + f);
			}
		}
		return new ViewTree(View.CACHE_ONLY, "/", nodes);
	}

	@Test
	void directoriesSwappedForLinksMidExportAreNeverFollowed(@TempDir Path tmp) throws Exception {
		Set<String> guestFiles = new TreeSet<>();
		ViewTree t = tree(guestFiles);
		Path outside = Files.createDirectories(tmp.resolve("outside"));
		int swaps = 0, refusedRounds = 0;
		for (int round = 0; round < ROUNDS; round++) {
			Path out = Files.createDirectories(tmp.resolve("out" + round));
			AtomicBoolean done = new AtomicBoolean();
			AtomicInteger swapped = new AtomicInteger();
			Thread racer = new Thread(() -> {
				Set<String> seen = new HashSet<>();
				while (!done.get()) {
					try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
						for (Path p : ds) {
							String n = p.getFileName().toString();
							if (n.startsWith(".") || !seen.add(n) || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
							Files.move(p, out.resolve(".moved-" + n));
							Files.createSymbolicLink(p, outside);
							swapped.incrementAndGet();
						}
					} catch (IOException e) {
						// the export's own work in between: look again
					}
				}
			});
			racer.start();
			ViewExport.Result r;
			try {
				r = ViewExport.toDirectory(t, "/", out, null, null);
			} finally {
				done.set(true);
				racer.join();
			}
			swaps += swapped.get();
			try (Stream<Path> s = Files.list(outside)) {
				assertEquals(List.of(), s.toList(), "written outside the target in round " + round);
			}
			// every file of the view is inside the target (where its directory now is) or under a finding
			Set<String> written = new HashSet<>();
			try (Stream<Path> s = Files.walk(out)) { // a walk follows no link
				for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
					written.add("/" + out.relativize(p).toString().replaceFirst("^\\.moved-", ""));
					assertEquals(8192, Files.size(p), p.toString());
				}
			}
			Set<String> refused = new HashSet<>();
			for (Finding f : r.findings()) {
				assertTrue(f.kind().equals("export-host-symlink") || f.kind().equals("export-failed"), f.toString());
				refused.add(f.location());
			}
			if (refused.stream().anyMatch(l -> l.startsWith("/s"))) refusedRounds++;
			for (String g : guestFiles) {
				String dir = g.substring(0, g.lastIndexOf('/'));
				assertTrue(written.contains(g) || refused.contains(g) || refused.contains(dir), g + " neither written nor refused in round " + round + ": " + r.findings());
			}
		}
		assertTrue(swaps > 0, "the racer never swapped a directory: the test did not test");
		System.out.println("HostSwapExportTest: " + swaps + " directories swapped for links mid-export in " + ROUNDS + " rounds; " + refusedRounds
				+ " rounds refused a swapped directory (export-host-symlink), nothing written outside");
	}
}
