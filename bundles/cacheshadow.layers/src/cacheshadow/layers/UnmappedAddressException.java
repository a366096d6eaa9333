package cacheshadow.layers;

import java.io.IOException;

/** A read touched an address no backing store covers: a hole is reported, never returned as zeros. */
public class UnmappedAddressException extends IOException {
	private static final long serialVersionUID = 1L;
	private final long address;

	public UnmappedAddressException(String layer, long address) {
		this(address, String.format("%s: address 0x%x is not mapped", layer, address));
	}

	/** With a message of its own ({@code message} names the layer and the address). */
	protected UnmappedAddressException(long address, String message) {
		super(message);
		this.address = address;
	}

	public long address() {
		return address;
	}
}
