package cacheshadow.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;

/**
 * The seed's Figure 8 for the mount: SHA-256 of a 4 MiB file (a) straight from the disk image (ext4 read
 * in-process) and (c) through the FUSE mount of the same image (opened and read like any tool would, 128 KiB at a
 * time), same digest code both ways, best of {@code rounds}. The image is made for the purpose:
 * {@code mkfs.ext4 -d} over one 4 MiB random file.
 * <p>
 * (c) is a cold read every round: the mount opens files FOPEN_DIRECT_IO, so no page of an earlier round is
 * cached in the kernel; each round checks that the handler served the whole file and fails otherwise.
 */
public final class FuseBenchmark {
	public static final String FILE = "/random-4MiB.bin";
	private static final int SIZE = 4 << 20, CHUNK = 128 << 10;

	/** Seconds of each side (best of the rounds), FUSE read requests per whole-file read of (c), the hash both sides agree on. */
	public record Result(double diskSeconds, double fuseSeconds, double sha256sumSeconds, double requestsPerFile, String sha256) {
		public double ratio() {
			return fuseSeconds / diskSeconds;
		}

		public String line() {
			return String.format("hash 4 MiB file: straight from the disk image %.2f ms, through the FUSE mount %.2f ms, ratio %.2f (goal <= 1.50); %.1f read requests per file; sha256sum on the mount %.1f ms incl. process start",
					diskSeconds * 1e3, fuseSeconds * 1e3, ratio(), requestsPerFile, sha256sumSeconds * 1e3);
		}
	}

	private FuseBenchmark() {
	}

	/** Builds the image in {@code work} (an empty scratch directory), mounts it there, measures, unmounts. */
	public static Result run(Path work, int rounds) throws IOException, InterruptedException {
		Path src = Files.createDirectories(work.resolve("src"));
		byte[] data = new byte[SIZE];
		new SplittableRandom(8).nextBytes(data);
		Files.write(src.resolve(FILE.substring(1)), data);
		Path image = work.resolve("bench.img");
		Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-b", "4096", "-d", src.toString(), image.toString(), "16M")
				.redirectErrorStream(true).start();
		String mkfsOut = new String(mkfs.getInputStream().readAllBytes());
		if (mkfs.waitFor() != 0) throw new IOException("mkfs.ext4 -d failed: " + mkfsOut.strip());
		Path mnt = Files.createDirectories(work.resolve("mnt"));
		try (Layer disk = Layers.openDisk(image); Ext4FileSystem fs = Ext4FileSystem.open(disk, Ext4FileSystem.Options.REPLAYED)) {
			Ext4Tree tree = new Ext4Tree(fs);
			try (FuseMount m = FuseMount.mount(tree, mnt, "bench", FuseMount.Options.DEFAULT, System.err::println)) {
				Path onMount = mnt.resolve(FILE.substring(1));
				double disk1 = Double.MAX_VALUE, fuse1 = Double.MAX_VALUE, tool = Double.MAX_VALUE;
				String hDisk = null, hFuse = null;
				long requests = 0;
				for (int r = 0; r < rounds + 1; r++) { // round 0 warms the JIT and the image's page cache
					long t0 = System.nanoTime();
					hDisk = hashFromTree(tree);
					long[] before = m.readStatistics();
					long t1 = System.nanoTime();
					hFuse = hashFromFile(onMount);
					long t2 = System.nanoTime();
					long[] after = m.readStatistics();
					long asked = after[1] - before[1];
					if (asked < SIZE) throw new IOException("round " + r + ": the kernel asked the handler for " + asked + " of " + SIZE + " bytes (the rest came from its page cache): not a cold read");
					requests += after[0] - before[0];
					Process p = new ProcessBuilder("sha256sum", onMount.toString()).redirectErrorStream(true).start();
					String out = new String(p.getInputStream().readAllBytes());
					if (p.waitFor() != 0 || !out.startsWith(hDisk)) throw new IOException("sha256sum on the mount: " + out.strip());
					long t3 = System.nanoTime();
					if (!hDisk.equals(hFuse)) throw new IOException("hashes differ: disk " + hDisk + ", FUSE " + hFuse);
					if (r == 0) continue;
					disk1 = Math.min(disk1, (t1 - t0) / 1e9);
					fuse1 = Math.min(fuse1, (t2 - t1) / 1e9);
					tool = Math.min(tool, (t3 - t2) / 1e9);
				}
				return new Result(disk1, fuse1, tool, (double) requests / (rounds + 1), hDisk);
			}
		}
	}

	private static String hashFromTree(MountedTree tree) throws IOException {
		MessageDigest md = sha256();
		MountedTree.OpenFile f = tree.open(FILE);
		byte[] buf = new byte[CHUNK];
		long pos = 0;
		int n;
		while ((n = f.read(pos, buf, 0, buf.length)) > 0) {
			md.update(buf, 0, n);
			pos += n;
		}
		return HexFormat.of().formatHex(md.digest());
	}

	private static String hashFromFile(Path file) throws IOException {
		MessageDigest md = sha256();
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
			ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
			while (ch.read(buf) > 0) {
				buf.flip();
				md.update(buf);
				buf.clear();
			}
		}
		return HexFormat.of().formatHex(md.digest());
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

}
