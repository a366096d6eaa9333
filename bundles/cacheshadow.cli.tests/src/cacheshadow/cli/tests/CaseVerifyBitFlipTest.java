package cacheshadow.cli.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.testing.EvidenceSamples;

/**
 * {@code case verify} on a copy of the sample case (the evidence releng/sample-case.sh registers: memory snapshot, disk
 * and base images, write journal, timing sidecar, kernel files): one bit flipped in each evidence file in turn fails
 * the verification naming exactly that file, and the case verifies again once the bit is back.
 */
class CaseVerifyBitFlipTest {
	static final List<String> SAMPLE_CASE = List.of("memory.elf", "disk.img", "disk.base.img", "writes.log", "timeline.tsv", "kernel/vmlinux.btf",
			"kernel/System.map", "kernel/config");

	@Test
	void oneBitInAnyEvidenceFileFailsVerifyNamingIt(@TempDir Path tmp) throws Exception {
		String set = "debian-6.1-kaslr";
		List<Path> evidence = new ArrayList<>();
		for (String name : SAMPLE_CASE) {
			Path copy = tmp.resolve("evidence").resolve(name);
			Files.createDirectories(copy.getParent());
			Files.copy(EvidenceSamples.file(set, name), copy);
			copy.toFile().setWritable(true, true);
			evidence.add(copy);
		}
		Path c = tmp.resolve("case");
		assertEquals(0, CliRun.of("case", "new", c.toString(), "--name", "copy of the sample case").code());
		List<String> add = new ArrayList<>(List.of("case", "add", c.toString()));
		for (Path e : evidence) add.add(e.toString());
		CliRun added = CliRun.of(add.toArray(String[]::new));
		assertEquals(0, added.code(), added.err());
		CliRun ok = CliRun.of("case", "verify", c.toString());
		assertEquals(0, ok.code(), ok.out());
		Random r = new Random(13);
		for (Path e : evidence) {
			long size = Files.size(e);
			long at = (long) (r.nextDouble() * size);
			int bit = r.nextInt(8);
			flip(e, at, bit);
			try {
				CliRun v = CliRun.of("case", "verify", c.toString());
				assertEquals(1, v.code(), e + " with bit " + bit + " of byte " + at + " flipped:\n" + v.out());
				List<String> mismatched = v.out().lines().filter(l -> l.startsWith("MISMATCH")).toList();
				assertEquals(1, mismatched.size(), v.out());
				assertTrue(mismatched.get(0).contains(" " + e + "  !! SHA-256 differs"), mismatched.get(0));
				assertEquals(evidence.size() - 1, v.out().lines().filter(l -> l.startsWith("VERIFIED")).count(), v.out());
				assertTrue(v.out().contains("VERIFICATION FAILED"));
			} finally {
				flip(e, at, bit);
			}
		}
		CliRun again = CliRun.of("case", "verify", c.toString());
		assertEquals(0, again.code(), again.out());
		assertTrue(again.out().contains("verification passed"));
	}

	private static void flip(Path f, long at, int bit) throws Exception {
		try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
			raf.seek(at);
			int b = raf.read();
			raf.seek(at);
			raf.write(b ^ (1 << bit));
		}
	}
}
