package cacheshadow.journal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The hits of a sector-hash search as {@code ./cacheshadow search} writes them: the header
 * {@link SectorHashSearch#HEADER}, then one tab-separated row per hit ({@link SectorHashSearch#row}). Read back to show
 * which journal entries wrote a known file's blocks, and when; or made here by the same search
 * ({@link #search}). A file not of this shape is refused with the line that is not, in bounded memory.
 */
public final class SearchHits {
	/** Rows read at most: more is no hit list a person reads, and would only fill memory. */
	public static final int MAX_ROWS = 1_000_000;
	private static final int MAX_LINE = 64 * 1024;

	/**
	 * One hit: the journal (as given to the search), its entry (0-based), the time as the search gave it ({@code -}
	 * when unknown), the disk offset in 512-byte sectors, the known file and the byte offset of its block.
	 */
	public record Hit(String journal, int entry, String time, long sector, String file, long fileOffset) {
		/** The cursor's instant for it: the disk after the entry that wrote the block ({@code entry:N+1}). */
		public int entriesAfter() {
			return entry + 1;
		}
	}

	private SearchHits() {
	}

	/** Every row of {@code tsv}; an {@link IOException} naming the file and line for anything else. */
	public static List<Hit> read(Path tsv) throws IOException {
		List<Hit> out = new ArrayList<>();
		try (BufferedReader r = Files.newBufferedReader(tsv, StandardCharsets.UTF_8)) {
			String first = line(r, tsv, 1);
			if (!SectorHashSearch.HEADER.equals(first)) {
				throw new IOException(tsv + ": not a search hit list: its first line is not the header '" + SectorHashSearch.HEADER.replace('\t', ' ') + "'");
			}
			int n = 1;
			for (String l; (l = line(r, tsv, ++n)) != null;) {
				if (l.isEmpty()) continue;
				if (out.size() == MAX_ROWS) throw new IOException(tsv + ": more than " + MAX_ROWS + " hits");
				String[] c = l.split("\t", -1);
				if (c.length != 6) throw new IOException(tsv + ": line " + n + ": " + c.length + " columns, not 6");
				try {
					int entry = Integer.parseInt(c[1]);
					long sector = Long.parseLong(c[3]), offset = Long.parseLong(c[5]);
					if (entry < 0 || sector < 0 || offset < 0) throw new NumberFormatException("negative");
					out.add(new Hit(c[0], entry, c[2], sector, c[4], offset));
				} catch (NumberFormatException e) {
					throw new IOException(tsv + ": line " + n + ": entry, sector and file_offset are whole numbers ≥ 0 (" + e.getMessage() + ")");
				}
			}
		}
		return out;
	}

	/**
	 * Searches {@code log} for the {@code known} blocks as {@code ./cacheshadow search} does, the hits as it would write
	 * them (journal named by {@link WriteLog#name()}; times the journal's own, else {@code sidecar}'s estimate, else
	 * {@code -}); at most {@link #MAX_ROWS}.
	 */
	public static List<Hit> search(WriteLog log, Timeline sidecar, KnownBlocks known, cacheshadow.layers.Progress p) throws IOException {
		Timeline tl = SectorHashSearch.hasTime(log) ? null : sidecar;
		List<Hit> out = new ArrayList<>();
		SectorHashSearch.search(log, known, false, (e, disk, place) -> {
			if (out.size() < MAX_ROWS) out.add(new Hit(log.name(), e, SectorHashSearch.time(log, tl, e), disk / 512, place.file(), place.offset()));
		}, p);
		return out;
	}

	/** A line, refused past {@link #MAX_LINE} characters so that a file without newlines cannot fill memory. */
	private static String line(BufferedReader r, Path f, int n) throws IOException {
		StringBuilder sb = new StringBuilder();
		int ch;
		while ((ch = r.read()) != -1 && ch != '\n') {
			if (sb.length() == MAX_LINE) throw new IOException(f + ": line " + n + " is longer than " + MAX_LINE + " characters");
			sb.append((char) ch);
		}
		if (ch == -1 && sb.isEmpty()) return null;
		int end = sb.length();
		if (end > 0 && sb.charAt(end - 1) == '\r') sb.setLength(end - 1);
		return sb.toString();
	}

	/**
	 * The hits of {@code hits} that name {@code log}: by its name as given, else by a path with the same file name
	 * (the search ran on another machine, or on a copy) whose entries all lie within it; none when neither.
	 */
	public static List<Hit> of(WriteLog log, List<Hit> hits) {
		String name = log.name();
		List<Hit> exact = hits.stream().filter(h -> h.journal().equals(name)).toList();
		if (!exact.isEmpty()) return exact;
		String file = fileName(name);
		List<Hit> same = hits.stream().filter(h -> fileName(h.journal()).equals(file)).toList();
		return same.stream().allMatch(h -> h.entry() < log.entryCount()) ? same : List.of();
	}

	private static String fileName(String p) {
		int s = p.lastIndexOf('/');
		return s < 0 ? p : p.substring(s + 1);
	}
}
