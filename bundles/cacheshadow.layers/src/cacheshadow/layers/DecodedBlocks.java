package cacheshadow.layers;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded cache of decoded blocks (inflated chunks and grains, decompressed pages, loaded tables), least recently
 * used out first: reads near each other decode once, and memory stays bounded whatever the evidence claims. Exact LRU
 * on purpose: a lock-free 4-way set-associative cache was tried; a 64 MiB EWF image's 2,048 chunks fill it exactly, and
 * the chunks their sets could not hold were inflated again and again (warm random reads 20-27 µs instead of 1-5).
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

	/** The block under {@code key} if it is held, else null. */
	V find(long key) {
		synchronized (map) {
			return map.get(key);
		}
	}

	/** Keeps {@code value} under {@code key} (the least recently used block out if full); returns {@code value}. */
	V keep(long key, V value) {
		synchronized (map) {
			map.put(key, value);
		}
		return value;
	}

	/** The block under {@code key}, decoded now if it is not held (outside the lock: readers of other blocks go on). */
	V get(long key, Decoder<V> decoder) throws IOException {
		V v = find(key);
		return v != null ? v : keep(key, decoder.decode(key));
	}
}
