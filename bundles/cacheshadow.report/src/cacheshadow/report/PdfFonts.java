package cacheshadow.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.font.PDType0Font;

/**
 * The fonts a PDF report embeds (subsets of DejaVu Sans, Sans Bold and Sans Mono: Debian's {@code fonts-dejavu-core},
 * wide coverage of Latin, Greek, Cyrillic and symbols) and how text is shown with them: each code point in the font
 * asked for, else in DejaVu Sans, else as {@code \\u{XXXX}} (a backslash, u, the hex code point in braces) in the font asked for — a name the guest chose in a
 * script no font covers is still shown, exactly, and never ends the report with a missing-glyph error.
 */
final class PdfFonts {
	/** Where the fonts are looked for: {@code -Dcacheshadow.fonts=DIR}, else Debian's folder of fonts-dejavu-core. */
	static final Path DEFAULT_DIR = Path.of("/usr/share/fonts/truetype/dejavu");

	final PDType0Font regular, bold, mono;
	private final Map<PDType0Font, Map<Integer, Float>> widths = new HashMap<>();

	/** A piece of text and the font that shows it. */
	record Run(PDType0Font font, String text) {
	}

	PdfFonts(PDDocument doc) throws IOException {
		Path dir = Path.of(System.getProperty("cacheshadow.fonts", DEFAULT_DIR.toString()));
		regular = load(doc, dir, "DejaVuSans.ttf");
		bold = load(doc, dir, "DejaVuSans-Bold.ttf");
		mono = load(doc, dir, "DejaVuSansMono.ttf");
		// the generation time's glyphs are in the subsets whatever time it is: two reports of one case then embed the
		// same font programs and differ only where the time is printed
		for (PDType0Font f : List.of(regular, bold, mono)) for (char c : "0123456789-:.TZ ".toCharArray()) f.addToSubset(c);
	}

	private static PDType0Font load(PDDocument doc, Path dir, String name) throws IOException {
		Path f = dir.resolve(name);
		if (!Files.isRegularFile(f)) {
			throw new IOException(f + ": font not found; a PDF report embeds DejaVu fonts (Debian: apt-get install fonts-dejavu-core), "
					+ "or name their folder with -Dcacheshadow.fonts=DIR");
		}
		return PDType0Font.load(doc, f.toFile());
	}

	/** Width of {@code cp} in {@code font} in 1/1000 of the font size, or -1 when the font has no glyph for it. */
	private float glyphWidth(PDType0Font font, int cp) {
		return widths.computeIfAbsent(font, k -> new HashMap<>()).computeIfAbsent(cp, c -> {
			try {
				String s = new String(Character.toChars(c));
				font.encode(s); // throws when the font has no glyph
				return font.getStringWidth(s);
			} catch (IOException | IllegalArgumentException e) {
				return -1f;
			}
		});
	}

	/** {@code text} as runs each font can show (see the class comment). */
	List<Run> runs(String text, PDType0Font font) {
		List<Run> out = new ArrayList<>();
		StringBuilder cur = new StringBuilder();
		PDType0Font curFont = font;
		for (int i = 0; i < text.length();) {
			int cp = text.codePointAt(i);
			i += Character.charCount(cp);
			PDType0Font f = font;
			String piece = new String(Character.toChars(cp));
			if (glyphWidth(font, cp) < 0) {
				if (font != regular && glyphWidth(regular, cp) >= 0) f = regular;
				else piece = "\\u{" + Integer.toHexString(cp) + "}";
			}
			if (f != curFont && cur.length() > 0) {
				out.add(new Run(curFont, cur.toString()));
				cur.setLength(0);
			}
			curFont = f;
			cur.append(piece);
		}
		if (cur.length() > 0) out.add(new Run(curFont, cur.toString()));
		return out;
	}

	/** Width in points of {@code text} shown in {@code font} at {@code size}, fallbacks included. */
	float width(String text, PDType0Font font, float size) {
		float w = 0;
		for (int i = 0; i < text.length();) {
			int cp = text.codePointAt(i);
			i += Character.charCount(cp);
			float g = glyphWidth(font, cp);
			if (g < 0 && font != regular) g = glyphWidth(regular, cp);
			if (g < 0) {
				for (char c : ("\\u{" + Integer.toHexString(cp) + "}").toCharArray()) w += glyphWidth(font, c);
			} else w += g;
		}
		return w / 1000f * size;
	}
}
