package cacheshadow.cases;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import cacheshadow.layers.EvidenceFormat;

/**
 * Which registered evidence an analysis of the case reads: the memory snapshot, the disk, every disk (the journal's
 * base is chosen among them by content, in the journal bundle), the write journal and its timing sidecar, the kernel
 * files' folder. The first of each kind, in the order the examiner added them; the CLI and the
 * workbench choose the same way, unless the examiner picks another memory snapshot ({@link #of(List, long)}).
 */
public record CaseInputs(Optional<EvidenceItem> memory, Optional<EvidenceItem> disk, List<EvidenceItem> disks, Optional<EvidenceItem> journal,
		Optional<EvidenceItem> timing, Optional<Path> kernelDir) {

	public static CaseInputs of(List<EvidenceItem> evidence) {
		Optional<EvidenceItem> memory = first(evidence, EvidenceFormat.Kind.MEMORY);
		Optional<EvidenceItem> disk = first(evidence, EvidenceFormat.Kind.DISK);
		Optional<EvidenceItem> journal = first(evidence, EvidenceFormat.Kind.JOURNAL);
		Optional<EvidenceItem> timing = first(evidence, EvidenceFormat.Kind.TIMING);
		List<EvidenceItem> disks = evidence.stream().filter(e -> e.format().kind() == EvidenceFormat.Kind.DISK).toList();
		Optional<Path> kernelDir = evidence.stream()
				.filter(e -> e.format() == EvidenceFormat.BTF || e.format() == EvidenceFormat.SYSTEM_MAP || e.format() == EvidenceFormat.VMLINUX)
				.map(e -> Path.of(e.path()).getParent()).findFirst();
		return new CaseInputs(memory, disk, disks, journal, timing, kernelDir);
	}

	/** The case's memory snapshots, in the order they were added (the first is what {@link #of(List)} analyzes). */
	public static List<EvidenceItem> memories(List<EvidenceItem> evidence) {
		return evidence.stream().filter(e -> e.format().kind() == EvidenceFormat.Kind.MEMORY).toList();
	}

	/**
	 * As {@link #of(List)}, with the memory snapshot the examiner chose (its evidence id) and what came with it: the
	 * first disk image registered from the snapshot's own folder (a Snapshot Now folder holds the guest's RAM and
	 * disk at that instant; an evidence set its memory and disk), and the kernel files from that folder or its
	 * {@code kernel/}; where the folder holds none, the case's first, as for the first snapshot. An id that is no
	 * memory snapshot of the case chooses nothing: the first, as {@link #of(List)}.
	 */
	public static CaseInputs of(List<EvidenceItem> evidence, long memoryId) {
		CaseInputs first = of(evidence);
		Optional<EvidenceItem> memory = memories(evidence).stream().filter(e -> e.id() == memoryId).findFirst();
		if (memory.isEmpty()) return first;
		Path folder = Path.of(memory.get().path()).getParent();
		Optional<EvidenceItem> disk = evidence.stream()
				.filter(e -> e.format().kind() == EvidenceFormat.Kind.DISK && folder.equals(Path.of(e.path()).getParent())).findFirst()
				.or(first::disk);
		Optional<Path> kernelDir = evidence.stream()
				.filter(e -> e.format() == EvidenceFormat.BTF || e.format() == EvidenceFormat.SYSTEM_MAP || e.format() == EvidenceFormat.VMLINUX)
				.map(e -> Path.of(e.path()).getParent()).filter(k -> k.equals(folder) || k.equals(folder.resolve("kernel"))).findFirst()
				.or(first::kernelDir);
		return new CaseInputs(memory, disk, first.disks(), first.journal(), first.timing(), kernelDir);
	}

	private static Optional<EvidenceItem> first(List<EvidenceItem> evidence, EvidenceFormat.Kind kind) {
		return evidence.stream().filter(e -> e.format().kind() == kind).findFirst();
	}
}
