package cacheshadow.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;

/**
 * Finds where KASLR put the kernel, from physical memory alone: {@code init_task} (the idle task, comm
 * {@code "swapper"} or {@code "swapper/0"}) is found by its comm, and a candidate is accepted only when its
 * {@code pid} is 0 and its {@code group_leader}, {@code real_parent} and {@code parent} all point to one kernel-image
 * address — the candidate's own run-time virtual address. That address and the candidate's physical address give
 * the physical base; with a symbol table, the difference to the link-time {@code init_task} gives the virtual shift.
 */
public final class KaslrDetector {
	/** {@code __START_KERNEL_map}: the x86-64 kernel image mapping starts here (architecture constant). */
	public static final long START_KERNEL_MAP = 0xffff_ffff_8000_0000L;
	private static final byte[] SWAPPER = "swapper".getBytes(StandardCharsets.US_ASCII);
	private static final int CHUNK = 1 << 20;

	private KaslrDetector() {
	}

	/**
	 * @param virtualShift run-time minus link-time addresses (0 when KASLR is off), or null without symbols
	 * @param physBase     {@code phys_base}: physical = virtual − {@code START_KERNEL_MAP} + physBase in the kernel image
	 */
	public record Result(Long virtualShift, long physBase, long initTaskVa, long initTaskPa, String method) {
		public long imageToPhysical(long va) {
			return va - START_KERNEL_MAP + physBase;
		}
	}

	public static Result detect(Layer physical, Btf btf, SymbolTable symbols, Progress progress) throws IOException {
		long commOff = btf.field("task_struct", "comm").offset();
		long pidOff = btf.field("task_struct", "pid").offset();
		long leaderOff = btf.field("task_struct", "group_leader").offset();
		long realParentOff = btf.field("task_struct", "real_parent").offset();
		long parentOff = btf.field("task_struct", "parent").offset();
		Long linkInitTask = symbols != null && !symbols.isRuntime() ? symbols.addressOrNull("init_task") : null;
		Long runInitTask = symbols != null && symbols.isRuntime() ? symbols.addressOrNull("init_task") : null;
		byte[] buf = new byte[CHUNK + 16];
		long total = 0;
		for (Extent e : physical.extents()) total += e.length();
		progress.begin("Locating init_task (KASLR)", total);
		for (Extent e : physical.extents()) {
			for (long pos = e.start(); pos < e.end(); pos += CHUNK) {
				progress.checkCanceled();
				int n = (int) Math.min(CHUNK + 16, e.end() - pos);
				physical.read(pos, buf, 0, n);
				progress.worked(Math.min(CHUNK, n));
				int limit = Math.min(n - 8, CHUNK);
				for (int i = 0; i < limit; i++) {
					if (buf[i] != 's' || !startsWith(buf, i, SWAPPER)) continue;
					byte after = buf[i + SWAPPER.length];
					if (after != 0 && after != '/') continue;
					long pa = pos + i - commOff;
					if (pa < e.start()) continue;
					Result r = check(physical, pa, pidOff, leaderOff, realParentOff, parentOff, linkInitTask, runInitTask);
					if (r != null) return r;
				}
			}
		}
		throw new KernelLayoutException("no init_task found in " + physical.name() + " (no consistent \"swapper\" task)");
	}

	private static Result check(Layer phys, long pa, long pidOff, long leaderOff, long realParentOff, long parentOff,
			Long linkInitTask, Long runInitTask) {
		try {
			if (phys.readU32(pa + pidOff) != 0) return null;
			long leader = phys.readU64(pa + leaderOff);
			if (leader != phys.readU64(pa + realParentOff) || leader != phys.readU64(pa + parentOff)) return null;
			if (Long.compareUnsigned(leader, START_KERNEL_MAP) < 0) return null;
			long physBase = pa - (leader - START_KERNEL_MAP);
			if ((physBase & 0xfff) != 0) return null;
			if (runInitTask != null && runInitTask != leader) return null;
			Long shift = null;
			if (linkInitTask != null) shift = leader - linkInitTask;
			else if (runInitTask != null) shift = null;
			return new Result(shift, physBase, leader, pa, "init_task self-references (group_leader = real_parent = parent)");
		} catch (IOException e) {
			return null;
		}
	}

	private static boolean startsWith(byte[] b, int at, byte[] p) {
		for (int k = 0; k < p.length; k++) {
			if (b[at + k] != p[k]) return false;
		}
		return true;
	}

	static long u64(byte[] b, int off) {
		return LittleEndian.u64(b, off);
	}
}
