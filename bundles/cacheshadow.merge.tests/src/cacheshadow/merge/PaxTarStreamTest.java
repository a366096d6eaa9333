package cacheshadow.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export's tar as GNU tar reads it ({@code tar --full-time -tvf}): names past the ustar fields whole, mtimes to the
 * nanosecond, a size past the ustar field's 8 GiB, ids past its octal field; and the same members give the same bytes.
 */
class PaxTarStreamTest {
	private static final long T = 1_700_000_000L; // 2023-11-14 22:13:20 UTC

	private static List<String> gnuTarList(Path tar) throws Exception {
		ProcessBuilder pb = new ProcessBuilder("tar", "--full-time", "--numeric-owner", "-tvf", tar.toString()).redirectErrorStream(true);
		pb.environment().put("TZ", "UTC");
		Process p = pb.start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertEquals(0, p.waitFor(), out);
		return out.lines().toList();
	}

	private static byte[] members(String longName) throws Exception {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (PaxTarStream w = new PaxTarStream(b)) {
			w.entry("d/", PaxTarStream.DIRECTORY, 0755, 0, 0, 0, T, 0, T, T, null, Map.of());
			byte[] data = "hello\n".getBytes(StandardCharsets.US_ASCII);
			w.entry(longName, PaxTarStream.REGULAR, 0640, 3_000_000, 4_000_000, data.length, T, 123_456_789, T + 1, T + 2, null, Map.of("comment", "x"));
			w.data(data, 0, data.length);
			w.endData();
			w.entry("d/l", PaxTarStream.SYMLINK, 0777, 0, 0, 0, T, 5, T, T, "/" + "t".repeat(150), Map.of());
		}
		return b.toByteArray();
	}

	@Test
	void longNamesNanosecondsAndLargeIdsAsGnuTarReadsThem(@TempDir Path tmp) throws Exception {
		String longName = "d/" + "é".repeat(60) + "/" + "n".repeat(120) + ".txt";
		byte[] bytes = members(longName);
		assertTrue(Arrays.equals(bytes, members(longName)), "the same members, the same bytes");
		Path tar = tmp.resolve("a.tar");
		Files.write(tar, bytes);
		List<String> l = gnuTarList(tar);
		assertEquals(3, l.size(), l.toString());
		assertTrue(l.get(0).matches("drwxr-xr-x 0/0 +0 2023-11-14 22:13:20 d/"), l.get(0));
		assertTrue(l.get(1).matches("-rw-r----- 3000000/4000000 +6 2023-11-14 22:13:20\\.123456789 \\Q" + longName + "\\E"), l.get(1));
		assertTrue(l.get(2).matches("lrwxrwxrwx 0/0 +0 2023-11-14 22:13:20\\.000000005 d/l -> /t{150}"), l.get(2));
		// nothing of the examiner's account: no owner or group name in any header (uname at 265, gname at 297)
		for (int off = 0; off + 512 <= bytes.length; off += 512) {
			if (bytes[off + 257] != 'u') continue; // not a header ("ustar" magic)
			assertEquals(0, bytes[off + 265], "uname of the header at " + off);
			assertEquals(0, bytes[off + 297], "gname of the header at " + off);
		}
	}

	@Test
	void aMemberOfNineGibibytesIsListedWithItsSize(@TempDir Path tmp) throws Exception {
		long size = 9L << 30; // past the ustar size field (8 GiB - 1): a pax size record
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		PaxTarStream w = new PaxTarStream(head);
		w.entry("big.img", PaxTarStream.REGULAR, 0644, 0, 0, size, T, 0, T, T, null, Map.of());
		// the headers are out; the data is a hole of the file (sparse, no 9 GiB written), then the end-of-archive blocks
		Path tar = tmp.resolve("big.tar");
		try (FileChannel c = FileChannel.open(tar, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
			c.write(ByteBuffer.wrap(head.toByteArray()));
			c.write(ByteBuffer.allocate(1024), head.size() + size);
		}
		String text = new String(head.toByteArray(), StandardCharsets.US_ASCII);
		assertTrue(text.contains(" size=" + size + "\n"), "a pax size record");
		List<String> l = gnuTarList(tar);
		assertEquals(1, l.size(), l.toString());
		assertTrue(l.get(0).matches("-rw-r--r-- 0/0 +" + size + " 2023-11-14 22:13:20 big\\.img"), l.get(0));
	}
}
