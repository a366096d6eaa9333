package cacheshadow.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import cacheshadow.layers.AtomicFile;

/**
 * Writes a case's report beside the CSV files of its long tables: {@code FILE.html} or {@code FILE.pdf} (by the
 * name's ending), {@code FILE.paths.csv}, {@code FILE.findings.csv}, {@code FILE.custody.csv} (FILE without its
 * ending). Each file is written whole or not at all ({@link AtomicFile}); the report last, so a report present has
 * its CSVs beside it.
 */
public final class CaseReport {
	public enum Format {
		HTML, PDF;

		/** The format a file name asks for, or null when it ends in neither .html/.htm nor .pdf. */
		public static Format of(Path out) {
			String n = out.getFileName().toString().toLowerCase(Locale.ROOT);
			return n.endsWith(".html") || n.endsWith(".htm") ? HTML : n.endsWith(".pdf") ? PDF : null;
		}
	}

	/** What was written: the report, its size and SHA-256, and the CSV files beside it. */
	public record Written(Path report, long bytes, String sha256, List<Path> csv) {
	}

	private CaseReport() {
	}

	/** The stem of the report's name: what the CSV files beside it are named after. */
	static String stem(Path out) {
		String n = out.getFileName().toString();
		int dot = n.lastIndexOf('.');
		return dot > 0 ? n.substring(0, dot) : n;
	}

	public static Written write(ReportModel model, Path out, Instant generated) throws IOException {
		Format format = Format.of(out);
		if (format == null) throw new IOException(out + ": a report is FILE.html or FILE.pdf");
		Path target = out.toAbsolutePath().normalize();
		Path dir = target.getParent();
		Files.createDirectories(dir);
		ReportDocument doc = new ReportDocument(model, stem(target));
		List<Path> csv = new ArrayList<>();
		for (ReportDocument.Table t : doc.csvTables()) {
			Path f = dir.resolve(t.csv());
			ReportCsv.write(f, t.csvHeader(), t.csvRows());
			csv.add(f);
		}
		// the content without its generation time: its digest is the PDF's document ID
		String html = HtmlReport.render(doc, generated);
		byte[] digest = sha256().digest(withoutGenerated(html).getBytes(StandardCharsets.UTF_8));
		try (AtomicFile f = AtomicFile.create(target)) {
			try (OutputStream o = new java.io.BufferedOutputStream(f.stream(), 1 << 16)) {
				if (format == Format.HTML) o.write(html.getBytes(StandardCharsets.UTF_8));
				else PdfReport.write(doc, generated, digest, o);
			}
			f.commit();
		}
		byte[] bytes = Files.readAllBytes(target);
		return new Written(target, bytes.length, HexFormat.of().formatHex(sha256().digest(bytes)), List.copyOf(csv));
	}

	/** The HTML with the text of its one marked place (the generation time) taken out. */
	public static String withoutGenerated(String html) {
		int a = html.indexOf(HtmlReport.GENERATED_START), b = html.indexOf(HtmlReport.GENERATED_END);
		if (a < 0 || b < a) return html;
		return html.substring(0, a + HtmlReport.GENERATED_START.length()) + html.substring(b);
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/** CSV (RFC 4180) of one table. */
	static final class ReportCsv {
		private ReportCsv() {
		}

		static void write(Path file, List<String> header, List<List<String>> rows) throws IOException {
			AtomicFile.writeText(file, w -> {
				line(w, header);
				for (List<String> r : rows) line(w, r);
			});
		}

		private static void line(Writer w, List<String> cells) throws IOException {
			for (int i = 0; i < cells.size(); i++) {
				if (i > 0) w.write(',');
				w.write(field(cells.get(i)));
			}
			w.write("\r\n");
		}

		/**
		 * One field: quoted when it holds a comma, quote or line break; a text a spreadsheet would take for a formula
		 * (first character = + - @, more than that character alone) gets a leading apostrophe. A number (a negative one too) is left as it is.
		 */
		static String field(String s) {
			if (s == null) return "";
			s = cacheshadow.listing.GuestName.printable(s);
			if (s.length() > 1 && "=+-@".indexOf(s.charAt(0)) >= 0 && !s.matches("-?[0-9]+")) s = "'" + s;
			if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
			return '"' + s.replace("\"", "\"\"") + '"';
		}
	}
}
