package cacheshadow.bench;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.listing.FileRecord;

/**
 * Benchmark (a main class, not a test): listing and hashing every file of an image with this reader, against
 * The Sleuth Kit ({@code fls -r} then {@code icat} per regular file, hashed here) and a raw sequential read of
 * the image, in the same run.
 *
 * <pre>
 *   ./cacheshadow bench ext4 IMAGE
 *   ./cacheshadow bench ext4 --make MB WORKDIR   # builds an ext4 image of about MB MiB of files first
 * </pre>
 */
public final class Ext4Benchmark {
	private Ext4Benchmark() {
	}

	public static void main(String[] args) throws Exception {
		Path img;
		if (args.length == 3 && args[0].equals("--make")) {
			img = make(Integer.parseInt(args[1]), Path.of(args[2]));
		} else if (args.length == 1) {
			img = Path.of(args[0]);
		} else {
			System.err.println("usage: Ext4Benchmark IMAGE | --make MB WORKDIR");
			System.exit(2);
			return;
		}
		long size = Files.size(img);
		System.out.printf("image %s, %.1f MiB%n", img, size / 1048576.0);
		double raw = 0, ours = 0, tsk = 0;
		int files = 0;
		for (int round = 1; round <= 2; round++) { // round 1 warms the JIT and the page cache
			long t0 = System.nanoTime();
			rawRead(img);
			long t1 = System.nanoTime();
			try (RawFileLayer layer = new RawFileLayer(img)) {
				Ext4FileSystem fs = Ext4FileSystem.open(layer, Ext4FileSystem.Options.AS_IT_LIES);
				List<FileRecord> l = fs.listing("", true);
				files = (int) l.stream().filter(r -> r.type().isRegular()).count();
			}
			long t2 = System.nanoTime();
			int tskFiles = sleuthKit(img);
			long t3 = System.nanoTime();
			raw = (t1 - t0) / 1e9;
			ours = (t2 - t1) / 1e9;
			tsk = (t3 - t2) / 1e9;
			System.out.printf("round %d: raw read %.3f s, ext4 list+hash %.3f s (%d files), fls+icat %.3f s (%d files)%n", round,
					raw, ours, files, tsk, tskFiles);
		}
		System.out.printf("ratio ours/raw %.2f, ours/TSK %.3f (TSK/ours %.1fx)%n", ours / raw, ours / tsk, tsk / ours);
	}

	/** Sequential read of the whole image, hashed like the files are (same per-byte work). */
	static void rawRead(Path img) throws Exception {
		MessageDigest md = MessageDigest.getInstance("SHA-256");
		try (FileChannel ch = FileChannel.open(img)) {
			ByteBuffer b = ByteBuffer.allocate(1 << 20);
			while (ch.read(b) > 0) {
				b.flip();
				md.update(b);
				b.clear();
			}
		}
		md.digest();
	}

	static int sleuthKit(Path img) throws Exception {
		Process p = new ProcessBuilder("fls", "-r", "-p", img.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
		List<String> inodes = new ArrayList<>();
		Pattern re = Pattern.compile("^r/r (\\d+):\t");
		for (String line : new String(p.getInputStream().readAllBytes()).split("\n")) {
			Matcher m = re.matcher(line);
			if (m.find()) inodes.add(m.group(1));
		}
		p.waitFor();
		byte[] buf = new byte[1 << 20];
		for (String ino : inodes) {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			Process c = new ProcessBuilder("icat", img.toString(), ino).redirectError(ProcessBuilder.Redirect.DISCARD).start();
			try (InputStream in = c.getInputStream()) {
				int n;
				while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
			}
			c.waitFor();
			md.digest();
		}
		return inodes.size();
	}

	/** An ext4 image holding about {@code mb} MiB in files of mixed sizes (4 KiB .. 8 MiB) across 40 directories. */
	static Path make(int mb, Path work) throws Exception {
		Path src = work.resolve("bench-src");
		Path img = work.resolve("bench.img");
		Files.createDirectories(src);
		Random r = new Random(1);
		long total = 0, limit = (long) mb << 20;
		int i = 0;
		byte[] chunk = new byte[1 << 20];
		while (total < limit) {
			Path dir = Files.createDirectories(src.resolve("d" + (i % 40)));
			int size = i % 50 == 0 ? 8 << 20 : i % 5 == 0 ? 1 << 20 : 4096 + r.nextInt(60000);
			try (var out = Files.newOutputStream(dir.resolve("f" + i))) {
				for (int left = size; left > 0; left -= chunk.length) {
					r.nextBytes(chunk);
					out.write(chunk, 0, Math.min(left, chunk.length));
				}
			}
			total += size;
			i++;
		}
		Process p = new ProcessBuilder("mke2fs", "-q", "-F", "-t", "ext4", "-d", src.toString(), img.toString(), (mb * 5 / 4 + 32) + "M")
				.redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes());
		if (p.waitFor() != 0) throw new java.io.IOException("mke2fs failed: " + out.strip());
		return img;
	}
}
