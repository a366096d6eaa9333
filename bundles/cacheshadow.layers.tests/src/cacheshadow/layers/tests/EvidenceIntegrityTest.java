package cacheshadow.layers.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.testing.EvidenceGuard;
import cacheshadow.testing.EvidenceIntegrity;

/**
 * The check every test bundle runs around its tests ({@link EvidenceGuard}): registered here as everywhere, intact
 * samples pass without being hashed again, and a one-bit change is caught and named even when the file's mtime is set
 * back; a cut or removed file too.
 */
class EvidenceIntegrityTest {

	@Test
	void theGuardWatchesThisBundle() throws Exception {
		assertTrue(EvidenceGuard.active(), "registered through META-INF/services with extension auto-detection");
		EvidenceIntegrity real = EvidenceIntegrity.of(Samples.dir());
		assertTrue(real.recorded().size() >= 10, "every file of SHA256SUMS: " + real.recorded().keySet());
		assertEquals(List.of(), real.check());
		assertEquals(0, real.hashedBytes(), "intact samples whose stamps are recorded are not hashed again");
	}

	@Test
	void aChangedBitIsCaughtEvenWithItsTimeSetBack(@TempDir Path tmp) throws Exception {
		Path set = tmp.resolve("s1");
		Files.createDirectories(set.resolve("kernel"));
		Random r = new Random(7);
		byte[] a = new byte[1 << 20], b = new byte[3000];
		r.nextBytes(a);
		r.nextBytes(b);
		Files.write(set.resolve("memory.elf"), a);
		Files.write(set.resolve("kernel/config"), b);
		Files.writeString(set.resolve("SHA256SUMS"), sha(a) + "  memory.elf\n" + sha(b) + " *kernel/config\n");
		EvidenceIntegrity first = EvidenceIntegrity.of(tmp);
		assertEquals(List.of(), first.check());
		assertEquals(a.length + b.length, first.hashedBytes(), "hashed once");
		EvidenceIntegrity second = EvidenceIntegrity.of(tmp);
		assertEquals(List.of(), second.check());
		assertEquals(0, second.hashedBytes(), "then trusted by its stamp");

		Path f = set.resolve("memory.elf");
		FileTime mtime = Files.getLastModifiedTime(f);
		byte[] flipped = a.clone();
		flipped[123457] ^= 0x10;
		Files.write(f, flipped);
		Files.setLastModifiedTime(f, mtime); // set back: the ctime still moved
		List<String> problems = EvidenceIntegrity.of(tmp).check();
		assertEquals(1, problems.size(), problems.toString());
		assertTrue(problems.get(0).startsWith(f + ": SHA-256 " + sha(flipped) + ", SHA256SUMS records " + sha(a)), problems.get(0));
		assertEquals(1, EvidenceIntegrity.of(tmp).check().size(), "still changed on the next check: a bad file never gets a stamp");

		Files.write(f, a);
		assertEquals(List.of(), EvidenceIntegrity.of(tmp).check(), "restored");

		Files.write(set.resolve("kernel/config"), java.util.Arrays.copyOf(b, 1000));
		assertTrue(EvidenceIntegrity.of(tmp).check().get(0).contains("kernel/config: SHA-256"));
		Files.delete(set.resolve("kernel/config"));
		assertEquals(List.of(set.resolve("kernel/config") + ": missing (SHA256SUMS lists it)"), EvidenceIntegrity.of(tmp).check());
	}

	static String sha(byte[] b) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
	}
}
