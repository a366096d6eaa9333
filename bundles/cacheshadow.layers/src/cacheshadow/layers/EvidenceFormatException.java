package cacheshadow.layers;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Evidence that cannot be read as what it claims to be (truncated, corrupt, hostile). The message names
 * the file and the problem in one line, fit to show an examiner as it is.
 */
public class EvidenceFormatException extends IOException {
	private static final long serialVersionUID = 1L;

	public EvidenceFormatException(Path file, String problem) {
		super(file + ": " + problem);
	}

	public EvidenceFormatException(String what, String problem) {
		super(what + ": " + problem);
	}
}
