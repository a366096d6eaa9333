package cacheshadow.fuzz;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.layers.Layer;

/**
 * Fixed regions of guest-physical memory that each input overwrites from its start, one after the other; where
 * the input ends the real bytes stay. Every region is written on every input, so nothing of an earlier input
 * remains. {@link #original()} (the real bytes of all regions) is the seed that reproduces the clean walk.
 */
final class Overlay {
	/** Where the bytes of a region go: a patched layer over evidence, or writable test memory. */
	interface Writer {
		void put(long physical, byte[] bytes);
	}

	/** Per region: physical address, where it lies in the input, length. */
	private final List<long[]> pieces = new ArrayList<>();
	private final Writer writer;
	private final byte[] original;

	/** @param regions {physical address, length} each, in input order */
	Overlay(Layer memory, Writer writer, List<long[]> regions) throws IOException {
		this.writer = writer;
		int total = 0;
		for (long[] r : regions) {
			pieces.add(new long[] { r[0], total, r[1] });
			total += (int) r[1];
		}
		original = new byte[total];
		for (long[] p : pieces) memory.read(p[0], original, (int) p[1], (int) p[2]);
	}

	byte[] original() {
		return original.clone();
	}

	/** Lays {@code input} over the regions (the real bytes past its end). */
	void apply(byte[] input) {
		for (long[] p : pieces) {
			byte[] b = new byte[(int) p[2]];
			int from = (int) p[1];
			System.arraycopy(original, from, b, 0, b.length);
			if (from < input.length) System.arraycopy(input, from, b, 0, Math.min(b.length, input.length - from));
			writer.put(p[0], b);
		}
	}
}
