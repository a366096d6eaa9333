package cacheshadow.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;

import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;

/**
 * Rebuilds the kernel's symbol table from its own kallsyms tables in a memory snapshot, so that no System.map is
 * needed. The tables (scripts/kallsyms.c, kernel/kallsyms.c) sit in the image's read-only data, 8-byte aligned:
 * <ul>
 * <li>{@code kallsyms_token_table}: 256 NUL-terminated tokens, followed by {@code kallsyms_token_index}: 256
 * {@code u16} offsets into it — found by that shape;</li>
 * <li>{@code kallsyms_num_syms} (u32) directly followed by {@code kallsyms_names}: per symbol a length (one byte,
 * or two with the high bit set on the first) and that many token indices, the first character of the expansion
 * being the symbol type; then {@code kallsyms_markers} (u32 per 256 symbols) — found by decoding candidates
 * completely and checking every marker;</li>
 * <li>{@code kallsyms_offsets} (s32 per symbol) and {@code kallsyms_relative_base} (u64): before
 * {@code num_syms} up to 6.1, after {@code token_index} in later kernels — both layouts are tried and the one that
 * puts {@code init_task} where the snapshot has it wins.</li>
 * </ul>
 * Addresses follow {@code CONFIG_KALLSYMS_ABSOLUTE_PERCPU} (non-negative offsets absolute, negative ones relative
 * to {@code relative_base − 1}), or plain relative offsets when that does not reproduce init_task.
 */
public final class KallsymsScanner {
	private static final long SEARCH_RADIUS = 48L << 20;
	private static final int MIN_SYMS = 1000, MAX_SYMS = 4_000_000;
	private static final String TYPES = "tTdDbBrRvVwWaAuUnNsSgGiIpP?-";

	private final Layer phys;
	private final long lo, hi;
	private final byte[] image;

	private KallsymsScanner(Layer phys, long lo, long hi) throws IOException {
		this.phys = phys;
		this.lo = lo;
		this.hi = hi;
		this.image = new byte[(int) (hi - lo)];
		// Read the region piecewise so holes (unmapped ranges) stay zero instead of failing the whole read.
		for (long p = lo; p < hi; p += 4096) {
			if (phys.isMapped(p, 4096)) phys.read(p, image, (int) (p - lo), 4096);
		}
	}

	/**
	 * Scans physical memory around init_task (the image is contiguous there) and returns a run-time symbol table
	 * whose {@code init_task} matches {@code kaslr}.
	 */
	public static SymbolTable scan(Layer physical, KaslrDetector.Result kaslr, Progress progress) throws IOException {
		long center = kaslr.initTaskPa() & ~0xfffL;
		long lo = Math.max(0, center - SEARCH_RADIUS), hi = Math.min(physical.size(), center + SEARCH_RADIUS);
		progress.begin("Searching the snapshot for kallsyms tables", 3);
		KallsymsScanner s = new KallsymsScanner(physical, lo, hi);
		progress.worked(1);
		return s.find(kaslr, progress);
	}

	private int u16(int off) {
		return LittleEndian.u16(image, off);
	}

	private long u32(int off) {
		return LittleEndian.u32(image, off);
	}

	private SymbolTable find(KaslrDetector.Result kaslr, Progress progress) throws IOException {
		String problem = "no token table";
		for (int idx = 0; idx + 512 <= image.length; idx += 8) {
			if (u16(idx) != 0) continue;
			int tableStart = tokenTableFor(idx);
			if (tableStart < 0) continue;
			String[] tokens = new String[256];
			for (int i = 0; i < 256; i++) tokens[i] = cstr(tableStart + u16(idx + 2 * i));
			progress.checkCanceled();
			// kallsyms_num_syms + kallsyms_names, before the token table.
			for (int ns = tableStart - 8; ns >= 0 && ns > tableStart - (64 << 20); ns -= 8) {
				long n = u32(ns);
				if (n < MIN_SYMS || n > MAX_SYMS || u32(ns + 4) != 0) continue;
				Decoded d = decode(ns + 8, (int) n, tokens, tableStart);
				if (d == null) continue;
				progress.worked(1);
				SymbolTable t = addresses(d, ns, idx, kaslr);
				if (t != null) return t;
				problem = String.format("names at physical 0x%x decode, but no offsets table places init_task at 0x%x", lo + ns + 8, kaslr.initTaskVa());
			}
		}
		throw new KernelLayoutException("no kallsyms tables found near init_task (" + problem + ")");
	}

	/** If a token index starts at {@code idx}: the start of its token table, else -1. */
	private int tokenTableFor(int idx) {
		int prev = 0;
		for (int i = 1; i < 256; i++) {
			int v = u16(idx + 2 * i);
			if (v <= prev || v - prev > 64) return -1;
			prev = v;
		}
		// The last token's length is not in the index: the table ends at its NUL, then padding to 8.
		for (int pad = 0; pad < 8 + 64; pad++) {
			int start = idx - pad - prev - 2;
			if (start < 0 || (start & 7) != 0) continue;
			if (tokensAt(start, idx)) return start;
		}
		return -1;
	}

	private boolean tokensAt(int start, int idx) {
		for (int i = 0; i < 256; i++) {
			int s = start + u16(idx + 2 * i);
			int e = i < 255 ? start + u16(idx + 2 * i + 2) - 1 : -1;
			if (e < 0) {
				e = s;
				while (e < idx && image[e] != 0) e++;
				if (e >= idx || e == s) return false;
				for (int k = e + 1; k < idx; k++) if (image[k] != 0) return false;
			} else if (image[e] != 0 || e == s) {
				return false;
			}
			for (int k = s; k < e; k++) if (image[k] <= 0x20 || image[k] > 0x7e) return false;
		}
		return true;
	}

	private String cstr(int at) {
		int e = at;
		while (image[e] != 0) e++;
		return new String(image, at, e - at, StandardCharsets.US_ASCII);
	}

	private record Decoded(String[] names, char[] types, int end) {
	}

	/** All {@code n} names from {@code at}, or null unless they decode and the markers after them agree. */
	private Decoded decode(int at, int n, String[] tokens, int limit) {
		String[] names = new String[n];
		char[] types = new char[n];
		int[] markers = new int[(n + 255) / 256];
		int p = at;
		StringBuilder sb = new StringBuilder(64);
		for (int i = 0; i < n; i++) {
			if (p >= limit) return null;
			if ((i & 0xff) == 0) markers[i >>> 8] = p - at;
			int len = image[p++] & 0xff;
			if ((len & 0x80) != 0) {
				if (p >= limit) return null;
				len = (len & 0x7f) | (image[p++] & 0xff) << 7;
			}
			if (len == 0 || p + len > limit) return null;
			sb.setLength(0);
			for (int k = 0; k < len; k++) sb.append(tokens[image[p + k] & 0xff]);
			p += len;
			if (sb.length() < 2 || TYPES.indexOf(sb.charAt(0)) < 0) return null;
			types[i] = sb.charAt(0);
			names[i] = sb.substring(1);
		}
		int m = (p + 7) & ~7;
		if (m + 4L * markers.length > limit) return null;
		for (int k = 0; k < markers.length; k++) {
			if (u32(m + 4 * k) != markers[k]) return null;
		}
		return new Decoded(names, types, m + 4 * markers.length);
	}

	/** Tries the offsets/relative_base layouts around the names; accepts the one that places init_task right. */
	private SymbolTable addresses(Decoded d, int numSyms, int tokenIndex, KaslrDetector.Result kaslr) {
		int n = d.names.length;
		int offsetsBytes = (4 * n + 7) & ~7;
		int[][] layouts = {
				// up to 6.1: offsets, relative_base, num_syms
				{ numSyms - 8 - offsetsBytes, numSyms - 8 },
				// later: token_index (512 bytes), offsets, relative_base
				{ tokenIndex + 512, tokenIndex + 512 + offsetsBytes } };
		Integer initIdx = null;
		for (int i = 0; i < n; i++) {
			if (d.names[i].equals("init_task")) {
				initIdx = i;
				break;
			}
		}
		if (initIdx == null) return null;
		for (int[] l : layouts) {
			int offs = l[0], base = l[1];
			if (offs < 0 || base + 8 > image.length) continue;
			long relBase = LittleEndian.u64(image, base);
			for (boolean absolutePercpu : new boolean[] { true, false }) {
				if (address(offs, initIdx, relBase, absolutePercpu) != kaslr.initTaskVa()) continue;
				HashMap<String, Long> a = new HashMap<>(n * 2);
				HashMap<String, Character> t = new HashMap<>(n * 2);
				for (int i = 0; i < n; i++) {
					if (a.putIfAbsent(d.names[i], address(offs, i, relBase, absolutePercpu)) == null) t.put(d.names[i], d.types[i]);
				}
				return SymbolTable.of(a, t, true, String.format("kallsyms in memory (names at physical 0x%x, %d symbols)", lo + numSyms + 8, n));
			}
		}
		return null;
	}

	private long address(int offsets, int i, long relBase, boolean absolutePercpu) {
		int o = LittleEndian.s32(image, offsets + 4 * i);
		if (!absolutePercpu) return relBase + (o & 0xffffffffL);
		return o >= 0 ? o : relBase - 1 - o;
	}
}
