package cacheshadow.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import cacheshadow.testing.EvidenceSamples;
import cacheshadow.testing.RadixTreeKernel;

/**
 * Writes the seeds of the targets that overlay a sample snapshot: per sample, the real bytes of the structures
 * they fuzz (releng/fuzz.sh --make-seeds; cut-seeds.py cuts the seeds of the file formats).
 */
public final class SnapshotSeeds {
	private SnapshotSeeds() {
	}

	public static void main(String[] args) throws IOException {
		Path dir = Path.of(args[0]);
		Map<String, IntFunction<byte[]>> targets = Map.of("DentryWalkFuzzer", DentryWalkFuzzer::seed, "InodeFuzzer", InodeFuzzer::seed,
				"XArrayFuzzer", XArrayFuzzer::seed, "PageTableFuzzer", PageTableFuzzer::seed);
		write(dir, targets, EvidenceSamples.SETS);
		write(dir, Map.of("RadixTreeFuzzer", RadixTreeFuzzer::seed), Arrays.stream(RadixTreeKernel.Layout.values()).map(l -> "radix-" + l).toList());
	}

	/** One seed per sample (or layout) for each target, named for it. */
	private static void write(Path dir, Map<String, IntFunction<byte[]>> targets, List<String> names) throws IOException {
		for (var t : targets.entrySet()) {
			Files.createDirectories(dir.resolve(t.getKey()));
			for (int i = 0; i < names.size(); i++) {
				Path f = dir.resolve(t.getKey()).resolve(names.get(i) + ".real");
				Files.write(f, t.getValue().apply(i));
				System.out.println(f + " " + Files.size(f) + " bytes");
			}
		}
	}
}
