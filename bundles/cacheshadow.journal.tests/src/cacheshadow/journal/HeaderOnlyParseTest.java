package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import cacheshadow.layers.Progress;

/**
 * The default read parses headers in place through a mapping and never reads entry data; the full read (whole file
 * read ahead) is the reference: whole, cut and corrupted logs must give the same entries, damage report, index file
 * and entry data.
 */
class HeaderOnlyParseTest {
	@TempDir
	Path tmp;

	@ParameterizedTest
	@ValueSource(ints = { 32, 512, 4096 })
	void headerOnlyReadIsTheFullRead(int sectorSize) throws IOException {
		Path f = DmLogWritesReaderTest.craft(tmp.resolve("h.log"), sectorSize, 21 + sectorSize, 120);
		byte[] all = Files.readAllBytes(f);
		long[] headers;
		try (DmLogWritesLog log = DmLogWritesReader.read(f, Progress.NONE, EntrySink.NONE, ReadAheadFile.DEFAULT_CHUNK)) {
			headers = new long[log.entryCount()];
			for (int i = 0; i < headers.length; i++) headers[i] = log.headerOffset(i);
		}
		Random rnd = new Random(sectorSize);
		int damaged = 0;
		for (int t = 0; t < 80; t++) {
			byte[] b = switch (t % 4) {
			case 0 -> t == 0 ? all : Arrays.copyOf(all, sectorSize + rnd.nextInt(all.length - sectorSize)); // whole, cut anywhere
			case 1 -> Arrays.copyOf(all, (int) headers[rnd.nextInt(headers.length)] + rnd.nextInt(sectorSize)); // torn header
			case 2 -> { // a flipped byte in a header (its fields or padding)
				byte[] c = all.clone();
				c[(int) headers[rnd.nextInt(headers.length)] + rnd.nextInt(sectorSize)] ^= (byte) (1 + rnd.nextInt(255));
				yield c;
			}
			default -> { // a zeroed header, or a zero tail after the last entry (a preallocated log)
				byte[] c = rnd.nextBoolean() ? all.clone() : Arrays.copyOf(all, all.length + sectorSize * (1 + rnd.nextInt(3)));
				if (c.length == all.length) {
					int k = (int) headers[rnd.nextInt(headers.length)];
					Arrays.fill(c, k, k + sectorSize, (byte) 0);
				}
				yield c;
			}
			};
			Path p = tmp.resolve("t.log");
			Files.write(p, b);
			String what = "sector size " + sectorSize + ", trial " + t;
			Path fullIdx = tmp.resolve("full.csjvix"), mappedIdx = tmp.resolve("mapped.csjvix");
			Files.deleteIfExists(fullIdx);
			Files.deleteIfExists(mappedIdx);
			try (DmLogWritesLog full = DmLogWritesReader.read(p, Progress.NONE, EntrySink.NONE, ReadAheadFile.DEFAULT_CHUNK);
					DmLogWritesLog mapped = DmLogWritesReader.read(p);
					JournalIndex fused = JournalIndex.readAndIndex(p, mappedIdx, Progress.NONE); WriteLog fusedLog = fused.log()) {
				assertEquals(full.damage(), mapped.damage(), what);
				assertEquals(full.damage(), fusedLog.damage(), what);
				assertEquals(full.validBytes(), mapped.validBytes(), what);
				assertEquals(full.entryCount(), mapped.entryCount(), what);
				assertEquals(full.entryCount(), fusedLog.entryCount(), what);
				if (full.damage().isPresent()) damaged++;
				byte[] x = new byte[1 << 16], y = new byte[1 << 16];
				for (int i = 0; i < full.entryCount(); i++) {
					String e = what + ", entry " + i;
					assertEquals(full.headerOffset(i), mapped.headerOffset(i), e);
					assertEquals(full.diskOffset(i), mapped.diskOffset(i), e);
					assertEquals(full.length(i), mapped.length(i), e);
					assertEquals(full.flags(i), mapped.flags(i), e);
					assertEquals(full.mark(i), mapped.mark(i), e);
					int n = (int) Math.min(full.length(i), x.length);
					full.readData(i, 0, x, 0, n);
					mapped.readData(i, 0, y, 0, n);
					assertArrayEquals(Arrays.copyOf(x, n), Arrays.copyOf(y, n), e);
				}
				JournalIndex.build(full).save(fullIdx);
				assertArrayEquals(Files.readAllBytes(fullIdx), Files.readAllBytes(mappedIdx), what + ": index files");
			}
		}
		assertTrue(damaged > 40, "most trials must damage the log: " + damaged);
	}
}
