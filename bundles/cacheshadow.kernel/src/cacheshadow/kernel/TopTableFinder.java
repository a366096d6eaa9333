package cacheshadow.kernel;

import java.io.IOException;

import cacheshadow.layers.Layer;
import cacheshadow.layers.Progress;

/**
 * Finds the kernel's top page table ({@code init_top_pgt}) without symbols. {@code init_task.active_mm} cannot be
 * used: the idle task borrows the last user mm (lazy TLB), which lives in the direct map we cannot read yet. The
 * table is a page of the kernel image's data, near init_task: candidates are tried nearest first, under 4- then
 * 5-level paging, and accepted when they map init_task to where it was found and the next task on
 * {@code init_task.tasks} (slab memory, so the direct map) points back to init_task.
 */
final class TopTableFinder {
	/** How far from init_task, in bytes, the image's data section is searched. */
	private static final long SEARCH_RADIUS = 64L << 20;

	private TopTableFinder() {
	}

	static PageTableWalker find(Layer physical, Btf btf, KaslrDetector.Result k, Progress progress) throws IOException {
		long tasksOff = btf.field("task_struct", "tasks").offset();
		long prevOff = btf.field("list_head", "prev").offset();
		long next = physical.readU64(k.initTaskPa() + tasksOff);
		long initTasks = k.initTaskVa() + tasksOff;
		long center = k.initTaskPa() & ~0xfffL;
		progress.begin("Locating the kernel page tables", 2 * (SEARCH_RADIUS >>> 12));
		for (long d = 0; d <= SEARCH_RADIUS; d += 4096) {
			if ((d & 0xfffff) == 0) {
				progress.checkCanceled();
				progress.worked(512);
			}
			for (long pa : d == 0 ? new long[] { center } : new long[] { center - d, center + d }) {
				if (pa < 0 || !physical.isMapped(pa, 4096)) continue;
				for (boolean l5 : new boolean[] { false, true }) {
					PageTableWalker w = new PageTableWalker(physical, pa, l5);
					if (w.translateOrNegative(k.initTaskVa()) != k.initTaskPa()) continue;
					long nextPa = w.translateOrNegative(next + prevOff);
					if (nextPa < 0) continue;
					if (physical.readU64(nextPa) == initTasks) return new PageTableWalker(physical, pa, l5);
				}
			}
		}
		throw new KernelLayoutException("no page table near init_task maps the kernel and its task list");
	}
}
