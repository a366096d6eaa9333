package cacheshadow.cases;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Progress;

/**
 * SHA-256 of an evidence file (or of the files of one piece of evidence), read sequentially through a read-only
 * channel in 1 MiB direct-buffer chunks (the JDK's SHA-256 uses the CPU's SHA extensions where present, so the digest,
 * not the I/O, sets the pace).
 */
public final class EvidenceHasher {
	private static final int CHUNK = 1 << 20;

	private EvidenceHasher() {
	}

	public static String sha256(Path file, Progress progress) throws IOException {
		return sha256(List.of(file), progress).whole();
	}

	/**
	 * The SHA-256 of {@code files} read one after the other ({@code cat files | sha256sum}: an EWF acquisition's
	 * segment files in order), and of each; for one file both are its hash.
	 */
	public record Digests(String whole, List<String> each) {
	}

	public static Digests sha256(List<Path> files, Progress progress) throws IOException {
		MessageDigest whole = digest();
		List<String> each = new ArrayList<>();
		ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
		for (Path file : files) {
			MessageDigest md = files.size() == 1 ? whole : digest();
			// a device or a FIFO (a damaged case's path, /dev/zero) would be read forever or block: evidence is a file
			if (Files.exists(file) && !Files.isRegularFile(file)) throw new EvidenceFormatException(file, "not a regular file");
			try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
				long size = ch.size();
				progress.begin("SHA-256 of " + file.getFileName(), size);
				long done = 0;
				while (true) {
					buf.clear();
					int n = ch.read(buf);
					if (n < 0) break;
					if (md != whole) {
						buf.flip();
						whole.update(buf);
					}
					buf.flip();
					md.update(buf);
					done += n;
					progress.worked(n);
					progress.checkCanceled();
				}
				if (done != size) throw new EvidenceFormatException(file, "changed size while being hashed (" + size + " → " + done + ")");
			} catch (java.nio.file.NoSuchFileException e) {
				throw new EvidenceFormatException(file, "no such file");
			} catch (java.nio.file.AccessDeniedException e) {
				throw new EvidenceFormatException(file, "permission denied");
			}
			each.add(md == whole ? null : HexFormat.of().formatHex(md.digest()));
		}
		String w = HexFormat.of().formatHex(whole.digest());
		if (files.size() == 1) each.set(0, w);
		return new Digests(w, List.copyOf(each));
	}

	private static MessageDigest digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
