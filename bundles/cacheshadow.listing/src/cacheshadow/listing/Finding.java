package cacheshadow.listing;

/**
 * Something an examiner should look at: an anomaly in guest kernel structures (a cycle, a pointer into nowhere,
 * an absurd size), a checksum mismatch in a file system, a damaged journal. Analyses keep going after one and
 * deliver everything else; findings travel with their results into views, CLI summaries and reports.
 *
 * @param severity how much it matters
 * @param kind     short stable identifier, e.g. {@code dentry-cycle}, {@code ext4-csum}
 * @param location where: a kernel virtual address ({@code 0xffff...}), a disk block, a file offset, a path (guest
 *                 names in their {@link GuestName} text form)
 * @param message  one line for a human
 */
public record Finding(Severity severity, String kind, String location, String message) {
	public enum Severity {
		INFO, WARNING, ANOMALY, ERROR
	}

	public static Finding anomaly(String kind, long address, String message) {
		return new Finding(Severity.ANOMALY, kind, String.format("0x%x", address), message);
	}

	/** One line, safe for a terminal: guest text in location or message cannot add lines or escape sequences. */
	@Override
	public String toString() {
		return severity + " " + kind + " @" + GuestName.printable(location) + ": " + GuestName.printable(message);
	}
}
