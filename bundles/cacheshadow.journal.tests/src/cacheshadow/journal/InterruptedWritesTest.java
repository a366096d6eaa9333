package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.Progress;

/**
 * What the journal bundle writes (an imported journal, a block index, a replayed image) is whole or absent: an
 * import stopped half-way leaves no journal (a journal cut short would read as a valid shorter one) and runs again
 * cleanly; an index cut short (as a write killed mid-way left one before indexes were written under a temporary
 * name) is rebuilt, never used; a temporary file a killed writer left beside an index goes when the index is next
 * opened. The kill itself is exercised on the real command line by releng/crash-loop.sh.
 */
class InterruptedWritesTest {
	@TempDir
	Path tmp;

	static List<String> names(Path dir) throws Exception {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	/** Cancels at its first chance: the importer checks every 16,384 entries. */
	static final class CancelAtFirstCheck implements Progress {
		boolean asked;

		@Override
		public void begin(String task, long totalWork) {
		}

		@Override
		public void worked(long units) {
			asked = true;
		}

		@Override
		public boolean isCanceled() {
			return asked;
		}
	}

	@Test
	void anImportStoppedHalfWayLeavesNoJournalAndRunsAgainCleanly() throws Exception {
		Path src = tmp.resolve("src");
		Files.createDirectories(src);
		Path log = src.resolve("writes.log");
		byte[] data = new byte[512];
		try (DmLogWritesWriter w = new DmLogWritesWriter(log, 512)) {
			for (int i = 0; i < 40_000; i++) {
				data[0] = (byte) i;
				w.write(i % 2048, data, 0, 512, 0);
			}
		}
		Path out = tmp.resolve("out");
		Files.createDirectories(out);
		Path csj = out.resolve("writes.csj");
		try (DmLogWritesLog dm = DmLogWritesReader.read(log)) {
			CancelAtFirstCheck cancel = new CancelAtFirstCheck();
			assertThrows(CancellationException.class, () -> JournalImporter.importJournal(dm, null, csj, 1 << 20, cancel));
			assertTrue(cancel.asked, "the import was stopped half-way, not before it began");
			assertEquals(List.of(), names(out), "nothing at the journal's name, no temporary file");
			JournalImporter.Report r = JournalImporter.importJournal(dm, null, csj, 1 << 20, Progress.NONE);
			assertEquals(40_000, r.entries());
			try (TimestampedJournal j = TimestampedJournal.open(csj)) {
				assertEquals(40_000, j.entryCount());
				assertTrue(j.damage().isEmpty());
			}
			byte[] whole = Files.readAllBytes(csj);
			assertThrows(FileAlreadyExistsException.class, () -> JournalImporter.importJournal(dm, null, csj, 1 << 20, Progress.NONE));
			assertArrayEquals(whole, Files.readAllBytes(csj), "an existing journal is never written over");
			assertEquals(List.of("writes.csj"), names(out));
		}
	}

	/** Reads the set's writes.log and indexes it into {@code idx} (reused if it matches); the index file's bytes. */
	static byte[] indexed(Path set, Path idx) throws IOException {
		try (JournalIndex i = JournalIndex.readAndIndex(set.resolve("writes.log"), idx, Progress.NONE); WriteLog l = i.log()) {
			assertEquals(l.entryCount(), i.entryCount());
		}
		return Files.readAllBytes(idx);
	}

	@Test
	void anIndexCutShortIsRebuiltAndAKilledWritersTemporaryFileGoes() throws Exception {
		Path set = Samples.sets().get(0);
		Path idx = tmp.resolve("writes.idx");
		byte[] whole = indexed(set, idx);
		assertEquals(List.of("writes.idx"), names(tmp));
		Process dead = new ProcessBuilder("true").start();
		assertEquals(0, dead.waitFor());
		Path left = Files.write(tmp.resolve(".writes.idx.partial-" + dead.pid() + "-1"), new byte[] { 'C', 'S' });
		for (long cut : new long[] { whole.length - 8, 64, 10 }) {
			try (FileChannel ch = FileChannel.open(idx, StandardOpenOption.WRITE)) {
				ch.truncate(cut);
			}
			assertArrayEquals(whole, indexed(set, idx), "cut at " + cut + ": rebuilt whole");
		}
		assertFalse(Files.exists(left), "the dead writer's temporary file");
		assertEquals(List.of("writes.idx"), names(tmp));
	}

	/**
	 * Found by JournalIndexFileFuzzer: a damaged index body was read as it was (IndexOutOfBoundsException,
	 * IllegalStateException at the first read of the disk at an instant). Its checksum now has it rebuilt; a crafted one
	 * with the checksums made right gives evidence errors, never internal ones.
	 */
	@Test
	void aDamagedIndexBodyIsRebuiltAndACraftedOneRefused() throws Exception {
		Path set = Samples.sets().get(0);
		Path idx = tmp.resolve("writes.idx");
		byte[] whole = indexed(set, idx);
		byte[] damaged = whole.clone();
		long blocks = cacheshadow.layers.LittleEndian.u64(whole, 32), versions = cacheshadow.layers.LittleEndian.u64(whole, 40);
		int entriesAt = (int) (64 + 8 * blocks + 8 * (blocks + 1)); // FORMAT.md: block numbers, first versions, entry numbers
		for (int v = 0; v < versions; v++) cacheshadow.layers.LittleEndian.put32(damaged, entriesAt + 4 * v, 0x7fffffff);
		Files.write(idx, damaged);
		assertArrayEquals(whole, indexed(set, idx), "rebuilt whole");
		java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
		crc.update(damaged, 64, damaged.length - 64);
		cacheshadow.layers.LittleEndian.put32(damaged, 20, (int) crc.getValue());
		crc.reset();
		crc.update(damaged, 0, 60);
		cacheshadow.layers.LittleEndian.put32(damaged, 60, (int) crc.getValue());
		Files.write(idx, damaged);
		try (JournalIndex i = JournalIndex.readAndIndex(set.resolve("writes.log"), idx, Progress.NONE); WriteLog l = i.log();
				cacheshadow.layers.Layer base = new cacheshadow.layers.RawFileLayer(set.resolve("disk.base.img"))) {
			DiskAtInstant d = new DiskAtInstant(base, i, l.entryCount(), null);
			byte[] b = new byte[1 << 20];
			IOException e = assertThrows(IOException.class, () -> {
				for (long at = 0; at < base.size(); at += b.length) d.read(at, b, 0, b.length);
			});
			assertTrue(e.getMessage().contains("damaged index"), e.getMessage());
		}
	}
}
