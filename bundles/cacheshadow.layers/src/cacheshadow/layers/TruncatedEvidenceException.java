package cacheshadow.layers;

import java.nio.file.Path;

/**
 * Evidence cut short: it declares ranges (ELF {@code PT_LOAD}s, LiME ranges, an ext4 file system's blocks, qcow2
 * clusters) that lie past the end of the file. Opened as partial evidence instead, the missing ranges become holes
 * ({@link Layer#missing()}).
 */
public class TruncatedEvidenceException extends EvidenceFormatException {
	private static final long serialVersionUID = 1L;

	public TruncatedEvidenceException(Path file, String problem) {
		super(file, "truncated: " + problem);
	}

	/** Evidence named otherwise than by a local path (a journal in HDFS by its URL). */
	public TruncatedEvidenceException(String what, String problem) {
		super(what, "truncated: " + problem);
	}
}
