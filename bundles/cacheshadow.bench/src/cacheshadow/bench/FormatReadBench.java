package cacheshadow.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import cacheshadow.layers.Deflate;
import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;

/**
 * Random 4 KiB reads through evidence containers against the same reads through the uncompressed form of the same
 * evidence (a raw disk image, an ELF dump), measured in one run taking turns: each format's layer opened fresh (its
 * caches of decoded blocks empty: every read that misses decodes a chunk, grain or page) and then the same reads again
 * (what a file system walk or a kernel-structure walk that returns to its blocks sees). The ratio is the baseline's
 * time over the format's (goal: at least 0.5). Every read is compared with the baseline's bytes.
 */
public final class FormatReadBench {
	private static final int ROUNDS = 5;

	private FormatReadBench() {
	}

	/** Reads at {@code reads} random 4 KiB-aligned offsets of the baseline's mapped ranges (seeded: the same every run). */
	public static String run(Path baseline, List<Path> formats, int reads, PrintStream out) throws IOException {
		long[] at;
		try (Layer b = Layers.open(baseline)) {
			at = offsets(b, reads);
		}
		StringBuilder summary = new StringBuilder();
		out.printf("%d random 4 KiB reads, best of %d rounds taking turns; ratio = %s time / format time (goal >= 0.5); zlib data inflated by %s%n", reads, ROUNDS,
				baseline.getFileName(), Deflate.libdeflate() ? "libdeflate" : "the JDK's zlib (libdeflate not loaded)");
		for (Path f : formats) {
			double base = Double.MAX_VALUE, cold = Double.MAX_VALUE, warm = Double.MAX_VALUE;
			String label = null;
			for (int r = 0; r < ROUNDS; r++) {
				try (Layer b = Layers.open(baseline)) {
					base = Math.min(base, pass(b, at, null));
				}
				try (Layer b = Layers.open(baseline); Layer l = Layers.open(f)) {
					label = l.name();
					byte[][] expected = null;
					if (r == 0) {
						expected = new byte[Math.min(at.length, 2000)][4096];
						for (int i = 0; i < expected.length; i++) b.read(at[i], expected[i], 0, 4096);
					}
					cold = Math.min(cold, pass(l, at, expected));
					warm = Math.min(warm, pass(l, at, null));
				}
			}
			String line = String.format("%-48s fresh %6.1f µs/read  ratio %.2f   again %6.1f µs/read  ratio %.2f   (%s %.1f µs/read)", label, cold * 1e6 / reads,
					base / cold, warm * 1e6 / reads, base / warm, baseline.getFileName(), base * 1e6 / reads);
			out.println(line);
			summary.append(line).append('\n');
		}
		return summary.toString();
	}

	private static long[] offsets(Layer b, int reads) {
		List<Extent> ext = new ArrayList<>();
		for (Extent e : b.extents()) if (e.length() >= 4096) ext.add(e);
		long[] cum = new long[ext.size() + 1];
		for (int i = 0; i < ext.size(); i++) cum[i + 1] = cum[i] + ext.get(i).length() / 4096;
		SplittableRandom rnd = new SplittableRandom(42);
		long[] at = new long[reads];
		for (int i = 0; i < reads; i++) {
			long page = rnd.nextLong(cum[ext.size()]);
			int k = Arrays.binarySearch(cum, page);
			if (k < 0) k = -k - 2;
			while (k + 1 < cum.length && cum[k + 1] <= page) k++;
			at[i] = ext.get(k).start() + (page - cum[k]) * 4096;
		}
		return at;
	}

	/** Seconds for all reads; with {@code expected}, the first reads' bytes are checked against the baseline's. */
	private static double pass(Layer l, long[] at, byte[][] expected) throws IOException {
		byte[] buf = new byte[4096];
		long t = System.nanoTime();
		for (int i = 0; i < at.length; i++) {
			l.read(at[i], buf, 0, 4096);
			if (expected != null && i < expected.length && !Arrays.equals(buf, expected[i])) {
				throw new IllegalStateException(String.format("%s differs from the baseline at 0x%x", l.name(), at[i]));
			}
		}
		return (System.nanoTime() - t) / 1e9;
	}

	/** {@code FormatReadBench BASELINE FILE... [--reads N]}, outside the product. */
	public static void main(String[] args) throws IOException {
		int reads = 100_000;
		List<Path> files = new ArrayList<>();
		for (int i = 0; i < args.length; i++) {
			if (args[i].equals("--reads")) reads = Integer.parseInt(args[++i]);
			else files.add(Path.of(args[i]));
		}
		run(files.get(0), files.subList(1, files.size()), reads, System.out);
	}
}
