package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recorder's NBD server with QEMU's own NBD client ({@code qemu-io} of qemu-utils, the block layer QEMU's guests
 * use): writes, FUA writes, discards and flushes are in the .csj journal in order with the host's time, reads
 * return what was written, and replaying the journal onto the base gives the image; a journal torn mid-record is
 * cut on reopening and recording goes on after it; a malformed handshake or request ends only its connection.
 */
class NbdRecorderTest {
	static final int SIZE = 8 << 20;

	record Served(RecordingDisk disk, NbdServer server, Thread thread, Path socket) implements AutoCloseable {
		static Served start(Path image, Path journal, Path socket, PrintStream log) throws IOException {
			RecordingDisk d = RecordingDisk.open(image, journal);
			NbdServer s = NbdServer.listen(d, socket, log);
			Thread t = new Thread(() -> {
				try {
					s.serve();
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			});
			t.start();
			return new Served(d, s, t, socket);
		}

		@Override
		public void close() throws Exception {
			server.close();
			thread.join(10_000);
			disk.close();
		}
	}

	/** Runs qemu-io on the served export; its output (exit status checked). */
	static String qemuIo(Path socket, String... commands) throws Exception {
		List<String> cmd = new ArrayList<>(List.of("qemu-io", "-t", "writeback", "-d", "unmap", "--image-opts", "driver=nbd,server.type=unix,server.path=" + socket));
		for (String c : commands) {
			cmd.add("-c");
			cmd.add(c);
		}
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes());
		assertTrue(p.waitFor(60, TimeUnit.SECONDS), "qemu-io hangs");
		assertEquals(0, p.exitValue(), out);
		assertFalse(out.contains("failed") || out.contains("error"), out);
		return out;
	}

	static Path base(Path tmp) throws IOException {
		byte[] b = new byte[SIZE];
		new SplittableRandom(16).nextBytes(b);
		return Files.write(tmp.resolve("base.img"), b);
	}

	/** The base with the journal's entries applied, as replay does it. */
	static byte[] replay(Path base, Path journal) throws IOException {
		byte[] img = Files.readAllBytes(base);
		try (WriteLog j = JournalFormat.open(journal)) {
			assertTrue(j.damage().isEmpty(), j.damage().toString());
			for (int i = 0; i < j.entryCount(); i++) if (j.changesDisk(i)) j.readData(i, 0, img, (int) j.diskOffset(i), (int) j.length(i));
		}
		return img;
	}

	@Test
	void qemusClientWritesDiscardsAndFlushesAreJournalledInOrderAndReplayToTheImage(@TempDir Path tmp) throws Exception {
		Path base = base(tmp), image = Files.copy(base, tmp.resolve("disk.img")), journal = tmp.resolve("disk.csj"), sock = tmp.resolve("nbd.sock");
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		long t0 = System.currentTimeMillis() * 1_000_000L;
		try (Served s = Served.start(image, journal, sock, new PrintStream(log, true))) {
			String out = qemuIo(sock, "write -P 0xab 0 64k", "write -f -P 0xcd 1m 4k", "write -P 0x11 4608 1024", "discard 2m 128k", "flush",
					"read -P 0xab 0 4608", "read -P 0x11 4608 1024", "read -P 0xcd 1m 4k", "read -P 0 2m 128k");
			assertTrue(out.contains("read 1024/1024 bytes"), out);
		}
		long t1 = System.currentTimeMillis() * 1_000_000L;
		try (TimestampedJournal j = TimestampedJournal.open(journal)) {
			List<String> entries = new ArrayList<>();
			long last = Long.MIN_VALUE;
			for (int i = 0; i < j.entryCount(); i++) {
				if (j.flags(i) == WriteLog.FLUSH && j.length(i) == 0) {
					entries.add("flush");
				} else {
					entries.add(WriteLog.flagNames(j.flags(i)) + " " + j.diskOffset(i) + "+" + j.length(i));
				}
				assertEquals(TimeQuality.MEASURED, j.timeQuality(i));
				assertTrue(j.epochNanos(i) >= last && j.epochNanos(i) >= t0 - 1_000_000_000L && j.epochNanos(i) <= t1 + 1_000_000_000L, "time of entry " + i);
				last = j.epochNanos(i);
			}
			// qemu-io's requests in its order (its own flushes, if any, between them are allowed)
			List<String> writes = entries.stream().filter(e -> !e.equals("flush")).toList();
			assertEquals(List.of("- 0+65536", "FUA 1048576+4096", "- 4608+1024", "DISCARD 2097152+131072"), writes);
			assertTrue(entries.contains("flush"), entries.toString());
			assertEquals(8L << 20, j.diskSize());
		}
		assertArrayEquals(replay(base, journal), Files.readAllBytes(image));
	}

	@Test
	void aTornJournalIsCutOnReopeningAndRecordingGoesOnAfterIt(@TempDir Path tmp) throws Exception {
		Path base = base(tmp), image = Files.copy(base, tmp.resolve("disk.img")), journal = tmp.resolve("disk.csj"), sock = tmp.resolve("nbd.sock");
		PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true);
		try (Served s = Served.start(image, journal, sock, quiet)) {
			qemuIo(sock, "write -P 0x01 0 8k", "write -P 0x02 64k 8k", "flush");
		}
		long whole = Files.size(journal);
		int entries;
		try (TimestampedJournal j = TimestampedJournal.open(journal)) {
			entries = j.entryCount();
		}
		// a crash mid-append: half a record of a write that never reached the image
		try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
			byte[] half = new byte[2000];
			half[0] = 'C';
			half[1] = 'S';
			half[2] = 'J';
			half[3] = 'R';
			ch.write(java.nio.ByteBuffer.wrap(half));
		}
		try (Served s = Served.start(image, journal, sock, quiet)) {
			assertTrue(s.disk().reopened().orElseThrow().contains(entries + " entries kept; cut: "), s.disk().reopened().toString());
			assertEquals(entries, s.disk().entries());
			qemuIo(sock, "write -P 0x03 128k 4k", "flush", "read -P 0x01 0 8k", "read -P 0x03 128k 4k");
		}
		assertTrue(Files.size(journal) > whole);
		try (TimestampedJournal j = TimestampedJournal.open(journal)) {
			assertTrue(j.damage().isEmpty());
			assertTrue(j.entryCount() > entries);
		}
		assertArrayEquals(replay(base, journal), Files.readAllBytes(image));
	}

	@Test
	void aMalformedClientEndsOnlyItsConnection(@TempDir Path tmp) throws Exception {
		Path image = Files.copy(base(tmp), tmp.resolve("disk.img")), journal = tmp.resolve("disk.csj"), sock = tmp.resolve("nbd.sock");
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		try (Served s = Served.start(image, journal, sock, new PrintStream(log, true))) {
			for (byte[] junk : new byte[][] { new byte[] { 0, 0, 0, 1, 'x', 'y' }, new byte[4096], "GET / HTTP/1.0\r\n\r\n".getBytes() }) {
				try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(sock))) {
					c.write(java.nio.ByteBuffer.wrap(junk));
					c.shutdownOutput();
					java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 16);
					while (c.read(b) >= 0 && b.hasRemaining()) {
						// the server's greeting, then it closes
					}
				}
			}
			qemuIo(sock, "write -P 0x05 0 4k", "read -P 0x05 0 4k"); // still serving
		}
		assertTrue(log.toString().contains("ended"), log.toString());
	}
}
