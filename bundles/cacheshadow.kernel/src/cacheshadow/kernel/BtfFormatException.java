package cacheshadow.kernel;

import cacheshadow.layers.EvidenceFormatException;

/** BTF data that is not well formed: truncated, out-of-range offsets or type ids, reference loops. */
public class BtfFormatException extends EvidenceFormatException {
	private static final long serialVersionUID = 1L;

	public BtfFormatException(String source, String problem) {
		super(source, problem);
	}
}
