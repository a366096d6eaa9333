package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tools nobody here wrote, as oracles: e2fsprogs ({@code mke2fs}, {@code debugfs}, {@code e2fsck}) and The
 * Sleuth Kit ({@code fls}, {@code istat}, {@code icat}). The Tycho run must have them installed
 * ({@code apt-get install -y e2fsprogs sleuthkit}); a missing tool fails the test.
 */
final class Oracles {
	private Oracles() {
	}

	/** Runs a command (TZ=UTC, C locale) and returns stdout; a non-zero exit fails unless {@code okExit}. */
	static byte[] runBytes(boolean okExit, String... cmd) throws IOException, InterruptedException {
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.environment().put("TZ", "UTC");
		pb.environment().put("LC_ALL", "C");
		pb.redirectErrorStream(false);
		pb.redirectError(ProcessBuilder.Redirect.DISCARD);
		Process p;
		try {
			p = pb.start();
		} catch (IOException e) {
			fail("oracle tool missing: " + cmd[0] + " (apt-get install -y e2fsprogs sleuthkit): " + e.getMessage());
			throw e;
		}
		p.getOutputStream().close();
		byte[] out;
		try (InputStream in = p.getInputStream()) {
			out = in.readAllBytes();
		}
		if (!p.waitFor(300, TimeUnit.SECONDS)) {
			p.destroyForcibly();
			fail("timeout: " + String.join(" ", cmd));
		}
		if (!okExit && p.exitValue() != 0) fail(String.join(" ", cmd) + " exited with " + p.exitValue());
		return out;
	}

	static String run(String... cmd) throws IOException, InterruptedException {
		return new String(runBytes(false, cmd), StandardCharsets.UTF_8);
	}

	/** {@code mke2fs -q -F [opts] -d src img size}. */
	static void mkfs(Path src, Path img, String size, String... opts) throws Exception {
		List<String> c = new ArrayList<>(List.of("mke2fs", "-q", "-F"));
		c.addAll(List.of(opts));
		c.addAll(List.of("-d", src.toString(), img.toString(), size));
		run(c.toArray(String[]::new));
	}

	/** Runs debugfs commands in one process; returns each command's output keyed by the command. */
	static Map<String, String> debugfs(Path img, List<String> cmds, boolean write) throws Exception {
		// In the temp dir, never next to the image: evidence directories stay as they were delivered.
		Path f = Files.createTempFile("debugfs", ".cmd");
		String out;
		try {
			Files.write(f, cmds, StandardCharsets.UTF_8);
			out = write ? run("debugfs", "-w", "-f", f.toString(), img.toString()) : run("debugfs", "-f", f.toString(), img.toString());
		} finally {
			Files.deleteIfExists(f);
		}
		Map<String, String> m = new LinkedHashMap<>();
		String cur = null;
		StringBuilder sb = new StringBuilder();
		for (String line : out.split("\n", -1)) {
			if (line.startsWith("debugfs: ")) {
				if (cur != null) m.put(cur, sb.toString());
				cur = line.substring(9);
				sb.setLength(0);
			} else if (cur != null) {
				sb.append(line).append('\n');
			}
		}
		if (cur != null) m.put(cur, sb.toString());
		return m;
	}

	/** {@code fls -r -p}: path → "type inode" for allocated names (TSK's virtual $OrphanFiles left out). */
	static Map<String, String> fls(Path img) throws Exception {
		Map<String, String> m = new LinkedHashMap<>();
		for (String line : run("fls", "-r", "-p", img.toString()).split("\n")) {
			Matcher x = Pattern.compile("^(\\S)/(\\S) (\\*? ?)(\\d+)(?:\\(realloc\\))?:\t(.*)$").matcher(line);
			if (!x.matches()) continue;
			if (!x.group(3).isEmpty()) continue; // deleted name
			if (x.group(1).equals("-")) continue; // TSK parses htree index blocks as nameless entries of unknown type
			if (x.group(5).startsWith("$OrphanFiles")) continue;
			m.put("/" + x.group(5), x.group(2) + " " + x.group(4));
		}
		return m;
	}

	/** istat's decoded times: {accessed, modified, changed} each as seconds and nanoseconds. */
	static long[] istatTimes(Path img, long ino) throws Exception {
		String s = run("istat", img.toString(), Long.toString(ino));
		long[] t = new long[6];
		String[] keys = { "Accessed:", "File Modified:", "Inode Modified:" };
		for (int i = 0; i < 3; i++) {
			Matcher x = Pattern.compile(Pattern.quote(keys[i]) + "\\s+(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)(?:\\.(\\d{9}))?").matcher(s);
			if (!x.find()) fail("istat " + ino + ": no " + keys[i] + " in\n" + s);
			t[2 * i] = LocalDateTime.parse(x.group(1).replace(' ', 'T')).toEpochSecond(ZoneOffset.UTC);
			t[2 * i + 1] = x.group(2) == null ? 0 : Long.parseLong(x.group(2));
		}
		return t;
	}

	static String icatSha256(Path img, long ino) throws Exception {
		return sha256(runBytes(false, "icat", img.toString(), Long.toString(ino)));
	}

	static String sha256(byte[] b) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
	}

	static String sha256(Path file) throws Exception {
		MessageDigest md = MessageDigest.getInstance("SHA-256");
		try (InputStream in = Files.newInputStream(file)) {
			byte[] buf = new byte[1 << 16];
			int n;
			while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
		}
		return HexFormat.of().formatHex(md.digest());
	}

	/** debugfs {@code blocks}: the device blocks of a file in logical order. */
	static List<Long> parseBlocks(String out) {
		List<Long> l = new ArrayList<>();
		for (String s : out.trim().split("\\s+")) if (!s.isEmpty()) l.add(Long.parseLong(s));
		return l;
	}


}
