package cacheshadow.listing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The one text form of a name the guest chose (a dentry's {@code d_name}, an ext4 directory entry) and of other
 * guest bytes shown as text (symbolic-link targets). A root attacker in the guest controls every byte of a name:
 * {@code /}, NUL, {@code .} and {@code ..}, thousands of bytes, invalid UTF-8, control characters, terminal escape
 * sequences. Names are decoded into this form where they are read (dentry walk, ext4 directories), so every path
 * string of the model — and with it every manifest, JSON document, CLI line, finding, exported file and FUSE entry —
 * holds only names that are one unambiguous, printable path component.
 *
 * <h2>The rule</h2>
 * The name's bytes are read as UTF-8:
 * <ul>
 * <li>a character that is valid UTF-8 (shortest form, no surrogates, at most U+10FFFF) and printable stays as it
 * is, so an ordinary name — ASCII, accented or CJK, with spaces — reads exactly as the guest's own listing shows
 * it;</li>
 * <li>a backslash becomes {@code \\};</li>
 * <li>every other byte becomes {@code \xNN} (two lowercase hex digits): bytes that are not valid UTF-8 (one at a
 * time), C0 controls (tab, newline and ESC included), DEL, C1 controls (U+0080..U+009F, both of their bytes),
 * characters of the Unicode categories Cf, Zl and Zp (bidirectional overrides, zero-width characters, U+2028/9),
 * and — in a name, not in a link target — {@code /} ({@code \x2f}) and NUL ({@code \x00});</li>
 * <li>a name that is exactly {@code .} or {@code ..} becomes {@code \x2e} or {@code \x2e\x2e}.</li>
 * </ul>
 * So a name containing a backslash is never plain, the backslash only ever starts {@code \\} or {@code \xNN}, and
 * the form is reversible ({@link #raw}): two different names never read alike, {@code /mnt/disk/etc/..\x2fpwned}
 * cannot be taken for a path with a {@code ..} component, and no name can move a terminal's cursor. Length is
 * kept: a name is shown whole however long (the dentry walk reads at most 4096 bytes of one).
 *
 * <h2>On the examiner's file system</h2>
 * Export and the FUSE mount write or present a name under {@link #hostName}: the text form itself when it fits the
 * host's {@link #NAME_MAX} bytes, else its first bytes, {@code \~} and 32 hex digits of the SHA-256 of the whole
 * text form. {@code \~} never occurs in the text form, so a shortened name cannot collide with a real one.
 */
public final class GuestName {
	/** Longest name, in bytes, of Linux file systems ({@code NAME_MAX}); longer names never come from a real kernel. */
	public static final int NAME_MAX = 255;
	/** Marks a name shortened for the host; never part of the text form of a guest name. */
	public static final String SHORTENED = "\\~";

	/** Finding kind of a name shown escaped. */
	public static final String FINDING_KIND = "guest-name";

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	// what analyze() found in a name's bytes
	private static final int SLASH = 1, NUL = 2, DOT = 4, BAD_UTF8 = 8, CONTROL = 16, TERMINAL = 32, FORMAT = 64, BACKSLASH = 128, LONG = 256;

	private GuestName() {
	}

	/** The text form of one name (a path component) of {@code len} bytes at {@code off}. */
	public static String of(byte[] b, int off, int len) {
		return decode(b, off, len, true);
	}

	/** The text form of one name. */
	public static String of(byte[] b) {
		return decode(b, 0, b.length, true);
	}

	/**
	 * The text form of guest bytes that are not one name: a symbolic link's target, a device name. As {@link #of},
	 * except that {@code /}, {@code .} and {@code ..} are kept (a target is a path); NUL is still {@code \x00}.
	 */
	public static String text(byte[] b, int off, int len) {
		return decode(b, off, len, false);
	}

	/** The text form of guest bytes that are not one name (see {@link #text(byte[], int, int)}). */
	public static String text(byte[] b) {
		return decode(b, 0, b.length, false);
	}

	private static String decode(byte[] b, int off, int len, boolean component) {
		int end = off + len;
		boolean plain = true;
		for (int i = off; i < end; i++) {
			int c = b[i];
			if (c < 0x20 || c == 0x7f || c == '\\' || (component && c == '/')) { // negative: bytes >= 0x80
				plain = false;
				break;
			}
		}
		if (plain && !(component && isDots(b, off, len))) return new String(b, off, len, StandardCharsets.ISO_8859_1);
		StringBuilder sb = new StringBuilder(len + 16);
		if (component && isDots(b, off, len)) {
			for (int i = 0; i < len; i++) hex(sb, '.');
			return sb.toString();
		}
		int i = off;
		while (i < end) {
			int c = b[i] & 0xff;
			if (c < 0x80) {
				if (c == '\\') sb.append("\\\\");
				else if (c < 0x20 || c == 0x7f || (component && c == '/')) hex(sb, c);
				else sb.append((char) c);
				i++;
				continue;
			}
			int n = sequence(b, i, end);
			if (n == 0) {
				hex(sb, c);
				i++;
				continue;
			}
			int cp = codePoint(b, i, n);
			if (printable(cp)) sb.appendCodePoint(cp);
			else for (int k = 0; k < n; k++) hex(sb, b[i + k] & 0xff);
			i += n;
		}
		return sb.toString();
	}

	private static boolean isDots(byte[] b, int off, int len) {
		return (len == 1 && b[off] == '.') || (len == 2 && b[off] == '.' && b[off + 1] == '.');
	}

	private static void hex(StringBuilder sb, int c) {
		sb.append('\\').append('x').append(HEX[c >> 4]).append(HEX[c & 15]);
	}

	/**
	 * Length of the well-formed UTF-8 sequence at {@code i} (Unicode Table 3-7: no overlong forms, no surrogates,
	 * nothing past U+10FFFF), or 0 when the byte there does not start one.
	 */
	private static int sequence(byte[] b, int i, int end) {
		int c = b[i] & 0xff;
		int n, lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) n = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			if (c == 0xe0) lo = 0xa0;
			else if (c == 0xed) hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			if (c == 0xf0) lo = 0x90;
			else if (c == 0xf4) hi = 0x8f;
		} else return 0;
		if (i + n > end) return 0;
		int c1 = b[i + 1] & 0xff;
		if (c1 < lo || c1 > hi) return 0;
		for (int k = 2; k < n; k++) {
			int ck = b[i + k] & 0xff;
			if (ck < 0x80 || ck > 0xbf) return 0;
		}
		return n;
	}

	private static int codePoint(byte[] b, int i, int n) {
		int c = b[i] & 0xff;
		int cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
		for (int k = 1; k < n; k++) cp = (cp << 6) | (b[i + k] & 0x3f);
		return cp;
	}

	/** Whether a valid code point is shown as itself: not a control (C0, DEL, C1) nor of category Cf, Zl or Zp. */
	static boolean printable(int cp) {
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return false;
		int t = Character.getType(cp);
		return t != Character.CONTROL && t != Character.FORMAT && t != Character.LINE_SEPARATOR && t != Character.PARAGRAPH_SEPARATOR
				&& t != Character.SURROGATE;
	}

	/**
	 * The raw bytes a text form stands for: {@code \\} and {@code \xNN} undone, every other character as UTF-8.
	 *
	 * @throws IllegalArgumentException when {@code text} is not a text form (a lone backslash, {@code \~}, a bad
	 *                                  hex digit)
	 */
	public static byte[] raw(String text) {
		if (text.indexOf('\\') < 0) return text.getBytes(StandardCharsets.UTF_8);
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length());
		int i = 0;
		while (i < text.length()) {
			int j = text.indexOf('\\', i);
			if (j < 0) j = text.length();
			out.writeBytes(text.substring(i, j).getBytes(StandardCharsets.UTF_8));
			if (j == text.length()) break;
			if (j + 1 < text.length() && text.charAt(j + 1) == '\\') {
				out.write('\\');
				i = j + 2;
			} else if (j + 3 < text.length() && text.charAt(j + 1) == 'x' && hexDigit(text.charAt(j + 2)) >= 0 && hexDigit(text.charAt(j + 3)) >= 0) {
				out.write(hexDigit(text.charAt(j + 2)) << 4 | hexDigit(text.charAt(j + 3)));
				i = j + 4;
			} else {
				throw new IllegalArgumentException("not the text form of a guest name: bad escape at " + j + " of \"" + printable(text) + "\"");
			}
		}
		return out.toByteArray();
	}

	private static int hexDigit(char c) {
		return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
	}

	/** Whether a text form differs from the name's bytes read as UTF-8 (the name was escaped). */
	public static boolean escaped(String text) {
		return text.indexOf('\\') >= 0;
	}

	/** The last component of a path in text form. */
	public static String lastName(String path) {
		return path.substring(path.lastIndexOf('/') + 1);
	}

	private static int analyze(byte[] b) {
		int m = 0;
		if (b.length > NAME_MAX) m |= LONG;
		if (isDots(b, 0, b.length)) m |= DOT;
		int i = 0;
		while (i < b.length) {
			int c = b[i] & 0xff;
			if (c < 0x80) {
				if (c == '/') m |= SLASH;
				else if (c == 0) m |= NUL;
				else if (c == '\\') m |= BACKSLASH;
				else if (c == 0x1b) m |= CONTROL | TERMINAL;
				else if (c < 0x20 || c == 0x7f) m |= CONTROL;
				i++;
				continue;
			}
			int n = sequence(b, i, b.length);
			if (n == 0) {
				m |= BAD_UTF8;
				i++;
				continue;
			}
			int cp = codePoint(b, i, n);
			if (cp == 0x9b) m |= CONTROL | TERMINAL; // C1 CSI
			else if (cp <= 0x9f) m |= CONTROL;
			else if (!printable(cp)) m |= FORMAT;
			i += n;
		}
		return m;
	}

	/** What makes a name not plain, one phrase each (empty for a plain name); {@code text} is its text form. */
	public static List<String> problems(String text) {
		return describe(analyze(raw(text)));
	}

	private static List<String> describe(int m) {
		List<String> p = new ArrayList<>();
		if ((m & SLASH) != 0) p.add("contains '/'");
		if ((m & NUL) != 0) p.add("contains NUL");
		if ((m & DOT) != 0) p.add("is a dot entry ('.' or '..')");
		if ((m & LONG) != 0) p.add("is longer than " + NAME_MAX + " bytes");
		if ((m & BAD_UTF8) != 0) p.add("is not valid UTF-8");
		if ((m & TERMINAL) != 0) p.add("holds a terminal escape sequence");
		else if ((m & CONTROL) != 0) p.add("holds control characters");
		if ((m & FORMAT) != 0) p.add("holds invisible formatting characters (e.g. bidirectional overrides)");
		if ((m & BACKSLASH) != 0) p.add("contains a backslash");
		return p;
	}

	/**
	 * The finding for the name that ends {@code path} (in text form), or null when that name is plain and within
	 * {@link #NAME_MAX}: kind {@value #FINDING_KIND}, location the path, message {@code where} (e.g. the dentry's
	 * address) and what is wrong with the name. ANOMALY for what no kernel makes ({@code /}, NUL, a dot entry, more
	 * than {@code NAME_MAX} bytes), WARNING for names a guest can legitimately but deceptively create (invalid UTF-8,
	 * control characters, escape sequences, formatting characters), INFO for a mere backslash.
	 */
	public static Finding finding(String path, String where) {
		String name = lastName(path);
		int m;
		try {
			m = analyze(raw(name));
		} catch (IllegalArgumentException e) {
			return new Finding(Finding.Severity.ANOMALY, FINDING_KIND, printable(path), where + ": name is not in the escaped text form");
		}
		if (m == 0) return null;
		Finding.Severity s = (m & (SLASH | NUL | DOT | LONG)) != 0 ? Finding.Severity.ANOMALY
				: (m & ~BACKSLASH) != 0 ? Finding.Severity.WARNING : Finding.Severity.INFO;
		return new Finding(s, FINDING_KIND, path, where + ": name " + String.join(", ", describe(m)) + (escaped(name) ? "; shown escaped" : ""));
	}

	/**
	 * {@code s} safe to print on one terminal line, for free text that may carry guest bytes (messages, kernel
	 * strings): C0 and C1 controls, DEL, characters of categories Cf, Zl and Zp and unpaired surrogates become
	 * {@code \xNN} (of their UTF-8 bytes; {@code \\uXXXX} for a surrogate). Backslashes are left alone, so text
	 * forms pass unchanged and a text made of them stays as it is.
	 */
	public static String printable(String s) {
		if (s == null) return null;
		int n = s.length(), i = 0;
		while (i < n) {
			char c = s.charAt(i);
			if (c >= 0x20 && c < 0x7f) {
				i++;
				continue;
			}
			int cp = s.codePointAt(i);
			if (Character.isSurrogate(c) && Character.charCount(cp) == 1 || !printable(cp)) break;
			i += Character.charCount(cp);
		}
		if (i == n) return s;
		StringBuilder sb = new StringBuilder(n + 16).append(s, 0, i);
		while (i < n) {
			int cp = s.codePointAt(i);
			int k = Character.charCount(cp);
			if (Character.isSurrogate(s.charAt(i)) && k == 1) {
				sb.append(String.format("\\u%04x", (int) s.charAt(i)));
			} else if (printable(cp)) {
				sb.appendCodePoint(cp);
			} else {
				for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) hex(sb, x & 0xff);
			}
			i += k;
		}
		return sb.toString();
	}

	/** Whether {@code name} can be used as it is as one component of a host path (see {@link #hostName}). */
	public static boolean validComponent(String name) {
		if (name.isEmpty() || name.equals(".") || name.equals("..")) return false;
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c == '/' || c == 0) return false;
		}
		return true;
	}

	/**
	 * The name under which a guest name (text form) is written to or shown on the examiner's file system: the text
	 * form itself when it is at most {@link #NAME_MAX} bytes; otherwise its first characters (whole escapes only) up
	 * to 221 bytes, {@value #SHORTENED} and the first 32 hex digits of the SHA-256 of the whole text form. A string
	 * that is not a valid component (empty, {@code .}, {@code ..}, containing {@code /}, NUL or control characters:
	 * not from this class's decoding) is escaped first, as {@link #of} would escape those bytes.
	 *
	 * @throws IllegalArgumentException for the empty name
	 */
	public static String hostName(String name) {
		if (name.isEmpty()) throw new IllegalArgumentException("empty name");
		String t = name;
		if (!validComponent(t) || !printable(t).equals(t)) t = of(t.getBytes(StandardCharsets.UTF_8));
		if (t.length() * 3 <= NAME_MAX) return t;
		byte[] u = t.getBytes(StandardCharsets.UTF_8);
		if (u.length <= NAME_MAX) return t;
		String digest;
		try {
			digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(u), 0, 16);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		int budget = NAME_MAX - SHORTENED.length() - digest.length(), used = 0, i = 0;
		while (i < t.length()) {
			int unit;
			if (t.charAt(i) == '\\') unit = t.startsWith("\\x", i) && i + 4 <= t.length() ? 4 : 2;
			else unit = Character.charCount(t.codePointAt(i));
			int bytes = t.substring(i, Math.min(t.length(), i + unit)).getBytes(StandardCharsets.UTF_8).length;
			if (used + bytes > budget) break;
			used += bytes;
			i += unit;
		}
		return t.substring(0, i) + SHORTENED + digest;
	}

	/** Whether a host name was shortened by {@link #hostName}. */
	public static boolean shortened(String hostName) {
		return hostName.contains(SHORTENED);
	}
}
