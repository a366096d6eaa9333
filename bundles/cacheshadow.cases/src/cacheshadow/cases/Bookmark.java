package cacheshadow.cases;

import java.time.Instant;

/**
 * A place in the evidence an examiner wants to come back to or show: which tree ({@code view}: {@code merged},
 * {@code cache-only}, {@code disk-only} or {@code disk-at-instant}), which guest path, at which journal instant (an
 * instant name as the CLI takes it, e.g. {@code entry:43}; null when the view is not the disk at an instant), which
 * byte range of the file ({@code length} 0: the whole path), and the examiner's note. Kept in the case database; every
 * change is written to the custody log.
 */
public record Bookmark(long id, String view, String path, String instant, long offset, long length, String note, Instant createdAt) {
	public Bookmark {
		if (view == null || view.isBlank()) throw new IllegalArgumentException("a bookmark needs a view");
		if (path == null || path.isEmpty()) throw new IllegalArgumentException("a bookmark needs a path");
		if (offset < 0 || length < 0 || offset + length < offset) throw new IllegalArgumentException("bad byte range " + offset + "+" + length);
		note = note == null ? "" : note;
	}

	/** One line for the custody log: what, where, when. */
	String describe() {
		return view + " " + path + (instant == null ? "" : " at " + instant) + (length == 0 ? "" : " bytes " + offset + "+" + length)
				+ (note.isEmpty() ? "" : ": " + note);
	}
}
