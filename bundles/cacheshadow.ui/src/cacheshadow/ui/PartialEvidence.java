package cacheshadow.ui;

import java.util.List;

import cacheshadow.layers.Shortfall;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;

/**
 * What an analysis of evidence cut short lacks, for the workbench's summary: the evidence files with missing bytes
 * ({@link MergedFileSystem#shortfalls()}) and how many paths of each view rest on them ({@link cacheshadow.merge.ViewTree#gaps()}).
 */
record PartialEvidence(List<Shortfall> cut, int flaggedMerged) {

	/** Null for an analysis of whole evidence. */
	static PartialEvidence of(MergedFileSystem m) {
		List<Shortfall> cut = m.shortfalls().stream().filter(s -> s.missingBytes() > 0).toList();
		return cut.isEmpty() ? null : new PartialEvidence(cut, m.tree(View.MERGED).gaps().paths().size());
	}

	/** Paths of {@code v} flagged (a Missing value in the File System view). */
	static int flagged(MergedFileSystem m, View v) {
		return m.tree(v) == null ? 0 : m.tree(v).gaps().paths().size();
	}

	/** e.g. {@code partial evidence: memory.elf (ELF core): 26869868 of 268697600 declared bytes missing (10.00%) in 2 ranges: …}. */
	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder("partial evidence: ");
		for (int i = 0; i < cut.size(); i++) sb.append(i == 0 ? "" : "; ").append(cut.get(i));
		return sb.append("; ").append(flaggedMerged).append(" paths of the merged view flagged").toString();
	}
}
