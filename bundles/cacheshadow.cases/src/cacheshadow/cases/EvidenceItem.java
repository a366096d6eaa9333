package cacheshadow.cases;

import java.time.Instant;

import cacheshadow.layers.EvidenceFormat;

/**
 * One registered evidence file. {@code sha256} is the hash taken when it was added; {@code status} says what the
 * last verification found.
 */
public record EvidenceItem(long id, String path, long size, EvidenceFormat format, String sha256, Instant addedAt,
		Status status, Instant verifiedAt) {
	public enum Status {
		/** hashed when added, not verified since */
		HASHED,
		/** re-hashed and equal to the recorded hash */
		VERIFIED,
		/** re-hashed and different: the evidence changed */
		MISMATCH,
		/** the file is gone or unreadable */
		MISSING
	}

	public String fileName() {
		int i = path.lastIndexOf('/');
		return i < 0 ? path : path.substring(i + 1);
	}
}
