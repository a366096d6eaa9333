package cacheshadow.layers;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Blocks decoded under their compressed bytes: identical compressed bytes decode to identical bytes, so a block that
 * repeats (an acquisition's zero chunks, 2,004 of the 6.1 sample disk's 2,048; a dump's fill pages, 3,565 of one
 * guest's 18,391 zlib pages in one 42-byte form) is decoded once and its bytes shared. Only small compressed forms
 * are kept (those of highly repetitive blocks, the ones that recur), the most recently used first, so the memory is
 * bounded; the decoded bytes are shared and must not be written.
 */
final class DecodedByContent {
	/** A decoded block and the number of bytes its decoding produced (checked by each user against what it needs). */
	record Block(byte[] bytes, int length) {
	}

	private static final class Key {
		final byte[] bytes;
		final int length, kind, hash;

		Key(byte[] bytes, int length, int kind) {
			this.bytes = bytes;
			this.length = length;
			this.kind = kind;
			int h = kind;
			for (int i = 0; i < length; i++) h = 31 * h + bytes[i];
			this.hash = h;
		}

		@Override
		public int hashCode() {
			return hash;
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof Key k && k.hash == hash && k.kind == kind && Arrays.equals(bytes, 0, length, k.bytes, 0, k.length);
		}
	}

	private final int maxInput;
	private final Map<Key, Block> map;

	/** Keeps up to {@code entries} blocks whose compressed form has at most {@code maxInput} bytes. */
	DecodedByContent(int maxInput, int entries) {
		this.maxInput = maxInput;
		this.map = new LinkedHashMap<>(16, 0.75f, true) {
			private static final long serialVersionUID = 1L;

			@Override
			protected boolean removeEldestEntry(Map.Entry<Key, Block> e) {
				return size() > entries;
			}
		};
	}

	/** The block decoded from {@code in[0..len)} by the method {@code kind} (the user's numbering) if one is held. */
	Block find(byte[] in, int len, int kind) {
		if (len > maxInput) return null;
		Key k = new Key(in, len, kind);
		synchronized (map) {
			return map.get(k);
		}
	}

	/** Keeps {@code block} as decoded from {@code in[0..len)} (copied) by {@code kind} if that form is small enough. */
	Block keep(byte[] in, int len, int kind, Block block) {
		if (len <= maxInput) {
			Key k = new Key(Arrays.copyOf(in, len), len, kind);
			synchronized (map) {
				map.put(k, block);
			}
		}
		return block;
	}
}
