package cacheshadow.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/**
 * Int values (a type id, an offset into a file) found by a hash of a name's bytes: the names stay where they are
 * (a BTF string section, a System.map's text), so indexing ~100,000 of them allocates no String per name — that
 * allocation was most of the cost of loading a kernel's BTF and System.map. Open addressing with linear probing
 * and no deletion, so values of one name are met in insertion order.
 */
final class NameTable {
	private final int[] slots; // value + 1, 0 = empty
	private final int[] hashes; // the name hash of the value in the same slot
	private final int mask;

	NameTable(int capacity) {
		int size = Integer.highestOneBit(Math.max(16, capacity) * 2 - 1) << 1;
		this.slots = new int[size];
		this.hashes = new int[size];
		this.mask = size - 1;
	}

	static int hash(byte[] b, int from, int to) {
		int h = 0;
		for (int i = from; i < to; i++) h = 31 * h + b[i];
		return h;
	}

	void add(int value, int hash) {
		int i = slot(hash);
		while (slots[i] != 0) i = (i + 1) & mask;
		slots[i] = value + 1;
		hashes[i] = hash;
	}

	/** The first value added under {@code hash} that {@code sameName} accepts, or -1. */
	int first(int hash, IntPredicate sameName) {
		for (int i = slot(hash); slots[i] != 0; i = (i + 1) & mask) {
			if (hashes[i] == hash && sameName.test(slots[i] - 1)) return slots[i] - 1;
		}
		return -1;
	}

	/** Every value added under {@code hash} that {@code sameName} accepts, in insertion order. */
	List<Integer> all(int hash, IntPredicate sameName) {
		List<Integer> out = List.of();
		for (int i = slot(hash); slots[i] != 0; i = (i + 1) & mask) {
			if (hashes[i] == hash && sameName.test(slots[i] - 1)) {
				if (out.isEmpty()) out = new ArrayList<>(1);
				out.add(slots[i] - 1);
			}
		}
		return out;
	}

	void forEach(IntConsumer action) {
		for (int s : slots) if (s != 0) action.accept(s - 1);
	}

	private int slot(int h) {
		h ^= h >>> 16;
		h *= 0x85ebca6b;
		h ^= h >>> 13;
		return h & mask;
	}
}
