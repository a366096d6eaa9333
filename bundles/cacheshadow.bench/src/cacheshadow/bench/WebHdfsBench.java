package cacheshadow.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.JournalRecorder;
import cacheshadow.journal.JournalShipper;
import cacheshadow.journal.WebHdfs;
import cacheshadow.journal.WriteLog;

/**
 * {@code bench webhdfs URL_DIR}: shipping a journal to HDFS against one plain WebHDFS CREATE of the same bytes (the
 * baseline: the same client, one request), taking turns, best of {@value #ROUNDS}; then opening the journal in HDFS
 * in place against opening the local file, and random 4 KiB reads of entry data, with the bytes and requests each
 * cost. The journal is generated: {@code --mb N} MB (default 64) of 64 KiB writes at random 4 KiB-aligned offsets,
 * a flush every 32. Usage: {@code URL_DIR [--mb N] [--dir DIR]}.
 */
public final class WebHdfsBench {
	private static final int ROUNDS = 3;

	private WebHdfsBench() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length == 0 || !WebHdfs.isUrl(args[0])) throw new IllegalArgumentException("usage: bench webhdfs webhdfs://HOST:PORT/DIR [--mb N] [--dir DIR]");
		String dir = args[0].endsWith("/") ? args[0].substring(0, args[0].length() - 1) : args[0];
		int mb = 64;
		Path work = null;
		for (int i = 1; i < args.length; i++) {
			switch (args[i]) {
			case "--mb" -> mb = Integer.parseInt(args[++i]);
			case "--dir" -> work = Path.of(args[++i]);
			default -> throw new IllegalArgumentException("usage: bench webhdfs webhdfs://HOST:PORT/DIR [--mb N] [--dir DIR]");
			}
		}
		Path tmp = Files.createTempDirectory(work == null ? Path.of(System.getProperty("java.io.tmpdir")) : work, "webhdfs-bench");
		try {
			run(dir + "/bench-" + System.currentTimeMillis(), tmp.resolve("bench.csj"), mb, System.out);
		} finally {
			try (var s = Files.list(tmp)) {
				for (Path p : s.toList()) Files.delete(p);
			}
			Files.delete(tmp);
		}
	}

	static void run(String dir, Path journal, int mb, PrintStream out) throws Exception {
		SplittableRandom rnd = new SplittableRandom(16);
		byte[] data = new byte[64 << 10];
		try (JournalRecorder rec = JournalRecorder.create(journal, 512, 1L << 36)) {
			for (int i = 0; (long) i * data.length < (long) mb << 20; i++) {
				rnd.nextBytes(data);
				rec.write(rnd.nextLong((1L << 36) - data.length) & ~4095L, data, 0, data.length, 0);
				if (i % 32 == 31) rec.flush();
			}
		}
		byte[] whole = Files.readAllBytes(journal);
		long size = whole.length;
		double ship = Double.MAX_VALUE, plain = Double.MAX_VALUE;
		for (int r = 0; r < ROUNDS; r++) {
			long t0 = System.nanoTime();
			WebHdfs.of(dir + "/plain-" + r + ".bin").create(whole, 0, whole.length);
			plain = Math.min(plain, (System.nanoTime() - t0) / 1e9);
			t0 = System.nanoTime();
			long n = new JournalShipper(journal, dir + "/shipped-" + r + ".csj", Duration.ofSeconds(60), s -> {
			}).shipOnce();
			ship = Math.min(ship, (System.nanoTime() - t0) / 1e9);
			if (n != size) throw new IllegalStateException("shipped " + n + " of " + size + " bytes");
		}
		out.printf(Locale.ROOT, "webhdfs ship: %.1f MB journal in %.2f s = %.1f MB/s; one plain CREATE of the same bytes %.2f s = %.1f MB/s; ratio %.2f (best of %d)%n", size / 1e6,
				ship, size / ship / 1e6, plain, size / plain / 1e6, plain / ship, ROUNDS);
		String url = dir + "/shipped-0.csj";
		long t0 = System.nanoTime();
		int entries;
		try (WriteLog local = JournalFormat.open(journal)) {
			entries = local.entryCount();
		}
		double localOpen = (System.nanoTime() - t0) / 1e9;
		// what opening in place and reading cost, as the process's WebHDFS counters grew: nothing else reads meanwhile
		long bytes0 = WebHdfs.processBytesRead(), requests0 = WebHdfs.processRequests();
		t0 = System.nanoTime();
		try (WriteLog remote = JournalFormat.open(url)) {
			double remoteOpen = (System.nanoTime() - t0) / 1e9;
			long openBytes = WebHdfs.processBytesRead() - bytes0, openRequests = WebHdfs.processRequests() - requests0;
			if (remote.entryCount() != entries) throw new IllegalStateException(remote.entryCount() + " entries in HDFS, " + entries + " here");
			out.printf(Locale.ROOT, "webhdfs open: %d entries in %.2f s (local file %.3f s), %d bytes read of %d (%.2f%%) in %d requests%n", entries, remoteOpen, localOpen,
					openBytes, size, 100.0 * openBytes / size, openRequests);
			byte[] b = new byte[4096];
			int reads = 200;
			t0 = System.nanoTime();
			for (int k = 0; k < reads; k++) {
				int i;
				do i = rnd.nextInt(remote.entryCount()); while (!remote.changesDisk(i));
				remote.readData(i, rnd.nextLong(remote.length(i) / 4096) * 4096, b, 0, b.length);
			}
			double sec = (System.nanoTime() - t0) / 1e9;
			out.printf(Locale.ROOT, "webhdfs reads: %d random 4 KiB reads of entry data in %.2f s (%.1f ms each), %d bytes read, %d requests%n", reads, sec, sec * 1000 / reads,
					WebHdfs.processBytesRead() - bytes0 - openBytes, WebHdfs.processRequests() - requests0 - openRequests);
		}
	}
}
