package cacheshadow.kernel;

import java.io.IOException;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.MissingBytesException;
import cacheshadow.layers.UnmappedAddressException;

/**
 * The kernel's virtual address space over a physical memory layer. Offsets are 64-bit virtual addresses, which
 * for the kernel half are negative as Java longs: this layer accepts any {@code long} and translates it through
 * the page tables. {@link #extents()} is empty (enumerating a sparse 2^64 space is not useful); use
 * {@link #isMapped(long, long)}.
 */
public final class KernelAddressSpace implements Layer {
	private final PageTableWalker walker;

	public KernelAddressSpace(PageTableWalker walker) {
		this.walker = walker;
	}

	public PageTableWalker walker() {
		return walker;
	}

	@Override
	public String name() {
		return "kernel virtual";
	}

	@Override
	public String source() {
		return walker.physical().name();
	}

	@Override
	public long size() {
		return Long.MAX_VALUE;
	}

	@Override
	public List<Extent> extents() {
		return List.of();
	}

	@Override
	public boolean isMapped(long offset, long len) {
		long end = offset + len;
		for (long p = offset & ~0xfffL; Long.compareUnsigned(p, end) < 0; p += 4096) {
			if (walker.translateOrNegative(p) < 0) return false;
			if (p + 4096 == 0) break;
		}
		return true;
	}

	@Override
	public void read(long va, byte[] buf, int off, int len) throws IOException {
		while (len > 0) {
			int n = (int) Math.min(len, 4096 - (va & 0xfff));
			long pa = walker.translate(va);
			try {
				walker.physical().read(pa, buf, off, n);
			} catch (MissingBytesException e) {
				throw new MissingBytesException("kernel virtual (frame 0x" + Long.toHexString(pa) + ")", va);
			} catch (UnmappedAddressException e) {
				throw new UnmappedAddressException("kernel virtual (frame 0x" + Long.toHexString(pa) + " outside memory)", va);
			}
			va += n;
			off += n;
			len -= n;
		}
	}

	@Override
	public void close() {
		// The physical layer belongs to the caller.
	}
}
