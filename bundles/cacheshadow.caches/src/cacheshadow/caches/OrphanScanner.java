package cacheshadow.caches;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.listing.Finding;

/**
 * Inodes a super block still caches that no dentry names ({@code s_inodes}, linked through {@code i_sb_list},
 * with an empty {@code i_dentry}): files deleted while open, or whose dentries were reclaimed — metadata without a
 * path. ext4's reserved inodes (journal, bad blocks) are left out.
 */
final class OrphanScanner {
	private final Layer vm;
	private final InodeReader inodes;
	private final List<Finding> findings;
	private final long sInodesOff, sbListOff, listNextOff, maxInodes;
	/** {@code super_block.s_fs_info} and {@code ext4_sb_info.s_first_ino}, or -1 when the BTF lacks them. */
	private final long fsInfoOff, ext4FirstInoOff;

	OrphanScanner(LinuxKernel kernel, InodeReader inodes, List<Finding> findings) throws IOException {
		Btf b = kernel.btf();
		this.vm = kernel.virtual();
		this.inodes = inodes;
		this.findings = findings;
		sInodesOff = b.field("super_block", "s_inodes").offset();
		sbListOff = b.field("inode", "i_sb_list").offset();
		listNextOff = b.field("list_head", "next").offset();
		maxInodes = Math.max(1 << 16, kernel.physical().size() / b.sizeOf("inode"));
		Btf.Field fsInfo = b.fieldOrNull("super_block", "s_fs_info");
		Btf e4 = kernel.moduleBtf("ext4");
		Btf.Field firstIno = (e4 == null ? b : e4).fieldOrNull("ext4_sb_info", "s_first_ino");
		fsInfoOff = fsInfo == null ? -1 : fsInfo.offset();
		ext4FirstInoOff = firstIno == null ? -1 : firstIno.offset();
	}

	/**
	 * {@code EXT4_GOOD_OLD_FIRST_INO}: an on-disk format constant (not a structure layout), used when the BTF at hand
	 * does not describe {@code struct ext4_sb_info} — ext4 is a module, and vmlinux's BTF lacks module types.
	 */
	private static final long EXT4_GOOD_OLD_FIRST_INO = 11;

	/**
	 * ext4's reserved inodes (bad blocks, journal, resize... below {@code s_first_ino}) never have names: they are
	 * not orphans. 0 when not ext4.
	 */
	private long firstUserInode(long superBlock, boolean ext4) {
		if (!ext4) return 0;
		if (fsInfoOff < 0 || ext4FirstInoOff < 0) return EXT4_GOOD_OLD_FIRST_INO;
		try {
			return vm.readU32(vm.readU64(superBlock + fsInfoOff) + ext4FirstInoOff);
		} catch (IOException e) {
			findings.add(Finding.anomaly("ext4-sb-info-unreadable", superBlock, e.getMessage()));
			return 0;
		}
	}

	/** Orphans of {@code superBlock}; {@code counted} receives the number of inodes on the list. */
	List<CachedInode> scan(long superBlock, boolean ext4, long[] counted) {
		List<CachedInode> out = new ArrayList<>();
		long firstIno = firstUserInode(superBlock, ext4);
		long head = superBlock + sInodesOff;
		KernelListWalk list;
		try {
			list = KernelListWalk.walk(vm.readU64(head + listNextOff), head, node -> vm.readU64(node + listNextOff), (int) Math.min(maxInodes, Integer.MAX_VALUE - 8));
		} catch (IOException e) {
			findings.add(Finding.anomaly("inode-list-broken", head, "s_inodes of super block 0x" + Long.toHexString(superBlock) + ": " + e.getMessage()));
			return out;
		}
		for (int k = 0; k < list.count(); k++) {
			long inode = list.node(k) - sbListOff;
			try {
				CachedInode ci = inodes.read(inode, ext4);
				if (!ci.hasDentry() && ci.ino() >= firstIno) out.add(ci);
			} catch (IOException e) {
				findings.add(Finding.anomaly("inode-unreadable", inode, e.getMessage()));
			}
		}
		switch (list.outcome()) {
		case CYCLE -> findings.add(Finding.anomaly("inode-list-cycle", list.at(), "s_inodes list of super block 0x" + Long.toHexString(superBlock) + " loops"));
		case TOO_LONG -> findings.add(Finding.anomaly("inode-list-length", head, "s_inodes longer than " + maxInodes));
		case BROKEN -> findings.add(Finding.anomaly("inode-list-broken", head, "s_inodes of super block 0x" + Long.toHexString(superBlock) + ": " + list.problem()));
		case END -> {
		}
		}
		counted[0] += list.count() + (list.outcome() == KernelListWalk.Outcome.TOO_LONG ? 1 : 0);
		return out;
	}
}
