package cacheshadow.pagecache;

import java.io.IOException;
import java.util.List;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfType;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.ModuleBtfLoader;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.listing.Finding;

/**
 * The {@code struct buffer_head} ring of a folio ({@code folio->private}, linked by {@code b_this_page};
 * include/linux/buffer_head.h). A file system block smaller than the page, or a block freshly allocated with
 * {@code sb_getblk()}, is valid by its buffer's {@code BH_Uptodate} while the page itself is not
 * {@code PG_uptodate}. {@code BH_Dirty} is the buffer's dirty bit; {@code BH_PrivateStart} is jbd2's
 * {@code BH_JBD} (a journal_head is attached: the block belongs to a journal transaction). jbd2 marks metadata
 * modified in a transaction with its own {@code BH_JBDDirty} instead of {@code BH_Dirty}; that bit comes from the
 * jbd2 module's BTF when the module is loaded (vmlinux's BTF lacks it), and such buffers count as dirty.
 */
final class BufferHeads {
	/** Most buffers per 4 KiB page (512-byte blocks) times the largest folio walked for buffers. */
	private static final int MAX_BUFFERS = 8 * 512;

	private final Layer vm;
	private final long stateOff, nextOff, sizeOff, dataOff;
	private final long uptodate, dirty, jbd;
	/** jbd2's {@code BH_JBDDirty} ({@code enum jbd_state_bits}, from the jbd2 module's BTF), or 0 when unknown. */
	private final long jbdDirty;
	private final long direct;

	/** Per page of a folio: valid 512-byte sectors, dirty and journaled buffers. */
	record State(int[] sectors, boolean[] dirty, boolean[] journaled) {
		int uptodateSectors(long page) {
			return page < sectors.length ? sectors[(int) page] : 0;
		}

		boolean dirty(long page) {
			return page < dirty.length && dirty[(int) page];
		}

		boolean journaled(long page) {
			return page < journaled.length && journaled[(int) page];
		}
	}

	BufferHeads(LinuxKernel kernel) throws IOException {
		Btf b = kernel.btf();
		vm = kernel.virtual();
		stateOff = b.field("buffer_head", "b_state").offset();
		nextOff = b.field("buffer_head", "b_this_page").offset();
		sizeOff = b.field("buffer_head", "b_size").offset();
		dataOff = b.field("buffer_head", "b_data").offset();
		BtfType.Enum bits = b.enumType("bh_state_bits");
		if (bits == null) throw new KernelLayoutException("BTF has no enum bh_state_bits");
		uptodate = 1L << bits.valueOf("BH_Uptodate");
		dirty = 1L << bits.valueOf("BH_Dirty");
		Long priv = bits.valueOf("BH_PrivateStart");
		jbd = priv == null ? 0 : 1L << priv;
		jbdDirty = jbdDirtyBit(kernel);
		direct = kernel.pageOffsetBase();
	}

	/** {@code BH_JBDDirty} from the loaded jbd2 module's BTF (vmlinux's BTF lacks it when jbd2 is a module). */
	private static long jbdDirtyBit(LinuxKernel kernel) {
		Long v = kernel.btf().enumValue("BH_JBDDirty");
		if (v == null) {
			try {
				Btf jbd2 = ModuleBtfLoader.load(kernel, "jbd2");
				if (jbd2 != null) v = jbd2.enumValue("BH_JBDDirty");
			} catch (IOException | RuntimeException e) {
				// no symbols, or the module's BTF unreadable: journaled buffers stay JOURNALED
			}
		}
		return v == null || v < 0 || v > 63 ? 0 : 1L << v;
	}

	/** True when jbd2's own dirty bit is known (then journaled buffers modified in a transaction count as dirty). */
	boolean knowsJournalDirty() {
		return jbdDirty != 0;
	}

	/**
	 * Reads the ring starting at {@code first} of the folio with head {@code head} (frames from physical address
	 * {@code folioPhysical}) spanning {@code pages} pages. Buffers are placed by {@code b_data}, which points into
	 * the direct map of the folio's frames.
	 */
	State read(long first, long head, long folioPhysical, long pages, List<Finding> findings) throws IOException {
		int n = (int) Math.min(pages, 512);
		int[] sectors = new int[n];
		boolean[] d = new boolean[n], j = new boolean[n];
		if (first == 0) return new State(sectors, d, j);
		byte[] bh = new byte[(int) Math.max(dataOff, Math.max(sizeOff, Math.max(stateOff, nextOff))) + 8];
		long bh0 = first;
		long at = first;
		long folioStart = direct + folioPhysical;
		for (int count = 0; count < MAX_BUFFERS; count++) {
			try {
				vm.read(at, bh, 0, bh.length);
			} catch (IOException e) {
				findings.add(Finding.anomaly("buffer-head-unreadable", at, "buffer_head of folio 0x" + Long.toHexString(head) + ": " + e.getMessage()));
				return new State(sectors, d, j);
			}
			long state = LittleEndian.u64(bh, (int) stateOff);
			long size = LittleEndian.u64(bh, (int) sizeOff);
			long data = LittleEndian.u64(bh, (int) dataOff);
			long off = data - folioStart;
			if (size <= 0 || size > 4096L * n || (size & 511) != 0 || off < 0 || off + size > 4096L * n || folioPhysical < 0) {
				findings.add(Finding.anomaly("buffer-head-bad", at, "b_size " + size + " at folio offset " + off));
				return new State(sectors, d, j);
			}
			for (long s = off; s < off + size; s += 512) {
				int page = (int) (s / 4096);
				if ((state & uptodate) != 0) sectors[page] |= 1 << ((s % 4096) / 512);
				if ((state & (dirty | jbdDirty)) != 0) d[page] = true;
				if ((state & jbd) != 0) j[page] = true;
			}
			at = LittleEndian.u64(bh, (int) nextOff);
			if (at == bh0) return new State(sectors, d, j);
		}
		findings.add(Finding.anomaly("buffer-head-ring-loop", first, "b_this_page ring does not close within " + MAX_BUFFERS + " buffers"));
		return new State(sectors, d, j);
	}
}
