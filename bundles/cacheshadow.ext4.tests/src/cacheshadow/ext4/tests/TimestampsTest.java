package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.layers.RawFileLayer;

/**
 * Timestamp edge cases ("Inode Timestamps"): before 1970 (signed seconds), the epoch bits (2038 and 2446),
 * nanoseconds — against debugfs, which decodes as the kernel does. (TSK 4.11 reads the seconds unsigned and
 * ignores the epoch bits, so it is no oracle here.)
 */
class TimestampsTest {
	@TempDir
	Path tmp;

	@Test
	void signedSecondsEpochBitsAndNanoseconds() throws Exception {
		Path src = Files.createDirectories(tmp.resolve("src"));
		Files.writeString(src.resolve("t.txt"), "t\n");
		Path img = tmp.resolve("times.img");
		Oracles.mkfs(src, img, "8M", "-t", "ext4");
		Oracles.debugfs(img, List.of("sif /t.txt atime 0xffffffff", "sif /t.txt atime_extra 0x00000000",
				"sif /t.txt mtime 0x7fffffff", "sif /t.txt mtime_extra 0x0000000b", "sif /t.txt ctime 0x80000000",
				"sif /t.txt ctime_extra 0xee6b27fd"), true);
		Map<String, String> out = Oracles.debugfs(img, List.of("stat /t.txt"), false);
		String st = out.values().iterator().next();
		try (RawFileLayer l = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l);
			Ext4Inode in = fs.inode(fs.lookup("/t.txt"));
			assertEquals(-1, in.atime);
			assertEquals(debugfsTime(st, "atime"), in.atime);
			assertEquals(0x7fffffffL + (3L << 32), in.mtime);
			assertEquals(debugfsTime(st, "mtime"), in.mtime);
			assertEquals(2, in.mtimeNanos);
			assertEquals(1L << 31, in.ctime);
			assertEquals(debugfsTime(st, "ctime"), in.ctime);
			assertEquals(999_999_999L, in.ctimeNanos);
		}
	}

	/** debugfs prints {@code " mtime: 0x7fffffff:0000000b -- Thu May 10 22:38:55 2446"} (TZ=UTC). */
	private static long debugfsTime(String stat, String key) {
		Matcher m = Pattern.compile(key + ": 0x[0-9a-f]+:[0-9a-f]+ -- (.+)").matcher(stat);
		if (!m.find()) throw new AssertionError("no " + key + " in " + stat);
		DateTimeFormatter f = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);
		return LocalDateTime.parse(m.group(1).trim(), f).toEpochSecond(ZoneOffset.UTC);
	}
}
