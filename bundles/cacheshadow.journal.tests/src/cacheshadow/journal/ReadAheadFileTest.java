package cacheshadow.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.layers.EvidenceFormatException;

class ReadAheadFileTest {
	@TempDir
	Path tmp;

	/** Forward reads inside chunks, across chunk ends, skipping chunks, and now and then backwards: all the file's bytes. */
	@ParameterizedTest
	@ValueSource(ints = { 1, 7, 512, 4096, 65536, 1 << 20 })
	void readsAreTheFilesBytesWhateverTheChunking(int chunk) throws IOException {
		Random rnd = new Random(chunk);
		byte[] all = new byte[300_000 + rnd.nextInt(1000)];
		rnd.nextBytes(all);
		Path f = tmp.resolve("f.bin");
		Files.write(f, all);
		try (ReadAheadFile r = new ReadAheadFile(f, all.length, chunk)) {
			long pos = 0;
			while (pos < all.length) {
				int len = (int) Math.min(all.length - pos, rnd.nextInt(3) == 0 ? rnd.nextInt(20_000) : rnd.nextInt(600));
				long at = rnd.nextInt(10) == 0 ? Math.max(0, pos - rnd.nextInt(5000)) : pos; // sometimes behind
				len = (int) Math.min(len, all.length - at);
				byte[] got = new byte[len + 2];
				r.read(at, got, 1, len);
				assertArrayEquals(Arrays.copyOfRange(all, (int) at, (int) at + len), Arrays.copyOfRange(got, 1, len + 1), "chunk " + chunk + " at " + at + " len " + len);
				pos = at + len + (rnd.nextInt(4) == 0 ? rnd.nextInt(3 * chunk + 1) : 0); // sometimes skip ahead
			}
		}
	}

	@Test
	void onlyTheGivenPrefixIsRead() throws IOException {
		Path f = tmp.resolve("g.bin");
		Files.write(f, new byte[10_000]);
		try (ReadAheadFile r = new ReadAheadFile(f, 5000, 1024)) {
			r.read(4990, new byte[10], 0, 10);
			assertThrows(EvidenceFormatException.class, () -> r.read(4995, new byte[10], 0, 10));
		}
	}

	/** Closing before the end must stop the reading thread, not leave it blocked on full buffers. */
	@Test
	void closingEarlyStopsTheReader() throws IOException {
		Path f = tmp.resolve("h.bin");
		Files.write(f, new byte[4 << 20]);
		assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
			for (int i = 0; i < 50; i++) {
				try (ReadAheadFile r = new ReadAheadFile(f, 4 << 20, 4096)) {
					r.read(i, new byte[1], 0, 1);
				}
			}
		});
	}
}
