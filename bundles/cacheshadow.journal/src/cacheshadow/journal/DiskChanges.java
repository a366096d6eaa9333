package cacheshadow.journal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import cacheshadow.layers.Progress;

/**
 * The block-level difference of the disk between two instants: every 4 KiB block that entries in between wrote,
 * and whether its content actually differs (a block can be rewritten with the same bytes). The file-level diff is
 * {@link FileChanges}, which needs a file system on the two {@link DiskAtInstant}s.
 */
public record DiskChanges(ResolvedInstant from, ResolvedInstant to, List<BlockChange> blocks, List<Discard> largeDiscards) {

	/** A discard too large to list block by block: entry {@code entry} zeroed {@code [offset, offset+length)}. */
	public record Discard(int entry, long offset, long length) {
	}

	/** Blocks written in {@code (from, to]}, compared on {@code before} and {@code after}. */
	public static DiskChanges between(DiskAtInstant before, DiskAtInstant after, ResolvedInstant from, ResolvedInstant to, Progress progress)
			throws IOException {
		JournalIndex idx = before.index();
		int a = Math.min(from.entryCount(), to.entryCount()), b = Math.max(from.entryCount(), to.entryCount());
		List<BlockChange> written = idx.changedBlocks(a, b);
		progress.begin("Comparing " + written.size() + " blocks", written.size());
		List<BlockChange> out = new ArrayList<>(written.size());
		byte[] x = new byte[BlockChange.BLOCK_SIZE], y = new byte[BlockChange.BLOCK_SIZE];
		long size = Math.min(before.size(), after.size());
		for (BlockChange c : written) {
			long off = c.offset();
			if (off >= size) {
				out.add(c.withContentDiffers(true));
				continue;
			}
			int n = (int) Math.min(BlockChange.BLOCK_SIZE, size - off);
			before.read(off, x, 0, n);
			after.read(off, y, 0, n);
			out.add(c.withContentDiffers(!Arrays.equals(x, 0, n, y, 0, n)));
			progress.worked(1);
		}
		List<Discard> large = new ArrayList<>();
		for (int e : idx.largeDiscardsBetween(a, b)) large.add(new Discard(e, idx.log().diskOffset(e), idx.log().length(e)));
		return new DiskChanges(from, to, List.copyOf(out), List.copyOf(large));
	}

	public long changedBlockCount() {
		return blocks.stream().filter(c -> Boolean.TRUE.equals(c.contentDiffers())).count();
	}

	/** TSV: {@code block offset writes first_entry last_entry content}, content {@code changed} or {@code same}. */
	public void writeTsv(Appendable out) throws IOException {
		out.append("# ").append(from.toString()).append('\n');
		out.append("# ").append(to.toString()).append('\n');
		out.append(String.format("# %d blocks written, %d with different content%n", blocks.size(), changedBlockCount()));
		for (Discard d : largeDiscards) {
			out.append(String.format("# entry %d discarded bytes %d+%d (listed as a range, not per block)%n", d.entry(), d.offset(), d.length()));
		}
		out.append("block\toffset\twrites\tfirst_entry\tlast_entry\tcontent\n");
		for (BlockChange c : blocks) {
			out.append(Long.toString(c.block())).append('\t').append(Long.toString(c.offset())).append('\t')
					.append(Integer.toString(c.writes())).append('\t').append(Integer.toString(c.firstEntry())).append('\t')
					.append(Integer.toString(c.lastEntry())).append('\t')
					.append(c.contentDiffers() == null ? "-" : c.contentDiffers() ? "changed" : "same").append('\n');
		}
	}
}
