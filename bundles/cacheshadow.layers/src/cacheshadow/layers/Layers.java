package cacheshadow.layers;

import java.io.IOException;
import java.nio.file.Path;

/** Opens an evidence file as the layer its content calls for. */
public final class Layers {
	private Layers() {
	}

	/**
	 * A memory snapshot's guest-physical address space: ELF core, LiME, or raw (file offset = physical address,
	 * the layout of QEMU's RAM file below 3 GiB).
	 */
	public static Layer openMemory(Path file) throws IOException {
		EvidenceFormat f = EvidenceFormat.detect(file);
		return switch (f) {
		case ELF_CORE -> ElfCoreLayer.open(file);
		case LIME -> LimeLayer.open(file);
		case RAW -> new RawFileLayer(file, "raw memory");
		default -> throw new EvidenceFormatException(file, "is " + f.label() + ", not a memory snapshot");
		};
	}

	/** A disk image: raw (ext or partitioned) or qcow2. */
	public static Layer openDisk(Path file) throws IOException {
		EvidenceFormat f = EvidenceFormat.detect(file);
		return switch (f) {
		case QCOW2 -> Qcow2Layer.open(file);
		case EXT_IMAGE, PARTITIONED_IMAGE, RAW -> new RawFileLayer(file, "raw disk");
		default -> throw new EvidenceFormatException(file, "is " + f.label() + ", not a disk image");
		};
	}

	/** Any memory or disk evidence, by its detected format. */
	public static Layer open(Path file) throws IOException {
		EvidenceFormat f = EvidenceFormat.detect(file);
		return switch (f.kind()) {
		case MEMORY -> openMemory(file);
		case DISK -> openDisk(file);
		default -> {
			if (f == EvidenceFormat.RAW) yield new RawFileLayer(file);
			throw new EvidenceFormatException(file, "is " + f.label() + ", which is not read as a layer");
		}
		};
	}
}
