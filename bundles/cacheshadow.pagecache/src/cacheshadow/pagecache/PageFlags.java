package cacheshadow.pagecache;

import java.util.ArrayList;
import java.util.List;

import cacheshadow.kernel.Btf;
import cacheshadow.kernel.BtfType;
import cacheshadow.kernel.KernelLayoutException;

/**
 * Bits of {@code page->flags} as this kernel numbers them: {@code enum pageflags} from BTF (include/linux/page-flags.h).
 * The numbering moves between kernels (PG_dirty is bit 3 in some, 4 in others), so nothing here is a constant.
 * Bits at and above {@code __NR_PAGEFLAGS} hold the section/node/zone numbers, not flags.
 */
public final class PageFlags {
	public final long locked, uptodate, dirty, writeback, head, lru, slab, reserved, swapbacked, swapcache, isPrivate;
	/** {@code PG_tail} of kernels before 4.4 (later a tail page says so in {@code compound_head}), or 0. */
	public final long tail;
	/** Every real flag bit: {@code (1 << __NR_PAGEFLAGS) - 1}. */
	public final long allFlags;
	private final BtfType.Enum names;

	public PageFlags(Btf btf) throws KernelLayoutException {
		names = btf.enumType("pageflags");
		if (names == null) throw new KernelLayoutException("BTF has no enum pageflags (" + btf.source() + ")");
		locked = required("PG_locked");
		uptodate = required("PG_uptodate");
		dirty = required("PG_dirty");
		writeback = required("PG_writeback");
		head = required("PG_head");
		lru = required("PG_lru");
		reserved = required("PG_reserved");
		swapbacked = required("PG_swapbacked");
		isPrivate = required("PG_private");
		slab = optional("PG_slab"); // gone from pageflags once slab became a page type
		swapcache = optional("PG_swapcache");
		tail = optional("PG_tail");
		Long nr = names.valueOf("__NR_PAGEFLAGS");
		if (nr == null || nr <= 0 || nr > 63) throw new KernelLayoutException("enum pageflags has no sane __NR_PAGEFLAGS");
		allFlags = (1L << nr) - 1;
	}

	private long required(String name) throws KernelLayoutException {
		long m = optional(name);
		if (m == 0) throw new KernelLayoutException("enum pageflags has no " + name);
		return m;
	}

	private long optional(String name) {
		Long v = names.valueOf(name);
		return v == null || v < 0 || v > 63 ? 0 : 1L << v;
	}

	/** Names of the set flag bits, e.g. {@code uptodate|dirty|lru} (aliases: the first enumerator of a bit). */
	public String describe(long flags) {
		List<String> out = new ArrayList<>();
		long seen = 0;
		for (BtfType.Enumerator e : names.values()) {
			long v = e.value();
			if (v < 0 || v > 63 || !e.name().startsWith("PG_")) continue;
			long bit = 1L << v;
			if ((bit & allFlags) == 0 || (seen & bit) != 0) continue;
			seen |= bit;
			if ((flags & bit) != 0) out.add(e.name().substring(3));
		}
		return String.join("|", out);
	}

	/** True when every real flag bit is set: no page is locked, slab, reserved, head, dirty and under writeback at once. */
	public boolean isEveryFlag(long flags) {
		return (flags & allFlags) == allFlags;
	}
}
