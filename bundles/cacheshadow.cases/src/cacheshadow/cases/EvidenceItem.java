package cacheshadow.cases;

import java.time.Instant;

import cacheshadow.journal.WebHdfs;
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

	/**
	 * A write journal registered by its {@code webhdfs://} URL and read in place: {@code sha256} then holds HDFS's file
	 * checksum ({@link HdfsPin}), not a SHA-256.
	 */
	public boolean inHdfs() {
		return WebHdfs.isUrl(path);
	}

	/** What {@code sha256} is: "sha256", or "hdfs-checksum" for a journal in HDFS. */
	public String pinName() {
		return inHdfs() ? "hdfs-checksum" : "sha256";
	}

	public String fileName() {
		int i = path.lastIndexOf('/');
		return i < 0 ? path : path.substring(i + 1);
	}
}
