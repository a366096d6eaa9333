package cacheshadow.fleet.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HadoopFile} over Hadoop's local file system (the same code path as {@code hdfs://}: a stream per reading
 * thread): bytes as in the file from several threads at once, and a closed file freed although the threads that read
 * it live on, as a Spark executor's pooled task threads do.
 */
class HadoopFileTest {
	@Test
	void threadsReadTheFileAndACloseFreesTheirCursors(@TempDir Path tmp) throws Exception {
		byte[] whole = new byte[3 * HadoopFile.BUFFER + 12345];
		new Random(3).nextBytes(whole);
		Path f = Files.write(tmp.resolve("j.bin"), whole);
		ExecutorService pool = Executors.newFixedThreadPool(3); // outlives the file, as an executor's task threads do
		try {
			WeakReference<HadoopFile> gone = readAndClose(f, whole, pool);
			// a ThreadLocal cursor pointing back at its file kept the file (and a 4 MiB buffer per thread) while the threads lived
			for (int i = 0; i < 100 && gone.get() != null; i++) {
				System.gc();
				Thread.sleep(10);
			}
			assertNull(gone.get(), "the closed file is still reachable from the threads that read it");
		} finally {
			pool.shutdownNow();
		}
	}

	/** Reads {@code f} from the pool's three threads, checks the bytes, closes it, and forgets it but for a weak reference. */
	private static WeakReference<HadoopFile> readAndClose(Path f, byte[] whole, ExecutorService pool) throws Exception {
		HadoopFile h = HadoopFile.open(f.toUri().toString(), whole.length, new Configuration());
		Future<?>[] reads = new Future<?>[3];
		for (int t = 0; t < reads.length; t++) {
			int seed = t;
			reads[t] = pool.submit(() -> {
				Random r = new Random(seed);
				byte[] b = new byte[70_000];
				for (int i = 0; i < 200; i++) {
					int at = r.nextInt(whole.length - b.length), n = 1 + r.nextInt(b.length);
					h.read(at, b, 0, n);
					assertArrayEquals(Arrays.copyOfRange(whole, at, at + n), Arrays.copyOf(b, n), "at " + at);
				}
				return null;
			});
		}
		for (Future<?> r : reads) r.get();
		assertEquals(3, h.cursorCount());
		h.close();
		assertEquals(0, h.cursorCount());
		assertThrows(IOException.class, () -> h.read(0, new byte[1], 0, 1));
		return new WeakReference<>(h);
	}
}
