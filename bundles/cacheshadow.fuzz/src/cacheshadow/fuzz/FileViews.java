package cacheshadow.fuzz;

import java.util.List;

import cacheshadow.listing.Finding;
import cacheshadow.pagecache.CachedFile;
import cacheshadow.pagecache.CachedPage;

/** What the views ask of a file's walked page cache: its first pages' provenance, the summary, the findings' text. */
final class FileViews {
	private FileViews() {
	}

	static void read(CachedFile f, List<Finding> findings) {
		int n = 0;
		for (CachedPage p : f.pages()) {
			if (++n > 8) break;
			p.provenance();
		}
		f.summary();
		for (Finding x : findings) x.toString();
	}
}
