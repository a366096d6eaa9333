package cacheshadow.layers;

/**
 * A read met bytes the evidence declares but does not hold: a snapshot or disk image cut short, opened as partial
 * evidence. Such a range is a hole like any unmapped one (never read as zeros), and the read is also noted in
 * {@link MissingReads}, so the work that made a result can flag it even where a caller handles the exception.
 */
public class MissingBytesException extends UnmappedAddressException {
	private static final long serialVersionUID = 1L;

	public MissingBytesException(String layer, long address) {
		super(address, String.format("%s: address 0x%x is missing from the evidence (cut short)", layer, address));
	}
}
