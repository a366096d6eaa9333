package cacheshadow.kernel;

import cacheshadow.layers.ElfCoreLayer;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;

/**
 * The physical range of the running kernel's image, read from a CPU's state saved in the snapshot: QEMU's
 * {@code dump-guest-memory} ELF core carries each vCPU's registers (a "QEMU" note, {@code QEMUCPUState}), and the
 * page tables CR3 points to map the image in the kernel's 1 GiB text mapping from {@code __START_KERNEL_map}
 * ({@code cleanup_highmap} leaves only {@code _text.._end} there). Only a hint where to look first: what is found in
 * it is checked as anything else found in the snapshot is.
 */
public record KernelImage(long start, long end) {
	/** {@code QEMUCPUState}: version, size, 16 general registers, rip, rflags, 10 segments of 24 bytes, then cr[5]. */
	private static final int CR3 = 8 + 18 * 8 + 10 * 24 + 3 * 8, CR4 = CR3 + 8;
	private static final long CR4_LA57 = 1L << 12, ADDR_MASK = 0x000f_ffff_ffff_f000L;
	/** The kernel text mapping's size ({@code KERNEL_IMAGE_SIZE} with KASLR). */
	private static final long TEXT_MAP_SIZE = 1L << 30, STEP = 2L << 20;

	/** The image's range from the first vCPU state whose page tables map one, or null (no such note, or nothing mapped). */
	public static KernelImage fromCpuState(Layer physical) {
		if (!(physical instanceof ElfCoreLayer core)) return null;
		for (ElfCoreLayer.Note n : core.notes()) {
			if (!n.name().equals("QEMU") || n.desc().length < CR4 + 8 || LittleEndian.u32(n.desc(), 0) < 1) continue;
			long cr3 = LittleEndian.u64(n.desc(), CR3), cr4 = LittleEndian.u64(n.desc(), CR4);
			KernelImage image = mapped(physical, new PageTableWalker(physical, cr3 & ADDR_MASK, (cr4 & CR4_LA57) != 0));
			if (image != null) return image;
		}
		return null;
	}

	/** The first run of the text mapping translated to physically contiguous memory, per 2 MiB. */
	private static KernelImage mapped(Layer physical, PageTableWalker pt) {
		long va = KaslrDetector.START_KERNEL_MAP, limit = va + TEXT_MAP_SIZE;
		while (va < limit && pt.translateOrNegative(va) < 0) va += STEP;
		if (va >= limit) return null;
		long start = pt.translateOrNegative(va), end = start;
		while (va < limit && pt.translateOrNegative(va) == end) {
			va += STEP;
			end += STEP;
		}
		return physical.isMapped(start, end - start) ? new KernelImage(start, end) : null;
	}
}
