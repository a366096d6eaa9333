package cacheshadow.fuzz;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.DentryWalker;
import cacheshadow.caches.Mount;
import cacheshadow.listing.Finding;

/**
 * The dentry walk of one subtree of a sample snapshot, taken as a mount of its own, with an overlay of the
 * structures a target fuzzes: what the dentry and inode targets share.
 */
record SubtreeWalk(SampleSnapshot snapshot, Mount mount, Overlay overlay) {
	/** A subtree with directories, files, negative dentries, a symbolic link and hard links in both samples. */
	static final String DIR = "/mnt/disk/hist";

	/**
	 * The walk of {@link #DIR} in sample {@code set}, overlaying the {@code struct} at each distinct address
	 * {@code at} gives for the entries below it (0: none), in path order.
	 */
	static SubtreeWalk over(String set, String struct, ToLongFunction<CachedEntry> at) {
		SampleSnapshot s = SampleSnapshot.of(set);
		long size;
		try {
			size = s.kernel.btf().sizeOf(struct);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		Set<Long> addresses = new LinkedHashSet<>();
		for (CachedEntry e : s.below(DIR)) if (at.applyAsLong(e) != 0) addresses.add(at.applyAsLong(e));
		List<long[]> regions = new ArrayList<>();
		for (long a : addresses) regions.add(new long[] { a, size });
		return new SubtreeWalk(s, s.subtree(DIR), s.overlay(regions));
	}

	/** The walk as CacheAnalysis runs it for one mount, and the records made of what it found. */
	void walk() throws IOException {
		List<Finding> findings = new ArrayList<>();
		for (CachedEntry e : new DentryWalker(snapshot.kernel, findings).walk(mount, Set.of(), true)) {
			if (e.inode() != null) e.toRecord();
		}
		for (Finding f : findings) f.toString();
	}
}
