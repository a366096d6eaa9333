package cacheshadow.caches;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

import cacheshadow.kernel.LinuxKernel;

/**
 * Raw bytes of the memory snapshot around an address, for showing them to an examiner: a kernel virtual address is
 * read through the analysis' page tables, a physical one straight from the snapshot. Bytes that cannot be read (not
 * mapped by the page tables, or outside the snapshot's memory) are reported as such, never as zeros. Nothing is
 * interpreted: the bytes are whatever the guest left there.
 */
public final class MemoryWindow {
	/** Which address space an address belongs to. */
	public enum Space {
		VIRTUAL, PHYSICAL
	}

	/**
	 * An address as a {@link cacheshadow.listing.Finding}'s location names it: {@code 0x...} a kernel virtual address
	 * (what {@code Finding.anomaly} writes), {@code physical 0x...} a guest-physical one.
	 */
	public record Address(Space space, long value) {
		/** The address a finding's location names, or empty when it names something else (a path, an inode, a file). */
		public static Optional<Address> parse(String location) {
			if (location == null) return Optional.empty();
			String s = location.strip();
			Space space = Space.VIRTUAL;
			if (s.startsWith("physical ")) {
				space = Space.PHYSICAL;
				s = s.substring("physical ".length()).strip();
			}
			if (!s.startsWith("0x") && !s.startsWith("0X")) return Optional.empty();
			String hex = s.substring(2);
			if (hex.isEmpty() || hex.length() > 16) return Optional.empty();
			for (int i = 0; i < hex.length(); i++) {
				if (Character.digit(hex.charAt(i), 16) < 0) return Optional.empty();
			}
			return Optional.of(new Address(space, Long.parseUnsignedLong(hex, 16)));
		}

		@Override
		public String toString() {
			return (space == Space.PHYSICAL ? "physical " : "") + String.format("0x%x", value);
		}
	}

	private final Address address;
	private final long start;
	private final byte[] bytes;
	private final long[] physical;

	private MemoryWindow(Address address, long start, byte[] bytes, long[] physical) {
		this.address = address;
		this.start = start;
		this.bytes = bytes;
		this.physical = physical;
	}

	/**
	 * Reads {@code length} bytes (32 to 64 KiB) around {@code at}: starting 16-byte aligned about half of them
	 * before it, kept inside the 64-bit address space.
	 */
	public static MemoryWindow read(CacheAnalysis analysis, Address at, int length) {
		if (length < 32 || length > 65536) throw new IllegalArgumentException("window of " + length + " bytes");
		long start = (at.value() - length / 2) & ~0xfL;
		if (Long.compareUnsigned(at.value(), length / 2) < 0) start = 0;
		if (Long.compareUnsigned(start, -length) > 0) start = -length;
		LinuxKernel k = analysis.kernel();
		byte[] bytes = new byte[length];
		long[] physical = new long[length];
		Arrays.fill(physical, -1);
		for (int pos = 0; pos < length;) {
			long a = start + pos;
			int n = (int) Math.min(length - pos, 4096 - (a & 0xfff));
			long pa = -1;
			if (at.space() == Space.PHYSICAL) pa = a;
			else if (k.isMapped(a)) {
				try {
					pa = k.toPhysical(a);
				} catch (IOException e) {
					pa = -1;
				}
			}
			if (pa >= 0) {
				try {
					k.physical().read(pa, bytes, pos, n);
					for (int i = 0; i < n; i++) physical[pos + i] = pa + i;
				} catch (IOException e) {
					Arrays.fill(bytes, pos, pos + n, (byte) 0); // a hole: no bytes, and none shown
				}
			}
			pos += n;
		}
		return new MemoryWindow(at, start, bytes, physical);
	}

	/** The address the window was read around. */
	public Address address() {
		return address;
	}

	/** Address (in the window's space) of the first byte. */
	public long start() {
		return start;
	}

	public int length() {
		return bytes.length;
	}

	/** Whether byte {@code i} of the window was read from the snapshot. */
	public boolean readable(int i) {
		return physical[i] >= 0;
	}

	/** Byte {@code i} (0–255), or -1 when it could not be read. */
	public int at(int i) {
		return readable(i) ? bytes[i] & 0xff : -1;
	}

	/** Guest-physical address of byte {@code i}, or -1 when it could not be read. */
	public long physical(int i) {
		return physical[i];
	}

	/** Whether the address itself could be read. */
	public boolean addressReadable() {
		long i = address.value() - start;
		return i >= 0 && i < bytes.length && readable((int) i);
	}

	/** Whether any byte of the window could be read. */
	public boolean anyReadable() {
		for (long p : physical) if (p >= 0) return true;
		return false;
	}
}
