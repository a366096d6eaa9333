package cacheshadow.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.listing.Finding;

/**
 * The kernel's VMCOREINFO text (kernel/crash_core.c, arch/x86/kernel/crash_core_64.c): {@code KEY=VALUE} lines such
 * as {@code OSRELEASE=}, {@code KERNELOFFSET=} (hex, the KASLR virtual shift), {@code NUMBER(phys_base)=} (decimal),
 * {@code SYMBOL(init_top_pgt)=} (hex). Present in kdump cores and QEMU dumps of guests with a vmcoreinfo device. It
 * is written by the guest kernel, so it is evidence to cross-check, not to trust over the kernel's own structures.
 */
public final class VmcoreInfo {
	private final Map<String, String> values;

	private VmcoreInfo(Map<String, String> values) {
		this.values = Collections.unmodifiableMap(values);
	}

	public static VmcoreInfo parse(String text) {
		Map<String, String> m = new LinkedHashMap<>();
		for (String line : text.split("\n")) {
			int eq = line.indexOf('=');
			if (eq > 0) m.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
		}
		return new VmcoreInfo(m);
	}

	public Map<String, String> values() {
		return values;
	}

	public String osRelease() {
		return values.get("OSRELEASE");
	}

	/** {@code KERNELOFFSET}: run-time minus link-time kernel addresses. */
	public Long kernelOffset() {
		return hex(values.get("KERNELOFFSET"));
	}

	public Long physBase() {
		String v = values.get("NUMBER(phys_base)");
		try {
			return v == null ? null : Long.parseLong(v);
		} catch (NumberFormatException e) {
			return null;
		}
	}

	public Long symbol(String name) {
		return hex(values.get("SYMBOL(" + name + ")"));
	}

	private static Long hex(String v) {
		if (v == null) return null;
		try {
			return Long.parseUnsignedLong(v.startsWith("0x") ? v.substring(2) : v, 16);
		} catch (NumberFormatException e) {
			return null;
		}
	}

	/** Disagreements between this text and the kernel model, as anomalies (a forged or stale note). */
	public List<Finding> crossCheck(LinuxKernel kernel) {
		List<Finding> out = new ArrayList<>();
		Long off = kernelOffset();
		if (off != null && kernel.virtualShift() != null && !off.equals(kernel.virtualShift())) {
			out.add(mismatch("KERNELOFFSET", "0x" + Long.toHexString(off), "0x" + Long.toHexString(kernel.virtualShift())));
		}
		Long pb = physBase();
		if (pb != null && pb != kernel.physBase()) {
			out.add(mismatch("NUMBER(phys_base)", "0x" + Long.toHexString(pb), "0x" + Long.toHexString(kernel.physBase())));
		}
		String rel = osRelease();
		if (rel != null && kernel.release() != null && !rel.equals(kernel.release())) out.add(mismatch("OSRELEASE", rel, kernel.release()));
		Long top = symbol("init_top_pgt");
		if (top != null) {
			try {
				long pa = kernel.kaslr().imageToPhysical(top);
				if (pa != kernel.pageTables().topTable()) {
					out.add(mismatch("SYMBOL(init_top_pgt)", "0x" + Long.toHexString(top), "table at physical 0x" + Long.toHexString(kernel.pageTables().topTable())));
				}
			} catch (RuntimeException e) {
				out.add(mismatch("SYMBOL(init_top_pgt)", "0x" + Long.toHexString(top), e.getMessage()));
			}
		}
		return out;
	}

	private static Finding mismatch(String key, String note, String found) {
		return new Finding(Finding.Severity.ANOMALY, "vmcoreinfo-mismatch", "VMCOREINFO " + key,
				"the note says " + note + ", the kernel's structures say " + found);
	}
}
