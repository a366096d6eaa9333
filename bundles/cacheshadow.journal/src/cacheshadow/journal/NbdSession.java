package cacheshadow.journal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One NBD client of the recorder, over any pair of streams (the protocol of the NBD project's doc/proto.md, which
 * QEMU's {@code nbd} block driver speaks): fixed newstyle handshake with {@code NBD_OPT_GO}, {@code NBD_OPT_INFO},
 * {@code NBD_OPT_EXPORT_NAME}, {@code NBD_OPT_LIST} and {@code NBD_OPT_ABORT} (others answered
 * {@code NBD_REP_ERR_UNSUP}, so a client falls back: no TLS, no structured replies, no metadata contexts); simple
 * replies; commands READ, WRITE (FUA), FLUSH, TRIM (FUA) and DISC. One export, whatever its name, is the
 * {@link RecordingDisk}. Block size constraints are announced (512 minimum, 4096 preferred, 32 MiB maximum), and a
 * request that breaks them is answered EINVAL, or the session ended when its payload is past the maximum. Every
 * length and offset the client sends is checked before it sizes a buffer or reaches the disk.
 */
public final class NbdSession {
	// the protocol's numbers (doc/proto.md), public for a client written against them (tests, the fuzz target's seeds)
	public static final long NBDMAGIC = 0x4e42444d41474943L, IHAVEOPT = 0x49484156454F5054L, OPT_REPLY_MAGIC = 0x3e889045565a9L;
	public static final int REQUEST_MAGIC = 0x25609513, SIMPLE_REPLY_MAGIC = 0x67446698;
	public static final int FLAG_FIXED_NEWSTYLE = 1, FLAG_NO_ZEROES = 2;
	public static final int OPT_EXPORT_NAME = 1, OPT_ABORT = 2, OPT_LIST = 3, OPT_INFO = 6, OPT_GO = 7;
	static final int REP_ACK = 1, REP_SERVER = 2, REP_INFO = 3, REP_ERR_UNSUP = 0x80000001, REP_ERR_INVALID = 0x80000003;
	static final int INFO_EXPORT = 0, INFO_BLOCK_SIZE = 3;
	static final int TF_HAS_FLAGS = 1, TF_SEND_FLUSH = 4, TF_SEND_FUA = 8, TF_SEND_TRIM = 32;
	public static final int CMD_READ = 0, CMD_WRITE = 1, CMD_DISC = 2, CMD_FLUSH = 3, CMD_TRIM = 4, CMD_FLAG_FUA = 1;
	static final int EIO = 5, EINVAL = 22, ENOSPC = 28;
	/** Longest option payload read (an export name is at most 4096 bytes). */
	static final int MAX_OPTION = 64 * 1024;

	private final RecordingDisk disk;
	private final PrintStream log;

	public NbdSession(RecordingDisk disk, PrintStream log) {
		this.disk = disk;
		this.log = log;
	}

	/**
	 * Serves the client until it disconnects ({@code NBD_CMD_DISC}) or aborts the handshake; a malformed stream ends
	 * the session with an {@link IOException} ({@link java.io.EOFException} when the client is gone).
	 */
	public void serve(InputStream from, OutputStream to) throws IOException {
		DataInputStream in = new DataInputStream(new BufferedInputStream(from, 1 << 16));
		DataOutputStream out = new DataOutputStream(new BufferedOutputStream(to, 1 << 16));
		if (handshake(in, out)) transmission(in, out);
		out.flush();
	}

	private int transmissionFlags() {
		return TF_HAS_FLAGS | TF_SEND_FLUSH | TF_SEND_FUA | TF_SEND_TRIM;
	}

	/** True when the client chose the export (transmission follows), false when it aborted. */
	private boolean handshake(DataInputStream in, DataOutputStream out) throws IOException {
		out.writeLong(NBDMAGIC);
		out.writeLong(IHAVEOPT);
		out.writeShort(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
		out.flush();
		int clientFlags = in.readInt();
		if ((clientFlags & ~(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) != 0) throw new IOException("client flags 0x" + Integer.toHexString(clientFlags));
		boolean noZeroes = (clientFlags & FLAG_NO_ZEROES) != 0;
		while (true) {
			if (in.readLong() != IHAVEOPT) throw new IOException("no option magic");
			int opt = in.readInt();
			int len = in.readInt();
			if (len < 0 || len > MAX_OPTION) throw new IOException("option " + opt + " of " + Integer.toUnsignedString(len) + " bytes");
			byte[] data = in.readNBytes(len);
			if (data.length != len) throw new EOFException();
			switch (opt) {
			case OPT_EXPORT_NAME -> {
				out.writeLong(disk.size());
				out.writeShort(transmissionFlags());
				if (!noZeroes) out.write(new byte[124]);
				out.flush();
				return true;
			}
			case OPT_ABORT -> {
				reply(out, opt, REP_ACK, new byte[0]);
				return false;
			}
			case OPT_LIST -> {
				reply(out, opt, REP_SERVER, new byte[4]); // one export, named ""
				reply(out, opt, REP_ACK, new byte[0]);
			}
			case OPT_INFO, OPT_GO -> {
				if (!wellFormedGo(data)) { // name length, name, request count and requests must fill the option exactly
					reply(out, opt, REP_ERR_INVALID, "malformed option".getBytes(StandardCharsets.US_ASCII));
					continue;
				}
				ByteBuffer info = ByteBuffer.allocate(12);
				info.putShort((short) INFO_EXPORT).putLong(disk.size()).putShort((short) transmissionFlags());
				reply(out, opt, REP_INFO, info.array());
				ByteBuffer bs = ByteBuffer.allocate(14);
				bs.putShort((short) INFO_BLOCK_SIZE).putInt(RecordingDisk.SECTOR).putInt(4096).putInt(RecordingDisk.MAX_REQUEST);
				reply(out, opt, REP_INFO, bs.array());
				reply(out, opt, REP_ACK, new byte[0]);
				if (opt == OPT_GO) return true;
			}
			default -> reply(out, opt, REP_ERR_UNSUP, new byte[0]);
			}
		}
	}

	/** An OPT_INFO/OPT_GO payload: u32 name length, the name, u16 request count, that many u16 requests. */
	static boolean wellFormedGo(byte[] d) {
		if (d.length < 6) return false;
		ByteBuffer b = ByteBuffer.wrap(d);
		long nameLen = Integer.toUnsignedLong(b.getInt());
		if (nameLen > d.length - 6) return false;
		int count = Short.toUnsignedInt(b.getShort(4 + (int) nameLen));
		return 4 + nameLen + 2 + 2L * count == d.length;
	}

	private static void reply(DataOutputStream out, int opt, int type, byte[] data) throws IOException {
		out.writeLong(OPT_REPLY_MAGIC);
		out.writeInt(opt);
		out.writeInt(type);
		out.writeInt(data.length);
		out.write(data);
		out.flush();
	}

	private void transmission(DataInputStream in, DataOutputStream out) throws IOException {
		byte[] buf = new byte[64 * 1024];
		while (true) {
			if (in.readInt() != REQUEST_MAGIC) throw new IOException("no request magic");
			int flags = in.readUnsignedShort();
			int type = in.readUnsignedShort();
			long handle = in.readLong();
			long offset = in.readLong();
			long length = Integer.toUnsignedLong(in.readInt());
			boolean fua = (flags & CMD_FLAG_FUA) != 0;
			switch (type) {
			case CMD_READ -> {
				String bad = length > RecordingDisk.MAX_REQUEST ? "read too long" : disk.checkRange(offset, length);
				if (bad != null) {
					simpleReply(out, EINVAL, handle);
					break;
				}
				if (buf.length < length) buf = new byte[(int) length];
				ByteBuffer b = ByteBuffer.wrap(buf, 0, (int) length);
				int err = 0;
				try {
					disk.read(offset, b);
				} catch (IOException e) {
					err = EIO;
				}
				simpleReply(out, err, handle);
				if (err == 0) out.write(buf, 0, (int) length);
			}
			case CMD_WRITE -> {
				if (length > RecordingDisk.MAX_REQUEST) throw new IOException("write of " + length + " bytes, past the announced maximum");
				if (buf.length < length) buf = new byte[(int) length];
				in.readFully(buf, 0, (int) length);
				String bad = disk.checkRange(offset, length);
				int err = bad == null ? 0 : offset + length > disk.size() ? ENOSPC : EINVAL;
				if (err == 0) {
					try {
						disk.write(offset, buf, (int) length, fua);
					} catch (IOException e) {
						log.println("recorder: write at " + offset + " failed: " + e.getMessage());
						err = EIO;
					}
				}
				simpleReply(out, err, handle);
			}
			case CMD_FLUSH -> {
				int err = 0;
				try {
					disk.flush();
				} catch (IOException e) {
					log.println("recorder: flush failed: " + e.getMessage());
					err = EIO;
				}
				simpleReply(out, err, handle);
			}
			case CMD_TRIM -> {
				int err = disk.checkRange(offset, length) == null ? 0 : EINVAL;
				if (err == 0) {
					try {
						disk.discard(offset, length, fua);
					} catch (IOException e) {
						err = EIO;
					}
				}
				simpleReply(out, err, handle);
			}
			case CMD_DISC -> {
				out.flush();
				return;
			}
			default -> simpleReply(out, EINVAL, handle);
			}
			// replies go out when no further request is already waiting (QEMU sends several at once)
			if (in.available() == 0) out.flush();
		}
	}

	private static void simpleReply(DataOutputStream out, int error, long handle) throws IOException {
		out.writeInt(SIMPLE_REPLY_MAGIC);
		out.writeInt(error);
		out.writeLong(handle);
	}

}
