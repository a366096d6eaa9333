package cacheshadow.cases;

import java.util.List;

/**
 * What {@link Case#verify} found: each evidence item with its re-hash, and whether the custody chain holds.
 *
 * @param chainBrokenAt sequence number of the first custody entry whose hash or link is wrong, or -1
 */
public record VerificationReport(List<Item> items, long chainBrokenAt, String chainProblem) {
	public record Item(EvidenceItem evidence, String actualSha256, EvidenceItem.Status status, String problem) {
	}

	public boolean allGood() {
		return chainBrokenAt < 0 && items.stream().allMatch(i -> i.status() == EvidenceItem.Status.VERIFIED);
	}
}
