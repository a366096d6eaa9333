package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;

class DiskHistoryTest {
	@TempDir
	Path tmp;

	@Test
	void replayWritesImagesAndChangesCompareBlocks() throws IOException {
		for (Path set : Samples.sets()) {
			Path base = tmp.resolve("base.img");
			Files.copy(set.resolve("disk.base.img"), base, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			Path idx = tmp.resolve("writes.csjvix");
			Files.deleteIfExists(idx);
			try (DiskHistory h = DiskHistory.open(base, set.resolve("writes.log"), set.resolve("timeline.tsv"), idx, Progress.NONE)) {
				assertTrue(h.warnings().isEmpty(), h.warnings().toString());
				Path out = tmp.resolve("end.img");
				h.writeImage(h.resolve("end"), out, Progress.NONE);
				assertEquals(Files.size(set.resolve("disk.img")), Files.size(out));
				assertEquals(-1L, Files.mismatch(set.resolve("disk.img"), out), set + ": replayed image differs from disk.img");
				assertThrows(IOException.class, () -> h.writeImage(h.resolve("end"), base, Progress.NONE));

				List<String[]> rounds = Samples.tsv(set.resolve("rounds.tsv"));
				ResolvedInstant r1 = h.resolve("entry:" + rounds.get(0)[2]), r2 = h.resolve("entry:" + rounds.get(1)[2]);
				DiskChanges ch = h.changes(r1, r2, Progress.NONE);
				assertFalse(ch.blocks().isEmpty());
				assertTrue(ch.changedBlockCount() > 0);
				assertEquals(h.index().changedBlocks(r1.entryCount(), r2.entryCount()).size(), ch.blocks().size());
				byte[] x = new byte[4096], y = new byte[4096];
				for (BlockChange c : ch.blocks()) {
					h.at(r1).read(c.offset(), x, 0, 4096);
					h.at(r2).read(c.offset(), y, 0, 4096);
					assertEquals(!java.util.Arrays.equals(x, y), c.contentDiffers(), "block " + c.block());
				}
				StringBuilder tsv = new StringBuilder();
				ch.writeTsv(tsv);
				assertTrue(tsv.toString().contains("block\toffset\twrites\tfirst_entry\tlast_entry\tcontent"));

				TimelineSummary s = h.summary();
				assertEquals(h.journal().entryCount(), s.entries());
				assertEquals(s.writes(), s.perSecond().stream().mapToLong(TimelineSummary.Rate::writes).sum());
				assertTrue(s.events().stream().anyMatch(p -> p.label().contains("EVIDENCE-ROUND-1-SYNCED")));
				StringBuilder text = new StringBuilder(), json = new StringBuilder();
				s.writeText(text);
				s.writeJson(json);
				assertTrue(text.toString().contains("flush:1\t"), text.toString());
				assertTrue(text.toString().contains("interpolated"), text.toString());
				assertTrue(json.toString().startsWith("{\"journal\":") && json.toString().contains("\"writes_per_second\":[{"), json.toString());
			}
			// the index file written on the first open is reused on the second
			assertTrue(Files.size(idx) > 64);
			try (DiskHistory h = DiskHistory.open(base, set.resolve("writes.log"), null, idx, Progress.NONE)) {
				assertTrue(h.index().store() instanceof MappedBlockVersionStore);
				IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.resolve("time:@1795440578"));
				assertTrue(e.getMessage().contains("sidecar"));
				TimelineSummary s = h.summary();
				assertTrue(s.perSecond().isEmpty());
			}
		}
	}

	@Test
	void aQcow2BaseWorksLikeTheRawOne() throws Exception {
		Path set = Samples.sets().get(0);
		Path q = tmp.resolve("base.qcow2");
		Process p = new ProcessBuilder("qemu-img", "convert", "-O", "qcow2", set.resolve("disk.base.img").toString(), q.toString())
				.redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertEquals(0, p.waitFor(), "qemu-img convert: " + out);
		try (DiskHistory h = DiskHistory.open(q, set.resolve("writes.log"), null, null, Progress.NONE)) {
			Path img = tmp.resolve("end.img");
			h.writeImage(h.resolve("end"), img, Progress.NONE);
			assertEquals(-1L, Files.mismatch(set.resolve("disk.img"), img));
		}
	}

	static FileRecord rec(String path, long size, long inode, String sha, long mtime) {
		return new FileRecord(path, size == 0 ? FileType.REGULAR_EMPTY : FileType.REGULAR, 0100644, 0, 0, size, 1, inode, 1, mtime, mtime, 0, sha, null);
	}

	@Test
	void fileChangesNameColumnsAndByteRanges() throws IOException {
		Map<String, byte[]> before = Map.of("/a", "hello world".getBytes(StandardCharsets.UTF_8), "/b", "same".getBytes(StandardCharsets.UTF_8),
				"/gone", new byte[3]);
		Map<String, byte[]> after = Map.of("/a", "hellO world, longer".getBytes(StandardCharsets.UTF_8), "/b", "same".getBytes(StandardCharsets.UTF_8),
				"/new", new byte[1]);
		List<FileRecord> la = List.of(rec("/a", 11, 12, "x1", 5), rec("/b", 4, 13, "s", 5), rec("/gone", 3, 14, "g", 5));
		List<FileRecord> lb = List.of(rec("/a", 19, 12, "x2", 6), rec("/b", 4, 13, "s", 5), rec("/new", 1, 15, "n", 6));
		FileChanges.Content ca = (p, off, buf, o, len) -> {
			byte[] d = before.get(p);
			int n = (int) Math.min(len, d.length - off);
			System.arraycopy(d, (int) off, buf, o, n);
			return n;
		};
		FileChanges.Content cb = (p, off, buf, o, len) -> {
			byte[] d = after.get(p);
			int n = (int) Math.min(len, d.length - off);
			System.arraycopy(d, (int) off, buf, o, n);
			return n;
		};
		List<FileChanges.FileChange> d = FileChanges.diff(la, lb, ca, cb);
		assertEquals(3, d.size(), d.toString());
		FileChanges.FileChange a = d.get(0);
		assertEquals("/a", a.path());
		assertEquals(FileChanges.Kind.CHANGED, a.kind());
		assertEquals(List.of("size", "mtime", "ctime", "mtime_full", "sha256"), a.columns());
		assertEquals(List.of(new FileChanges.ByteRange(4, 1), new FileChanges.ByteRange(11, 8)), a.ranges());
		assertEquals(FileChanges.Kind.REMOVED, d.get(1).kind());
		assertEquals("/gone", d.get(1).path());
		assertEquals(FileChanges.Kind.ADDED, d.get(2).kind());
		StringBuilder sb = new StringBuilder();
		FileChanges.writeTsv(d, sb);
		assertTrue(sb.toString().contains("changed\t/a\tsize,mtime,ctime,mtime_full,sha256\t4+1,11+8\n"), sb.toString());
		assertNotEquals(-1, sb.indexOf("removed\t/gone\t-\t-"));
		assertArrayEquals(new byte[0], new byte[0]);
	}
}
