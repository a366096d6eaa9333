package cacheshadow.caches.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.testing.HostileNames;

/**
 * Names a root attacker planted in the dentry cache of a real snapshot ({@link HostileNames}: '/', '..', '.', NUL,
 * a trailing slash, invalid UTF-8, escape sequences, newlines, C1, a bidi override, a backslash, 3000 and 400 bytes):
 * each is decoded into its escaped text form, so every path is unambiguous and printable, and each comes with a
 * guest-name finding naming the path and what is wrong; the walk is otherwise unchanged.
 */
class HostileNamesTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void plantedNamesAreEscapedWithAFinding(String set) throws Exception {
		try (Layer mem = Layers.openMemory(Samples.file(set, "memory.elf"))) {
			CacheAnalysis clean = CacheAnalysis.open(mem, Samples.dir(set).resolve("kernel"), Progress.NONE);
			CacheAnalysis a = CacheAnalysis.open(HostileNames.plantInMemory(mem, clean), Samples.dir(set).resolve("kernel"), Progress.NONE);
			List<String> paths = new ArrayList<>();
			for (CachedEntry e : a.entries()) paths.add(e.path());
			for (String p : paths) {
				for (String c : p.substring(1).split("/", -1)) {
					if (p.equals("/")) break;
					assertTrue(GuestName.validComponent(c), "component " + c + " of " + p);
				}
				assertEquals(p, GuestName.printable(p), p);
			}
			for (HostileNames.Rename r : HostileNames.RENAMES) {
				String p = r.path();
				assertTrue(paths.contains(p), p + " in " + paths);
				assertFalse(paths.contains(r.original()) && !r.original().equals(HostileNames.TWIN_SYMLINK), r.original() + " renamed");
				Finding f = a.findings().stream().filter(x -> x.kind().equals("guest-name") && x.location().equals(p)).findFirst().orElse(null);
				boolean plain = !GuestName.escaped(GuestName.lastName(p));
				if (plain) continue; // the twin's name, the long names: no escaping needed
				assertTrue(f != null, "guest-name finding for " + p + " in " + a.findings());
				assertTrue(f.message().startsWith("dentry 0x"), f.message());
			}
			// what each planted name became
			List<String> want = List.of("/mnt/disk/etc/..\\x2f..\\x2f..\\x2f..\\x2fescaped-by-dotdot", "/mnt/disk/\\x2e\\x2e",
					"/mnt/disk/\\x2e\\x2e/b/c/d/deep.txt", "/mnt/disk/docs/slash\\x2f", "/mnt/disk/docs/nul\\x00byte",
					"/mnt/disk/hist/r2/bad-\\xff\\xfe-\\xc3(-utf8", "/mnt/disk/hist/r4/\\x1b[31mred\\x1b[0m\\x1b]0;owned\\x07",
					"/mnt/disk/hist/r4/tab\\x09here\\x0anewline\\x0d", "/mnt/disk/home/user/" + "L".repeat(3000), "/mnt/disk/phase1/" + "é".repeat(200),
					"/mnt/disk/srv/archive/back\\\\slash", "/mnt/disk/srv/archive/\\xe2\\x80\\xaetxt.exe", "/mnt/disk/new/\\x2e",
					"/mnt/disk/new/\\xc2\\x9b31mC1", "/mnt/tmp/..\\x2f..\\x2f..\\x2f..\\x2fescaped-from-tmpfs");
			for (String p : want) assertTrue(paths.contains(p), p);
			assertTrue(a.findings().stream().anyMatch(f -> f.kind().equals("dentry-name-length") && f.message().contains("3000 bytes")));
			assertTrue(a.findings().stream().anyMatch(f -> f.kind().equals("dentry-name-length") && f.message().contains("400 bytes")));
			// the twin: a directory renamed to its sibling symlink's name (the link's target planted): two dentries of one
			// directory with one name, only one listed, with a finding; the directory's children still listed below the name
			assertTrue(a.findings().stream().anyMatch(f -> f.kind().equals("dentry-duplicate-name") && f.location().equals(HostileNames.TWIN_SYMLINK)),
					a.findings().toString());
			assertTrue(paths.contains(HostileNames.TWIN_SYMLINK + "/f1.txt"));
			CachedEntry twin = a.entries().stream().filter(e -> e.path().equals(HostileNames.TWIN_SYMLINK)).findFirst().orElseThrow();
			if (twin.inode().isSymlink()) assertEquals(HostileNames.TWIN_TARGET, twin.inode().symlinkTarget());
			// nothing else changed: the same number of cached names, but for the hidden twin
			assertEquals(clean.entries().size() - 1, a.entries().size());
		}
	}
}
