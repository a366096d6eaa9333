package cacheshadow.cases;

import java.io.IOException;

import cacheshadow.journal.WebHdfs;
import cacheshadow.layers.EvidenceFormat;
import cacheshadow.layers.EvidenceFormatException;

/**
 * What pins a file that stays in HDFS, all HDFS can prove without the file crossing the network: its length
 * (GETFILESTATUS), HDFS's file checksum (GETFILECHECKSUM) and its format from its first bytes. A checksum longer than
 * a SHA-256's 64 hex digits (a cluster set to another algorithm) is refused: the case holds it where a SHA-256 goes.
 */
record HdfsPin(long length, WebHdfs.FileChecksum checksum, EvidenceFormat format) {
	/** Longest first bytes {@link EvidenceFormat#detect(byte[], int)} is given (a journal's magic is in its first 8). */
	private static final int HEAD = 4096;

	static HdfsPin of(WebHdfs remote) throws IOException {
		WebHdfs.Status status = remote.status();
		if (status == null) throw new EvidenceFormatException(remote.url(), "no such file in HDFS");
		WebHdfs.FileChecksum sum = remote.checksum();
		if (sum.bytes().length() > 64) {
			throw new EvidenceFormatException(remote.url(), "HDFS's file checksum (" + sum.algorithm() + ") is longer than 64 hex digits; the case cannot hold it");
		}
		byte[] head = new byte[(int) Math.min(HEAD, status.length())];
		remote.read(0, head, 0, head.length);
		return new HdfsPin(status.length(), sum, EvidenceFormat.detect(head, head.length));
	}

	/** The custody entry's words: the length and checksum, and what they are. */
	@Override
	public String toString() {
		return "length=" + length + " hdfs-checksum " + checksum.algorithm() + "=" + checksum.bytes()
				+ " (HDFS's GETFILECHECKSUM over its block CRCs, taken without downloading the file; not a SHA-256)";
	}
}
