package cacheshadow.layers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** What an evidence file is, told from its content (never its name). */
public enum EvidenceFormat {
	ELF_CORE("memory snapshot (ELF core)", Kind.MEMORY),
	LIME("memory snapshot (LiME)", Kind.MEMORY),
	/** makedumpfile's compressed kdump format, as QEMU's {@code dump-guest-memory} writes it (kdump-zlib, -lzo, -snappy). */
	KDUMP("memory snapshot (kdump compressed)", Kind.MEMORY),
	/** {@code xl dump-core}: an ELF core of sections, no program headers. */
	XEN_CORE("memory snapshot (Xen dump-core)", Kind.MEMORY),
	/** A VMware {@code .vmss}/{@code .vmsn} state file: the layout of the {@code .vmem} beside it, or the memory itself. */
	VMWARE_STATE("memory snapshot (VMware .vmss/.vmsn)", Kind.MEMORY),
	QCOW2("disk image (qcow2)", Kind.DISK),
	VMDK("disk image (VMDK sparse extent)", Kind.DISK),
	VHD("disk image (VHD)", Kind.DISK),
	VHDX("disk image (VHDX)", Kind.DISK),
	EWF("disk image (EWF/E01)", Kind.DISK),
	EXT_IMAGE("disk image (raw, ext2/3/4 file system)", Kind.DISK),
	PARTITIONED_IMAGE("disk image (raw, partitioned)", Kind.DISK),
	DM_LOG_WRITES("write journal (dm-log-writes)", Kind.JOURNAL),
	CS_JOURNAL("write journal (CacheShadow timestamped)", Kind.JOURNAL),
	BTF("kernel BTF type data", Kind.KERNEL),
	VMLINUX("kernel ELF image (vmlinux)", Kind.KERNEL),
	BZIMAGE("kernel bzImage", Kind.KERNEL),
	SYSTEM_MAP("kernel symbols (System.map / kallsyms)", Kind.KERNEL),
	KERNEL_CONFIG("kernel config", Kind.KERNEL),
	/** Wall-clock samples of a journal without time of its own (the evidence generator's {@code timeline.tsv}). */
	TIMING_SIDECAR("journal timing sidecar (host_epoch, entries_complete)", Kind.TIMING),
	RAW("raw bytes (memory or disk, not recognized)", Kind.UNKNOWN);

	public enum Kind {
		MEMORY, DISK, JOURNAL, TIMING, KERNEL, UNKNOWN
	}

	private static final Pattern MAP_LINE = Pattern.compile("^[0-9a-fA-F]{8,16} [A-Za-z] \\S+");
	/** dm-log-writes {@code log_write_super.magic} ("rhswfsj" little-endian). */
	public static final long DM_LOG_WRITES_MAGIC = 0x6a736677736872L;
	/** The CacheShadow journal's first eight bytes (see the journal bundle's FORMAT.md). */
	public static final byte[] CS_JOURNAL_MAGIC = "CSJRNL\r\n".getBytes(StandardCharsets.US_ASCII);

	private final String label;
	private final Kind kind;

	EvidenceFormat(String label, Kind kind) {
		this.label = label;
		this.kind = kind;
	}

	public String label() {
		return label;
	}

	public Kind kind() {
		return kind;
	}

	public static EvidenceFormat detect(Path file) throws IOException {
		byte[] h = new byte[4096];
		int n;
		try (InputStream in = Files.newInputStream(file)) {
			n = in.readNBytes(h, 0, h.length);
		} catch (NoSuchFileException e) {
			throw new EvidenceFormatException(file, "no such file");
		} catch (java.nio.file.AccessDeniedException e) {
			throw new EvidenceFormatException(file, "permission denied");
		} catch (IOException e) {
			throw new EvidenceFormatException(file, "cannot be read (" + e.getMessage() + ")");
		}
		if (n == 0) throw new EvidenceFormatException(file, "empty file");
		EvidenceFormat f = detect(h, n);
		if (f == EXT_IMAGE || f == PARTITIONED_IMAGE || f == RAW) {
			// a fixed VHD is the raw disk followed by a 512-byte footer: only its end tells it apart
			try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
				long size = ch.size();
				if (size >= 1024) {
					java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(512);
					while (b.hasRemaining() && ch.read(b, size - 512 + b.position()) > 0) {
						// read the whole footer
					}
					if (!b.hasRemaining() && VhdLayer.isFixedFooter(b.array())) return VHD;
				}
			}
		}
		return f;
	}

	/** Classifies the first {@code n} bytes (up to 4 KiB) of a file. */
	public static EvidenceFormat detect(byte[] h, int n) {
		if (n >= 20 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F') {
			if (LittleEndian.u16(h, 16) != ElfCoreLayer.ET_CORE) return VMLINUX;
			return XenCoreLayer.isXenCore(h, n) ? XEN_CORE : ELF_CORE;
		}
		if (n >= 4 && LittleEndian.s32(h, 0) == LimeLayer.MAGIC) return LIME;
		if (VmwareLayer.isState(h, n)) return VMWARE_STATE;
		if (n >= 4 && (h[0] & 0xff) == 'Q' && h[1] == 'F' && h[2] == 'I' && (h[3] & 0xff) == 0xfb) return QCOW2;
		if ((n >= 8 && java.util.Arrays.equals(h, 0, 8, KdumpLayer.SIGNATURE, 0, 8)) || FlattenedDump.isFlattened(h, n)) return KDUMP;
		if (n >= 4 && LittleEndian.s32(h, 0) == VmdkLayer.MAGIC) return VMDK;
		if (n >= 8 && java.util.Arrays.equals(h, 0, 8, VhdLayer.COOKIE, 0, 8)) return VHD;
		if (n >= 8 && java.util.Arrays.equals(h, 0, 8, VhdxLayer.SIGNATURE, 0, 8)) return VHDX;
		if (n >= 8 && (java.util.Arrays.equals(h, 0, 8, EwfLayer.SIGNATURE, 0, 8) || java.util.Arrays.equals(h, 0, 8, EwfLayer.SIGNATURE_EWF2, 0, 8))) return EWF;
		if (n >= 8 && LittleEndian.u64(h, 0) == DM_LOG_WRITES_MAGIC) return DM_LOG_WRITES;
		if (n >= 8 && java.util.Arrays.equals(h, 0, 8, CS_JOURNAL_MAGIC, 0, 8)) return CS_JOURNAL;
		if (n >= 4 && LittleEndian.u16(h, 0) == 0xEB9F && h[2] == 1) return BTF;
		if (n >= 0x206 && h[0x202] == 'H' && h[0x203] == 'd' && h[0x204] == 'r' && h[0x205] == 'S') return BZIMAGE;
		if (n >= 1024 + 58 && LittleEndian.u16(h, 1024 + 56) == 0xEF53) return EXT_IMAGE;
		if (n >= 512 && (h[510] & 0xff) == 0x55 && (h[511] & 0xff) == 0xAA) return PARTITIONED_IMAGE;
		String text = new String(h, 0, n, StandardCharsets.ISO_8859_1);
		if (looksLikeText(h, n)) {
			String first = text.lines().findFirst().orElse("");
			if (MAP_LINE.matcher(first).find()) return SYSTEM_MAP;
			// a tab-separated header naming the two columns a timing sidecar needs (Timeline.read in the journal bundle)
			List<String> columns = List.of(first.split("\t", -1));
			if (columns.contains("host_epoch") && columns.contains("entries_complete")) return TIMING_SIDECAR;
			if (text.contains("\nCONFIG_") || text.startsWith("CONFIG_") || text.contains("# Automatically generated file")) return KERNEL_CONFIG;
		}
		return RAW;
	}

	private static boolean looksLikeText(byte[] h, int n) {
		for (int i = 0; i < n; i++) {
			int c = h[i] & 0xff;
			if (c < 0x09 || (c > 0x0d && c < 0x20)) return false;
		}
		return true;
	}
}
