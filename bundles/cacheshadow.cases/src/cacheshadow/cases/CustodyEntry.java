package cacheshadow.cases;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One line of a case's custody log. {@code hash} covers the previous entry's hash and every field of this entry,
 * so changing, removing or reordering any entry breaks the chain from that point on.
 */
public record CustodyEntry(long seq, Instant at, String actor, String action, String detail, String prevHash,
		String hash) {

	/** The hash chain's start: the "previous hash" of entry 1. */
	public static final String GENESIS = "0".repeat(64);

	public static String computeHash(long seq, Instant at, String actor, String action, String detail, String prevHash) {
		try {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			String canonical = prevHash + "\n" + seq + "\n" + at + "\n" + actor + "\n" + action + "\n" + detail;
			return HexFormat.of().formatHex(md.digest(canonical.getBytes(StandardCharsets.UTF_8)));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	public boolean hashMatches() {
		return hash.equals(computeHash(seq, at, actor, action, detail, prevHash));
	}
}
