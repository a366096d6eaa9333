package cacheshadow.caches;

import java.io.IOException;
import java.util.List;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingReads;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;

/**
 * Decodes {@code struct inode}. The time fields changed shape across series ({@code struct timespec64 i_atime} up
 * to 6.5, {@code __i_ctime} from 6.6, separate {@code i_atime_sec}/{@code i_atime_nsec} from 6.11): whichever the
 * BTF has is used. Symbolic link targets come from {@code i_link} (ext4 fast symlinks point it at the inline
 * {@code ext4_inode_info.i_data}; tmpfs at a copy), or for ext4 from {@code i_data} directly when {@code i_link}
 * is not set, else from the first page of the link's page cache (ext4 slow symlinks, long tmpfs links).
 */
final class InodeReader {
	private static final int S_IFMT = 0xF000, S_IFLNK = 0xA000;
	private static final int MAX_LINK = 4096;

	private final Layer vm;
	private final StructBuffer buf;
	private final List<Finding> findings;
	private final long modeOff, uidOff, gidOff, sizeOff, nlinkOff, inoOff, sbOff, linkOff, dentryFirstOff, mappingOff;
	private final TimeField atime, mtime, ctime;
	/** Offset of {@code i_data} relative to the embedded {@code vfs_inode} in {@code struct ext4_inode_info}, or 0. */
	private final long ext4InlineData;
	private final long ext4InlineSize;

	/** Seconds and nanoseconds of one inode time, located by BTF. */
	private record TimeField(long secOff, long nsecOff) {
		static TimeField of(Btf b, String name) throws IOException {
			if (b.hasField("inode", name + "_sec")) {
				return new TimeField(b.field("inode", name + "_sec").offset(), b.field("inode", name + "_nsec").offset());
			}
			String f = b.hasField("inode", "__" + name) ? "__" + name : name;
			return new TimeField(b.field("inode", f + ".tv_sec").offset(), b.field("inode", f + ".tv_nsec").offset());
		}
	}

	/** For link targets kept in a page (ext4 slow symlinks, long tmpfs links); null without vmemmap_base. */
	private final InodePageLookup pages;

	InodeReader(LinuxKernel kernel, List<Finding> findings) throws IOException {
		Btf b = kernel.btf();
		InodePageLookup p = null;
		try {
			p = new InodePageLookup(kernel);
		} catch (KernelLayoutException e) {
			findings.add(new Finding(Finding.Severity.INFO, "page-cache-unavailable", "-", "symlink targets stored in pages are not read: " + e.getMessage()));
		}
		this.pages = p;
		this.vm = kernel.virtual();
		this.findings = findings;
		modeOff = b.field("inode", "i_mode").offset();
		uidOff = b.field("inode", "i_uid").offset();
		gidOff = b.field("inode", "i_gid").offset();
		sizeOff = b.field("inode", "i_size").offset();
		nlinkOff = b.field("inode", "i_nlink").offset();
		inoOff = b.field("inode", "i_ino").offset();
		sbOff = b.field("inode", "i_sb").offset();
		linkOff = b.field("inode", "i_link").offset();
		dentryFirstOff = b.field("inode", "i_dentry").offset();
		mappingOff = b.field("inode", "i_mapping").offset();
		atime = TimeField.of(b, "i_atime");
		mtime = TimeField.of(b, "i_mtime");
		ctime = TimeField.of(b, "i_ctime");
		// Only the head of struct inode up to the last field read for every inode (i_link is read for symlinks
		// alone): half of its cache lines, and a walk of many inodes is bound by touching guest memory.
		long end = 0;
		for (long off : new long[] { modeOff, uidOff, gidOff, sizeOff, nlinkOff, inoOff, sbOff, dentryFirstOff, mappingOff, atime.secOff, atime.nsecOff,
				mtime.secOff, mtime.nsecOff, ctime.secOff, ctime.nsecOff }) end = Math.max(end, off + 8);
		this.buf = new StructBuffer(vm, Math.min(end, b.sizeOf("inode")));
		// struct ext4_inode_info is ext4's (a module on Debian): its split BTF, when the kernel still holds it.
		Btf e4 = kernel.moduleBtf("ext4");
		if (e4 == null) e4 = b;
		Btf.Field vfs = e4.fieldOrNull("ext4_inode_info", "vfs_inode");
		Btf.Field data = e4.fieldOrNull("ext4_inode_info", "i_data");
		if (vfs != null && data != null) {
			ext4InlineData = data.offset() - vfs.offset();
			ext4InlineSize = e4.sizeOf(data.type());
		} else {
			ext4InlineData = 0;
			ext4InlineSize = 0;
		}
	}

	/** Inodes decoded so far: hard links and the orphan scan meet the same inode again. */
	private final cacheshadow.kernel.AddressMap<CachedInode> decoded = new cacheshadow.kernel.AddressMap<>();

	/** Where decodings that met missing bytes are told, or null. */
	private WalkGaps gaps;

	void gaps(WalkGaps g) {
		this.gaps = g;
	}

	/** Told of each newly decoded inode, or null. */
	private WalkListener listener;

	void listener(WalkListener l) {
		this.listener = l;
	}

	/** Distinct inodes decoded. */
	int count() {
		return decoded.size();
	}

	/** Inodes whose decoding met bytes missing from a partial snapshot, with the first such read. */
	private final cacheshadow.kernel.AddressMap<String> missed = new cacheshadow.kernel.AddressMap<>();

	/**
	 * The first read of missing bytes met while decoding {@code inode} (its link target, say), or null: a name reached
	 * after the first one finds the inode decoded already, and is as unsure.
	 */
	String missedBy(long inode) {
		return missed.get(inode);
	}

	/** {@code ext4} tells whether the inode belongs to an ext4 super block (for the inline-data fallback). */
	CachedInode read(long inode, boolean ext4) throws IOException {
		CachedInode known = decoded.get(inode);
		if (known != null) return known;
		CachedInode ci;
		try (MissingReads.Watch w = MissingReads.watch()) {
			try {
				ci = decode(inode, ext4);
			} finally {
				if (w.touched()) {
					missed.putIfAbsent(inode, w.first());
					if (gaps != null) gaps.inode(inode);
				}
			}
		}
		decoded.putIfAbsent(inode, ci);
		if (listener != null) listener.inode(ci);
		return ci;
	}

	private CachedInode decode(long inode, boolean ext4) throws IOException {
		StructBuffer s = buf.load(inode);
		int mode = s.u16(modeOff);
		long size = s.u64(sizeOff);
		String target = null;
		if ((mode & S_IFMT) == S_IFLNK) target = symlinkTarget(inode, vm.readU64(inode + linkOff), size, ext4);
		return new CachedInode(inode, s.u64(sbOff), s.u64(inoOff), mode, s.u32(uidOff), s.u32(gidOff), size,
				s.u32(nlinkOff), s.u64(atime.secOff), s.u32(atime.nsecOff), s.u64(mtime.secOff), s.u32(mtime.nsecOff),
				s.u64(ctime.secOff), s.u32(ctime.nsecOff), target, s.u64(dentryFirstOff) != 0, s.u64(mappingOff));
	}

	private String symlinkTarget(long inode, long link, long size, boolean ext4) throws IOException {
		// Size 0 is legitimate: kernfs (sysfs) links compute their target on demand.
		if (size == 0) return null;
		if (size < 0 || size > MAX_LINK) {
			findings.add(Finding.anomaly("symlink-size", inode, "symbolic link of size " + size));
			return null;
		}
		long from;
		if (link != 0) from = link;
		else if (ext4 && ext4InlineSize > 0 && size < ext4InlineSize) from = inode + ext4InlineData;
		else if (pages != null && size < 4096) {
			try {
				byte[] page = pages.page(inode, 0);
				return page == null ? null : GuestName.text(page, 0, (int) size);
			} catch (IOException e) {
				findings.add(Finding.anomaly("symlink-unreadable", inode, "link target page: " + e.getMessage()));
				return null;
			}
		} else return null;
		byte[] t = new byte[(int) size];
		try {
			vm.read(from, t, 0, t.length);
		} catch (IOException e) {
			findings.add(Finding.anomaly("symlink-unreadable", inode, "link target at 0x" + Long.toHexString(from) + ": " + e.getMessage()));
			return null;
		}
		return GuestName.text(t);
	}
}
