package cacheshadow.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.layers.Extent;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Progress;

/**
 * Finds where KASLR put the kernel, from physical memory alone: {@code init_task} (the idle task, comm
 * {@code "swapper"} or {@code "swapper/0"}) is found by its comm, and a candidate counts only when its {@code pid}
 * is 0 and its {@code group_leader}, {@code real_parent} and {@code parent} all point to one kernel-image address —
 * the candidate's own run-time virtual address. That address and the candidate's physical address give the physical
 * base; with a symbol table, the difference to the link-time {@code init_task} gives the virtual shift.
 *
 * <p>Any process can fill its own pages with a copy of such a task (a decoy), so every candidate in the snapshot is
 * collected. With symbols, the one under which {@code linux_banner} reads "Linux version " wins; without, callers
 * try them in order ({@link Result#candidates()}) and keep the first that yields a working kernel model. The other
 * candidates are reported as decoys.
 */
public final class KaslrDetector {
	/** {@code __START_KERNEL_map}: the x86-64 kernel image mapping starts here (architecture constant). */
	public static final long START_KERNEL_MAP = 0xffff_ffff_8000_0000L;
	private static final byte[] SWAPPER = "swapper".getBytes(StandardCharsets.US_ASCII);
	private static final byte[] BANNER = "Linux version ".getBytes(StandardCharsets.US_ASCII);
	private static final int CHUNK = InMemoryBtfLocator.CHUNK;
	/** Candidates kept; more are only counted (a flood of decoys must not cost unbounded memory or time). */
	private static final int MAX_CANDIDATES = 64;

	private KaslrDetector() {
	}

	/** A self-consistent "swapper" task at physical {@code pa} claiming virtual address {@code va}. */
	public record Candidate(long pa, long va) {
		public long physBase() {
			return pa - (va - START_KERNEL_MAP);
		}
	}

	/**
	 * @param virtualShift run-time minus link-time addresses (0 when KASLR is off), or null without symbols
	 * @param physBase     {@code phys_base}: physical = virtual − {@code START_KERNEL_MAP} + physBase in the kernel image
	 * @param candidates   every consistent candidate found, in physical order (the chosen one included)
	 */
	public record Result(Long virtualShift, long physBase, long initTaskVa, long initTaskPa, String method,
			List<Candidate> candidates) {
		public long imageToPhysical(long va) {
			return va - START_KERNEL_MAP + physBase;
		}

		/** This result with another candidate chosen (no symbols: shift unknown). */
		public Result choose(Candidate c, String why) {
			return new Result(null, c.physBase(), c.va(), c.pa(), why, candidates);
		}

		public Result withShift(Long shift) {
			return new Result(shift, physBase, initTaskVa, initTaskPa, method, candidates);
		}

		/** Candidates other than the chosen one: planted copies, or stale ones. */
		public List<Candidate> decoys() {
			return candidates.stream().filter(c -> c.pa() != initTaskPa).toList();
		}
	}

	public static Result detect(Layer physical, Btf btf, SymbolTable symbols, Progress progress) throws IOException {
		List<Candidate> all = candidates(physical, btf, progress);
		if (all.isEmpty()) throw new KernelLayoutException("no init_task found in " + physical.name() + " (no consistent \"swapper\" task)");
		if (symbols == null) {
			Candidate c = all.get(0);
			return new Result(null, c.physBase(), c.va(), c.pa(), "init_task self-references", all);
		}
		return fit(physical, symbols, all);
	}

	/**
	 * The candidate that fits {@code symbols}: {@code linux_banner} reads "Linux version " where they (shifted by
	 * the candidate's KASLR slide, for link-time symbols) place it, and run-time symbols name its address.
	 */
	public static Result fit(Layer physical, SymbolTable symbols, List<Candidate> all) throws KernelLayoutException {
		Long init = symbols.addressOrNull("init_task"), banner = symbols.addressOrNull("linux_banner");
		if (init == null || banner == null) throw new KernelLayoutException(symbols.source() + " lacks init_task or linux_banner");
		for (Candidate c : all) {
			long shift = symbols.isRuntime() ? 0 : c.va() - init;
			if (symbols.isRuntime() && c.va() != init) continue;
			long bannerPa = banner + shift - START_KERNEL_MAP + c.physBase();
			if (!startsWith(physical, bannerPa, BANNER)) continue;
			return new Result(symbols.isRuntime() ? null : shift, c.physBase(), c.va(), c.pa(),
					"init_task self-references, linux_banner where the symbols place it", all);
		}
		throw new KernelLayoutException("no init_task candidate fits " + symbols.source() + " (linux_banner not where it places it; "
				+ all.size() + " candidates)");
	}

	/**
	 * {@code CONFIG_PHYSICAL_ALIGN}'s floor on x86-64 (arch/x86/Kconfig: "must be a multiple of 0x200000"): the
	 * kernel image's {@code _text} starts on such a boundary wherever physical KASLR puts it.
	 */
	static final long PHYSICAL_ALIGN = 2L << 20;

	/**
	 * Locates the kernel with symbols, without sweeping memory: at every {@link #PHYSICAL_ALIGN} boundary the
	 * image could start at, {@code linux_banner} must read "Linux version " at its offset from {@code _text}, and
	 * {@code init_task} at its offset must be a self-consistent "swapper" task (whose self-references give the
	 * virtual shift). When several places pass (a planted copy of the image), the one whose own
	 * {@code init_top_pgt} maps its init_task to where it lies comes first. Reads two pages per 2 MiB of memory.
	 *
	 * @return the result, candidates in preference order, or null when no boundary passes (symbols of another
	 *         build, or a layout this does not know: callers fall back to {@link #detect})
	 */
	public static Result locate(Layer physical, Btf btf, SymbolTable symbols, Progress progress) throws IOException {
		Long text = symbols.addressOrNull("_text"), init = symbols.addressOrNull("init_task"), banner = symbols.addressOrNull("linux_banner");
		if (text == null || init == null || banner == null) return null;
		long commOff = btf.field("task_struct", "comm").offset();
		long[] fields = taskFields(btf);
		long total = 0;
		for (Extent e : physical.extents()) total += e.length();
		progress.begin("Locating the kernel image (KASLR)", total);
		List<Candidate> consistent = new ArrayList<>(), mapped = new ArrayList<>();
		for (Extent e : physical.extents()) {
			long first = (e.start() + PHYSICAL_ALIGN - 1) & -PHYSICAL_ALIGN;
			progress.worked(Math.min(e.length(), first - e.start()));
			for (long p = first; p < e.end(); p += PHYSICAL_ALIGN) {
				progress.checkCanceled();
				progress.worked(Math.min(PHYSICAL_ALIGN, e.end() - p));
				if (!startsWith(physical, p + (banner - text), BANNER)) continue;
				long pa = p + (init - text);
				if (!startsWith(physical, pa + commOff, SWAPPER)) continue;
				Candidate c = check(physical, pa, fields[0], fields[1], fields[2], fields[3]);
				// Link-time symbols: the task's self-references give the shift. Run-time ones must name it.
				if (c == null || symbols.isRuntime() && c.va() != init) continue;
				if (consistent.size() >= MAX_CANDIDATES) continue;
				consistent.add(c);
				if (mapsItself(physical, symbols, c, init)) mapped.add(c);
			}
		}
		if (consistent.isEmpty()) return null;
		List<Candidate> order = new ArrayList<>(mapped);
		for (Candidate c : consistent) if (!mapped.contains(c)) order.add(c);
		Candidate c = order.get(0);
		return new Result(symbols.isRuntime() ? null : c.va() - init, c.physBase(), c.va(), c.pa(),
				"kernel image at a 2 MiB boundary: linux_banner and a self-consistent init_task where the symbols place them", order);
	}

	/** Whether the candidate image's own {@code init_top_pgt} (4- or 5-level) translates its init_task to it. */
	private static boolean mapsItself(Layer physical, SymbolTable symbols, Candidate c, long init) {
		Long top = symbols.addressOrNull("init_top_pgt");
		if (top == null) return false;
		long shift = symbols.isRuntime() ? 0 : c.va() - init;
		long topPa = top + shift - START_KERNEL_MAP + c.physBase();
		for (boolean l5 : new boolean[] { false, true }) {
			if (new PageTableWalker(physical, topPa, l5).translateOrNegative(c.va()) == c.pa()) return true;
		}
		return false;
	}

	/** Merges {@code more} (a sweep's candidates) into a result's list: the chosen one stays chosen. */
	public static Result withCandidates(Result r, List<Candidate> more) {
		List<Candidate> all = new ArrayList<>(r.candidates());
		for (Candidate c : more) if (all.stream().noneMatch(x -> x.pa() == c.pa())) all.add(c);
		return new Result(r.virtualShift(), r.physBase(), r.initTaskVa(), r.initTaskPa(), r.method(), all);
	}

	private static long[] taskFields(Btf btf) throws KernelLayoutException {
		return new long[] { btf.field("task_struct", "pid").offset(), btf.field("task_struct", "group_leader").offset(),
				btf.field("task_struct", "real_parent").offset(), btf.field("task_struct", "parent").offset() };
	}

	/**
	 * Every self-consistent "swapper" task in physical memory (at most {@value #MAX_CANDIDATES}). A task_struct is at
	 * least 8-byte aligned (it holds 8-byte atomics; init_task is cache-line aligned), so its comm is sought only where
	 * it would sit for such a task: one 8-byte compare per 8 bytes of memory, not a byte-by-byte search.
	 */
	public static List<Candidate> candidates(Layer physical, Btf btf, Progress progress) throws IOException {
		return candidates(physical, btf, 0, Long.MAX_VALUE, progress);
	}

	/** How far from the kernel's own BTF its init_task is sought: both lie in one kernel image (tens of MiB). */
	static final long IMAGE_RADIUS = 128L << 20;

	/**
	 * Without symbols, near the kernel's BTF (found at physical {@code btfPa}): init_task lies in the same image, so
	 * only {@link #IMAGE_RADIUS} around it is searched, and all of memory only when nothing is found there. Planted
	 * copies elsewhere are then not seen: {@link #candidates(Layer, Btf, Progress)} sweeps for them.
	 */
	public static Result detectNear(Layer physical, Btf btf, long btfPa, Progress progress) throws IOException {
		TaskScan near = nearScan(physical, btf, btfPa);
		near.sweep(progress);
		return detectNear(physical, btf, near, progress);
	}

	/** The search of {@link #detectNear(Layer, Btf, long, Progress)}, to be run as part of another pass over memory. */
	public static TaskScan nearScan(Layer physical, Btf btf, long btfPa) throws KernelLayoutException {
		return new TaskScan(physical, btf, Math.max(0, btfPa - IMAGE_RADIUS), btfPa + IMAGE_RADIUS);
	}

	/** {@link #detectNear(Layer, Btf, long, Progress)} from its search {@code near}, already run over all of memory. */
	public static Result detectNear(Layer physical, Btf btf, TaskScan near, Progress progress) throws IOException {
		if (near.found.isEmpty()) return detect(physical, btf, null, progress);
		Candidate c = near.found.get(0);
		return new Result(null, c.physBase(), c.va(), c.pa(), "init_task self-references, in the image around the BTF", List.copyOf(near.found));
	}

	/** {@link #candidates(Layer, Btf, Progress)} whose task starts in physical [{@code from}, {@code to}]. */
	public static List<Candidate> candidates(Layer physical, Btf btf, long from, long to, Progress progress) throws IOException {
		TaskScan scan = new TaskScan(physical, btf, from, to);
		scan.sweep(progress);
		return scan.found;
	}

	/**
	 * The search for self-consistent "swapper" tasks starting in physical [{@code from}, {@code to}], shown memory a
	 * chunk at a time (by its own {@link #sweep} or by another pass over memory): the same tasks in the same order
	 * whichever chunks it is shown, as long as they cover the range in order.
	 */
	public static final class TaskScan implements InMemoryBtfLocator.ChunkVisitor {
		private final Layer physical;
		private final long commOff, from, to;
		private final long[] fields;
		private final List<Candidate> found = new ArrayList<>();

		private TaskScan(Layer physical, Btf btf, long from, long to) throws KernelLayoutException {
			this.physical = physical;
			this.commOff = btf.field("task_struct", "comm").offset();
			this.fields = taskFields(btf);
			this.from = from;
			this.to = to;
		}

		void sweep(Progress progress) throws IOException {
			byte[] buf = new byte[CHUNK + 8];
			long total = 0;
			for (Extent e : physical.extents()) total += Math.max(0, Math.min(e.end(), to) - Math.max(e.start(), from));
			progress.begin("Locating init_task (KASLR)", total);
			for (Extent whole : physical.extents()) {
				long start = Math.max(whole.start(), from), end = Math.min(whole.end(), to == Long.MAX_VALUE ? to : to + commOff + 8);
				if (start >= end) continue;
				Extent e = new Extent(start, end - start);
				for (long pos = e.start(); pos < e.end(); pos += CHUNK) {
					progress.checkCanceled();
					int n = (int) Math.min(CHUNK + 8, e.end() - pos);
					physical.read(pos, buf, 0, n);
					progress.worked(Math.min(CHUNK, n));
					chunk(pos, buf, n, e);
				}
			}
		}

		/**
		 * A task_struct is at least 8-byte aligned (it holds 8-byte atomics; init_task is cache-line aligned), so its
		 * comm is sought only where it would sit for such a task: one 8-byte compare per 8 bytes of memory.
		 */
		@Override
		public void chunk(long pos, byte[] buf, int n, Extent extent) {
			if (pos - commOff > to || pos + n <= from + commOff) return;
			long lowest = Math.max(extent.start(), from);
			int limit = Math.min(n - 8, CHUNK - 1);
			for (int i = (int) Math.floorMod(commOff - pos, 8L); i <= limit; i += 8) {
				long w = (long) LONG.get(buf, i);
				if ((w & SWAPPER_MASK) != SWAPPER_WORD) continue;
				byte after = (byte) (w >>> 56);
				if (after != 0 && after != '/') continue;
				long pa = pos + i - commOff;
				if (pa < lowest || pa > to) continue;
				Candidate c = check(physical, pa, fields[0], fields[1], fields[2], fields[3]);
				if (c != null && found.size() < MAX_CANDIDATES) found.add(c);
			}
		}
	}

	private static final java.lang.invoke.VarHandle LONG = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
			java.nio.ByteOrder.LITTLE_ENDIAN);
	/** "swapper" as the low seven bytes of a little-endian word; the eighth is the NUL or the '/' of "swapper/0". */
	private static final long SWAPPER_MASK = 0x00ff_ffff_ffff_ffffL, SWAPPER_WORD;
	static {
		long w = 0;
		for (int k = SWAPPER.length - 1; k >= 0; k--) w = w << 8 | (SWAPPER[k] & 0xff);
		SWAPPER_WORD = w;
	}

	private static Candidate check(Layer phys, long pa, long pidOff, long leaderOff, long realParentOff, long parentOff) {
		try {
			if (phys.readU32(pa + pidOff) != 0) return null;
			long leader = phys.readU64(pa + leaderOff);
			if (leader != phys.readU64(pa + realParentOff) || leader != phys.readU64(pa + parentOff)) return null;
			if (Long.compareUnsigned(leader, START_KERNEL_MAP) < 0) return null;
			Candidate c = new Candidate(pa, leader);
			if ((c.physBase() & 0xfff) != 0) return null;
			return c;
		} catch (IOException e) {
			return null;
		}
	}

	private static boolean startsWith(Layer phys, long pa, byte[] p) {
		byte[] b = new byte[p.length];
		try {
			phys.read(pa, b, 0, b.length);
		} catch (IOException | RuntimeException e) {
			return false;
		}
		return java.util.Arrays.equals(b, p);
	}

	private static boolean startsWith(byte[] b, int at, byte[] p) {
		for (int k = 0; k < p.length; k++) {
			if (b[at + k] != p[k]) return false;
		}
		return true;
	}
}
