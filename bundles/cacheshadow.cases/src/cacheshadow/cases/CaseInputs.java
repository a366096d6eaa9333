package cacheshadow.cases;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import cacheshadow.layers.EvidenceFormat;

/**
 * Which registered evidence an analysis of the case reads: the memory snapshot, the disk, every disk (the journal's
 * base is chosen among them by content, in the journal bundle), the write journal and its timing sidecar, the kernel
 * files' folder. The first of each kind, in the order the examiner added them; the CLI and the
 * workbench choose the same way.
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

	private static Optional<EvidenceItem> first(List<EvidenceItem> evidence, EvidenceFormat.Kind kind) {
		return evidence.stream().filter(e -> e.format().kind() == kind).findFirst();
	}
}
