package cacheshadow.kernel;

/**
 * A set of kernel addresses (primitive longs, open addressing): what walkers of guest structures use to notice a
 * cycle or a node met twice. A {@code HashSet<Long>} boxed every address and cost most of a 100,000-inode walk.
 * Not thread-safe.
 */
public final class AddressSet {
	/** 0 marks an empty slot; the address 0 itself is tracked apart. */
	private long[] slots = new long[64];
	private int size;
	private boolean hasZero;

	/** Adds {@code address}; false when it was already present. */
	public boolean add(long address) {
		if (address == 0) {
			if (hasZero) return false;
			hasZero = true;
			size++;
			return true;
		}
		if ((size + 1) * 2 > slots.length) grow();
		if (!insert(slots, address)) return false;
		size++;
		return true;
	}

	public boolean contains(long address) {
		if (address == 0) return hasZero;
		int mask = slots.length - 1;
		for (int i = mix(address) & mask;; i = (i + 1) & mask) {
			long s = slots[i];
			if (s == address) return true;
			if (s == 0) return false;
		}
	}

	public int size() {
		return size;
	}

	private static boolean insert(long[] table, long address) {
		int mask = table.length - 1;
		for (int i = mix(address) & mask;; i = (i + 1) & mask) {
			long s = table[i];
			if (s == address) return false;
			if (s == 0) {
				table[i] = address;
				return true;
			}
		}
	}

	private void grow() {
		long[] bigger = new long[slots.length * 2];
		for (long s : slots) if (s != 0) insert(bigger, s);
		slots = bigger;
	}

	/** Kernel objects are aligned and share their high bits: a full 64-bit mix (MurmurHash3's finalizer) spreads them. */
	private static int mix(long x) {
		x ^= x >>> 33;
		x *= 0xff51afd7ed558ccdL;
		x ^= x >>> 33;
		x *= 0xc4ceb9fe1a85ec53L;
		x ^= x >>> 33;
		return (int) x;
	}
}
