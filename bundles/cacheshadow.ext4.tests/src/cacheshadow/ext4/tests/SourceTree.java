package cacheshadow.ext4.tests;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A directory tree for {@code mke2fs -d}: every file type, sizes around block and inline limits, links, xattrs. */
final class SourceTree {
	static final String LONG_NAME = "L".repeat(250) + ".long";
	static final String SLOW_TARGET = "slow/".repeat(40) + "target";
	static final byte[] BIG_XATTR = new byte[700];

	/** Relative symlink path → target. */
	final Map<String, String> symlinks = new LinkedHashMap<>();
	/** Relative path → user xattr name (without "user.") → value. */
	final Map<String, Map<String, byte[]>> xattrs = new LinkedHashMap<>();

	static SourceTree build(Path root) throws Exception {
		SourceTree t = new SourceTree();
		Random rnd = new Random(42);
		write(root.resolve("empty.txt"), new byte[0]);
		write(root.resolve("one.txt"), new byte[] { 'x' });
		write(root.resolve("small.txt"), "small file\n".repeat(9).getBytes(StandardCharsets.UTF_8));
		write(root.resolve("s59.txt"), bytes(rnd, 59));
		write(root.resolve("s60.txt"), bytes(rnd, 60));
		write(root.resolve("s150.txt"), bytes(rnd, 150));
		write(root.resolve("exact1k.bin"), bytes(rnd, 1024));
		write(root.resolve("exact4k.bin"), bytes(rnd, 4096));
		write(root.resolve("multi.bin"), bytes(rnd, 300 * 1024 + 17));
		write(root.resolve("large.bin"), bytes(rnd, 3 * 1024 * 1024 + 5)); // past the 1 KiB double-indirect start
		try (RandomAccessFile f = new RandomAccessFile(root.resolve("sparse.bin").toFile(), "rw")) {
			f.write(bytes(rnd, 8192));
			f.seek(2 * 1024 * 1024);
			f.write(bytes(rnd, 8192));
			f.setLength(3 * 1024 * 1024 + 100); // trailing hole
		}
		try (RandomAccessFile f = new RandomAccessFile(root.resolve("frag.bin").toFile(), "rw")) {
			for (int i = 0; i < 400; i++) { // 400 extents: depth 2 with 1 KiB blocks, depth 1 with 4 KiB
				f.seek(i * 8192L);
				f.write(bytes(rnd, 4096));
			}
		}
		write(root.resolve(LONG_NAME), "long name\n".getBytes(StandardCharsets.UTF_8));
		write(root.resolve("grüße-日本 space.txt"), "utf-8\n".getBytes(StandardCharsets.UTF_8));
		Path deep = Files.createDirectories(root.resolve("a/b/c/d/e"));
		write(deep.resolve("deep.txt"), "deep\n".getBytes(StandardCharsets.UTF_8));
		Files.createDirectories(root.resolve("emptydir"));
		Path many = Files.createDirectories(root.resolve("many"));
		for (int i = 0; i < 300; i++) write(many.resolve(String.format("entry-with-a-longish-name-%05d.txt", i)), ("n" + i).getBytes(StandardCharsets.UTF_8));
		write(root.resolve("hard1.txt"), "hard linked\n".getBytes(StandardCharsets.UTF_8));
		Files.createLink(root.resolve("a/hard2.txt"), root.resolve("hard1.txt"));
		Files.createSymbolicLink(root.resolve("fast"), Path.of("small.txt"));
		t.symlinks.put("fast", "small.txt");
		Files.createSymbolicLink(root.resolve("slow"), Path.of(SLOW_TARGET));
		t.symlinks.put("slow", SLOW_TARGET);
		Path x = write(root.resolve("xattr.txt"), "has xattrs\n".getBytes(StandardCharsets.UTF_8));
		UserDefinedFileAttributeView v = Files.getFileAttributeView(x, UserDefinedFileAttributeView.class);
		java.util.Arrays.fill(BIG_XATTR, (byte) 'v');
		v.write("small", ByteBuffer.wrap("sm".getBytes(StandardCharsets.UTF_8)));
		v.write("big", ByteBuffer.wrap(BIG_XATTR));
		t.xattrs.put("xattr.txt", Map.of("small", "sm".getBytes(StandardCharsets.UTF_8), "big", BIG_XATTR));
		Oracles.run("mkfifo", root.resolve("fifo").toString());
		try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
			ch.bind(java.net.UnixDomainSocketAddress.of(root.resolve("socket"))); // the socket file stays after close
		}
		Oracles.run("chmod", "4755", root.resolve("one.txt").toString());
		return t;
	}

	/** What needs root in a source tree is done in the image instead: device nodes and a foreign owner. */
	static List<String> debugfsAdditions() {
		return List.of("cd /", "mknod null-dev c 1 3", "sif /null-dev mode 020666", "mknod loop-dev b 7 0", "sif /loop-dev mode 060660",
				"sif /small.txt uid 1000", "sif /small.txt gid 1001");
	}

	private static byte[] bytes(Random r, int n) {
		byte[] b = new byte[n];
		r.nextBytes(b);
		return b;
	}

	private static Path write(Path p, byte[] b) throws Exception {
		Files.write(p, b);
		return p;
	}
}
