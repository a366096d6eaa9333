package cacheshadow.journal;

/**
 * Where a journal stops being trustworthy: entry {@code entryIndex} (0-based, the first one not kept) at byte
 * {@code fileOffset} of {@code file}. Entries {@code [0, entryIndex)} are valid and used.
 */
public record LogDamage(String file, int entryIndex, long fileOffset, String problem) {

	/** One line for an examiner. */
	public String message() {
		return String.format("%s: entry %d at byte %d (0x%x): %s; kept the %d entries before it", file, entryIndex,
				fileOffset, fileOffset, problem, entryIndex);
	}

	@Override
	public String toString() {
		return message();
	}
}
