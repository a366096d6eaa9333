package cacheshadow.merge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.FileChanges;
import cacheshadow.journal.InstantSpec;
import cacheshadow.journal.JournalIndex;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.journal.TimeQuality;
import cacheshadow.journal.WriteLog;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.GuestPath;
import cacheshadow.listing.ManifestFormat;
import cacheshadow.merge.ByteProvenance;
import cacheshadow.merge.InstantChanges;
import cacheshadow.merge.InstantComparison;
import cacheshadow.merge.InstantScrub;
import cacheshadow.merge.InstantTree;
import cacheshadow.merge.LaterStatus;

/**
 * The disk at recorded instants as a lazy file tree, on both sample journals: every synced round against the guest's
 * own listing of it, statuses against the end of the journal against the round manifests, changes between rounds,
 * which entries last wrote a file, and hostile paths and instants.
 */
class InstantTreeTest {
	static final String MOUNT = "/mnt/disk";

	static DiskHistory history(String set) throws IOException {
		return DiskHistory.open(Samples.file(set, "disk.base.img"), Samples.file(set, "writes.log"), Samples.file(set, "timeline.tsv"), null, Progress.NONE);
	}

	/** rounds.tsv: {round, entries_complete}. */
	static List<int[]> rounds(String set) throws IOException {
		List<int[]> out = new ArrayList<>();
		for (String[] r : Samples.tsv(Samples.file(set, "rounds.tsv"))) out.add(new int[] { Integer.parseInt(r[0]), Integer.parseInt(r[2]) });
		assertTrue(out.size() >= 6, set + ": " + out.size() + " rounds");
		return out;
	}

	static List<FileRecord> manifest(String set, int round) throws IOException {
		return ManifestFormat.read(Samples.file(set, "manifest.round-" + round + ".tsv"));
	}

	static Map<String, FileRecord> byPath(List<FileRecord> rs) {
		Map<String, FileRecord> m = new TreeMap<>(ManifestFormat.PATH_ORDER);
		for (FileRecord r : rs) m.put(r.path(), r);
		return m;
	}

	static String sha256(byte[] b) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
	}

	static byte[] readAll(InstantTree t, String path, long size) throws IOException {
		byte[] b = new byte[(int) size];
		int got = 0;
		while (got < b.length) {
			int n = t.read(path, got, b, got, Math.min(b.length - got, 7000)); // odd chunks: not block-aligned
			assertTrue(n > 0, path + " ends at " + got + " of " + size);
			got += n;
		}
		assertEquals(0, t.read(path, size, new byte[10], 0, 10), path + ": read at end of file");
		return b;
	}

	@Test
	void everyRoundListsItsManifestAndTheLazyTreeAgreesWithTheListing() throws Exception {
		int checked = 0;
		for (String set : Samples.SETS) {
			try (DiskHistory h = history(set)) {
				for (int[] r : rounds(set)) {
					String what = set + " round " + r[0];
					ResolvedInstant at = h.resolve("entry:" + r[1]);
					List<FileRecord> expected = manifest(set, r[0]);
					try (InstantTree t = InstantTree.open(h, at, MOUNT, true)) {
						assertEquals(MOUNT, t.root());
						assertEquals(MOUNT, t.mountPrefix());
						assertEquals(r[1], t.instant().entryCount());
						List<FileRecord> got = t.listing(true, Progress.NONE);
						assertEquals(List.of(), Samples.diff(expected, got), what);
						assertTrue(t.findings().isEmpty(), what + " " + t.findings());
					}
					// a fresh tree: lazy, and every path agrees with the listing
					try (InstantTree t = InstantTree.open(h, at, MOUNT + "/", true)) {
						assertEquals(0, t.directoriesRead(), "opening reads no directory");
						List<String> rootNames = t.readdir(MOUNT);
						for (String n : rootNames) assertNotNull(t.getattr(MOUNT + "/" + n));
						assertEquals(1, t.directoriesRead(), what + ": the root and the attributes of its names read one directory");
						long dirs = expected.stream().filter(x -> x.type() == FileType.DIRECTORY).count();
						assertTrue(dirs >= 8, what + ": " + dirs + " directories");
						Map<String, FileRecord> m = byPath(expected);
						Map<String, List<String>> children = new TreeMap<>();
						for (String p : m.keySet()) {
							if (!p.equals(MOUNT)) children.computeIfAbsent(GuestPath.parent(p), k -> new ArrayList<>()).add(p.substring(p.lastIndexOf('/') + 1));
						}
						for (FileRecord e : expected) {
							String p = e.path();
							assertEquals(ManifestFormat.line(e.withSha256(null), List.of()), ManifestFormat.line(t.getattr(p), List.of()), what + " getattr " + p);
							if (e.type() == FileType.DIRECTORY) {
								List<String> names = new ArrayList<>(children.getOrDefault(p, List.of()));
								ManifestFormat.sortByPath(names, s -> s);
								assertEquals(names, t.readdir(p), what + " readdir " + p);
								assertEquals(names, t.readdir(p + "/"), what + " readdir " + p + "/");
							} else assertNull(t.readdir(p), p);
							assertEquals(e.symlinkTarget(), t.readlink(p), p);
							if (e.type().isRegular()) {
								assertEquals(e.sha256(), sha256(readAll(t, p, e.size())), what + " content of " + p);
								List<ByteProvenance> prov = t.provenance(p);
								long pos = 0;
								for (ByteProvenance b : prov) {
									assertEquals(pos, b.offset(), p + " " + prov);
									pos = b.end();
								}
								assertEquals(e.size(), pos, p + " " + prov);
								List<InstantTree.LastWriter> lw = t.lastWriters(p);
								for (InstantTree.LastWriter w : lw) {
									assertTrue(w.entry() < r[1], p + " " + w);
									ByteProvenance.Source s = prov.stream().filter(b -> b.offset() <= w.fileOffset() && w.fileOffset() < b.end()).findFirst().orElseThrow().source();
									assertEquals(w.entry() >= 0 ? ByteProvenance.Source.JOURNAL_ENTRY : ByteProvenance.Source.BASE_IMAGE, s, p + " " + w + " " + prov);
								}
							} else {
								assertEquals(List.of(), t.provenance(p), p);
								assertEquals(List.of(), t.lastWriters(p), p);
								assertThrows(NoSuchFileException.class, () -> t.read(p, 0, new byte[1], 0, 1), p);
							}
						}
						assertEquals(dirs, t.directoriesRead(), what + ": each directory read once");
					}
					checked++;
				}
			}
		}
		assertTrue(checked >= 12, checked + " rounds");
	}

	/** Without the jbd2 replay ({@code --no-journal-replay}): the image as it lies at each round, as ext4 lists it. */
	@Test
	void asItLiesTheTreeIsExt4WithoutTheJbd2Replay() throws Exception {
		for (String set : Samples.SETS) {
			try (DiskHistory h = history(set)) {
				for (int[] r : rounds(set)) {
					ResolvedInstant at = h.resolve("entry:" + r[1]);
					try (InstantTree t = InstantTree.open(h, at, MOUNT, false); Ext4FileSystem fs = Ext4FileSystem.open(h.at(at), Ext4FileSystem.Options.AS_IT_LIES)) {
						assertFalse(t.replayed());
						List<FileRecord> expected = fs.listing(MOUNT, true);
						assertEquals(List.of(), Samples.diff(expected, t.listing(true, Progress.NONE)), set + " round " + r[0]);
						for (FileRecord e : expected) {
							assertEquals(ManifestFormat.line(e.withSha256(null), List.of()), ManifestFormat.line(t.getattr(e.path()), List.of()), e.path());
						}
					}
				}
			}
		}
	}

	@Test
	void lookingUpOnePathReadsOnlyTheDirectoriesOnItsWay() throws Exception {
		String set = Samples.SETS.get(0);
		try (DiskHistory h = history(set); InstantTree t = InstantTree.open(h, h.resolve("end"), MOUNT, true)) {
			String deep = null;
			for (FileRecord r : manifest(set, rounds(set).get(rounds(set).size() - 1)[0])) {
				if (r.path().split("/").length > (deep == null ? 0 : deep.split("/").length)) deep = r.path();
			}
			int depth = deep.substring(MOUNT.length()).split("/").length - 1; // components below the prefix
			assertTrue(depth >= 3, deep);
			assertNotNull(t.getattr(deep));
			assertEquals(depth, t.directoriesRead(), deep + ": the directories above it, each once");
			assertNotNull(t.getattr(deep));
			assertEquals(depth, t.directoriesRead());
		}
	}

	/**
	 * Expected statuses from the guest's manifests alone: the end of each sample journal is the last round (what
	 * follows changes no disk byte), so round K against the end is manifest.round-K against the last round's.
	 */
	@Test
	void statusAgainstTheEndEqualsWhatTheRoundManifestsSay() throws Exception {
		int renames = 0;
		Map<LaterStatus.Kind, Integer> kinds = new java.util.EnumMap<>(LaterStatus.Kind.class);
		for (String set : Samples.SETS) {
			List<int[]> rounds = rounds(set);
			int last = rounds.get(rounds.size() - 1)[0], lastEntries = rounds.get(rounds.size() - 1)[1];
			try (DiskHistory h = history(set); InstantTree end = InstantTree.open(h, h.resolve("end"), MOUNT, true)) {
				for (int i = lastEntries; i < h.journal().entryCount(); i++) assertFalse(h.journal().changesDisk(i), set + " entry " + i);
				Map<String, FileRecord> ref = byPath(manifest(set, last));
				Ext4FileSystem endFs = Ext4FileSystem.open(h.at("end"), Ext4FileSystem.Options.REPLAYED);
				for (int[] r : rounds) {
					String what = set + " round " + r[0];
					Map<String, FileRecord> mine = byPath(manifest(set, r[0]));
					Ext4FileSystem fsAt = Ext4FileSystem.open(h.at("entry:" + r[1]), Ext4FileSystem.Options.REPLAYED);
					TreeSet<String> all = new TreeSet<>(ManifestFormat.PATH_ORDER);
					all.addAll(mine.keySet());
					all.addAll(ref.keySet());
					Map<String, String> expected = new TreeMap<>(), got = new TreeMap<>();
					try (InstantTree t = InstantTree.open(h, h.resolve("entry:" + r[1]), MOUNT, true)) {
						InstantComparison c = InstantComparison.of(t, end);
						assertTrue(c.at() == t && c.reference() == end);
						for (String p : all) {
							FileRecord x = mine.get(p), y = ref.get(p);
							String e;
							if (x == null) e = "created later";
							else if (y == null) e = "deleted later";
							else {
								List<String> cols = FileChanges.differingColumns(x, y);
								cols.remove("sha256");
								e = cols.isEmpty() ? "unchanged later" : "changed later:" + String.join(",", cols);
							}
							// a rename within the directory: the same inode (number and generation) under a new name
							if (x == null || y == null) {
								FileRecord known = x != null ? x : y;
								Map<String, FileRecord> other = x != null ? ref : mine, same = x != null ? mine : ref;
								List<String> to = new ArrayList<>();
								for (FileRecord o : other.values()) {
									if (o.inode() == known.inode() && GuestPath.parent(o.path()).equals(GuestPath.parent(p)) && !same.containsKey(o.path())
											&& (x != null ? fsAt : endFs).inode(known.inode()).generation == (x != null ? endFs : fsAt).inode(o.inode()).generation) {
										to.add(o.path());
									}
								}
								if (to.size() == 1) {
									e += (x != null ? ":renamed-to=" : ":renamed-from=") + to.get(0);
									renames++;
								}
							}
							expected.put(p, e);
							LaterStatus s = c.status(p);
							got.put(p, s.column());
							kinds.merge(s.kind(), 1, Integer::sum);
							assertEquals(p, s.path());
							assertEquals(s.kind().label(), s.column().split(":")[0]);
						}
						assertEquals(expected, got, what);
						// children: the union of both instants' names
						for (String p : all) {
							boolean dx = mine.containsKey(p) && mine.get(p).type() == FileType.DIRECTORY, dy = ref.containsKey(p) && ref.get(p).type() == FileType.DIRECTORY;
							List<String> names = new ArrayList<>();
							for (String q : all) if (!q.equals(MOUNT) && GuestPath.parent(q).equals(p) && (dx && mine.containsKey(q) || dy && ref.containsKey(q))) names.add(q.substring(p.length() + 1));
							ManifestFormat.sortByPath(names, s -> s);
							assertEquals(dx || dy ? names : null, c.children(p), what + " children of " + p);
							List<InstantScrub.Row> rows = InstantScrub.rowsOf(c, p);
							assertEquals(dx || dy ? names : null, rows == null ? null : rows.stream().map(InstantScrub.Row::name).toList(), p);
							if (rows != null) {
								int depth = p.equals(MOUNT) ? 1 : p.substring(MOUNT.length()).split("/").length;
								for (InstantScrub.Row row : rows) {
									assertEquals(expected.get(row.path()), row.status().column(), row.path());
									assertEquals(depth, row.depth(), row.path());
								}
							}
						}
						// the slider's first rows: the prefix and its names, each with its status
						try (InstantScrub scrub = InstantScrub.open(end, h.resolve("entry:" + r[1]))) {
							List<InstantScrub.Row> rows = scrub.rows();
							assertEquals(1 + c.children(MOUNT).size(), rows.size());
							assertEquals(MOUNT, rows.get(0).path());
							for (InstantScrub.Row row : rows) {
								assertEquals(expected.get(row.path()), row.status().column(), row.path());
								FileRecord a = mine.containsKey(row.path()) ? mine.get(row.path()) : ref.get(row.path());
								assertEquals(ManifestFormat.line(a.withSha256(null), List.of()), ManifestFormat.line(row.attr(), List.of()), row.path());
								assertEquals(a.type() == FileType.DIRECTORY, row.directory());
							}
						}
					}
				}
			}
		}
		assertEquals(0, renames, "the workload renames into other directories only: not traced");
		for (LaterStatus.Kind k : LaterStatus.Kind.values()) assertTrue(kinds.getOrDefault(k, 0) > 0, k + " never seen: " + kinds);
	}

	/**
	 * A rename within a directory, made by one more journal entry after the sample's own: the directory block at the
	 * end with one name's first byte changed (same inode, same generation). The old name is "deleted later" renamed to
	 * the new, the new one "created later" renamed from the old.
	 */
	@Test
	void aRenameWithinADirectoryIsTraced(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
		String set = Samples.SETS.get(0);
		Path log = tmp.resolve("writes.log");
		String dir = null, oldName = null, newName = null;
		int before;
		try (DiskHistory h = history(set); InstantTree end = InstantTree.open(h, h.resolve("end"), MOUNT, true)) {
			before = h.journal().entryCount();
			Ext4FileSystem fs = end.fileSystem();
			byte[] block = null;
			long where = -1;
			for (FileRecord d : end.listing(false, Progress.NONE)) {
				if (d.type() != FileType.DIRECTORY || fs.inode(d.inode()).isHtree()) continue;
				for (String n : end.readdir(d.path())) {
					FileRecord f = end.getattr(GuestPath.child(d.path(), n));
					String renamed = "Z" + n.substring(1);
					if (f.type() != FileType.REGULAR || end.readdir(d.path()).contains(renamed)) continue;
					long phys = fs.blockMap(fs.inode(d.inode())).physical(0);
					byte[] b = fs.readBlock(phys);
					for (int off = 0; off + 8 <= b.length;) {
						int recLen = (b[off + 4] & 0xff) | (b[off + 5] & 0xff) << 8, nameLen = b[off + 6] & 0xff;
						if (recLen < 8) break;
						if (new String(b, off + 8, nameLen, java.nio.charset.StandardCharsets.UTF_8).equals(n)) {
							b[off + 8] = 'Z';
							block = b;
							break;
						}
						off += recLen;
					}
					if (block == null) continue;
					var replay = fs.journalReplay();
					var copy = replay == null ? null : replay.overlay().copies().get(phys);
					where = copy != null ? copy.baseOffset() : phys * fs.blockSize();
					dir = d.path();
					oldName = n;
					newName = renamed;
					break;
				}
				if (block != null) break;
			}
			assertNotNull(block, "a linear directory with a regular file");
			try (cacheshadow.journal.DmLogWritesWriter w = new cacheshadow.journal.DmLogWritesWriter(log, h.journal().sectorSize())) {
				w.writeAll(h.journal());
				w.write(where / h.journal().sectorSize(), block, 0, block.length, 0);
				w.flush();
			}
		}
		try (DiskHistory h = DiskHistory.open(Samples.file(set, "disk.base.img"), log, null, null, Progress.NONE);
				InstantTree end = InstantTree.open(h, h.resolve("end"), MOUNT, true);
				InstantTree t = InstantTree.open(h, h.resolve("entry:" + before), MOUNT, true)) {
			assertEquals(before + 2, h.journal().entryCount());
			InstantComparison c = InstantComparison.of(t, end);
			String from = GuestPath.child(dir, oldName), to = GuestPath.child(dir, newName);
			assertEquals("deleted later:renamed-to=" + to, c.status(from).column());
			assertEquals(to, c.status(from).renamedTo());
			assertEquals("created later:renamed-from=" + from, c.status(to).column());
			assertEquals(from, c.status(to).renamedFrom());
			assertTrue(c.children(dir).containsAll(List.of(oldName, newName)), c.children(dir).toString());
			assertEquals(t.getattr(from).inode(), end.getattr(to).inode());
			// the directory's other names are untouched; a name only in the other tree is no rename
			for (String n : t.readdir(dir)) if (!n.equals(oldName)) assertNull(c.status(GuestPath.child(dir, n)).renamedTo(), n);
		}
	}

	@Test
	void changedRangesAreWhereTheContentsDiffer() throws Exception {
		String set = Samples.SETS.get(0);
		List<int[]> rounds = rounds(set);
		try (DiskHistory h = history(set); InstantTree end = InstantTree.open(h, h.resolve("end"), MOUNT, true);
				InstantTree t = InstantTree.open(h, h.resolve("entry:" + rounds.get(1)[1]), MOUNT, true)) {
			InstantComparison c = InstantComparison.of(t, end);
			Map<String, FileRecord> a = byPath(manifest(set, rounds.get(1)[0])), b = byPath(manifest(set, rounds.get(rounds.size() - 1)[0]));
			int compared = 0;
			for (String p : a.keySet()) {
				FileRecord x = a.get(p), y = b.get(p);
				if (y == null || !x.type().isRegular() || !y.type().isRegular()) continue;
				byte[] bx = readAll(t, p, x.size()), by = readAll(end, p, y.size());
				assertEquals(x.sha256(), sha256(bx));
				assertEquals(y.sha256(), sha256(by));
				List<FileChanges.ByteRange> ranges = c.changedRanges(p);
				// byte by byte: differing where a range says so, equal elsewhere
				boolean[] differs = new boolean[Math.max(bx.length, by.length)];
				for (FileChanges.ByteRange rg : ranges) for (long k = rg.offset(); k < rg.offset() + rg.length(); k++) differs[(int) k] = true;
				for (int k = 0; k < differs.length; k++) {
					boolean d = k >= bx.length || k >= by.length || bx[k] != by[k];
					assertEquals(d, differs[k], p + " byte " + k + " " + ranges);
				}
				assertEquals(x.sha256().equals(y.sha256()), ranges.isEmpty(), p);
				compared++;
			}
			assertTrue(compared >= 5);
			assertEquals(List.of(), c.changedRanges(MOUNT));
		}
	}

	@Test
	void changesBetweenRoundsTwoAndFiveAreTheManifestsDifference() throws Exception {
		for (String set : Samples.SETS) {
			List<int[]> rounds = rounds(set);
			try (DiskHistory h = history(set)) {
				ResolvedInstant a = h.resolve("entry:" + rounds.get(1)[1]), b = h.resolve("entry:" + rounds.get(4)[1]);
				List<FileChanges.FileChange> got = InstantChanges.between(h, a, b, MOUNT, true, Progress.NONE);
				List<FileChanges.FileChange> expected = FileChanges.diff(manifest(set, 2), manifest(set, 5), null, null);
				assertEquals(summary(expected), summary(got), set);
				assertTrue(got.size() >= 5, set + " " + got.size());
				// the same changes, byte ranges included, as ext4 read directly (what the CLI did before)
				try (Ext4FileSystem x = Ext4FileSystem.open(h.at(a), Ext4FileSystem.Options.REPLAYED); Ext4FileSystem y = Ext4FileSystem.open(h.at(b), Ext4FileSystem.Options.REPLAYED)) {
					List<FileChanges.FileChange> direct = FileChanges.diff(x.listing(MOUNT, true), y.listing(MOUNT, true), content(x), content(y));
					assertEquals(direct.toString(), got.toString());
				}
				// app.log grew: its last range reaches the new end; the bytes between agree with both manifests' hashes
				FileChanges.FileChange log = got.stream().filter(c -> c.path().equals(MOUNT + "/var/log/app.log")).findFirst().orElseThrow();
				assertTrue(log.after().size() > log.before().size());
				FileChanges.ByteRange lastRange = log.ranges().get(log.ranges().size() - 1);
				assertEquals(log.after().size(), lastRange.offset() + lastRange.length());
				try (InstantTree x = InstantTree.open(h, a, MOUNT, true); InstantTree y = InstantTree.open(h, b, MOUNT, true)) {
					byte[] bx = readAll(x, log.path(), log.before().size()), by = readAll(y, log.path(), log.after().size());
					assertEquals(byPath(manifest(set, 2)).get(log.path()).sha256(), sha256(bx));
					assertEquals(byPath(manifest(set, 5)).get(log.path()).sha256(), sha256(by));
					byte[] merged = by.clone(); // the new content with every byte outside the ranges taken from the old
					boolean[] in = new boolean[by.length];
					for (FileChanges.ByteRange rg : log.ranges()) for (long k = rg.offset(); k < rg.offset() + rg.length(); k++) in[(int) k] = true;
					for (int k = 0; k < by.length; k++) if (!in[k]) merged[k] = bx[k];
					assertArrayEquals(by, merged, "bytes outside the ranges are unchanged");
				}
			}
		}
	}

	static FileChanges.Content content(Ext4FileSystem fs) {
		return (path, off, buf, o, len) -> fs.open(fs.lookup(path.equals(MOUNT) ? "/" : path.substring(MOUNT.length()))).read(off, buf, o, len);
	}

	static List<String> summary(List<FileChanges.FileChange> cs) {
		List<String> out = new ArrayList<>();
		for (FileChanges.FileChange c : cs) out.add(c.kind() + " " + c.path() + " " + c.columns());
		return out;
	}

	/**
	 * Files whose content was written in round 3 and left alone in rounds 4-6, by inode (no round-2 path had this
	 * inode with this content; a later rename is fine): their round-6 path and size, from the guest's manifests.
	 */
	static Map<String, Long> writtenInRoundThreeOnly(String set) throws IOException {
		Map<String, FileRecord> r2 = byPath(manifest(set, 2)), r3 = byPath(manifest(set, 3));
		List<Map<String, FileRecord>> later = new ArrayList<>();
		for (int k = 4; k <= 6; k++) later.add(byPath(manifest(set, k)));
		Map<String, Long> out = new TreeMap<>();
		for (FileRecord f : r3.values()) {
			if (f.type() != FileType.REGULAR) continue;
			if (r2.values().stream().anyMatch(g -> g.inode() == f.inode() && f.sha256().equals(g.sha256()))) continue;
			String at6 = null;
			boolean same = true;
			for (Map<String, FileRecord> m : later) {
				FileRecord g = m.values().stream().filter(x -> x.inode() == f.inode()).findFirst().orElse(null);
				same &= g != null && f.sha256().equals(g.sha256()) && g.mtime() == f.mtime() && g.mtimeNanos() == f.mtimeNanos();
				if (g != null) at6 = g.path();
			}
			if (same) out.putIfAbsent(at6, f.size());
		}
		return out;
	}

	@Test
	void lastWritersOfAFileWrittenInRoundThreeAndNotLater() throws Exception {
		for (String set : Samples.SETS) {
			List<int[]> rounds = rounds(set);
			Map<String, Long> sizes = writtenInRoundThreeOnly(set);
			List<String> candidates = new ArrayList<>(sizes.keySet());
			assertFalse(candidates.isEmpty(), set + ": no file created in round 3 and left alone");
			try (DiskHistory h = history(set); InstantTree t6 = InstantTree.open(h, h.resolve("entry:" + rounds.get(5)[1]), MOUNT, true);
					InstantTree t0 = InstantTree.open(h, h.resolve("entry:0"), MOUNT, true)) {
				for (String p : candidates) {
					List<InstantTree.LastWriter> lw = t6.lastWriters(p);
					assertFalse(lw.isEmpty(), p);
					long covered = 0;
					for (InstantTree.LastWriter w : lw) {
						// entry indices of round 3: [entries after round 2, entries after round 3)
						assertTrue(w.entry() >= rounds.get(1)[1] && w.entry() < rounds.get(2)[1], set + " " + p + " " + w);
						assertEquals(TimeQuality.INTERPOLATED, w.quality(), w.toString());
						assertEquals(h.timeline().timeOfEntry(w.entry()).estimateNanos(), w.epochNanos());
						assertTrue(w.diskOffset() >= h.journal().diskOffset(w.entry()) && w.diskOffset() + w.length() <= h.journal().diskOffset(w.entry()) + h.journal().length(w.entry()), w.toString());
						covered += w.length();
					}
					assertEquals(sizes.get(p), covered, p + " " + lw);
					assertTrue(t6.provenance(p).stream().allMatch(b -> b.source() == ByteProvenance.Source.JOURNAL_ENTRY), p);
				}
				// at entry:0 every byte is the base image's
				int files = 0;
				for (FileRecord f : t0.listing(false, Progress.NONE)) {
					if (f.type() != FileType.REGULAR) continue;
					for (InstantTree.LastWriter w : t0.lastWriters(f.path())) {
						assertEquals(-1, w.entry(), f.path() + " " + w);
						assertEquals(WriteLog.NO_TIME, w.epochNanos());
						assertEquals(TimeQuality.NONE, w.quality());
					}
					assertFalse(t0.lastWriters(f.path()).isEmpty());
					assertTrue(t0.provenance(f.path()).stream().allMatch(b -> b.source() != ByteProvenance.Source.JOURNAL_ENTRY));
					files++;
				}
				assertTrue(files > 0, set + ": the base image holds regular files");
			}
		}
	}

	/** {@link JournalIndex#lastWrites} against a scan of every entry, byte by byte. */
	@Test
	void lastWritesAgreesWithAScanOfTheJournal() throws Exception {
		for (String set : Samples.SETS) {
			try (DiskHistory h = history(set)) {
				WriteLog log = h.journal();
				Random rnd = new Random(7);
				for (int k = 0; k < 400; k++) {
					int limit = rnd.nextInt(log.entryCount() + 1);
					long off, len;
					int e = rnd.nextInt(log.entryCount());
					if (log.changesDisk(e) && rnd.nextBoolean()) off = Math.max(0, log.diskOffset(e) - rnd.nextInt(3000));
					else off = (long) (rnd.nextDouble() * (h.base().size() - 20000));
					len = 1 + rnd.nextInt(20000);
					List<JournalIndex.WriteRun> runs = h.index().lastWrites(off, len, limit);
					long pos = off;
					for (JournalIndex.WriteRun w : runs) {
						assertEquals(pos, w.offset());
						for (long x = w.offset(); x < w.end(); x += 256) assertEquals(scan(log, x, limit), w.entry(), set + " byte " + x + " limit " + limit);
						assertEquals(scan(log, w.end() - 1, limit), w.entry());
						pos = w.end();
					}
					assertEquals(off + len, pos);
				}
			}
		}
	}

	private static int scan(WriteLog log, long x, int limit) {
		for (int i = limit - 1; i >= 0; i--) if (log.changesDisk(i) && log.diskOffset(i) <= x && x < log.diskOffset(i) + log.length(i)) return i;
		return -1;
	}

	@Test
	void hostileInstantsAndPaths() throws Exception {
		String set = Samples.SETS.get(0);
		try (DiskHistory h = history(set)) {
			int n = h.journal().entryCount();
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.resolve("entry:" + (n + 1)));
			assertFalse(e.getMessage().contains("\n"), e.getMessage());
			assertTrue(e.getMessage().contains("past the end"), e.getMessage());
			ResolvedInstant beyond = new ResolvedInstant(InstantSpec.entry(n + 5), n + 5, n + 5, n + 5, WriteLog.NO_TIME, TimeQuality.NONE, "forged");
			e = assertThrows(IllegalArgumentException.class, () -> InstantTree.open(h, beyond, MOUNT, true));
			assertFalse(e.getMessage().contains("\n"), e.getMessage());
			ResolvedInstant negative = new ResolvedInstant(InstantSpec.entry(0), -3, 0, 0, WriteLog.NO_TIME, TimeQuality.NONE, "forged");
			assertThrows(IllegalArgumentException.class, () -> InstantTree.open(h, negative, MOUNT, true));

			try (InstantTree t = InstantTree.open(h, h.resolve("end"), MOUNT, true); InstantTree t1 = InstantTree.open(h, h.resolve("entry:30"), MOUNT, true)) {
				InstantComparison c = InstantComparison.of(t1, t);
				String file = MOUNT + "/var/log/app.log";
				assertNotNull(t.getattr(file));
				List<String> bad = new ArrayList<>(List.of("", "var/log/app.log", MOUNT + "/var/log/app.log\0", MOUNT + "/var\0/log", MOUNT + "/../etc/passwd",
						MOUNT + "/var/../var/log/app.log", MOUNT + "/var/./log/app.log", MOUNT + "//var/log/app.log", MOUNT + "/var/log/app.log/x",
						MOUNT + "/no/such/path", MOUNT + "/var/log/nope", "/mnt/diskette", "/mnt", "/", "/etc/passwd", MOUNT + "/" + "x".repeat(5000)));
				bad.add(null);
				for (String p : bad) {
					String what = p == null ? "null" : p.replace('\0', '@');
					assertNull(t.getattr(p), what);
					assertNull(t.readdir(p), what);
					assertNull(t.readlink(p), what);
					assertEquals(List.of(), t.provenance(p), what);
					assertEquals(List.of(), t.lastWriters(p), what);
					assertThrows(NoSuchFileException.class, () -> t.read(p, 0, new byte[4], 0, 4), what);
					assertNull(c.status(p), what);
					assertNull(c.children(p), what);
					assertEquals(List.of(), c.changedRanges(p), what);
				}
				// reads past the end and a directory read as a file
				assertEquals(0, t.read(file, 1L << 40, new byte[4], 0, 4));
				assertThrows(NoSuchFileException.class, () -> t.read(MOUNT + "/var", 0, new byte[4], 0, 4));
				assertThrows(IllegalArgumentException.class, () -> InstantComparison.of(t, InstantTree.open(h, h.resolve("end"), "/other", true)));
			}
		}
	}
}
