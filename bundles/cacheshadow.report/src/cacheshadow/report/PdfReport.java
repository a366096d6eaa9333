package cacheshadow.report;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.List;
import java.util.TimeZone;

import javax.imageio.ImageIO;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDPageFitWidthDestination;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDDocumentOutline;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDOutlineItem;

import cacheshadow.report.ReportDocument.Block;
import cacheshadow.report.ReportDocument.Cell;
import cacheshadow.report.ReportDocument.Mark;

/**
 * A report as PDF (Apache PDFBox): A4 landscape pages laid out from the same blocks as the HTML report, DejaVu fonts
 * embedded ({@link PdfFonts}), the chart as a lossless image, an outline of the sections, "page i of n" on every page.
 * Deterministic as far as PDF allows: the document ID is derived from the report's content (not from the clock), the
 * creation date is the generation time, and the font subsets do not depend on it; two PDFs of one case made at
 * different times differ only in that date, the one line that prints it, and the byte offsets after them.
 */
public final class PdfReport {
	static final float W = PDRectangle.A4.getHeight(), H = PDRectangle.A4.getWidth(); // landscape
	static final float MARGIN = 36, TOP = H - 36, BOTTOM = 40, CONTENT_W = W - 2 * MARGIN;
	/** Lines a table cell shows at most (a name of thousands of bytes would fill pages); the CSV has the whole text. */
	static final int MAX_CELL_LINES = 24;
	private static final Color TEXT = new Color(17, 17, 17), GREY = new Color(90, 90, 90), HEAD_BG = new Color(232, 237, 243), LINE = new Color(187, 187, 187),
			DIFFERS_BG = new Color(255, 226, 176), ALERT = new Color(170, 0, 0), OK = new Color(0, 102, 0), CMD_BG = new Color(244, 244, 244),
			CACHE = new Color(0, 80, 180), RULE = new Color(34, 51, 68);

	private final PDDocument doc;
	private final PdfFonts fonts;
	private final ReportDocument report;
	private final Instant generated;
	private final PDDocumentOutline outline = new PDDocumentOutline();
	private PDPage page;
	private PDPageContentStream cs;
	private float y;

	private PdfReport(PDDocument doc, ReportDocument report, Instant generated) throws IOException {
		this.doc = doc;
		this.report = report;
		this.generated = generated;
		this.fonts = new PdfFonts(doc);
	}

	/** Writes {@code report} as PDF to {@code out}; {@code digest} (of the report's content) becomes the document ID. */
	public static void write(ReportDocument report, Instant generated, byte[] digest, OutputStream out) throws IOException {
		try (PDDocument doc = new PDDocument()) {
			PdfReport w = new PdfReport(doc, report, generated);
			w.layout();
			w.footers();
			doc.getDocumentCatalog().setDocumentOutline(w.outline);
			PDDocumentInformation info = doc.getDocumentInformation();
			info.setTitle(report.title());
			info.setCreator(report.model().toolVersion());
			info.setProducer("CacheShadow Workbench with Apache PDFBox");
			Calendar when = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
			when.setTimeInMillis(generated.truncatedTo(ChronoUnit.SECONDS).toEpochMilli());
			info.setCreationDate(when);
			info.setModificationDate(when);
			COSArray id = new COSArray();
			byte[] first = Arrays.copyOf(digest, 16);
			id.add(new COSString(first));
			id.add(new COSString(first));
			doc.getDocument().getTrailer().setItem(COSName.ID, id);
			doc.save(out);
		}
	}

	// ---- flow

	private void newPage() throws IOException {
		if (cs != null) cs.close();
		page = new PDPage(new PDRectangle(W, H));
		doc.addPage(page);
		cs = new PDPageContentStream(doc, page);
		y = TOP;
	}

	/** Starts a new page unless {@code height} points fit above the bottom margin. */
	private void need(float height) throws IOException {
		if (cs == null || y - height < BOTTOM) newPage();
	}

	private void layout() throws IOException {
		newPage();
		for (Block b : report.blocks()) {
			switch (b) {
			case ReportDocument.Heading h -> heading(h);
			case ReportDocument.Paragraph p -> paragraph(p.text(), p.mark() == Mark.NOTE ? GREY : p.mark() == Mark.ALERT ? ALERT : p.mark() == Mark.OK ? OK : TEXT,
					p.mark() == Mark.ALERT ? fonts.bold : fonts.regular, 9);
			case ReportDocument.Facts f -> facts(f);
			case ReportDocument.Table t -> table(t);
			case ReportDocument.Hex x -> hex(x);
			case ReportDocument.Chart c -> chart(c);
			case ReportDocument.Commands c -> commands(c.lines());
			case ReportDocument.Generated g -> paragraph("Report generated " + generated.truncatedTo(ChronoUnit.SECONDS), TEXT, fonts.regular, 9);
			}
		}
		cs.close();
		cs = null;
	}

	private void heading(ReportDocument.Heading h) throws IOException {
		float size = h.level() == 0 ? 18 : h.level() == 1 ? 14 : 11;
		List<String> lines = wrap(h.text(), fonts.bold, size, CONTENT_W);
		need(lines.size() * size * 1.3f + (h.level() == 1 ? 80 : 40)); // a heading is not left alone at a page's foot
		y -= h.level() == 2 ? 6 : 12;
		for (String l : lines) {
			y -= size * 1.25f;
			text(l, fonts.bold, size, MARGIN, y, h.level() <= 1 ? RULE : TEXT);
		}
		if (h.level() <= 1) {
			y -= 4;
			fill(MARGIN, y, CONTENT_W, h.level() == 0 ? 1.5f : 1f, RULE);
			PDOutlineItem item = new PDOutlineItem();
			item.setTitle(h.text());
			PDPageFitWidthDestination dest = new PDPageFitWidthDestination();
			dest.setPage(page);
			dest.setTop((int) (y + size * 1.5f));
			item.setDestination(dest);
			outline.addLast(item);
		}
		y -= 6;
	}

	private void paragraph(String text, Color color, PDType0Font font, float size) throws IOException {
		for (String l : wrap(text, font, size, CONTENT_W)) {
			need(size * 1.35f);
			y -= size * 1.35f;
			text(l, font, size, MARGIN, y, color);
		}
		y -= 4;
	}

	private void facts(ReportDocument.Facts f) throws IOException {
		float size = 9, keyW = 150, valW = CONTENT_W - keyW;
		for (String[] kv : f.pairs()) {
			List<String> lines = wrap(kv[1], fonts.regular, size, valW - 4);
			need(lines.size() * size * 1.3f + 2);
			float top = y;
			text(kv[0], fonts.bold, size, MARGIN, top - size * 1.25f, TEXT);
			for (String l : lines) {
				y -= size * 1.3f;
				text(l, fonts.regular, size, MARGIN + keyW, y, TEXT);
			}
			y -= 2;
		}
		y -= 4;
	}

	private void table(ReportDocument.Table t) throws IOException {
		if (t.rows().isEmpty()) return;
		float size = 7, lead = size * 1.25f, pad = 2;
		float total = 0;
		for (ReportDocument.Column c : t.columns()) total += c.weight();
		float[] widths = new float[t.columns().size()];
		for (int i = 0; i < widths.length; i++) widths[i] = CONTENT_W * t.columns().get(i).weight() / total;
		List<List<String>> header = new ArrayList<>();
		float headH = 0;
		for (int i = 0; i < widths.length; i++) {
			List<String> l = wrap(t.columns().get(i).name(), fonts.bold, size, widths[i] - 2 * pad);
			header.add(l);
			headH = Math.max(headH, l.size() * lead + 2 * pad);
		}
		int n = t.rows().size();
		boolean headerDrawn = false;
		for (int r = 0; r < n; r++) {
			List<Cell> row = t.rows().get(r);
			List<List<String>> cells = new ArrayList<>();
			float rowH = 0;
			for (int i = 0; i < widths.length; i++) {
				Cell c = row.get(i);
				PDType0Font f = c.mono() ? fonts.mono : c.mark() == Mark.ALERT ? fonts.bold : fonts.regular;
				List<String> lines = new ArrayList<>();
				for (String l : c.lines()) lines.addAll(wrap(l, f, size, widths[i] - 2 * pad));
				if (lines.size() > MAX_CELL_LINES) {
					int more = lines.size() - MAX_CELL_LINES + 1;
					lines = new ArrayList<>(lines.subList(0, MAX_CELL_LINES - 1));
					lines.add("… cut: " + more + " more lines" + (t.csv() != null ? " (whole text in " + t.csv() + ")" : ""));
				}
				cells.add(lines);
				rowH = Math.max(rowH, lines.size() * lead + 2 * pad);
			}
			if (!headerDrawn || y - rowH < BOTTOM) {
				if (y - rowH - headH < BOTTOM) newPage();
				drawRow(header, null, widths, headH, size, lead, pad, true);
				headerDrawn = true;
			}
			drawRow(cells, row, widths, rowH, size, lead, pad, false);
		}
		y -= 3;
		if (t.notShown() > 0) {
			paragraph(String.format("%,d of %,d rows shown; ", n, t.total()) + (t.csv() != null ? "every row is in " + t.csv() + " beside this report."
					: "the command below lists every one."), GREY, fonts.regular, 8);
		} else if (t.csv() != null) paragraph("Also in " + t.csv() + " beside this report.", GREY, fonts.regular, 8);
		y -= 3;
	}

	private void drawRow(List<List<String>> cells, List<Cell> source, float[] widths, float rowH, float size, float lead, float pad, boolean head) throws IOException {
		float x = MARGIN;
		float top = y;
		for (int i = 0; i < widths.length; i++) {
			Cell c = source == null ? null : source.get(i);
			if (head) fill(x, top - rowH, widths[i], rowH, HEAD_BG);
			else if (c.mark() == Mark.DIFFERS) fill(x, top - rowH, widths[i], rowH, DIFFERS_BG);
			stroke(x, top - rowH, widths[i], rowH);
			PDType0Font f = head ? fonts.bold : c.mono() ? fonts.mono : c.mark() == Mark.ALERT ? fonts.bold : fonts.regular;
			Color color = head ? TEXT : c.mark() == Mark.ALERT ? ALERT : c.mark() == Mark.OK ? OK : c.mark() == Mark.NOTE ? GREY : TEXT;
			float ty = top - pad;
			for (String l : cells.get(i)) {
				ty -= lead;
				text(l, f, size, x + pad, ty + lead - size, color);
			}
			x += widths[i];
		}
		y = top - rowH;
	}

	private void hex(ReportDocument.Hex x) throws IOException {
		ReportModel.HexFile f = x.file();
		heading(new ReportDocument.Heading(2, null, f.path()));
		paragraph(HexText.header(f), TEXT, fonts.regular, 8);
		float size = 6.5f, lead = size * 1.3f;
		for (HexText.Line l : HexText.lines(f)) {
			Color c = switch (l.kind()) {
			case DISK -> GREY;
			case CACHE -> CACHE;
			case CUT -> GREY;
			default -> TEXT;
			};
			for (String part : wrap(l.text(), fonts.mono, size, CONTENT_W)) {
				need(lead);
				y -= lead;
				text(part, fonts.mono, size, MARGIN, y, c);
			}
		}
		y -= 4;
		if (x.command() != null) commands(List.of(x.command()));
	}

	private void chart(ReportDocument.Chart c) throws IOException {
		BufferedImage img = ImageIO.read(new ByteArrayInputStream(c.png()));
		float w = CONTENT_W, h = w * c.height() / c.width();
		need(h + 6);
		PDImageXObject x = LosslessFactory.createFromImage(doc, img);
		y -= h;
		cs.drawImage(x, MARGIN, y, w, h);
		y -= 6;
		paragraph(c.alt(), GREY, fonts.regular, 8);
	}

	private void commands(List<String> lines) throws IOException {
		float size = 7, lead = size * 1.35f;
		for (String c : lines) {
			List<String> parts = wrap(c, fonts.mono, size, CONTENT_W - 12);
			need(parts.size() * lead + 6);
			fill(MARGIN, y - parts.size() * lead - 4, CONTENT_W, parts.size() * lead + 4, CMD_BG);
			fill(MARGIN, y - parts.size() * lead - 4, 2, parts.size() * lead + 4, GREY);
			for (String p : parts) {
				y -= lead;
				text(p, fonts.mono, size, MARGIN + 8, y, TEXT);
			}
			y -= 6;
		}
		y -= 2;
	}

	/** "Examiner's report: CASE — page i of n" at the foot of every page. */
	private void footers() throws IOException {
		int n = doc.getNumberOfPages();
		String title = report.title();
		if (title.length() > 100) title = title.substring(0, 99) + "…";
		for (int i = 0; i < n; i++) {
			PDPage p = doc.getPage(i);
			try (PDPageContentStream f = new PDPageContentStream(doc, p, PDPageContentStream.AppendMode.APPEND, true)) {
				PDPageContentStream keep = cs;
				cs = f;
				String s = title + " — page " + (i + 1) + " of " + n;
				text(s, fonts.regular, 7, (W - fonts.width(s, fonts.regular, 7)) / 2, 20, GREY);
				cs = keep;
			}
		}
	}

	// ---- drawing

	private void text(String s, PDType0Font font, float size, float x, float baseline, Color color) throws IOException {
		if (s.isEmpty()) return;
		cs.setNonStrokingColor(color);
		cs.beginText();
		cs.newLineAtOffset(x, baseline);
		for (PdfFonts.Run r : fonts.runs(s, font)) {
			cs.setFont(r.font(), size);
			cs.showText(r.text());
		}
		cs.endText();
	}

	private void fill(float x, float y0, float w, float h, Color c) throws IOException {
		cs.setNonStrokingColor(c);
		cs.addRect(x, y0, w, h);
		cs.fill();
	}

	private void stroke(float x, float y0, float w, float h) throws IOException {
		cs.setStrokingColor(LINE);
		cs.setLineWidth(0.4f);
		cs.addRect(x, y0, w, h);
		cs.stroke();
	}

	/**
	 * {@code text} in lines no wider than {@code max}: broken after spaces and slashes, a word longer than a line
	 * broken where it must.
	 */
	List<String> wrap(String text, PDType0Font font, float size, float max) {
		List<String> out = new ArrayList<>();
		for (String para : text.split("\n", -1)) {
			StringBuilder line = new StringBuilder();
			float lineW = 0;
			int i = 0;
			while (i < para.length()) {
				int j = i;
				while (j < para.length() && para.charAt(j) != ' ' && para.charAt(j) != '/') j++;
				if (j < para.length()) j++; // the separator stays with its word
				String word = para.substring(i, j);
				float ww = fonts.width(word, font, size);
				if (lineW + ww <= max) {
					line.append(word);
					lineW += ww;
				} else {
					if (line.length() > 0) {
						out.add(line.toString().stripTrailing());
						line.setLength(0);
						lineW = 0;
					}
					// a word wider than a line: cut it at code points
					int k = 0;
					while (k < word.length()) {
						int cp = word.codePointAt(k);
						String c = new String(Character.toChars(cp));
						float cw = fonts.width(c, font, size);
						if (lineW + cw > max && line.length() > 0) {
							out.add(line.toString());
							line.setLength(0);
							lineW = 0;
						}
						line.append(c);
						lineW += cw;
						k += Character.charCount(cp);
					}
				}
				i = j;
			}
			out.add(line.toString().stripTrailing());
		}
		return out;
	}
}
