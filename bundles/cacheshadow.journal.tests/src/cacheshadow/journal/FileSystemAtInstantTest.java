package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.ManifestFormat;

/**
 * The issue's acceptance check, through the layer API only: ext4 (journal replayed in memory, as a mount would) on
 * {@link DiskAtInstant} at each sync round, named by entry count and by wall-clock time, lists exactly
 * manifest.round-K.tsv; the file-level diff between consecutive rounds agrees with the manifests.
 */
class FileSystemAtInstantTest {
	static final String MOUNT = "/mnt/disk";

	static Map<String, String> lines(List<FileRecord> records) {
		Map<String, String> m = new TreeMap<>();
		for (FileRecord r : records) m.put(r.path(), ManifestFormat.line(r, List.of()));
		return m;
	}

	static FileChanges.Content content(Ext4FileSystem fs) {
		return (path, off, buf, o, len) -> fs.open(fs.lookup(path.equals(MOUNT) ? "/" : path.substring(MOUNT.length()))).read(off, buf, o, len);
	}

	@Test
	void ext4AtEveryRoundEqualsItsManifestAndTheDiffAgrees() throws IOException {
		for (Path set : Samples.sets()) {
			try (DiskHistory h = DiskHistory.open(set.resolve("disk.base.img"), set.resolve("writes.log"), set.resolve("timeline.tsv"), null,
					Progress.NONE)) {
				List<FileRecord> prev = null;
				Ext4FileSystem prevFs = null;
				int rounds = 0;
				for (String[] r : Samples.tsv(set.resolve("rounds.tsv"))) {
					List<FileRecord> expected = ManifestFormat.read(set.resolve("manifest.round-" + r[0] + ".tsv"));
					List<FileRecord> got = null;
					Ext4FileSystem fs = null;
					for (String at : List.of("entry:" + r[2], "time:@" + r[1])) {
						fs = Ext4FileSystem.open(h.at(at), Ext4FileSystem.Options.REPLAYED);
						got = fs.listing(MOUNT);
						assertEquals(lines(expected), lines(got), set.getFileName() + " round " + r[0] + " at " + at);
					}
					if (prev != null) {
						List<FileChanges.FileChange> d = FileChanges.diff(prev, got, content(prevFs), content(fs));
						Map<String, String> a = lines(prev), b = lines(got);
						TreeSet<String> added = new TreeSet<>(b.keySet()), removed = new TreeSet<>(a.keySet()), changed = new TreeSet<>();
						added.removeAll(a.keySet());
						removed.removeAll(b.keySet());
						for (String p : a.keySet()) if (b.containsKey(p) && !a.get(p).equals(b.get(p))) changed.add(p);
						assertEquals(added, kind(d, FileChanges.Kind.ADDED), "added, round " + r[0]);
						assertEquals(removed, kind(d, FileChanges.Kind.REMOVED), "removed, round " + r[0]);
						assertEquals(changed, kind(d, FileChanges.Kind.CHANGED), "changed, round " + r[0]);
						for (FileChanges.FileChange c : d) {
							if (c.kind() != FileChanges.Kind.CHANGED || !c.columns().contains("sha256")) continue;
							assertTrue(!c.ranges().isEmpty(), c.path() + ": content changed but no byte range");
							if (c.path().endsWith("/var/log/app.log") && c.after().size() > c.before().size()) {
								FileChanges.ByteRange last = c.ranges().get(c.ranges().size() - 1);
								assertEquals(c.after().size(), last.offset() + last.length(), "app.log append reaches the new end");
							}
						}
					}
					prev = got;
					prevFs = fs;
					rounds++;
				}
				assertTrue(rounds >= 6);
			}
		}
	}

	private static TreeSet<String> kind(List<FileChanges.FileChange> d, FileChanges.Kind k) {
		List<String> out = new ArrayList<>();
		for (FileChanges.FileChange c : d) if (c.kind() == k) out.add(c.path());
		return new TreeSet<>(out);
	}
}
