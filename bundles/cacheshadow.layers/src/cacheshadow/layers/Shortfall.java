package cacheshadow.layers;

import java.util.List;

/**
 * How much of what a layer's evidence declares it lacks: the declared bytes ({@link Layer#extents()} and
 * {@link Layer#missing()} together), the missing ones, and their ranges.
 */
public record Shortfall(String layer, long declaredBytes, long missingBytes, List<Extent> missing) {

	public static Shortfall of(Layer l) {
		long held = 0, miss = 0;
		for (Extent e : l.extents()) held += e.length();
		for (Extent e : l.missing()) miss += e.length();
		return new Shortfall(l.name(), held + miss, miss, l.missing());
	}

	/** Missing bytes as a percentage of the declared ones. */
	public double missingPercent() {
		return declaredBytes == 0 ? 0 : 100.0 * missingBytes / declaredBytes;
	}

	/**
	 * One line, e.g. {@code memory.elf (ELF core): 26869878 of 268697600 declared bytes missing (10.00%) in 2
	 * ranges: 0xe660000-0x10000000 0xfffc0000-0x100000000}; ranges past the fourth are counted, not listed.
	 */
	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder(String.format("%s: %d of %d declared bytes missing (%.2f%%) in %d range%s", layer, missingBytes,
				declaredBytes, missingPercent(), missing.size(), missing.size() == 1 ? "" : "s"));
		for (int i = 0; i < missing.size() && i < 4; i++) {
			sb.append(i == 0 ? ": " : " ").append(String.format("0x%x-0x%x", missing.get(i).start(), missing.get(i).end()));
		}
		if (missing.size() > 4) sb.append(" …");
		return sb.toString();
	}
}
