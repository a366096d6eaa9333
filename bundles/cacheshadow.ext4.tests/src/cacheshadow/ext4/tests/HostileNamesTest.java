package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.testing.HostileNames;

/**
 * Entries a root attacker wrote into a directory block of a copy of a sample's disk ({@link HostileNames#ENTRIES}:
 * '/' with '..', a second '..' and '.', NUL, escape sequences, an overlong '/' encoding, 255 control bytes; valid
 * metadata_csum): ext4 lists each under its escaped text form with a guest-name finding naming the path; the
 * directory's own '.' and '..' stay what they are; everything else lists as before.
 */
class HostileNamesTest {
	@ParameterizedTest
	@ValueSource(strings = { "debian-6.1-kaslr", "debian-6.12-kaslr" })
	void plantedDirectoryEntriesAreEscapedWithAFinding(String set, @TempDir Path tmp) throws Exception {
		Path img = tmp.resolve("disk.img");
		HostileNames.plantInDisk(Samples.file(set, "disk.img"), img);
		try (Layer l = Layers.openDisk(img); Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.REPLAYED);
				Layer cleanLayer = Layers.openDisk(Samples.file(set, "disk.img"));
				Ext4FileSystem clean = Ext4FileSystem.open(cleanLayer, Ext4FileSystem.Options.REPLAYED)) {
			List<DirectoryEntry> data = fs.readDirectory(fs.inode(fs.lookup("/data")));
			assertEquals(".", data.get(0).name());
			assertEquals("..", data.get(1).name());
			assertEquals(2, data.stream().filter(DirectoryEntry::isDotOrDotDot).count(), data.toString());
			List<String> names = new ArrayList<>();
			for (DirectoryEntry e : data) names.add(e.name());
			assertTrue(names.containsAll(List.of("ext4\\x2f..\\x2f..\\x2f..\\x2f..\\x2fescaped-by-ext4", "\\x2e\\x2e", "\\x2e", "nul\\x00ext4",
					"\\x1b]2;ext4-title\\x07\\x1b[2J", "overlong\\xc0\\xafslash")), names.toString());

			List<FileRecord> listing = fs.listing("/mnt/disk", false);
			List<String> paths = listing.stream().map(FileRecord::path).toList();
			for (HostileNames.Entry e : HostileNames.ENTRIES) {
				String p = e.path("/mnt/disk");
				assertTrue(paths.contains(p), p);
				Finding f = fs.findings().stream().filter(x -> x.kind().equals("guest-name") && x.location().equals(p)).findFirst().orElse(null);
				assertTrue(f != null, "guest-name finding at " + p + " in " + fs.findings());
				assertTrue(f.message().startsWith("ext4 directory inode "), f.message());
			}
			// the planted '..' names /a/b: listed below its escaped name, never as /mnt/disk/data's parent
			assertTrue(paths.contains("/mnt/disk/data/\\x2e\\x2e/c/d/deep.txt") || paths.contains("/mnt/disk/a/b/c/d/deep.txt"));
			for (String p : paths) {
				assertEquals(p, GuestName.printable(p));
				for (String c : p.substring(1).split("/", -1)) assertTrue(GuestName.validComponent(c), p);
			}
			// every manifest line is one line of 14 columns
			for (FileRecord r : listing) assertEquals(14, ManifestFormat.line(r, List.of()).split("\t", -1).length, r.path());
			// the rest of the disk lists as before
			List<String> before = clean.listing("/mnt/disk", false).stream().map(r -> ManifestFormat.line(r, List.of())).toList();
			List<String> after = new ArrayList<>(listing.stream().filter(r -> !r.path().startsWith("/mnt/disk/data/") || r.path().equals("/mnt/disk/data/blob.bin"))
					.map(r -> ManifestFormat.line(r, List.of())).toList());
			after.removeIf(x -> x.startsWith("/mnt/disk/data\t") || x.startsWith("/mnt/disk/home/user/todo.txt\t") || x.startsWith("/mnt/disk/a/b\t"));
			List<String> expected = new ArrayList<>(before);
			expected.removeIf(x -> x.startsWith("/mnt/disk/data\t") || x.startsWith("/mnt/disk/home/user/todo.txt\t") || x.startsWith("/mnt/disk/a/b\t"));
			// the planted '..' (naming /a/b) may take /a/b's subtree if it is walked first
			if (!paths.contains("/mnt/disk/a/b/c")) expected.removeIf(x -> x.startsWith("/mnt/disk/a/b/"));
			assertEquals(expected, after);
		}
	}
}
