package cacheshadow.fuzz;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.NaiveReplay;
import cacheshadow.journal.NbdSession;
import cacheshadow.journal.RecordingDisk;
import cacheshadow.journal.WriteLog;

/**
 * The write recorder's NBD protocol (NbdSession): the input is what a client sends (handshake options, then
 * requests with their payloads), served to a RecordingDisk of 64 KiB over a patterned image with a new .csj
 * journal. A malformed stream must end the session with an IOException, nothing else. Oracle, the recorder's
 * promise: the journal it wrote, replayed onto the base, is the image it wrote.
 */
public final class NbdSessionFuzzer {
	private static final int DISK = 64 << 10;
	private static final byte[] BASE = new byte[DISK];
	private static final Path IMAGE, JOURNAL;
	private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
	private static final byte[] REPLAYED = new byte[DISK];

	static {
		for (int i = 0; i < DISK; i++) BASE[i] = (byte) (i * 13 + 5);
		IMAGE = InputFile.dir().resolve("nbd-disk.img");
		JOURNAL = InputFile.dir().resolve("nbd-disk.csj");
	}

	private NbdSessionFuzzer() {
	}

	/**
	 * Client streams as QEMU's driver sends them: each handshake (NBD_OPT_GO, NBD_OPT_EXPORT_NAME, list and info then
	 * go, abort), and after it writes (one with FUA), reads, a flush, a trim, a request out of range and one not
	 * whole sectors, then NBD_CMD_DISC.
	 */
	static Map<String, byte[]> seeds() {
		Map<String, byte[]> s = new LinkedHashMap<>();
		s.put("go-requests", client(List.of(option(NbdSession.OPT_GO, goPayload())), requests()));
		s.put("export-name-requests", client(List.of(option(NbdSession.OPT_EXPORT_NAME, new byte[0])), requests()));
		s.put("list-info-go", client(List.of(option(NbdSession.OPT_LIST, new byte[0]), option(NbdSession.OPT_INFO, goPayload()),
				option(99, new byte[0]), option(NbdSession.OPT_GO, goPayload())), requests()));
		s.put("abort", client(List.of(option(NbdSession.OPT_ABORT, new byte[0])), new byte[0]));
		return s;
	}

	private static byte[] client(List<byte[]> options, byte[] requests) {
		ByteBuffer b = ByteBuffer.allocate(1 << 16);
		b.putInt(NbdSession.FLAG_FIXED_NEWSTYLE | NbdSession.FLAG_NO_ZEROES);
		options.forEach(b::put);
		b.put(requests);
		return Arrays.copyOf(b.array(), b.position());
	}

	private static byte[] option(int opt, byte[] payload) {
		return ByteBuffer.allocate(16 + payload.length).putLong(NbdSession.IHAVEOPT).putInt(opt).putInt(payload.length).put(payload).array();
	}

	/** Export name "" (its length), no information requests. */
	private static byte[] goPayload() {
		return new byte[6];
	}

	private static byte[] requests() {
		ByteBuffer b = ByteBuffer.allocate(1 << 15);
		byte[] data = new byte[4096];
		for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
		request(b, 0, NbdSession.CMD_WRITE, 0, data.length).put(data);
		request(b, NbdSession.CMD_FLAG_FUA, NbdSession.CMD_WRITE, 4608, 512).put(data, 0, 512);
		request(b, 0, NbdSession.CMD_READ, 0, 8192);
		request(b, 0, NbdSession.CMD_FLUSH, 0, 0);
		request(b, NbdSession.CMD_FLAG_FUA, NbdSession.CMD_TRIM, 16384, 8192);
		request(b, 0, NbdSession.CMD_WRITE, DISK - 512, 1024).put(data, 0, 1024); // past the end: ENOSPC
		request(b, 0, NbdSession.CMD_WRITE, 100, 512).put(data, 0, 512); // not whole sectors: EINVAL
		request(b, 0, NbdSession.CMD_DISC, 0, 0);
		return Arrays.copyOf(b.array(), b.position());
	}

	private static ByteBuffer request(ByteBuffer b, int flags, int type, long offset, int length) {
		return b.putInt(NbdSession.REQUEST_MAGIC).putShort((short) flags).putShort((short) type).putLong(b.position()).putLong(offset).putInt(length);
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		try {
			Files.write(IMAGE, BASE);
			Files.deleteIfExists(JOURNAL);
		} catch (IOException e) {
			throw new UncheckedIOException("fuzz disk in " + InputFile.dir(), e);
		}
		try (RecordingDisk disk = RecordingDisk.open(IMAGE, JOURNAL)) {
			try {
				new NbdSession(disk, QUIET).serve(new ByteArrayInputStream(data), OutputStream.nullOutputStream());
			} catch (IOException malformedOrEnded) {
				// the session ends; what was acknowledged before stays recorded
			}
		}
		System.arraycopy(BASE, 0, REPLAYED, 0, DISK);
		try (WriteLog j = JournalFormat.open(JOURNAL)) {
			if (j.damage().isPresent()) throw new IllegalStateException("the recorder wrote a damaged journal: " + j.damage().get().message());
			NaiveReplay.replay(j, 0, j.entryCount(), REPLAYED);
		}
		if (!Arrays.equals(REPLAYED, Files.readAllBytes(IMAGE))) throw new IllegalStateException("the journal replayed onto the base is not the image");
	}
}
