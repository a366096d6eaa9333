package cacheshadow.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import cacheshadow.layers.Layer;
import cacheshadow.layers.Progress;
import cacheshadow.layers.UnmappedAddressException;

/**
 * The model of one guest kernel in a memory snapshot: its types (BTF), symbols (optional), where KASLR placed it,
 * its page tables and virtual address space. Walkers read kernel structures through {@link #virtual()} with field
 * offsets from {@link #btf()}.
 */
public final class LinuxKernel {
	/** Link address of {@code _text} with the default {@code CONFIG_PHYSICAL_START} (16 MiB). */
	public static final long DEFAULT_TEXT = KaslrDetector.START_KERNEL_MAP + 0x100_0000L;

	private final Layer physical;
	private final Btf btf;
	private final SymbolTable symbols;
	private final KaslrDetector.Result kaslr;
	private final Long virtualShift;
	private final PageTableWalker walker;
	private final KernelAddressSpace virtual;
	private final long pageOffsetBase;
	private final Long vmemmapBase, vmallocBase;
	private final String release;
	private final String topTableSource;

	private LinuxKernel(Layer physical, Btf btf, SymbolTable symbols, KaslrDetector.Result kaslr, Long virtualShift,
			PageTableWalker walker, long pageOffsetBase, Long vmemmapBase, Long vmallocBase, String release,
			String topTableSource) {
		this.physical = physical;
		this.btf = btf;
		this.symbols = symbols;
		this.kaslr = kaslr;
		this.virtualShift = virtualShift;
		this.walker = walker;
		this.virtual = new KernelAddressSpace(walker);
		this.pageOffsetBase = pageOffsetBase;
		this.vmemmapBase = vmemmapBase;
		this.vmallocBase = vmallocBase;
		this.release = release;
		this.topTableSource = topTableSource;
	}

	/**
	 * Builds the model. {@code symbols} may be null (snapshot only): the page tables are then found through
	 * {@code init_task.active_mm->pgd} and {@code page_offset_base} from a direct-mapped task.
	 */
	public static LinuxKernel open(Layer physical, Btf btf, SymbolTable symbols, Progress progress) throws IOException {
		return open(physical, btf, symbols, KaslrDetector.detect(physical, btf, symbols, progress), progress);
	}

	/** As {@link #open(Layer, Btf, SymbolTable, Progress)} with init_task already located. */
	public static LinuxKernel open(Layer physical, Btf btf, SymbolTable symbols, KaslrDetector.Result k, Progress progress)
			throws IOException {
		if (symbols != null) k = KaslrDetector.fit(physical, symbols, k.candidates());
		Long shift = k.virtualShift();
		if (shift == null && symbols != null && symbols.isRuntime() && symbols.contains("_text")) {
			shift = symbols.address("_text") - DEFAULT_TEXT;
		}
		// Top page table: the init_top_pgt symbol, else found near init_task in the kernel image (see
		// TopTableFinder) — trying the candidates in order, since a decoy maps nowhere consistent.
		PageTableWalker walker = null;
		String topSource;
		if (symbols != null && symbols.contains("init_top_pgt") && shift != null) {
			long topVa = runtime(symbols, "init_top_pgt", shift);
			walker = chooseLevels(physical, symbols, shift, k, k.imageToPhysical(topVa));
			topSource = "symbol init_top_pgt";
		} else {
			KernelLayoutException first = null;
			List<KaslrDetector.Candidate> order = new java.util.ArrayList<>(k.candidates());
			final long chosenPa = k.initTaskPa();
			order.sort(java.util.Comparator.comparing(c -> c.pa() != chosenPa));
			for (KaslrDetector.Candidate c : order) {
				try {
					KaslrDetector.Result tried = c.pa() == k.initTaskPa() ? k : k.choose(c, "init_task self-references, mapped by the page tables near it");
					walker = TopTableFinder.find(physical, btf, tried, progress);
					k = tried;
					break;
				} catch (KernelLayoutException e) {
					if (first == null) first = e;
				}
			}
			if (walker == null) throw first != null ? first : new KernelLayoutException("no init_task candidates");
			topSource = "page table found near init_task (maps init_task and its task list)";
		}
		KernelAddressSpace vas = new KernelAddressSpace(walker);
		long pob;
		Long vmemmap = null, vmalloc = null;
		if (symbols != null && shift != null && symbols.contains("page_offset_base")) {
			pob = physical.readU64(k.imageToPhysical(runtime(symbols, "page_offset_base", shift)));
			if (symbols.contains("vmemmap_base")) vmemmap = physical.readU64(k.imageToPhysical(runtime(symbols, "vmemmap_base", shift)));
			if (symbols.contains("vmalloc_base")) vmalloc = physical.readU64(k.imageToPhysical(runtime(symbols, "vmalloc_base", shift)));
		} else {
			pob = directMapBase(physical, btf, k, walker);
		}
		String release = readRelease(physical, btf, k, vas);
		return new LinuxKernel(physical, btf, symbols, k, shift, walker, pob, vmemmap, vmalloc, release, topSource);
	}

	private static long runtime(SymbolTable s, String name, long shift) throws KernelLayoutException {
		return s.isRuntime() ? s.address(name) : s.address(name) + shift;
	}

	/**
	 * 4- or 5-level paging: the kernel's own {@code __pgtable_l5_enabled} when symbols name it, else the level
	 * count under which init_task's virtual address translates to where it was found.
	 */
	private static PageTableWalker chooseLevels(Layer physical, SymbolTable symbols, Long shift,
			KaslrDetector.Result k, long topPa) throws IOException {
		if (symbols.contains("__pgtable_l5_enabled")) {
			boolean l5 = physical.readU32(k.imageToPhysical(runtime(symbols, "__pgtable_l5_enabled", shift))) != 0;
			return new PageTableWalker(physical, topPa, l5);
		}
		for (boolean l5 : new boolean[] { false, true }) {
			PageTableWalker w = new PageTableWalker(physical, topPa, l5);
			if (w.translateOrNegative(k.initTaskVa()) == k.initTaskPa()) return w;
		}
		throw new KernelLayoutException(String.format("page tables at 0x%x do not map init_task", topPa));
	}

	/**
	 * {@code page_offset_base} without symbols: the next task after init_task is slab memory in the direct map,
	 * where virtual − physical is the base (1 GiB aligned, as KASLR randomizes it).
	 */
	private static long directMapBase(Layer physical, Btf btf, KaslrDetector.Result k, PageTableWalker w) throws IOException {
		long tasksOff = btf.field("task_struct", "tasks").offset();
		long next = physical.readU64(k.initTaskPa() + tasksOff);
		long pa = w.translate(next);
		long base = next - pa;
		if ((base & 0x3fff_ffffL) != 0) throw new KernelLayoutException(String.format("direct map base 0x%x derived from 0x%x is not 1 GiB aligned", base, next));
		return base;
	}

	private static String readRelease(Layer physical, Btf btf, KaslrDetector.Result k, KernelAddressSpace vas) {
		try {
			long ns = physical.readU64(k.initTaskPa() + btf.field("task_struct", "nsproxy").offset());
			long uts = vas.readU64(ns + btf.field("nsproxy", "uts_ns").offset());
			return cString(vas, uts + btf.field("uts_namespace", "name.release").offset(), 65);
		} catch (IOException e) {
			return null;
		}
	}

	/** A NUL-terminated string of at most {@code max} bytes (UTF-8, invalid bytes replaced). */
	public static String cString(Layer layer, long address, int max) throws IOException {
		byte[] b = new byte[max];
		int n = 0;
		// Read page by page so a string near the end of a mapping does not fail on bytes after its NUL.
		while (n < max) {
			int chunk = (int) Math.min(max - n, 4096 - ((address + n) & 0xfff));
			layer.read(address + n, b, n, chunk);
			for (int i = n; i < n + chunk; i++) {
				if (b[i] == 0) return new String(b, 0, i, StandardCharsets.UTF_8);
			}
			n += chunk;
		}
		return new String(b, 0, max, StandardCharsets.UTF_8);
	}

	public Layer physical() {
		return physical;
	}

	public Btf btf() {
		return btf;
	}

	/** Null in snapshot-only mode without kallsyms. */
	public SymbolTable symbols() {
		return symbols;
	}

	public KaslrDetector.Result kaslr() {
		return kaslr;
	}

	/** Run-time minus link-time kernel addresses, or null when no symbol table tells the link-time ones. */
	public Long virtualShift() {
		return virtualShift;
	}

	/** {@code phys_base}: where the kernel image sits in physical memory relative to its link address. */
	public long physBase() {
		return kaslr.physBase();
	}

	public long initTask() {
		return kaslr.initTaskVa();
	}

	public PageTableWalker pageTables() {
		return walker;
	}

	public String topTableSource() {
		return topTableSource;
	}

	public KernelAddressSpace virtual() {
		return virtual;
	}

	public long pageOffsetBase() {
		return pageOffsetBase;
	}

	public Long vmemmapBase() {
		return vmemmapBase;
	}

	public Long vmallocBase() {
		return vmallocBase;
	}

	/** {@code init_uts_ns.name.release} (uname -r), or null if unreadable. */
	public String release() {
		return release;
	}

	/** The run-time address of a symbol (System.map addresses shifted by KASLR). */
	public long symbol(String name) throws KernelLayoutException {
		if (symbols == null) throw new KernelLayoutException("no symbol table (snapshot only): " + name);
		if (!symbols.isRuntime() && virtualShift == null) throw new KernelLayoutException("KASLR shift unknown: " + name);
		return runtime(symbols, name, virtualShift == null ? 0 : virtualShift);
	}

	private final java.util.Map<String, java.util.Optional<Btf>> moduleBtfs = new java.util.HashMap<>();

	/**
	 * The BTF of a loaded module ({@code "ext4"}), base types included, or null when the module is not loaded, has
	 * no BTF, or the kernel's module BTF list cannot be read (no symbol {@code btf_modules}).
	 */
	public synchronized Btf moduleBtf(String module) {
		return moduleBtfs.computeIfAbsent(module, m -> {
			try {
				return java.util.Optional.ofNullable(ModuleBtfLoader.load(this, m));
			} catch (IOException e) {
				return java.util.Optional.empty();
			}
		}).orElse(null);
	}

	/** Reads {@code len} bytes of kernel virtual memory into a new array. */
	public byte[] read(long va, int len) throws IOException {
		byte[] b = new byte[len];
		virtual.read(va, b, 0, len);
		return b;
	}

	public long u64(long va) throws IOException {
		return virtual.readU64(va);
	}

	/** True when {@code va} is a canonical kernel-half address that the page tables map. */
	public boolean isMapped(long va) {
		return va < 0 && walker.translateOrNegative(va) >= 0;
	}

	/** Physical address of a virtual one (or throws {@link UnmappedAddressException}). */
	public long toPhysical(long va) throws IOException {
		return walker.translate(va);
	}
}
