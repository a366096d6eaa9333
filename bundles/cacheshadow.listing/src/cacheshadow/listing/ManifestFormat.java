package cacheshadow.listing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ground-truth manifest format of {@code make-evidence.sh} ({@code manifest.tsv}): a header line, then one
 * tab-separated line per path, sorted by path (byte order), {@code -} for not applicable. Columns:
 * {@code path type mode uid gid size nlink inode atime mtime ctime mtime_full sha256 symlink_target}. Outside
 * tools compare our output with the guest's own listing, so this format is a fixed contract.
 *
 * <h2>Names the guest chose</h2>
 * Each component of {@code path}, and {@code symlink_target}, is in the {@link GuestName} text form: an ordinary
 * name (printable UTF-8 without a backslash, not {@code .} or {@code ..}) is printed exactly as the guest's own
 * listing prints it; otherwise a backslash is {@code \\} and every byte that is not printable UTF-8 is
 * {@code \xNN} (two lowercase hex digits) — invalid UTF-8, C0/C1 controls and DEL (tab, newline, ESC included),
 * Unicode format and separator characters (Cf, Zl, Zp), and within a name {@code /} and NUL — and a name that is
 * exactly {@code .} or {@code ..} is {@code \x2e} or {@code \x2e\x2e}. So a line is always one line of exactly
 * these columns, {@code /} in the path column only ever separates components, and {@code /mnt/disk/etc/..\x2fpwned}
 * (one file whose name holds a slash) cannot be read as {@code /mnt/disk/etc/../pwned}. {@link GuestName#raw}
 * gives back a name's bytes. Every escaped name is also reported as a {@code guest-name} {@link Finding}. The rule,
 * its findings and how names are written to the examiner's file system: {@code FORMAT.md} of this bundle.
 */
public final class ManifestFormat {
	public static final List<String> COLUMNS = List.of("path", "type", "mode", "uid", "gid", "size", "nlink", "inode",
			"atime", "mtime", "ctime", "mtime_full", "sha256", "symlink_target");

	private static final DateTimeFormatter FULL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
			.withZone(ZoneOffset.UTC);

	/** Byte order of the UTF-8 path, as {@code sort} in the C locale orders the guest's listing. */
	public static final Comparator<String> PATH_ORDER = (a, b) -> {
		byte[] x = a.getBytes(StandardCharsets.UTF_8), y = b.getBytes(StandardCharsets.UTF_8);
		return java.util.Arrays.compareUnsigned(x, y);
	};

	/**
	 * Sorts {@code items} in {@link #PATH_ORDER} of {@code path(item)}, encoding each path once rather than twice per
	 * comparison (sorting 100,000 cached paths spent most of its time encoding).
	 */
	public static <T> void sortByPath(List<T> items, java.util.function.Function<T, String> path) {
		record Keyed<T>(byte[] key, T item) {
		}
		List<Keyed<T>> keyed = new ArrayList<>(items.size());
		for (T t : items) keyed.add(new Keyed<>(path.apply(t).getBytes(StandardCharsets.UTF_8), t));
		keyed.sort((a, b) -> java.util.Arrays.compareUnsigned(a.key(), b.key()));
		for (int i = 0; i < keyed.size(); i++) items.set(i, keyed.get(i).item());
	}

	private ManifestFormat() {
	}

	/** {@code YYYY-MM-DD HH:MM:SS.nnnnnnnnn +0000}. */
	public static String fullTime(long seconds, long nanos) {
		return FULL.format(Instant.ofEpochSecond(seconds)) + String.format(".%09d +0000", nanos);
	}

	public static String header(List<String> extraColumns) {
		List<String> all = new ArrayList<>(COLUMNS);
		all.addAll(extraColumns);
		return String.join("\t", all);
	}

	/** One line without its newline; {@code extra} values are appended after the standard columns. */
	public static String line(FileRecord r, List<String> extra) {
		StringBuilder sb = new StringBuilder(160);
		// paths and targets are in the GuestName text form already; printable() keeps a record from another source
		// (raw text) from breaking the line or the columns, and costs one scan otherwise
		sb.append(GuestName.printable(r.path())).append('\t').append(r.type().label()).append('\t')
				.append(Integer.toOctalString(r.permissions())).append('\t').append(r.uid()).append('\t').append(r.gid())
				.append('\t').append(r.size()).append('\t').append(r.nlink()).append('\t').append(r.inode()).append('\t')
				.append(r.atime()).append('\t').append(r.mtime()).append('\t').append(r.ctime()).append('\t')
				.append(fullTime(r.mtime(), r.mtimeNanos())).append('\t').append(r.sha256() == null ? "-" : r.sha256())
				.append('\t').append(r.symlinkTarget() == null ? "-" : GuestName.printable(r.symlinkTarget()));
		for (String e : extra) sb.append('\t').append(e == null ? "-" : e);
		return sb.toString();
	}

	/** Writes records sorted by path, with the header. */
	public static void write(Writer out, List<FileRecord> records) throws IOException {
		List<FileRecord> sorted = new ArrayList<>(records);
		sortByPath(sorted, FileRecord::path);
		out.write(header(List.of()));
		out.write('\n');
		for (FileRecord r : sorted) {
			out.write(line(r, List.of()));
			out.write('\n');
		}
	}

	public static void write(Path file, List<FileRecord> records) throws IOException {
		try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
			write(w, records);
		}
	}

	/** Reads a manifest (ours or the guest's); extra columns are ignored. */
	public static List<FileRecord> read(Path file) throws IOException {
		List<FileRecord> out = new ArrayList<>();
		try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			String header = r.readLine();
			if (header == null || !header.startsWith("path\ttype\tmode")) {
				throw new IOException(file + ": not a manifest (header " + header + ")");
			}
			String l;
			int n = 1;
			while ((l = r.readLine()) != null) {
				n++;
				if (l.isEmpty()) continue;
				String[] c = l.split("\t", -1);
				if (c.length < COLUMNS.size()) throw new IOException(file + ":" + n + ": " + c.length + " columns");
				String full = c[11];
				int dot = full.indexOf('.');
				long nanos = dot < 0 ? 0 : Long.parseLong(full.substring(dot + 1, full.indexOf(' ', dot)));
				FileType t = FileType.fromLabel(c[1]);
				out.add(new FileRecord(c[0], t, Integer.parseInt(c[2], 8), Long.parseLong(c[3]), Long.parseLong(c[4]),
						Long.parseLong(c[5]), Long.parseLong(c[6]), Long.parseLong(c[7]), Long.parseLong(c[8]),
						Long.parseLong(c[9]), Long.parseLong(c[10]), nanos, "-".equals(c[12]) ? null : c[12],
						"-".equals(c[13]) ? null : c[13]));
			}
		}
		return out;
	}
}
