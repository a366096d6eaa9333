package cacheshadow.cases;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import cacheshadow.layers.EvidenceFormat;

/**
 * Which registered evidence an analysis of the case reads: the memory snapshot, the disk, the base disk and write
 * journal, the kernel files' folder. The first of each kind, in the order the examiner added them; the CLI and the
 * workbench choose the same way.
 */
public record CaseInputs(Optional<EvidenceItem> memory, Optional<EvidenceItem> disk, Optional<EvidenceItem> journal, Optional<Path> kernelDir) {

	public static CaseInputs of(List<EvidenceItem> evidence) {
		Optional<EvidenceItem> memory = first(evidence, EvidenceFormat.Kind.MEMORY);
		Optional<EvidenceItem> disk = first(evidence, EvidenceFormat.Kind.DISK);
		Optional<EvidenceItem> journal = first(evidence, EvidenceFormat.Kind.JOURNAL);
		Optional<Path> kernelDir = evidence.stream()
				.filter(e -> e.format() == EvidenceFormat.BTF || e.format() == EvidenceFormat.SYSTEM_MAP || e.format() == EvidenceFormat.VMLINUX)
				.map(e -> Path.of(e.path()).getParent()).findFirst();
		return new CaseInputs(memory, disk, journal, kernelDir);
	}

	private static Optional<EvidenceItem> first(List<EvidenceItem> evidence, EvidenceFormat.Kind kind) {
		return evidence.stream().filter(e -> e.format().kind() == kind).findFirst();
	}
}
