package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.journal.DiskHistory;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.InstantComparison;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.LaterStatus;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.PathProperties;
import cacheshadow.merge.PathStatus;
import cacheshadow.merge.StatusIndex;
import cacheshadow.merge.TreeFilter;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewTree;

/**
 * The Properties of a path on the real samples: for every path the merge calls differing, the differing fields are
 * exactly the manifest columns in which the guest's own listing ({@code manifest.tsv}) and an ext4 listing of the disk
 * image made here differ; every byte of every file has one source and the sums make the size; the cached inode and
 * dentry and the disk inode with its block runs are named; at round 6 a file written in round 3 and left alone has its
 * last writers in round 3's entries. Also the tree filter: statuses to visible paths with their ancestors.
 */
class PathPropertiesTest {
	static final String MOUNT = "/mnt/disk";

	static List<String> sets() {
		return Samples.SETS;
	}

	/** The columns after the path, as the manifest writes them (the test's own split, not the class's). */
	static String[] columns(FileRecord r) {
		String[] all = ManifestFormat.line(r, List.of()).substring(r.path().length() + 1).split("\t", 13);
		assertEquals(13, all.length, r.path());
		return all;
	}

	static Map<String, FileRecord> byPath(List<FileRecord> rs) {
		Map<String, FileRecord> m = new TreeMap<>(ManifestFormat.PATH_ORDER);
		for (FileRecord r : rs) m.put(r.path(), r);
		return m;
	}

	@ParameterizedTest
	@MethodSource("sets")
	void differingFieldsAreTheColumnsWhereTheGuestsListingAndTheDiskDiffer(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		Map<String, FileRecord> guest = byPath(ManifestFormat.read(Samples.file(set, "manifest.tsv")));
		Map<String, FileRecord> disk;
		try (Layer d = Layers.openDisk(Samples.file(set, "disk.img")); Ext4FileSystem fs = Ext4FileSystem.open(d, Ext4FileSystem.Options.REPLAYED)) {
			disk = byPath(fs.listing(MOUNT, true));
		}
		List<String> cols = PathProperties.COLUMNS;
		int checked = 0;
		boolean blob = false;
		for (PathStatus s : m.statuses()) {
			if (s.kind() != PathStatus.Kind.DIFFERS || !s.path().startsWith(MOUNT + "/")) continue;
			FileRecord g = guest.get(s.path()), k = disk.get(s.path());
			assertNotNull(g, s.path());
			assertNotNull(k, s.path());
			String[] gc = columns(g), kc = columns(k);
			List<String> expected = new ArrayList<>();
			for (int i = 0; i < cols.size(); i++) if (!gc[i].equals(kc[i])) expected.add(cols.get(i));
			PathProperties p = PathProperties.of(m, s.path());
			assertEquals(expected, p.differing(), s.path());
			assertEquals(s.manifestColumn(), p.status());
			for (PathProperties.Field f : p.fields()) {
				int i = cols.indexOf(f.column());
				assertEquals(gc[i], f.a(), s.path() + " cache " + f.column());
				assertEquals(kc[i], f.b(), s.path() + " disk " + f.column());
				assertEquals(expected.contains(f.column()), f.differs(), s.path() + " " + f);
			}
			checked++;
			if (s.path().equals(MOUNT + "/data/blob.bin")) {
				blob = true;
				assertTrue(p.differing().contains("sha256") && p.differing().contains("mtime"), p.differing().toString());
			}
		}
		assertTrue(blob, set + ": blob.bin not among the differing paths");
		assertTrue(checked >= 5, set + ": only " + checked + " differing paths");
	}

	@ParameterizedTest
	@MethodSource("sets")
	void provenanceSumsToTheSizeAndTheLocationNamesInodesAndBlocks(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		ViewTree merged = m.tree(View.MERGED);
		int files = 0;
		for (FileRecord r : ManifestFormat.read(Samples.file(set, "manifest.tsv"))) {
			if (!r.type().isRegular()) continue;
			PathProperties p = PathProperties.of(m, r.path());
			long sum = 0;
			for (long v : p.bytesBySource().values()) sum += v;
			assertEquals(r.size(), sum, r.path() + " " + p.bytesBySource());
			long at = 0;
			for (ByteProvenance b : p.provenance()) {
				assertEquals(at, b.offset(), r.path());
				at = b.end();
			}
			assertEquals(merged.provenance(r.path()), p.provenance(), r.path());
			// every regular file the guest lists is cached (it hashed them all): its struct inode is named and mapped
			assertTrue(p.location().inodeAddress() < 0, r.path() + ": kernel addresses lie in the upper half"); // as a signed long
			assertTrue(p.location().inodePhysical() >= 0, r.path());
			assertEquals("positive", p.location().dentryState(), r.path());
			files++;
		}
		assertTrue(files > 20, files + " files");

		String blob = MOUNT + "/data/blob.bin";
		PathProperties p = PathProperties.of(m, blob);
		assertTrue(p.bytes(ByteProvenance.Source.DIRTY_PAGE) > 0, p.bytesBySource().toString());
		PathProperties.Location l = p.location();
		FileRecord onDisk = m.tree(View.DISK_ONLY).getattr(blob);
		assertEquals("disk", l.diskSide());
		assertEquals(onDisk.inode(), l.diskInode());
		assertFalse(l.inline());
		long blocks = 0;
		for (PathProperties.Extent b : l.blockRuns()) blocks += b.blocks();
		assertEquals((onDisk.size() + l.blockSize() - 1) / l.blockSize(), blocks, l.blockRuns().toString());
		Ext4FileSystem fs = m.disks().get(0).diskOnly();
		assertEquals(fs.inodeOffset(onDisk.inode()), l.diskInodeOffset());
		// the disk blocks provenance names are the runs' blocks
		for (ByteProvenance b : p.provenance()) {
			if (b.source() != ByteProvenance.Source.DISK_BLOCK) continue;
			long logical = b.offset() / l.blockSize();
			assertTrue(l.blockRuns().stream().anyMatch(r -> r.contains(logical) && r.diskBlock() + logical - r.fileBlock() == b.diskBlock()), b.toString());
		}

		// a deleted file: only the disk side, its runs, and the negative dentry the caches keep
		String gone = Samples.expect(set).get("gone").get(0);
		PathProperties d = PathProperties.of(m, View.DISK_ONLY, gone);
		assertNull(d.a(), gone);
		assertNotNull(d.b(), gone);
		assertEquals(List.of(), d.differing());
		assertTrue(d.status().startsWith("deleted"), d.status());
		assertEquals("disk", d.location().diskSide());
		assertEquals(d.b().size(), d.provenance().stream().mapToLong(ByteProvenance::length).sum());
		// a cache-only file: no disk side
		String created = MOUNT + "/new/p2_file_1.txt";
		PathProperties c = PathProperties.of(m, created);
		assertNotNull(c.a());
		assertNull(c.b());
		assertEquals("cache-only", c.status());
		assertEquals(c.a().size(), c.bytes(ByteProvenance.Source.DIRTY_PAGE), c.bytesBySource().toString());
		for (PathProperties.Field f : c.fields()) {
			assertNull(f.b());
			assertFalse(f.differs());
		}
	}

	@Test
	void atRoundSixTheLastWritersOfAFileWrittenInRoundThreeLieInRoundThree() throws Exception {
		for (String set : Samples.SETS) {
			List<int[]> rounds = InstantTreeTest.rounds(set);
			Set<String> candidates = InstantTreeTest.writtenInRoundThreeOnly(set).keySet();
			assertFalse(candidates.isEmpty(), set);
			Map<String, FileRecord> m6 = byPath(InstantTreeTest.manifest(set, 6));
			try (DiskHistory h = InstantTreeTest.history(set); InstantTree end = InstantTree.open(h, h.resolve("end"), MOUNT, true);
					InstantTree t6 = InstantTree.open(h, h.resolve("entry:" + rounds.get(5)[1]), MOUNT, true)) {
				InstantComparison c = InstantComparison.of(t6, end);
				for (String path : candidates) {
					PathProperties p = PathProperties.of(c, path);
					assertEquals("at A", p.sideA());
					assertEquals("at end", p.sideB());
					FileRecord want = m6.get(path);
					String[] wc = columns(want.withSha256(null)), got = columns(p.a());
					assertEquals(List.of(wc), List.of(got), path + " at round 6");
					List<InstantTree.LastWriter> lw = p.location().lastWriters();
					assertFalse(lw.isEmpty(), path);
					long covered = 0;
					for (InstantTree.LastWriter w : lw) {
						assertTrue(w.entry() >= rounds.get(1)[1] && w.entry() < rounds.get(2)[1], set + " " + path + " " + w);
						covered += w.length();
					}
					assertEquals(want.size(), covered, path + " " + lw);
					assertEquals(want.size(), p.bytes(ByteProvenance.Source.JOURNAL_ENTRY), p.bytesBySource().toString());
					assertEquals("at A", p.location().diskSide());
					assertEquals(want.inode(), p.location().diskInode());
					assertEquals(c.status(path).column(), p.status());
					// differing fields at A against the end: the columns in which rounds 6 and the end's listings differ
					List<String> expected = new ArrayList<>();
					String[] ec = columns(p.b());
					for (int i = 0; i < PathProperties.COLUMNS.size(); i++) if (!wc[i].equals(ec[i])) expected.add(PathProperties.COLUMNS.get(i));
					assertEquals(expected, p.differing(), path);
				}
			}
		}
	}

	@ParameterizedTest
	@MethodSource("sets")
	void filtersShowTheMatchingPathsAndTheirAncestors(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		ViewTree merged = m.tree(View.MERGED);
		TreeFilter.Result r = TreeFilter.of(merged, m.statuses(), EnumSet.of(PathStatus.Kind.CACHE_ONLY), null);
		Set<String> cacheOnly = new HashSet<>();
		for (PathStatus s : m.statuses()) if (s.kind() == PathStatus.Kind.CACHE_ONLY) cacheOnly.add(s.path());
		assertEquals(cacheOnly.size(), r.matches());
		assertEquals(cacheOnly, r.matching());
		for (String p : r.visible()) {
			assertTrue(merged.exists(p), p);
			if (!cacheOnly.contains(p)) assertTrue(cacheOnly.stream().anyMatch(q -> q.startsWith(p.equals("/") ? "/" : p + "/")), p + " is neither a match nor an ancestor of one");
		}
		for (String p : cacheOnly) {
			for (String q = p; !q.equals("/"); q = q.substring(0, Math.max(1, q.lastIndexOf('/')))) assertTrue(r.shows(q), q);
		}
		assertTrue(r.visible().contains("/mnt/disk/new/p2_file_1.txt"));
		assertFalse(r.visible().contains("/mnt/disk/data/blob.bin"));
		// text: the name, case-insensitive; with a slash the path
		TreeFilter.Result t = TreeFilter.of(merged, m.statuses(), null, "BLOB");
		assertTrue(t.shows("/mnt/disk/data/blob.bin") && t.shows("/mnt/disk/data") && t.shows("/"));
		assertFalse(t.shows("/mnt/disk/new/p2_file_1.txt"));
		assertEquals(0, TreeFilter.of(merged, m.statuses(), EnumSet.of(PathStatus.Kind.DELETED), null).matches(), "the merged view has no deleted path");
		assertTrue(TreeFilter.of(merged, m.statuses(), null, "data/blob").shows("/mnt/disk/data/blob.bin"));
	}

	@ParameterizedTest
	@MethodSource("sets")
	void statusIndexCountsEachViewsPaths(String set) throws Exception {
		MergedFileSystem m = Samples.merged(set);
		for (View v : View.values()) {
			ViewTree t = m.tree(v);
			StatusIndex index = StatusIndex.of(t, m.statuses());
			Map<PathStatus.Kind, Integer> want = new java.util.EnumMap<>(PathStatus.Kind.class);
			for (PathStatus.Kind k : PathStatus.Kind.values()) want.put(k, 0);
			for (PathStatus s : m.statuses()) {
				assertEquals(s, index.status(s.path()));
				if (t.exists(s.path())) want.merge(s.kind(), 1, Integer::sum);
			}
			assertEquals(want, index.counts(), v.label());
			assertEquals(want.get(PathStatus.Kind.CACHE_ONLY).intValue(), index.filter(EnumSet.of(PathStatus.Kind.CACHE_ONLY), null).matches(), v.label());
		}
	}

	@Test
	void filtersAtAnInstantComeFromEveryPathsStatus() throws Exception {
		String set = Samples.SETS.get(0);
		List<int[]> rounds = InstantTreeTest.rounds(set);
		Set<String> at2 = new TreeSet<>(), at6 = new TreeSet<>();
		for (FileRecord f : InstantTreeTest.manifest(set, 2)) at2.add(f.path());
		for (FileRecord f : InstantTreeTest.manifest(set, 6)) at6.add(f.path());
		try (DiskHistory h = InstantTreeTest.history(set); InstantTree end = InstantTree.open(h, h.resolve("end"), MOUNT, true);
				InstantTree t2 = InstantTree.open(h, h.resolve("entry:" + rounds.get(1)[1]), MOUNT, true)) {
			InstantComparison c = InstantComparison.of(t2, end);
			List<LaterStatus> all = TreeFilter.statuses(c);
			Set<String> paths = new TreeSet<>();
			for (LaterStatus s : all) paths.add(s.path());
			Set<String> union = new TreeSet<>(at2);
			union.addAll(at6);
			assertEquals(union, paths);
			TreeFilter.Result created = TreeFilter.ofInstant(all, MOUNT, EnumSet.of(LaterStatus.Kind.CREATED_LATER), null);
			Set<String> expected = new TreeSet<>(at6);
			expected.removeAll(at2);
			assertEquals(expected.size(), created.matches());
			for (String p : expected) assertTrue(created.shows(p) && created.shows(p.substring(0, p.lastIndexOf('/'))), p);
			for (String p : at2) if (!at6.contains(p)) assertFalse(created.shows(p) && !expected.stream().anyMatch(q -> q.startsWith(p + "/")), p);
		}
	}
}
