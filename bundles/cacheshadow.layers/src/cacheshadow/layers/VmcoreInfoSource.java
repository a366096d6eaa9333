package cacheshadow.layers;

import java.util.Optional;

/** A memory snapshot that may carry the kernel's VMCOREINFO text (an ELF core's note, a kdump file's sub-header). */
public interface VmcoreInfoSource {
	/** The kernel's VMCOREINFO text, if the snapshot carries it. */
	Optional<String> vmcoreinfo();
}
