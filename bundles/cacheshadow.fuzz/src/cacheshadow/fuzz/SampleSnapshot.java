package cacheshadow.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.caches.Mount;
import cacheshadow.kernel.BtfParser;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.kernel.SymbolTable;
import cacheshadow.layers.Layers;
import cacheshadow.layers.Progress;
import cacheshadow.testing.EvidenceSamples;
import cacheshadow.testing.PatchedLayer;

/**
 * A real sample snapshot with its BTF and System.map, opened once per fuzzing process, and its kernel model built
 * over a {@link PatchedLayer}: a target lays its input over the bytes of the structures a walk reads
 * ({@link Overlay}), so the walk meets fuzzed dentries, inodes or tree nodes amid the real rest of memory.
 */
final class SampleSnapshot {
	private static final Map<String, SampleSnapshot> OPEN = new HashMap<>();

	final String set;
	final PatchedLayer memory;
	final LinuxKernel kernel;
	/** The walk of the unpatched snapshot: where the structures are. */
	final CacheAnalysis clean;

	private SampleSnapshot(String set) throws IOException {
		this.set = set;
		memory = new PatchedLayer(Layers.openMemory(EvidenceSamples.file(set, "memory.elf")));
		kernel = LinuxKernel.open(memory, BtfParser.parse(EvidenceSamples.file(set, "kernel/vmlinux.btf")),
				SymbolTable.readSystemMap(EvidenceSamples.file(set, "kernel/System.map")), Progress.NONE);
		clean = CacheAnalysis.walk(kernel, Progress.NONE);
	}

	/** The sample set opened (once), e.g. {@code debian-6.12-kaslr}. */
	static synchronized SampleSnapshot of(String set) {
		return OPEN.computeIfAbsent(set, s -> {
			try {
				return new SampleSnapshot(s);
			} catch (IOException e) {
				throw new UncheckedIOException("sample " + s, e);
			}
		});
	}

	/** The positive entry at {@code path} in the clean walk. */
	CachedEntry entry(String path) {
		return clean.entries().stream().filter(e -> e.path().equals(path) && e.state() == CachedEntry.State.POSITIVE).findFirst()
				.orElseThrow(() -> new IllegalStateException("no cached " + path + " in " + set));
	}

	/** Every entry (negative ones too) at or below {@code dir}, in path order. */
	List<CachedEntry> below(String dir) {
		return clean.entries().stream().filter(e -> e.path().equals(dir) || e.path().startsWith(dir + "/")).toList();
	}

	/** The mount holding {@code dir}, as if it were mounted at {@code dir}: a dentry walk of that subtree alone. */
	Mount subtree(String dir) {
		CachedEntry d = entry(dir);
		Mount m = d.mount();
		return new Mount(m.address(), m.parent(), dir, m.device(), m.fsType(), m.superBlock(), d.dentry(), m.mountpoint(), m.uuid(), m.id());
	}

	/** An overlay of {@code regions} ({virtual address, length} each) of this snapshot's kernel memory. */
	Overlay overlay(List<long[]> regions) {
		List<long[]> physical = new ArrayList<>();
		try {
			for (long[] r : regions) {
				for (long va = r[0], end = r[0] + r[1]; va < end;) {
					long n = Math.min(end - va, 4096 - (va & 0xfff));
					physical.add(new long[] { kernel.toPhysical(va), n });
					va += n;
				}
			}
			return new Overlay(memory, memory::put, physical);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** An overlay of {@code regions} ({physical address, length} each), e.g. page-table pages. */
	Overlay overlayPhysical(List<long[]> regions) {
		try {
			return new Overlay(memory, memory::put, regions);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
