package cacheshadow.kernel;

/**
 * Values keyed by kernel address (primitive long keys, open addressing): walkers decode each guest object once and
 * meet it again through hard links, lists and caches; a {@code HashMap<Long, V>} boxed every key. Null values are
 * not stored. Not thread-safe.
 */
public final class AddressMap<V> {
	/** 0 marks an empty slot; the address 0 itself is kept apart. */
	private long[] keys = new long[64];
	private Object[] values = new Object[64];
	private int size;
	private V zero;

	@SuppressWarnings("unchecked")
	public V get(long address) {
		if (address == 0) return zero;
		int mask = keys.length - 1;
		for (int i = mix(address) & mask;; i = (i + 1) & mask) {
			long k = keys[i];
			if (k == address) return (V) values[i];
			if (k == 0) return null;
		}
	}

	/** Stores {@code value} unless the address has one; returns the value it already had, or null. */
	@SuppressWarnings("unchecked")
	public V putIfAbsent(long address, V value) {
		if (value == null) throw new IllegalArgumentException("null value");
		if (address == 0) {
			if (zero != null) return zero;
			zero = value;
			size++;
			return null;
		}
		if ((size + 1) * 2 > keys.length) grow();
		int mask = keys.length - 1;
		for (int i = mix(address) & mask;; i = (i + 1) & mask) {
			long k = keys[i];
			if (k == address) return (V) values[i];
			if (k == 0) {
				keys[i] = address;
				values[i] = value;
				size++;
				return null;
			}
		}
	}

	public int size() {
		return size;
	}

	private void grow() {
		long[] oldKeys = keys;
		Object[] oldValues = values;
		keys = new long[oldKeys.length * 2];
		values = new Object[oldKeys.length * 2];
		int mask = keys.length - 1;
		for (int j = 0; j < oldKeys.length; j++) {
			if (oldKeys[j] == 0) continue;
			int i = mix(oldKeys[j]) & mask;
			while (keys[i] != 0) i = (i + 1) & mask;
			keys[i] = oldKeys[j];
			values[i] = oldValues[j];
		}
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
