package cacheshadow.layers;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded cache of decoded blocks (inflated chunks and grains, decompressed pages, loaded tables), least recently
 * used out first: reads near each other decode once, and memory stays bounded whatever the evidence claims.
 */
final class DecodedBlocks<V> {
	/** Decodes one block; a failure is the evidence's (an {@link EvidenceFormatException}) or the file's. */
	interface Decoder<V> {
		V decode(long key) throws IOException;
	}

	private final Map<Long, V> map;

	DecodedBlocks(int maxEntries) {
		int max = Math.max(1, maxEntries);
		this.map = new LinkedHashMap<>(16, 0.75f, true) {
			private static final long serialVersionUID = 1L;

			@Override
			protected boolean removeEldestEntry(Map.Entry<Long, V> e) {
				return size() > max;
			}
		};
	}

	/** Entries for a budget of {@code bytes} of blocks of {@code blockBytes} each. */
	static int entriesFor(long bytes, long blockBytes) {
		return (int) Math.max(1, Math.min(1 << 20, bytes / Math.max(1, blockBytes)));
	}

	/** The block under {@code key}, decoded now if it is not held (outside the lock: readers of other blocks go on). */
	V get(long key, Decoder<V> decoder) throws IOException {
		synchronized (map) {
			V v = map.get(key);
			if (v != null) return v;
		}
		V v = decoder.decode(key);
		synchronized (map) {
			map.put(key, v);
		}
		return v;
	}
}
