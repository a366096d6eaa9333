package cacheshadow.listing.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.listing.Json;
import cacheshadow.listing.ManifestFormat;

/**
 * The one escaping rule for names the guest chose ({@link GuestName}): ordinary names unchanged, every hostile byte
 * visible and unambiguous, reversible, and the same text in manifests, JSON and findings.
 */
class GuestNameTest {
	private static String of(String s) {
		return GuestName.of(s.getBytes(StandardCharsets.UTF_8));
	}

	private static String of(int... bytes) {
		byte[] b = new byte[bytes.length];
		for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
		return GuestName.of(b);
	}

	@Test
	void ordinaryNamesAreUnchanged() {
		for (String n : List.of("readme.txt", "notes with space.txt", "grüße-日本 space.txt", "lost+found", "...", ".hidden", "a..b", "-rf",
				"emoji \uD83D\uDE00", "\uFFFD", "tab-less", "~", "$Orphan")) {
			assertEquals(n, of(n), n);
			assertFalse(GuestName.escaped(of(n)));
			assertEquals(List.of(), GuestName.problems(of(n)));
			assertNull(GuestName.finding("/mnt/disk/" + of(n), "dentry 0x1"));
			assertEquals(n, GuestName.hostName(of(n)));
			assertSame(n, GuestName.printable(n));
		}
	}

	@Test
	void hostileBytesAreEscaped() {
		assertEquals("..\\x2f..\\x2fpwned", of("../../pwned"));
		assertEquals("\\x2e", of("."));
		assertEquals("\\x2e\\x2e", of(".."));
		assertEquals("slash\\x2f", of("slash/"));
		assertEquals("nul\\x00byte", of("nul\0byte"));
		assertEquals("back\\\\slash", of("back\\slash"));
		assertEquals("\\x1b[31mred\\x1b[0m\\x1b]0;t\\x07", of("\u001b[31mred\u001b[0m\u001b]0;t\u0007"));
		assertEquals("tab\\x09nl\\x0acr\\x0ddel\\x7f", of("tab\tnl\ncr\rdel\u007f"));
		assertEquals("\\xc2\\x9b31m", of("\u009b31m")); // C1 CSI
		assertEquals("\\xe2\\x80\\xaetxt.exe", of("\u202etxt.exe")); // right-to-left override
		assertEquals("a\\xe2\\x80\\x8bb\\xe2\\x80\\xa8", of("a\u200bb\u2028")); // zero width space, line separator
		assertEquals("soft\\xc2\\xadhyphen", of("soft\u00adhyphen"));
		// invalid UTF-8: lone bytes, truncated sequences, overlong forms (of '/' too), surrogates, past U+10FFFF
		assertEquals("bad-\\xff\\xfe-\\xc3(", of('b', 'a', 'd', '-', 0xff, 0xfe, '-', 0xc3, '('));
		assertEquals("\\xc0\\xaf", of(0xc0, 0xaf));
		assertEquals("\\xe0\\x80\\xaf", of(0xe0, 0x80, 0xaf));
		assertEquals("\\xed\\xa0\\x80", of(0xed, 0xa0, 0x80));
		assertEquals("\\xf4\\x90\\x80\\x80", of(0xf4, 0x90, 0x80, 0x80));
		assertEquals("\\xe6\\x97", of(0xe6, 0x97));
		assertEquals("日", of(0xe6, 0x97, 0xa5));
		// in a link target, '/' and dots are a path's own
		assertEquals("../../etc/passwd", GuestName.text("../../etc/passwd".getBytes(StandardCharsets.UTF_8)));
		assertEquals("a\\x00b/\\x1b", GuestName.text("a\0b/\u001b".getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void textFormIsReversibleAndUnambiguous() {
		Random r = new Random(13);
		Map<String, byte[]> seen = new HashMap<>();
		int[] pool = { 0, 1, 0x1b, '\t', '\n', '/', '.', '\\', 'x', '2', 'e', 'a', ' ', 0x7f, 0x80, 0x9b, 0xc2, 0xc3, 0xa9, 0xe2, 0x80, 0xae, 0xed, 0xa0,
				0xf0, 0x9f, 0x98, 0x80, 0xff };
		for (int k = 0; k < 100_000; k++) {
			byte[] b = new byte[1 + r.nextInt(8)];
			for (int i = 0; i < b.length; i++) b[i] = (byte) pool[r.nextInt(pool.length)];
			String t = GuestName.of(b);
			assertArrayEquals(b, GuestName.raw(t), t);
			byte[] before = seen.putIfAbsent(t, b);
			if (before != null) assertArrayEquals(before, b, "two names read alike: " + t);
			// one component: never empty, '.', '..', never '/' or NUL, nothing a terminal acts on
			assertTrue(GuestName.validComponent(t), t);
			assertEquals(t, GuestName.printable(t), t);
			for (char c : t.toCharArray()) assertTrue(c >= 0x20 && c != 0x7f && (c < 0x80 || c > 0x9f), t);
			assertEquals(t.length() * 3 <= 255 ? t : GuestName.hostName(t), GuestName.hostName(t));
			String target = GuestName.text(b);
			assertArrayEquals(b, GuestName.raw(target));
		}
		assertThrows(IllegalArgumentException.class, () -> GuestName.raw("lone\\"));
		assertThrows(IllegalArgumentException.class, () -> GuestName.raw("a\\~0123"));
	}

	@Test
	void hostNamesFitAndStayUnique() {
		Set<String> hosts = new HashSet<>();
		for (int n = 250; n < 270; n++) {
			String text = of("L".repeat(n));
			String host = GuestName.hostName(text);
			assertTrue(host.getBytes(StandardCharsets.UTF_8).length <= GuestName.NAME_MAX, host);
			assertEquals(n > 255, GuestName.shortened(host), host);
			assertTrue(hosts.add(host));
		}
		// multi-byte characters and escapes are never cut in half
		String e = GuestName.hostName(of("é".repeat(200)));
		assertTrue(e.getBytes(StandardCharsets.UTF_8).length <= 255);
		assertTrue(e.startsWith("é".repeat(110) + "\\~"), e);
		byte[] ctrl = new byte[255];
		java.util.Arrays.fill(ctrl, (byte) 1);
		String c = GuestName.hostName(GuestName.of(ctrl));
		assertTrue(c.matches("(\\\\x01)+\\\\~[0-9a-f]{32}"), c);
		assertTrue(c.getBytes(StandardCharsets.UTF_8).length <= 255);
		// a name that is not in the text form (another tree's raw names) is escaped first
		assertEquals("\\x2e\\x2e", GuestName.hostName(".."));
		assertEquals("a\\x2fb", GuestName.hostName("a/b"));
		assertEquals("a\\x1bb", GuestName.hostName("a\u001bb"));
		assertThrows(IllegalArgumentException.class, () -> GuestName.hostName(""));
		// a shortened name never equals a real name's text form
		assertNotEquals(GuestName.hostName(of("L".repeat(300))), of(GuestName.hostName(of("L".repeat(300)))));
	}

	@Test
	void findingsNameThePathAndTheProblem() {
		Finding slash = GuestName.finding("/mnt/disk/etc/" + of("../pwned"), "dentry 0xffff888000001000");
		assertEquals(Finding.Severity.ANOMALY, slash.severity());
		assertEquals("guest-name", slash.kind());
		assertEquals("/mnt/disk/etc/..\\x2fpwned", slash.location());
		assertTrue(slash.message().startsWith("dentry 0xffff888000001000: name contains '/'"), slash.message());
		assertEquals(Finding.Severity.ANOMALY, GuestName.finding("/a/" + of(".."), "x").severity());
		assertTrue(GuestName.finding("/a/" + of(".."), "x").message().contains("dot entry"));
		Finding esc = GuestName.finding("/a/" + of("\u001b[2J"), "x");
		assertEquals(Finding.Severity.WARNING, esc.severity());
		assertTrue(esc.message().contains("terminal escape sequence"), esc.message());
		assertTrue(GuestName.finding("/a/" + of(0xff), "x").message().contains("not valid UTF-8"));
		assertTrue(GuestName.finding("/a/" + of("\u202e"), "x").message().contains("bidirectional"));
		assertEquals(Finding.Severity.INFO, GuestName.finding("/a/" + of("a\\b"), "x").severity());
		assertEquals(Finding.Severity.ANOMALY, GuestName.finding("/a/" + of("L".repeat(300)), "x").severity());
		// printed, a finding is one line with no control character
		Finding raw = new Finding(Finding.Severity.ANOMALY, "k", "/a/\u001b[31m\nb", "m\u009b\u202e");
		assertEquals("ANOMALY k @/a/\\x1b[31m\\x0ab: m\\xc2\\x9b\\xe2\\x80\\xae", raw.toString());
	}

	@Test
	void manifestAndJsonCarryTheTextForm() {
		String path = "/mnt/disk/" + of("tab\there\nnl\u001b[2J");
		FileRecord r = new FileRecord(path, FileType.REGULAR, 0100644, 0, 0, 5, 1, 12, 1, 2, 3, 4, null, null);
		String line = ManifestFormat.line(r, List.of());
		assertEquals(14, line.split("\t", -1).length);
		assertTrue(line.startsWith("/mnt/disk/tab\\x09here\\x0anl\\x1b[2J\t"), line);
		assertEquals(path, Json.of(Map.of("p", path)).split("\"")[3].replace("\\\\", "\\"));
		// a record from a source that did not escape still cannot break the line or the columns
		FileRecord rawRecord = r.withPath("/mnt/raw\tname\nx");
		assertEquals(14, ManifestFormat.line(rawRecord, List.of()).split("\t", -1).length);
		assertFalse(ManifestFormat.line(rawRecord, List.of()).contains("\n"));
		// JSON: controls, C1, formatting characters and unpaired surrogates as \\uXXXX
		assertEquals("\"a\\u001bb\\u009bc\\u202ed\\ud800\uD83D\uDE00\"", Json.quote("a\u001bb\u009bc\u202ed\ud800\uD83D\uDE00"));
	}
}
