package cacheshadow.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * What the first input byte of a target picks (a sample snapshot, a radix-tree layout), each with the
 * {@link Overlay} the rest of the input is laid over.
 */
final class Subjects<T> {
	private final List<T> subjects;
	private final Function<T, Overlay> overlay;

	private Subjects(List<T> subjects, Function<T, Overlay> overlay) {
		this.subjects = subjects;
		this.overlay = overlay;
	}

	/** One subject made of each key, in order (the first byte's value modulo their count picks one). */
	static <K, T> Subjects<T> of(List<K> keys, Function<K, T> make, Function<T, Overlay> overlay) {
		return new Subjects<>(keys.stream().map(make).toList(), overlay);
	}

	/** The subject the first byte picks, the rest of the input laid over its structures; null for an empty input. */
	T pick(byte[] data) {
		if (data.length == 0) return null;
		T s = subjects.get((data[0] & 0xff) % subjects.size());
		overlay.apply(s).apply(Arrays.copyOfRange(data, 1, data.length));
		return s;
	}

	/** The seed of subject {@code i}: its selector byte, then the real bytes of its structures. */
	byte[] seed(int i) {
		return SeedBytes.withSelector(i, overlay.apply(subjects.get(i)).original());
	}
}
