package cacheshadow.ext4.jbd2;

import static cacheshadow.ext4.jbd2.BigEndian.u16;
import static cacheshadow.ext4.jbd2.BigEndian.u32;
import static cacheshadow.ext4.jbd2.BigEndian.u64;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import cacheshadow.ext4.BlockMap;
import cacheshadow.ext4.Crc32c;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Layer;
import cacheshadow.listing.Finding;

/**
 * jbd2 recovery in memory ("Journal (jbd2)"): from {@code s_start}/{@code s_sequence}, walk the log while
 * block headers carry the expected sequence; a transaction counts once its commit block is found (and, with
 * csum v2/v3, its checksum matches). Revoke records of committed transactions cancel logged copies of the
 * same block in transactions up to theirs. The result is a {@link JournalOverlayLayer}: block → newest
 * committed copy. Data-block tag checksums (v2/v3) are verified; a mismatching copy is skipped like the
 * kernel does.
 */
public final class Jbd2Replay {
	static final int TAG_ESCAPE = 1, TAG_SAME_UUID = 2, TAG_DELETED = 4, TAG_LAST = 8;

	/**
	 * One committed transaction: its sequence, commit time, the file-system blocks it logged and revoked, and
	 * where its commit block sits (journal-relative block number).
	 */
	public record Transaction(long sequence, long commitSeconds, long commitNanos, List<Long> blocks, List<Long> revoked,
			long commitJournalBlock) {
	}

	private record Tag(long fsBlock, long journalBlock, int flags, long checksum) {
	}

	private final List<Transaction> transactions = new ArrayList<>();
	private final List<Finding> findings = new ArrayList<>();
	private Jbd2Superblock jsb;
	private JournalOverlayLayer overlay;
	private int skippedCopies;
	private BlockMap journalMap;

	/**
	 * The journal's blocks on the device (journal-relative block → device block), its length in bytes, and the number
	 * of blocks of the file system it logs for (a logged block past them is an anomaly, not replayed).
	 */
	public record JournalLocation(BlockMap blocks, long bytes, long fileSystemBlocks) {
	}

	/**
	 * How the file system that holds the journal finds it (for ext4: the journal inode's blocks); called when the scan
	 * starts, and what it throws (an external journal, a damaged inode) ends the scan as a finding like damage in the
	 * journal itself. Recovery needs nothing else of the file system.
	 */
	@FunctionalInterface
	public interface JournalFile {
		JournalLocation locate() throws IOException;
	}

	private Jbd2Replay() {
	}

	/**
	 * Scans the journal that {@code journal} locates on {@code device} (the file system's blocks of {@code blockSize}
	 * bytes, as they lie) and builds the overlay over the device.
	 */
	public static Jbd2Replay scan(Layer device, int blockSize, JournalFile journal) {
		Jbd2Replay r = new Jbd2Replay();
		try {
			r.run(device, blockSize, journal);
		} catch (IOException e) {
			r.finding(Finding.Severity.ERROR, "jbd2", "journal", "journal not replayed: " + e.getMessage());
		}
		if (r.overlay == null) r.overlay = new JournalOverlayLayer(device, blockSize, new TreeMap<>());
		return r;
	}

	/**
	 * The same scan over {@code device}, a layer holding the same bytes as the one scanned (a later copy of a disk
	 * nothing wrote to since): its transactions, findings and overlay, without reading the journal again.
	 */
	public Jbd2Replay over(Layer device) {
		Jbd2Replay r = new Jbd2Replay();
		r.transactions.addAll(transactions);
		r.findings.addAll(findings);
		r.jsb = jsb;
		r.overlay = overlay.over(device);
		r.skippedCopies = skippedCopies;
		r.journalMap = journalMap;
		return r;
	}

	public JournalOverlayLayer overlay() {
		return overlay;
	}

	public List<Transaction> transactions() {
		return transactions;
	}

	public List<Finding> findings() {
		return findings;
	}

	/** The journal superblock, or null when none could be read. */
	public Jbd2Superblock journalSuperblock() {
		return jsb;
	}

	/** Device block of journal-relative block {@code j} (-1 if unmapped), for locating log blocks. */
	public long journalBlockToDevice(long j) {
		return journalMap == null ? -1 : journalMap.physical(j);
	}

	private void finding(Finding.Severity s, String kind, String where, String msg) {
		if (findings.size() < 1000) findings.add(new Finding(s, kind, where, msg));
	}

	private void run(Layer dev, int bs, JournalFile journal) throws IOException {
		JournalLocation where = journal.locate();
		BlockMap jmap = where.blocks();
		journalMap = jmap;
		long jblocks = (where.bytes() + bs - 1) / bs;
		JournalReader jr = new JournalReader(dev, jmap, bs, jblocks);
		jsb = new Jbd2Superblock(jr.block(0));
		if (jsb.blockSize != bs) throw new EvidenceFormatException("jbd2", "journal block size " + jsb.blockSize + " differs from the file system's " + bs);
		if (jsb.maxLen > jblocks) throw new EvidenceFormatException("jbd2", "journal length " + jsb.maxLen + " exceeds the journal inode's " + jblocks + " blocks");
		boolean csum = jsb.csumV2orV3();
		int seed = jsb.checksumSeed();
		if (csum && jsb.computedChecksum() != jsb.storedChecksum) {
			finding(Finding.Severity.WARNING, "jbd2-csum", "journal block 0", String.format("journal superblock checksum 0x%08x, computed 0x%08x", jsb.storedChecksum, jsb.computedChecksum()));
		}
		if (jsb.errno != 0) finding(Finding.Severity.ANOMALY, "jbd2", "journal block 0", "journal records error " + jsb.errno);
		if (jsb.isClean()) return;
		if (jsb.hasIncompat(Jbd2Superblock.INCOMPAT_FAST_COMMIT)) {
			finding(Finding.Severity.WARNING, "jbd2", "journal block 0", "fast commits are enabled; fast-commit blocks after the last full commit are not replayed");
		}

		long end = jsb.logEnd();
		long next = jsb.start;
		long seq = jsb.sequence;
		List<Tag> tags = new ArrayList<>();
		List<Long> revokes = new ArrayList<>();
		Map<Long, Long> revoked = new HashMap<>();
		List<List<Tag>> committedTags = new ArrayList<>();
		int tagBytes = jsb.tagBytes();
		long budget = end; // at most one full lap of the log
		while (budget-- > 0) {
			byte[] b;
			try {
				b = jr.block(next);
			} catch (IOException e) {
				finding(Finding.Severity.ANOMALY, "jbd2", "journal block " + next, "unreadable: " + e.getMessage());
				break;
			}
			if (u32(b, 0) != Jbd2Superblock.MAGIC || u32(b, 8) != seq) break;
			long here = next;
			int type = (int) u32(b, 4);
			next = wrap(next + 1, end);
			if (type == Jbd2Superblock.BLOCK_DESCRIPTOR) {
				if (csum && !tailValid(b, seed)) {
					finding(Finding.Severity.WARNING, "jbd2-csum", "journal block " + here, "descriptor block checksum mismatch; log ends here");
					break;
				}
				int limit = bs - (csum ? 4 : 0);
				int off = 12;
				boolean first = true;
				while (off + tagBytes <= limit) {
					long blocknr = u32(b, off);
					int flags;
					long tcs;
					if (jsb.hasIncompat(Jbd2Superblock.INCOMPAT_CSUM_V3)) {
						flags = (int) u32(b, off + 4);
						if (jsb.hasIncompat(Jbd2Superblock.INCOMPAT_64BIT)) blocknr |= u32(b, off + 8) << 32;
						tcs = u32(b, off + 12);
					} else {
						tcs = u16(b, off + 4);
						flags = u16(b, off + 6);
						if (jsb.hasIncompat(Jbd2Superblock.INCOMPAT_64BIT)) blocknr |= u32(b, off + 8) << 32;
					}
					tags.add(new Tag(blocknr, next, flags, tcs));
					next = wrap(next + 1, end);
					off += tagBytes;
					if ((flags & TAG_SAME_UUID) == 0) off += 16;
					first = false;
					if ((flags & TAG_LAST) != 0) break;
				}
				if (first) break;
			} else if (type == Jbd2Superblock.BLOCK_COMMIT) {
				if (csum && !commitValid(b, seed)) {
					finding(Finding.Severity.WARNING, "jbd2-csum", "journal block " + here, "commit block of transaction " + seq + " fails its checksum; transaction not replayed");
					if (!jsb.hasIncompat(Jbd2Superblock.INCOMPAT_ASYNC_COMMIT)) break;
				}
				long sec = u64(b, 0x30), nsec = u32(b, 0x38);
				List<Long> blocks = new ArrayList<>();
				for (Tag t : tags) blocks.add(t.fsBlock);
				transactions.add(new Transaction(seq, sec, nsec, List.copyOf(blocks), List.copyOf(revokes), here));
				committedTags.add(tags);
				for (long r : revokes) revoked.merge(r, seq, Math::max);
				tags = new ArrayList<>();
				revokes = new ArrayList<>();
				seq = (seq + 1) & 0xffffffffL;
			} else if (type == Jbd2Superblock.BLOCK_REVOKE) {
				if (csum && !tailValid(b, seed)) {
					finding(Finding.Severity.WARNING, "jbd2-csum", "journal block " + here, "revoke block checksum mismatch; log ends here");
					break;
				}
				int count = (int) Math.min(u32(b, 12), bs - (csum ? 4 : 0));
				int rs = jsb.hasIncompat(Jbd2Superblock.INCOMPAT_64BIT) ? 8 : 4;
				for (int off = 16; off + rs <= count; off += rs) revokes.add(rs == 8 ? u64(b, off) : u32(b, off));
			} else {
				finding(Finding.Severity.ANOMALY, "jbd2", "journal block " + here, "unexpected block type " + type + " in the log");
				break;
			}
		}
		if (!tags.isEmpty() || !revokes.isEmpty()) {
			finding(Finding.Severity.INFO, "jbd2", "transaction " + seq, "uncommitted transaction (" + tags.size() + " blocks) at the end of the log ignored");
		}
		TreeMap<Long, JournalOverlayLayer.Copy> copies = new TreeMap<>();
		byte[] data = new byte[bs];
		for (int i = 0; i < transactions.size(); i++) {
			Transaction t = transactions.get(i);
			for (Tag tag : committedTags.get(i)) {
				Long rseq = revoked.get(tag.fsBlock);
				if (rseq != null && !seqBefore(rseq, t.sequence())) continue; // revoked by this or a later transaction
				if (tag.fsBlock >= where.fileSystemBlocks()) {
					finding(Finding.Severity.ANOMALY, "jbd2", "journal block " + tag.journalBlock, "logged block " + tag.fsBlock + " lies outside the file system");
					continue;
				}
				long phys = jmap.physical(tag.journalBlock);
				if (phys < 0) continue;
				if (csum) {
					dev.read(phys * bs, data, 0, bs);
					int c = Crc32c.update(Crc32c.updateBe32(seed, t.sequence()), data, 0, bs);
					long want = jsb.hasIncompat(Jbd2Superblock.INCOMPAT_CSUM_V3) ? c & 0xffffffffL : c & 0xffff;
					if (want != tag.checksum) {
						skippedCopies++;
						finding(Finding.Severity.WARNING, "jbd2-csum", "journal block " + tag.journalBlock,
								String.format("copy of block %d in transaction %d fails its checksum; not replayed", tag.fsBlock, t.sequence()));
						continue;
					}
				}
				copies.put(tag.fsBlock, new JournalOverlayLayer.Copy(phys * bs, (tag.flags & TAG_ESCAPE) != 0, t.sequence()));
			}
		}
		overlay = new JournalOverlayLayer(dev, bs, copies);
	}

	/** Copies skipped because their tag checksum did not match. */
	public int skippedCopies() {
		return skippedCopies;
	}

	private static boolean seqBefore(long a, long b) {
		return (int) (a - b) < 0;
	}

	/** The log is circular over journal blocks [s_first, end). */
	private long wrap(long blk, long end) {
		return blk >= end ? jsb.first + (blk - end) : blk;
	}

	/** Descriptor / revoke tail: crc32c(seed, block with the last 4 bytes as zero) in those 4 bytes. */
	private static boolean tailValid(byte[] b, int seed) {
		int c = Crc32c.update(seed, b, 0, b.length - 4);
		c = Crc32c.updateZeros(c, 4);
		return (c & 0xffffffffL) == u32(b, b.length - 4);
	}

	/** Commit block: crc32c(seed, block with h_chksum[0] as zero) in h_chksum[0]. */
	private static boolean commitValid(byte[] b, int seed) {
		int c = Crc32c.update(seed, b, 0, 0x10);
		c = Crc32c.updateZeros(c, 4);
		c = Crc32c.update(c, b, 0x14, b.length - 0x14);
		return (c & 0xffffffffL) == u32(b, 0x10);
	}

	/** Reads journal-relative blocks through the journal inode's block map. */
	private static final class JournalReader {
		final Layer dev;
		final BlockMap map;
		final int bs;
		final long blocks;

		JournalReader(Layer dev, BlockMap map, int bs, long blocks) {
			this.dev = dev;
			this.map = map;
			this.bs = bs;
			this.blocks = blocks;
		}

		byte[] block(long j) throws IOException {
			if (j < 0 || j >= blocks) throw new EvidenceFormatException("jbd2", "journal block " + j + " outside the journal");
			long p = map.physical(j);
			if (p < 0) throw new EvidenceFormatException("jbd2", "journal block " + j + " is a hole");
			byte[] b = new byte[bs];
			dev.read(p * bs, b, 0, bs);
			return b;
		}
	}
}
