package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.AtomicFile;

/**
 * A file written through {@link AtomicFile} is whole or absent at its name: the old content stays until the commit,
 * an abandoned write leaves nothing, a temporary file whose process died is removed by the next write (one of a live
 * process is not), and a new-only commit never replaces.
 */
class AtomicFileTest {

	static List<String> names(Path dir) throws Exception {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	@Test
	void theOldContentStaysUntilTheCommitReplacesItWhole(@TempDir Path tmp) throws Exception {
		Path f = tmp.resolve("report.tsv");
		Files.writeString(f, "old\n");
		try (AtomicFile a = AtomicFile.create(f)) {
			try (OutputStream o = a.stream()) { // closing the stream leaves the channel for the commit
				o.write("new, longer than the old\n".getBytes(StandardCharsets.UTF_8));
			}
			assertEquals("old\n", Files.readString(f), "replaced before the commit");
			assertTrue(AtomicFile.isTemporary(a.temp()));
			assertEquals(tmp, a.temp().getParent(), "the temporary file is beside its target (a rename, never a copy)");
			a.commit();
		}
		assertEquals("new, longer than the old\n", Files.readString(f));
		assertEquals(List.of("report.tsv"), names(tmp));
	}

	@Test
	void anAbandonedWriteLeavesTheTargetAsItWasAndNoTemporaryFile(@TempDir Path tmp) throws Exception {
		Path f = tmp.resolve("index");
		Files.writeString(f, "whole\n");
		assertThrows(IllegalStateException.class, () -> AtomicFile.writeText(f, w -> {
			w.write("half of it");
			throw new IllegalStateException("the writer fails half-way");
		}));
		assertEquals("whole\n", Files.readString(f));
		assertEquals(List.of("index"), names(tmp));
		Path g = tmp.resolve("never");
		try (AtomicFile a = AtomicFile.create(g)) {
			a.channel().write(ByteBuffer.wrap(new byte[] { 1, 2, 3 }));
		}
		assertFalse(Files.exists(g));
		assertEquals(List.of("index"), names(tmp));
	}

	@Test
	void aTemporaryFileOfADeadProcessGoesWithTheNextWriteOneOfALiveProcessStays(@TempDir Path tmp) throws Exception {
		Process p = new ProcessBuilder("true").start();
		assertEquals(0, p.waitFor());
		long dead = p.pid();
		Path f = tmp.resolve("out.tar");
		// as a kill -9 leaves them: the dead process's, and one of this (live) process under another serial number
		Path left = Files.writeString(tmp.resolve(".out.tar.partial-" + dead + "-1"), "half a tar");
		Path live = Files.writeString(tmp.resolve(".out.tar.partial-" + ProcessHandle.current().pid() + "-999999"), "being written");
		Path other = Files.writeString(tmp.resolve(".other.partial-" + dead + "-1"), "another target's");
		AtomicFile.writeText(f, w -> w.write("whole tar"));
		assertEquals("whole tar", Files.readString(f));
		assertFalse(Files.exists(left), "left by a dead process");
		assertTrue(Files.exists(live), "a live process's write in progress");
		assertTrue(Files.exists(other), "another target's is left to its own next write");
		AtomicFile.removeStale(tmp.resolve("other"));
		assertFalse(Files.exists(other));
	}

	@Test
	void aNewOnlyCommitNeverReplaces(@TempDir Path tmp) throws Exception {
		Path f = tmp.resolve("journal.csj");
		try (AtomicFile a = AtomicFile.create(f)) {
			a.channel().write(ByteBuffer.wrap("first".getBytes(StandardCharsets.US_ASCII)));
			a.commitNew();
		}
		try (AtomicFile a = AtomicFile.create(f)) {
			a.channel().write(ByteBuffer.wrap("second".getBytes(StandardCharsets.US_ASCII)));
			assertThrows(FileAlreadyExistsException.class, a::commitNew);
		}
		assertEquals("first", Files.readString(f));
		assertEquals(List.of("journal.csj"), names(tmp));
	}

	@Test
	void aLongNameStillGetsATemporaryNameTheHostTakes(@TempDir Path tmp) throws Exception {
		Path f = tmp.resolve("é".repeat(120) + ".tsv"); // 244 bytes
		AtomicFile.writeText(f, w -> w.write("x"));
		assertEquals("x", Files.readString(f));
	}
}
