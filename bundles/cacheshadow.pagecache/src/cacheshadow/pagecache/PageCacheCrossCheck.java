package cacheshadow.pagecache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.CachedInode;
import cacheshadow.caches.Mount;
import cacheshadow.listing.Finding;

/**
 * Both methods on every dirty page: each {@code PG_dirty} page the {@link PageStructScan} finds must be the page
 * the per-inode walk ({@link CachedFileReader}) finds at the same (mapping, index), and each dirty page the walk
 * of the analysis's inodes (named, orphans, block devices) finds must be in the scan. A disagreement means a
 * hidden or corrupted mapping and is reported with the struct page's address. Dirty pages of mappings the inode
 * walk never reached (files no dentry or super-block list names) are reported too.
 */
public final class PageCacheCrossCheck {
	public record Result(long dirtyInScan, long dirtyInWalk, long agreed, int mappingsWalked, int unlistedMappings,
			List<Finding> findings) {
		public boolean agrees() {
			return findings.stream().noneMatch(f -> f.severity() == Finding.Severity.ANOMALY);
		}
	}

	private PageCacheCrossCheck() {
	}

	public static Result run(PageCache cache, PageStructScan scan) throws IOException {
		List<Finding> findings = new ArrayList<>();
		CachedFileReader reader = cache.reader();
		// The walk's side: every inode the analysis knows, and each mount's block device.
		Map<Long, CachedFile> walked = new LinkedHashMap<>();
		Map<Long, Boolean> listed = new HashMap<>();
		for (CachedEntry e : cache.analysis().entries()) {
			if (e.inode() != null) add(cache, e.inode(), walked, listed);
		}
		for (CachedInode i : cache.analysis().orphans()) add(cache, i, walked, listed);
		for (Mount m : cache.analysis().mounts()) {
			BlockDeviceCache b = BlockDeviceCache.of(reader, m, findings);
			if (b != null && b.pages().mapping() != 0) {
				walked.putIfAbsent(b.pages().mapping(), b.pages());
				listed.put(b.pages().mapping(), true);
			}
		}
		long dirtyInWalk = 0, agreed = 0;
		for (CachedFile file : walked.values()) {
			for (CachedPage p : file.pages()) {
				if (p.page() == 0 || (p.flags() & scan.pageArray().flags().dirty) == 0) continue;
				dirtyInWalk++;
				PageStructScan.ScannedPage s = scan.get(file.mapping(), p.index());
				if (s == null) {
					findings.add(Finding.anomaly("dirty-page-missing-from-scan", p.page(), String.format(
							"index %d of mapping 0x%x: the inode walk finds a dirty page the struct page scan does not", p.index(), file.mapping())));
				} else if (s.page() != p.page()) {
					findings.add(Finding.anomaly("dirty-page-differs", p.page(), String.format(
							"index %d of mapping 0x%x: walk says struct page 0x%x, scan 0x%x", p.index(), file.mapping(), p.page(), s.page())));
				} else {
					agreed++;
				}
			}
		}
		// The scan's side: every dirty page must be where the walk of its mapping finds it.
		long dirtyInScan = 0;
		int unlisted = 0;
		Map<Long, CachedFile> extra = new HashMap<>();
		for (PageStructScan.ScannedPage s : scan.table().values()) {
			if ((s.flags() & scan.pageArray().flags().dirty) == 0) continue;
			dirtyInScan++;
			CachedFile file = walked.get(s.mapping());
			if (file == null) {
				file = extra.get(s.mapping());
				if (file == null) {
					file = reader.mapping(s.mapping(), -1, false, findings);
					extra.put(s.mapping(), file);
					unlisted++;
					findings.add(new Finding(Finding.Severity.INFO, "dirty-mapping-unlisted", String.format("0x%x", s.mapping()), String.format(
							"dirty pages of inode 0x%x (ino %d, super block 0x%x) that no cached dentry or mounted super block's inode list names",
							s.inode(), s.ino(), s.superBlock())));
				}
				CachedPage p = file.page(s.index());
				if (p == null || p.page() != s.page()) {
					findings.add(Finding.anomaly("dirty-page-missing-from-walk", s.page(), String.format(
							"index %d of mapping 0x%x: the scan finds a dirty page its page tree does not hold", s.index(), s.mapping())));
				}
				continue;
			}
			CachedPage p = file.page(s.index());
			if (p == null || p.page() != s.page()) {
				findings.add(Finding.anomaly("dirty-page-missing-from-walk", s.page(), String.format(
						"index %d of mapping 0x%x: the scan finds a dirty page the inode walk does not (hidden from i_pages?)", s.index(), s.mapping())));
			}
		}
		return new Result(dirtyInScan, dirtyInWalk, agreed, walked.size(), unlisted, findings);
	}

	private static void add(PageCache cache, CachedInode inode, Map<Long, CachedFile> walked, Map<Long, Boolean> listed) throws IOException {
		CachedFile f = cache.file(inode);
		if (f.mapping() != 0) {
			walked.putIfAbsent(f.mapping(), f);
			listed.put(f.mapping(), true);
		}
	}
}
