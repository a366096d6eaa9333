package cacheshadow.fuse.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.fuse.Ext4Tree;
import cacheshadow.fuse.FuseMount;
import cacheshadow.fuse.MergeViewTree;
import cacheshadow.fuse.MountedTree;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.GuestName;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.pagecache.PageCache;
import cacheshadow.testing.FuseDevice;
import cacheshadow.testing.HostileNames;

/**
 * The views of a snapshot and disk with planted names ({@link HostileNames}) mounted through FUSE: find lists every
 * name, each as its escaped text form (no '/', NUL, '.' or '..' among the entries, none over 255 bytes — a longer
 * one shortened with a hash — and no name twice in a directory), stat and cat reach each planted file through its
 * shown name with the guest's size and bytes, the path attribute gives the guest path back, a guest link is shown
 * but never followed by the host (nosymfollow), and the mount stays read-only, nosuid, nodev.
 */
class HostileNamesMountTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void plantedNamesAreShownEscapedAndUnique(String set, @TempDir Path tmp) throws Exception {
		FuseDevice.assumePresent();
		Path img = tmp.resolve("disk.img");
		HostileNames.plantInDisk(Samples.file(set, "disk.img"), img);
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf")); Layer disk = Layers.openDisk(img)) {
			CacheAnalysis clean = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
			CacheAnalysis a = CacheAnalysis.open(HostileNames.plantInMemory(mem, clean), Samples.dir(set).resolve("kernel"), Progress.NONE);
			MergedFileSystem m = MergedFileSystem.of(a, new PageCache(a), List.of(disk), true, Progress.NONE);
			for (View v : List.of(View.MERGED, View.CACHE_ONLY)) {
				mountAndCheck(MergeViewTree.of(m, v), Files.createDirectory(tmp.resolve(v.label())), "", HostileNames.memoryPaths(), m, v);
			}
			List<String> entries = HostileNames.ENTRIES.stream().map(e -> e.path("/mnt/disk")).toList();
			mountAndCheck(MergeViewTree.of(m, View.DISK_ONLY), Files.createDirectory(tmp.resolve("disk-only")), "/mnt/disk", entries, m, View.DISK_ONLY);
			// the disk alone (what ./cacheshadow mount --disk D serves)
			try (Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED)) {
				List<cacheshadow.listing.Finding> reported = java.util.Collections.synchronizedList(new ArrayList<>());
				mountAndCheck(new Ext4Tree(fs, reported::add), Files.createDirectory(tmp.resolve("ext4")), "/mnt/disk", entries, m, View.DISK_ONLY);
				// each escaped name was reported once, at its path in the mount, as the host's find met it
				for (HostileNames.Entry e : HostileNames.ENTRIES) {
					if (!GuestName.escaped(GuestName.of(e.name()))) continue;
					long n = reported.stream().filter(f -> f.kind().equals(GuestName.FINDING_KIND) && f.location().equals(e.path(""))).count();
					assertEquals(1, n, e.path("") + " in " + reported);
				}
			}
		}
	}

	private static void mountAndCheck(MountedTree tree, Path mnt, String guestRoot, List<String> planted, MergedFileSystem m, View v) throws Exception {
		List<String> errors = new ArrayList<>();
		FuseMount mount = FuseMount.mount(tree, mnt, "hostile", FuseMount.Options.DEFAULT, errors::add);
		try {
			String root = mnt.toRealPath().toString();
			// find: every entry of the mount, NUL-separated (the names are the mount's, not ours)
			Shell.Result find = Shell.run(List.of("find", root + (guestRoot.isEmpty() ? "/mnt" : ""), "-printf", "%P\\0"));
			assertEquals(0, find.exit(), find.out());
			Set<String> shown = new HashSet<>();
			Map<String, Set<String>> perDir = new HashMap<>();
			for (String p : find.out().split("\0")) {
				if (p.isEmpty()) continue;
				shown.add(p);
				int slash = p.lastIndexOf('/');
				String name = p.substring(slash + 1);
				assertTrue(GuestName.validComponent(name), p);
				assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= 255, p);
				assertEquals(name, GuestName.printable(name), p);
				assertTrue(perDir.computeIfAbsent(slash < 0 ? "" : p.substring(0, slash), k -> new HashSet<>()).add(name), "twice: " + p);
			}
			int checked = 0;
			for (String g : planted) {
				FileRecord r = m.tree(v).getattr(g);
				if (r == null || g.equals(HostileNames.TWIN_SYMLINK)) continue;
				checked++;
				// shown under the host name of each component
				StringBuilder host = new StringBuilder();
				for (String c : g.substring(guestRoot.length() + 1).split("/")) host.append(host.length() == 0 ? "" : "/").append(GuestName.hostName(c));
				String rel = guestRoot.isEmpty() ? host.substring("mnt/".length()) : host.toString();
				assertTrue(shown.contains(rel), rel + " among " + shown.size() + " entries");
				Path onMount = Path.of(root, host.toString());
				String size = Shell.ok(List.of("stat", "-c", "%s", onMount.toString())).strip();
				assertEquals(Long.toString(r.size()), size, g);
				if (r.type().isRegular()) {
					byte[] got = Files.readAllBytes(onMount);
					assertEquals(r.size(), got.length, g);
				}
				if (tree instanceof MergeViewTree && r.type() != cacheshadow.listing.FileType.SYMLINK) {
					assertEquals(g, Xattrs.get(onMount, "path"), "guest path of " + onMount);
				}
			}
			assertTrue(checked >= planted.size() - 1, "planted names checked: " + checked);
			// the guest's links are shown, never followed by the host's kernel (nosymfollow, set as root)
			if (System.getProperty("user.name").equals("root")) {
				assertTrue(mount.mountFlags().contains("nosymfollow"), mount.mountFlags());
				String link = root + (guestRoot.isEmpty() ? "/mnt/disk" : "") + "/docs/latest";
				assertEquals("readme.txt", Shell.ok(List.of("readlink", link)).strip());
				Shell.Result cat = Shell.run(List.of("cat", link));
				assertFalse(cat.exit() == 0, cat.out());
				assertTrue(cat.out().contains("Too many levels of symbolic links"), cat.out());
			}
			assertTrue(mount.mountFlags().matches("(^|.*,)ro,nosuid,nodev(,.*|$)"), mount.mountFlags());
			// read-only as ever
			Shell.Result touch = Shell.run(List.of("touch", root + (guestRoot.isEmpty() ? "/mnt/disk" : "") + "/cacheshadow-was-here"));
			assertFalse(touch.exit() == 0);
			assertTrue(touch.out().contains("Read-only file system"), touch.out());
			assertEquals(List.of(), errors, "callback errors");
		} finally {
			mount.close();
		}
		assertFalse(FuseMount.mountedAt(mnt));
	}
}
