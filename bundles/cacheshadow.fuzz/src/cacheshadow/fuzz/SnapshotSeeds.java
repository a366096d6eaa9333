package cacheshadow.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntFunction;

import cacheshadow.testing.EvidenceSamples;

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
		for (var t : targets.entrySet()) {
			Files.createDirectories(dir.resolve(t.getKey()));
			for (int i = 0; i < EvidenceSamples.SETS.size(); i++) {
				Path f = dir.resolve(t.getKey()).resolve(EvidenceSamples.SETS.get(i) + ".real");
				Files.write(f, t.getValue().apply(i));
				System.out.println(f + " " + Files.size(f) + " bytes");
			}
		}
	}
}
