package cacheshadow.layers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens an evidence file as the layer its content calls for. Evidence cut short is refused with a
 * {@link TruncatedEvidenceException}, or opened as partial evidence: what the file still holds is read, the rest of
 * what it declares is {@linkplain Layer#missing() missing}.
 */
public final class Layers {
	private Layers() {
	}

	/**
	 * A memory snapshot's guest-physical address space: ELF core, LiME, compressed kdump, Xen dump-core, VMware (a
	 * {@code .vmss}/{@code .vmsn}, or a {@code .vmem} with one beside it), or raw (file offset = physical address, the
	 * layout of QEMU's RAM file below 3 GiB).
	 */
	public static Layer openMemory(Path file) throws IOException {
		return openMemory(file, false);
	}

	/** As {@link #openMemory(Path)}; {@code partial} opens a snapshot cut short (a raw one declares no size: it is read as it is). */
	public static Layer openMemory(Path file, boolean partial) throws IOException {
		EvidenceFormat f = EvidenceFormat.detect(file);
		return switch (f) {
		case ELF_CORE -> ElfCoreLayer.open(file, partial);
		case LIME -> LimeLayer.open(file, partial);
		case KDUMP -> KdumpLayer.open(file, partial);
		case XEN_CORE -> XenCoreLayer.open(file, partial);
		case VMWARE_STATE -> VmwareLayer.open(file, partial);
		case RAW -> VmwareLayer.stateBeside(file) != null ? VmwareLayer.open(file, partial) : new RawFileLayer(file, "raw memory");
		default -> throw new EvidenceFormatException(file, "is " + f.label() + ", not a memory snapshot");
		};
	}

	/** A disk image: raw (ext or partitioned), qcow2, VMDK, VHD, VHDX or EWF. */
	public static Layer openDisk(Path file) throws IOException {
		return openDisk(file, false);
	}

	/**
	 * As {@link #openDisk(Path)}; {@code partial} opens an image cut short: a raw image keeps the size its ext4
	 * super block or partition table declares, a qcow2 image its virtual size, and the blocks past the end of the
	 * file are missing.
	 */
	public static Layer openDisk(Path file, boolean partial) throws IOException {
		EvidenceFormat f = EvidenceFormat.detect(file);
		return switch (f) {
		case QCOW2 -> Qcow2Layer.open(file, partial);
		case VMDK -> VmdkLayer.open(file, partial);
		case VHD -> VhdLayer.open(file, partial);
		case VHDX -> VhdxLayer.open(file, partial);
		case EWF -> EwfLayer.open(file, partial);
		case EXT_IMAGE, PARTITIONED_IMAGE -> {
			long declared = declaredSize(file, f);
			long have = Files.size(file);
			if (declared > have && !partial) {
				throw new TruncatedEvidenceException(file, String.format("the %s declares %d bytes, the file has %d",
						f == EvidenceFormat.EXT_IMAGE ? "ext file system" : "partition table", declared, have));
			}
			yield new RawFileLayer(file, "raw disk", declared);
		}
		case RAW -> new RawFileLayer(file, "raw disk");
		default -> throw new EvidenceFormatException(file, "is " + f.label() + ", not a disk image");
		};
	}

	/** Any memory or disk evidence, by its detected format. */
	public static Layer open(Path file) throws IOException {
		return open(file, false);
	}

	/** As {@link #open(Path)}, partial evidence opened as {@link #openMemory(Path, boolean)} and {@link #openDisk(Path, boolean)} say. */
	public static Layer open(Path file, boolean partial) throws IOException {
		EvidenceFormat f = EvidenceFormat.detect(file);
		return switch (f.kind()) {
		case MEMORY -> openMemory(file, partial);
		case DISK -> openDisk(file, partial);
		default -> {
			if (f == EvidenceFormat.RAW) yield new RawFileLayer(file);
			throw new EvidenceFormatException(file, "is " + f.label() + ", which is not read as a layer");
		}
		};
	}

	/**
	 * The size a raw image's content declares, from its first 4 KiB: the ext2/3/4 super block's block count times the
	 * block size, or the end of the last MBR partition (of the GPT's backup header with a protective MBR); -1 when
	 * it declares none that can be trusted.
	 */
	static long declaredSize(Path file, EvidenceFormat f) throws IOException {
		byte[] h = new byte[4096];
		int n;
		try (InputStream in = Files.newInputStream(file)) {
			n = in.readNBytes(h, 0, h.length);
		}
		if (f == EvidenceFormat.EXT_IMAGE && n >= 2048) {
			int sb = 1024;
			long logBlock = LittleEndian.u32(h, sb + 24);
			if (logBlock > 6) return -1; // past 64 KiB blocks: not a super block to size anything by
			long blocks = LittleEndian.u32(h, sb + 4);
			boolean is64 = (LittleEndian.u32(h, sb + 0x60) & 0x80) != 0;
			if (is64) blocks |= LittleEndian.u32(h, sb + 0x150) << 32;
			long bs = 1024L << logBlock;
			return blocks > Long.MAX_VALUE / bs ? -1 : blocks * bs;
		}
		if (f == EvidenceFormat.PARTITIONED_IMAGE && n >= 512) {
			long end = -1;
			for (int i = 0; i < 4; i++) {
				int e = 446 + 16 * i;
				int type = h[e + 4] & 0xff;
				long first = LittleEndian.u32(h, e + 8), count = LittleEndian.u32(h, e + 12);
				if (type == 0 || count == 0) continue;
				if (type == 0xee) {
					// protective MBR: its count says "the whole disk" (often 0xffffffff); the GPT header says where it ends
					if (n >= 512 + 40 && new String(h, 512, 8, java.nio.charset.StandardCharsets.US_ASCII).equals("EFI PART")) {
						long alternate = LittleEndian.u64(h, 512 + 32);
						if (alternate > 0 && alternate < Long.MAX_VALUE / 512) end = Math.max(end, (alternate + 1) * 512);
					}
					continue;
				}
				end = Math.max(end, (first + count) * 512);
			}
			return end;
		}
		return -1;
	}
}
