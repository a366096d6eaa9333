package cacheshadow.caches;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.InMemoryBtfLocator;
import cacheshadow.kernel.KaslrDetector;
import cacheshadow.kernel.KallsymsScanner;
import cacheshadow.kernel.KernelImage;
import cacheshadow.kernel.KernelLayoutException;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.kernel.VmcoreInfo;
import cacheshadow.layers.Layer;
import cacheshadow.layers.VmcoreInfoSource;
import cacheshadow.layers.MissingReads;
import cacheshadow.layers.Progress;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.Finding;
import cacheshadow.listing.ManifestFormat;

/**
 * The guest's file-system caches recovered from a memory snapshot: the entry point for the CLI and the workbench.
 * Builds the kernel model (BTF and symbols from a kernel directory when given, otherwise from the snapshot), walks
 * the mounts of init's namespace, each mount's dentry tree and the inodes behind it, and each super block's inode
 * list for orphans. Anomalies in guest structures become {@link #findings()}; the rest is still delivered.
 */
public final class CacheAnalysis {
	private final LinuxKernel kernel;
	private final String btfSource, symbolSource;
	private final List<Mount> mounts;
	private final List<CachedEntry> entries;
	private final List<CachedInode> orphans;
	private final List<Finding> findings;
	private final long inodesListed;
	private final int inodesRead;
	private final long walkNanos;
	private final WalkGaps gaps;
	/** Set by {@link #open}: loading the kernel files, and building the kernel model (0 when given a model). */
	private long kernelFilesNanos, kernelModelNanos;

	private CacheAnalysis(LinuxKernel kernel, String btfSource, String symbolSource, List<Mount> mounts,
			List<CachedEntry> entries, List<CachedInode> orphans, List<Finding> findings, long inodesListed, int inodesRead, long walkNanos, WalkGaps gaps) {
		this.kernel = kernel;
		this.btfSource = btfSource;
		this.symbolSource = symbolSource;
		this.mounts = List.copyOf(mounts);
		this.entries = List.copyOf(entries);
		this.orphans = List.copyOf(orphans);
		this.findings = Collections.unmodifiableList(new ArrayList<>(findings));
		this.inodesListed = inodesListed;
		this.inodesRead = inodesRead;
		this.walkNanos = walkNanos;
		this.gaps = gaps;
	}

	/**
	 * @param physicalMemory the snapshot's guest-physical address space (ELF core, LiME, raw)
	 * @param kernelDir      a directory with {@code vmlinux.btf} (or a {@code vmlinux} ELF with {@code .BTF}) and/or
	 *                       {@code System.map} / {@code kallsyms}; null to use the snapshot alone
	 */
	public static CacheAnalysis open(Layer physicalMemory, Path kernelDir, Progress progress) throws IOException {
		return open(physicalMemory, kernelDir, false, progress);
	}

	/**
	 * As {@link #open(Layer, Path, Progress)}; {@code sweep} also searches all of memory for planted copies of
	 * init_task (reported as decoys). Without it, kernel files locate the kernel in a few reads per 2 MiB, and from
	 * the snapshot alone init_task is sought in the kernel image around the BTF (the one full pass left is the
	 * search for the BTF itself, which also reports planted BTF copies).
	 */
	public static CacheAnalysis open(Layer physicalMemory, Path kernelDir, boolean sweep, Progress progress) throws IOException {
		return open(physicalMemory, kernelDir, sweep, progress, null);
	}

	/** As {@link #open(Layer, Path, boolean, Progress)}, telling {@code listener} (may be null) of each inode as it is found. */
	public static CacheAnalysis open(Layer physicalMemory, Path kernelDir, boolean sweep, Progress progress, WalkListener listener) throws IOException {
		long t0 = System.nanoTime();
		// the kernel model read from a partial snapshot: said once (a model that could not be built fails below)
		MissingReads.Watch model = MissingReads.watch();
		try {
			return open(physicalMemory, kernelDir, sweep, progress, listener, t0, model);
		} catch (IOException e) {
			if (!model.touched()) throw e;
			// what could not be built met missing bytes: say so first, the evidence is not what it claims otherwise
			throw new IOException(physicalMemory.name() + ": the kernel's structures are not whole in this partial snapshot (" + model.count()
					+ " reads of missing bytes, first: " + model.first() + "): " + e.getMessage(), e);
		} finally {
			model.close();
		}
	}

	private static CacheAnalysis open(Layer physicalMemory, Path kernelDir, boolean sweep, Progress progress, WalkListener listener, long t0,
			MissingReads.Watch model) throws IOException {
		Btf btf = null;
		SymbolTable symbols = null;
		List<Finding> notes = new ArrayList<>();
		if (kernelDir != null) {
			if (!Files.isDirectory(kernelDir)) throw new IOException(kernelDir + ": not a directory");
			// said before the work, not after: the first thing a command line shows, a few hundred ms sooner
			progress.begin("Reading the kernel files", 2);
			// The two files are independent and each costs a few hundred ms on a cold JVM: load them side by side.
			java.util.concurrent.CompletableFuture<SymbolTable> map = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
				try {
					return kernelSymbols(kernelDir);
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			});
			btf = kernelBtf(kernelDir, notes);
			progress.worked(1);
			try {
				symbols = map.join();
			} catch (java.util.concurrent.CompletionException e) {
				if (e.getCause() instanceof java.io.UncheckedIOException u) throw u.getCause();
				throw e;
			}
			progress.worked(1);
		}
		long t1 = System.nanoTime();
		KaslrDetector.Result kaslr = null;
		boolean symbolsFitted = false;
		if (btf != null && symbols != null) {
			kaslr = KaslrDetector.locate(physicalMemory, btf, symbols, progress);
			if (kaslr != null) {
				symbolsFitted = true;
				if (sweep) kaslr = KaslrDetector.withCandidates(kaslr, KaslrDetector.candidates(physicalMemory, btf, progress));
			}
		}
		if (btf != null && kaslr == null) {
			// Kernel files of another build describe another layout: no consistent init_task is then found.
			try {
				kaslr = KaslrDetector.detect(physicalMemory, btf, null, progress);
			} catch (KernelLayoutException e) {
				notes.add(new Finding(Finding.Severity.WARNING, "kernel-files-mismatch", btf.source(),
						"this BTF does not describe the snapshot's kernel (" + e.getMessage() + "); the snapshot's own BTF is used"));
				btf = null;
			}
		}
		if (btf == null) {
			// The snapshot's BTF, looked for first in the kernel image that a saved CPU's page tables map (a QEMU ELF
			// core); the sweep for copies elsewhere is then one pass that also looks for init_task near it. Otherwise
			// every copy in physical order, where a planted one may come first. Either way a candidate must pass
			// accept(), and every other copy is reported.
			List<InMemoryBtfLocator.Found> blobs = null;
			InMemoryBtfLocator.Found chosen = null;
			Accepted accepted = null;
			KernelImage image = sweep ? null : KernelImage.fromCpuState(physicalMemory);
			if (image != null) {
				for (InMemoryBtfLocator.Found f : InMemoryBtfLocator.findIn(physicalMemory, image.start(), image.end(), 16, progress)) {
					KaslrDetector.TaskScan near = KaslrDetector.nearScan(physicalMemory, f.btf(), f.physicalAddress());
					blobs = InMemoryBtfLocator.findAllBeside(physicalMemory, f, 16, near, progress);
					accepted = accept(physicalMemory, f, symbols, sweep, near, progress);
					if (accepted != null) {
						chosen = f;
						break;
					}
				}
			}
			if (chosen == null) {
				if (blobs == null) blobs = InMemoryBtfLocator.findAll(physicalMemory, 16, progress);
				for (InMemoryBtfLocator.Found f : blobs) {
					accepted = accept(physicalMemory, f, symbols, sweep, null, progress);
					if (accepted != null) {
						chosen = f;
						break;
					}
				}
			}
			if (chosen != null) {
				KaslrDetector.Result r = accepted.kaslr();
				Fitted fitted = accepted.fitted();
				if (fitted != null) {
					if (symbols != null && fitted.symbols != symbols) {
						notes.add(new Finding(Finding.Severity.WARNING, "kernel-files-mismatch", symbols.source(),
								"these symbols do not fit the snapshot's kernel (linux_banner is not where they place it); the snapshot's own kallsyms are used"));
					}
					symbols = fitted.symbols;
					symbolsFitted = true;
					r = fitted.kaslr;
				}
				btf = chosen.btf();
				kaslr = r;
			}
			if (chosen == null) throw new KernelLayoutException("no BTF in " + physicalMemory.name() + " describes a consistent init_task");
			for (InMemoryBtfLocator.Found f : blobs) {
				if (f != chosen && !f.sameBlob(chosen)) {
					notes.add(new Finding(Finding.Severity.ANOMALY, "btf-decoy", String.format("physical 0x%x", f.physicalAddress()),
							"a kernel-like BTF blob that is not the running kernel's (the kernel's is at physical 0x"
									+ Long.toHexString(chosen.physicalAddress()) + ")"));
				}
			}
		}
		if (symbols != null && !symbolsFitted) {
			Fitted f = fit(physicalMemory, symbols, kaslr);
			if (f == null) {
				notes.add(new Finding(Finding.Severity.WARNING, "kernel-files-mismatch", symbols.source(),
						"these symbols do not fit the snapshot's kernel (linux_banner is not where they place it); the snapshot's own kallsyms are used"));
				symbols = null;
			} else {
				kaslr = f.kaslr;
			}
		}
		if (symbols == null) {
			// Snapshot only: the kernel's own kallsyms give symbols (tried near each init_task candidate, since
			// decoys may come first); without them the walk still works (see LinuxKernel).
			Fitted f = kallsyms(physicalMemory, kaslr, progress);
			if (f != null) {
				symbols = f.symbols;
				kaslr = f.kaslr;
			} else {
				notes.add(new Finding(Finding.Severity.WARNING, "kallsyms-not-found", String.format("physical 0x%x", kaslr.initTaskPa()),
						"no kallsyms tables near any init_task candidate; symbols, KASLR shift and vmemmap/vmalloc bases stay unknown"));
			}
		}
		LinuxKernel kernel = LinuxKernel.open(physicalMemory, btf, symbols, kaslr, progress);
		for (KaslrDetector.Candidate d : kernel.kaslr().decoys()) {
			notes.add(new Finding(Finding.Severity.ANOMALY, "init-task-decoy", String.format("physical 0x%x", d.pa()), String.format(
					"a self-consistent \"swapper\" task claiming 0x%x that is not the kernel's init_task (planted copy?)", d.va())));
		}
		// A VMCOREINFO note (kdump, QEMU vmcoreinfo device) is the guest's own claim: checked against the model.
		if (physicalMemory instanceof VmcoreInfoSource core && core.vmcoreinfo().isPresent()) {
			notes.addAll(VmcoreInfo.parse(core.vmcoreinfo().get()).crossCheck(kernel));
		}
		long t2 = System.nanoTime();
		model.close();
		if (model.touched()) {
			notes.add(new Finding(Finding.Severity.WARNING, WalkGaps.FINDING, "kernel model", "locating the kernel met " + model.count()
					+ " reads of bytes missing from the snapshot (first: " + model.first() + "); the model was built from what is there"));
		}
		CacheAnalysis a = walk(kernel, notes, progress, listener);
		a.kernelFilesNanos = t1 - t0;
		a.kernelModelNanos = t2 - t1;
		return a;
	}

	private record Fitted(SymbolTable symbols, KaslrDetector.Result kaslr) {
	}

	private record Accepted(KaslrDetector.Result kaslr, Fitted fitted) {
	}

	/**
	 * A BTF found in the snapshot, taken when init_task candidates exist under its layout and, where kallsyms (given or
	 * found) name {@code __start_BTF}, it sits exactly there; null otherwise. {@code near}: the search for init_task
	 * near it, already run (else it is run here).
	 */
	private static Accepted accept(Layer physical, InMemoryBtfLocator.Found f, SymbolTable symbols, boolean sweep, KaslrDetector.TaskScan near,
			Progress progress) throws IOException {
		KaslrDetector.Result r;
		try {
			r = near != null ? KaslrDetector.detectNear(physical, f.btf(), near, progress)
					: sweep ? KaslrDetector.detect(physical, f.btf(), null, progress)
							: KaslrDetector.detectNear(physical, f.btf(), f.physicalAddress(), progress);
		} catch (KernelLayoutException e) {
			return null;
		}
		Fitted fitted = symbols != null ? fit(physical, symbols, r) : null;
		if (fitted == null) fitted = kallsyms(physical, r, progress);
		if (fitted != null) {
			Long start = fitted.symbols.isRuntime() ? fitted.symbols.addressOrNull("__start_BTF")
					: fitted.kaslr.virtualShift() == null || fitted.symbols.addressOrNull("__start_BTF") == null ? null
							: fitted.symbols.address("__start_BTF") + fitted.kaslr.virtualShift();
			if (start != null && fitted.kaslr.imageToPhysical(start) != f.physicalAddress()) return null;
		}
		return new Accepted(r, fitted);
	}

	/** One name in one state: the key under which a deeper mount's entry covers an earlier one. */
	private record PathState(String path, CachedEntry.State state) {
	}

	private static Fitted fit(Layer physical, SymbolTable symbols, KaslrDetector.Result r) {
		try {
			return new Fitted(symbols, KaslrDetector.fit(physical, symbols, r.candidates()));
		} catch (KernelLayoutException e) {
			return null;
		}
	}

	/** The kernel's kallsyms, searched near each init_task candidate in turn; null when none is found. */
	private static Fitted kallsyms(Layer physical, KaslrDetector.Result r, Progress progress) throws IOException {
		for (KaslrDetector.Candidate c : r.candidates()) {
			try {
				SymbolTable found = KallsymsScanner.scan(physical, r.choose(c, "init_task self-references"), progress);
				return new Fitted(found, KaslrDetector.fit(physical, found, r.candidates()));
			} catch (KernelLayoutException e) {
				// next candidate
			}
		}
		return null;
	}

	/** Walks the caches of an already built kernel model. */
	public static CacheAnalysis walk(LinuxKernel kernel, Progress progress) throws IOException {
		return walk(kernel, List.of(), progress, null);
	}

	/** As {@link #walk(LinuxKernel, Progress)}, telling {@code listener} (may be null) of each inode as it is found. */
	public static CacheAnalysis walk(LinuxKernel kernel, Progress progress, WalkListener listener) throws IOException {
		return walk(kernel, List.of(), progress, listener);
	}

	private static CacheAnalysis walk(LinuxKernel kernel, List<Finding> modelFindings, Progress progress, WalkListener listener) throws IOException {
		long t0 = System.nanoTime();
		List<Finding> findings = new ArrayList<>(modelFindings);
		WalkGaps gaps = new WalkGaps();
		List<Mount> mounts;
		try (MissingReads.Watch w = MissingReads.watch()) {
			mounts = new MountWalker(kernel, findings).walk();
			if (w.touched()) gaps.mounts(w.first());
		}
		InodeReader inodes = new InodeReader(kernel, findings);
		inodes.gaps(gaps);
		DentryWalker dentries = new DentryWalker(kernel, inodes, findings, gaps);
		OrphanScanner orphanScanner = new OrphanScanner(kernel, inodes, findings);
		if (listener != null) {
			listener.started(kernel, mounts);
			inodes.listener(listener);
		}
		progress.begin("Walking dentry and inode caches", mounts.size());
		List<List<CachedEntry>> perMount = new ArrayList<>();
		List<CachedInode> orphans = new ArrayList<>();
		Set<Long> superBlocks = new HashSet<>();
		long[] listed = { 0 };
		int names = 0;
		for (Mount m : mounts) {
			progress.checkCanceled();
			Set<Long> skip = new HashSet<>();
			for (Mount c : mounts) {
				if (c.parent() == m.address() && c.address() != m.address()) skip.add(c.mountpoint());
			}
			boolean ext4 = "ext4".equals(m.fsType());
			List<CachedEntry> found = dentries.walk(m, skip, ext4);
			perMount.add(found);
			names += found.size();
			if (superBlocks.add(m.superBlock())) {
				try (MissingReads.Watch w = MissingReads.watch()) {
					orphans.addAll(orphanScanner.scan(m.superBlock(), ext4, listed));
					if (w.touched()) gaps.superBlock(m.superBlock(), w.first());
				}
			}
			progress.worked(1);
		}
		// Sized once: a map grown step by step to 100,000 paths rehashed them all several times.
		Map<PathState, CachedEntry> byPath = LinkedHashMap.newLinkedHashMap(names);
		List<CachedEntry> hidden = new ArrayList<>();
		for (List<CachedEntry> found : perMount) {
			for (CachedEntry e : found) {
				// A later (deeper) mount at the same path covers the earlier one, as the guest sees it.
				CachedEntry prev = byPath.put(new PathState(e.path(), e.state()), e);
				if (prev != null && prev.dentry() != e.dentry()) {
					hidden.add(prev);
					// two names of one directory that read alike: no kernel keeps that, a planted dentry hides another
					if (prev.mount().equals(e.mount())) {
						findings.add(new Finding(Finding.Severity.ANOMALY, "dentry-duplicate-name", e.path(), String.format(
								"dentries 0x%x and 0x%x of one directory have the same name; the second is listed, the first hidden", prev.dentry(), e.dentry())));
					}
				}
			}
		}
		List<CachedEntry> all = new ArrayList<>(byPath.values());
		ManifestFormat.sortByPath(all, CachedEntry::path);
		findings.addAll(gaps.findings());
		return new CacheAnalysis(kernel, kernel.btf().source(), kernel.symbols() == null ? null : kernel.symbols().source(),
				mounts, all, orphans, findings, listed[0], inodes.count(), System.nanoTime() - t0, gaps);
	}

	private static Btf kernelBtf(Path dir, List<Finding> notes) throws IOException {
		Path raw = dir.resolve("vmlinux.btf");
		if (Files.isRegularFile(raw)) return BtfParser.parse(raw);
		try (Stream<Path> s = Files.list(dir)) {
			for (Path p : s.sorted().toList()) {
				String n = p.getFileName().toString();
				if (n.startsWith("vmlinux") && !n.endsWith(".zst") && !n.endsWith(".xz") && !n.endsWith(".gz") && Files.isRegularFile(p)) {
					return BtfParser.parse(p);
				}
			}
		}
		// Last resort: the bzImage's compressed payload (seconds of decompression).
		try (Stream<Path> s = Files.list(dir)) {
			for (Path p : s.sorted().toList()) {
				if (!p.getFileName().toString().startsWith("vmlinuz") || !Files.isRegularFile(p)) continue;
				try {
					return BtfParser.parse(p);
				} catch (IOException e) {
					notes.add(new Finding(Finding.Severity.WARNING, "kernel-btf-unreadable", p.toString(), e.getMessage() + "; the snapshot's own BTF is used"));
				}
			}
		}
		return null;
	}

	private static SymbolTable kernelSymbols(Path dir) throws IOException {
		Path kallsyms = dir.resolve("kallsyms");
		if (Files.isRegularFile(kallsyms)) return SymbolTable.readKallsyms(kallsyms);
		try (Stream<Path> s = Files.list(dir)) {
			for (Path p : s.sorted().toList()) {
				String n = p.getFileName().toString();
				if (n.startsWith("System.map") && !n.endsWith(".zst") && Files.isRegularFile(p)) return SymbolTable.readSystemMap(p);
			}
		}
		return null;
	}

	public LinuxKernel kernel() {
		return kernel;
	}

	/** {@code uname -r} of the guest, or null. */
	public String kernelRelease() {
		return kernel.release();
	}

	/** KASLR virtual shift (run-time − link-time), or null when no symbol table gives link-time addresses. */
	public Long virtualShift() {
		return kernel.virtualShift();
	}

	/** {@code phys_base}: physical placement of the kernel image relative to its link address. */
	public long physBase() {
		return kernel.physBase();
	}

	public String btfSource() {
		return btfSource;
	}

	/** Where symbols came from, or null (snapshot only). */
	public String symbolSource() {
		return symbolSource;
	}

	public List<Mount> mounts() {
		return mounts;
	}

	/** Every cached name (positive, negative, unhashed), sorted by path. */
	public List<CachedEntry> entries() {
		return entries;
	}

	/** The cache-only listing: every live cached path with its cached metadata, sorted by path; sha256 null. */
	public List<FileRecord> records() {
		List<FileRecord> out = new ArrayList<>();
		for (CachedEntry e : entries) {
			if (e.state() == CachedEntry.State.POSITIVE) out.add(e.toRecord());
		}
		return out;
	}

		/** Names the cache knows to be gone: negative dentries, and unhashed ones (deleted while still referenced). */
	public List<CachedEntry> deleted() {
		List<CachedEntry> out = new ArrayList<>();
		for (CachedEntry e : entries) {
			if (e.state() != CachedEntry.State.POSITIVE) out.add(e);
		}
		return out;
	}

	/** Cached inodes no dentry names. */
	public List<CachedInode> orphans() {
		return orphans;
	}

	public List<Finding> findings() {
		return findings;
	}

	/** What of the walk rests on bytes missing from a partial snapshot (empty for a whole one). */
	public WalkGaps gaps() {
		return gaps;
	}

	/** Inodes on the mounted super blocks' {@code s_inodes} lists. */
	public long inodesListed() {
		return inodesListed;
	}

	/** Distinct inodes decoded by the walk (through dentries and the super blocks' inode lists). */
	public int inodesRead() {
		return inodesRead;
	}

	/** Wall time of loading the kernel files (BTF, symbols); 0 without them or when given a model. */
	public long kernelFilesNanos() {
		return kernelFilesNanos;
	}

	/**
	 * Wall time of building the kernel model from the snapshot: locating the kernel (KASLR) and its page tables,
	 * and — without kernel files — finding its BTF and kallsyms in memory. 0 when given a model.
	 */
	public long kernelModelNanos() {
		return kernelModelNanos;
	}

	/** Wall time of the cache walk (mounts, dentries, inodes, orphans), kernel model excluded. */
	public long walkNanos() {
		return walkNanos;
	}
}
