package cacheshadow.kernel;

import java.util.Arrays;

import cacheshadow.layers.EvidenceFormatException;

/**
 * A pure-Java Zstandard decoder (RFC 8878) for bzImage payloads (6.12 Debian kernels): one frame without a
 * dictionary; raw, RLE and compressed blocks; Huffman-coded literals (1 or 4 streams, FSE-coded weights); FSE-coded
 * sequences in predefined, RLE, compressed and repeat modes; repeat offsets. The whole output is the match window.
 * Written from the RFC. Sizes and distances are checked, so damaged input ends with an exception.
 */
final class ZstdDecompressor {
	private static final int[] LL_BASE = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28,
			32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536 };
	private static final int[] LL_BITS = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6,
			7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	private static final int[] ML_BASE = new int[53], ML_BITS = new int[53];
	static {
		for (int i = 0; i < 32; i++) ML_BASE[i] = i + 3;
		int[] base = { 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539 };
		int[] bits = { 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
		for (int i = 0; i < base.length; i++) {
			ML_BASE[32 + i] = base[i];
			ML_BITS[32 + i] = bits[i];
		}
	}
	private static final short[] LL_DEFAULT = { 4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2,
			3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1 };
	private static final short[] ML_DEFAULT = { 1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
			1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1 };
	private static final short[] OF_DEFAULT = { 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
			-1, -1, -1, -1, -1 };

	private final byte[] in;
	private int pos;
	private final String source;
	private final long max;
	private byte[] out = new byte[1 << 20];
	private int outLen;
	private final int[] rep = { 1, 4, 8 };
	private Fse llTable, ofTable, mlTable;
	private Huffman huffman;

	private ZstdDecompressor(byte[] in, int start, String source, long max) {
		this.in = in;
		this.pos = start;
		this.source = source;
		this.max = max;
	}

	static boolean isZstd(byte[] b, int at) {
		return at + 4 <= b.length && (b[at] & 0xff) == 0x28 && (b[at + 1] & 0xff) == 0xb5 && (b[at + 2] & 0xff) == 0x2f
				&& (b[at + 3] & 0xff) == 0xfd;
	}

	/** Decodes the frame starting at {@code at} (bytes after it are ignored). */
	static byte[] decompress(byte[] b, int at, String source, long max) throws EvidenceFormatException {
		try {
			return new ZstdDecompressor(b, at, source, max).frame();
		} catch (ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
			throw new EvidenceFormatException(source, "ZSTD data truncated or damaged");
		}
	}

	private EvidenceFormatException error(String m) {
		return new EvidenceFormatException(source, "ZSTD: " + m);
	}

	private int u8(int p) {
		return in[p] & 0xff;
	}

	private byte[] frame() throws EvidenceFormatException {
		if (!isZstd(in, pos)) throw error("no frame magic");
		pos += 4;
		int fhd = u8(pos++);
		int fcsFlag = fhd >>> 6;
		boolean single = (fhd & 0x20) != 0;
		boolean checksum = (fhd & 4) != 0;
		int dictFlag = fhd & 3;
		if ((fhd & 8) != 0) throw error("reserved frame header bit set");
		if (!single) pos++;
		int dictSize = new int[] { 0, 1, 2, 4 }[dictFlag];
		for (int i = 0; i < dictSize; i++) {
			if (in[pos + i] != 0) throw error("dictionaries are not supported");
		}
		pos += dictSize;
		pos += fcsFlag == 0 ? (single ? 1 : 0) : 1 << fcsFlag;
		while (true) {
			int h = u8(pos) | u8(pos + 1) << 8 | u8(pos + 2) << 16;
			pos += 3;
			boolean last = (h & 1) != 0;
			int type = (h >>> 1) & 3, size = h >>> 3;
			switch (type) {
			case 0 -> {
				ensure(size);
				System.arraycopy(in, pos, out, outLen, size);
				outLen += size;
				pos += size;
			}
			case 1 -> {
				ensure(size);
				Arrays.fill(out, outLen, outLen + size, in[pos]);
				outLen += size;
				pos++;
			}
			case 2 -> {
				if (size > 128 << 10) throw error("block larger than 128 KiB");
				int end = pos + size;
				if (end > in.length) throw error("block past the end of the input");
				block(end);
				pos = end;
			}
			default -> throw error("reserved block type");
			}
			if (last) break;
		}
		if (checksum) pos += 4;
		return Arrays.copyOf(out, outLen);
	}

	private void ensure(long more) throws EvidenceFormatException {
		if (outLen + more > max) throw error("output larger than " + max + " bytes");
		if (outLen + more > out.length) {
			long n = Math.max((long) out.length * 2, outLen + more);
			out = Arrays.copyOf(out, (int) Math.min(n, Integer.MAX_VALUE - 16));
		}
	}

	// ---- compressed blocks ----

	private void block(int end) throws EvidenceFormatException {
		byte[] lit = literals();
		int nbSeq;
		int b0 = u8(pos++);
		if (b0 < 128) nbSeq = b0;
		else if (b0 < 255) nbSeq = ((b0 - 128) << 8) + u8(pos++);
		else {
			nbSeq = u8(pos) + (u8(pos + 1) << 8) + 0x7f00;
			pos += 2;
		}
		if (nbSeq == 0) {
			ensure(lit.length);
			System.arraycopy(lit, 0, out, outLen, lit.length);
			outLen += lit.length;
			return;
		}
		int modes = u8(pos++);
		if ((modes & 3) != 0) throw error("reserved sequence mode bits");
		llTable = table(modes >>> 6, llTable, LL_DEFAULT, 6, 35, 9);
		ofTable = table((modes >>> 4) & 3, ofTable, OF_DEFAULT, 5, 31, 8);
		mlTable = table((modes >>> 2) & 3, mlTable, ML_DEFAULT, 6, 52, 9);
		BackwardBits bits = new BackwardBits(pos, end);
		int ll = bits.read(llTable.log), of = bits.read(ofTable.log), ml = bits.read(mlTable.log);
		int litPos = 0;
		for (int i = 0; i < nbSeq; i++) {
			int ofCode = ofTable.symbol[of], llCode = llTable.symbol[ll], mlCode = mlTable.symbol[ml];
			if (ofCode > 31 || llCode > 35 || mlCode > 52) throw error("bad sequence code");
			long offsetValue = (1L << ofCode) + bits.read(ofCode);
			int matchLen = ML_BASE[mlCode] + bits.read(ML_BITS[mlCode]);
			int litLen = LL_BASE[llCode] + bits.read(LL_BITS[llCode]);
			int offset;
			if (offsetValue > 3) {
				offset = (int) Math.min(offsetValue - 3, Integer.MAX_VALUE);
				rep[2] = rep[1];
				rep[1] = rep[0];
				rep[0] = offset;
			} else {
				int idx = (int) offsetValue + (litLen == 0 ? 1 : 0);
				if (idx == 1) {
					offset = rep[0];
				} else if (idx == 2) {
					offset = rep[1];
					rep[1] = rep[0];
					rep[0] = offset;
				} else if (idx == 3) {
					offset = rep[2];
					rep[2] = rep[1];
					rep[1] = rep[0];
					rep[0] = offset;
				} else {
					offset = rep[0] - 1;
					if (offset <= 0) throw error("repeat offset became 0");
					rep[2] = rep[1];
					rep[1] = rep[0];
					rep[0] = offset;
				}
			}
			if (litPos + litLen > lit.length) throw error("sequence uses more literals than the block has");
			ensure((long) litLen + matchLen);
			System.arraycopy(lit, litPos, out, outLen, litLen);
			outLen += litLen;
			litPos += litLen;
			if (offset > outLen) throw error("match offset beyond the output");
			int from = outLen - offset;
			for (int k = 0; k < matchLen; k++) out[outLen++] = out[from + k];
			if (i < nbSeq - 1) {
				ll = llTable.baseline[ll] + bits.read(llTable.bits[ll]);
				ml = mlTable.baseline[ml] + bits.read(mlTable.bits[ml]);
				of = ofTable.baseline[of] + bits.read(ofTable.bits[of]);
			}
		}
		int rest = lit.length - litPos;
		ensure(rest);
		System.arraycopy(lit, litPos, out, outLen, rest);
		outLen += rest;
	}

	private Fse table(int mode, Fse previous, short[] defaults, int defaultLog, int maxSymbol, int maxLog) throws EvidenceFormatException {
		switch (mode) {
		case 0:
			return Fse.build(defaults, defaults.length - 1, defaultLog);
		case 1: {
			int s = u8(pos++);
			if (s > maxSymbol) throw error("RLE symbol out of range");
			Fse t = new Fse(0);
			t.symbol[0] = s;
			return t;
		}
		case 2: {
			short[] norm = new short[maxSymbol + 1];
			int[] info = readCounts(norm, maxSymbol, maxLog);
			return Fse.build(norm, info[0], info[1]);
		}
		default:
			if (previous == null) throw error("repeat mode without a previous table");
			return previous;
		}
	}

	/** FSE table description at {@code pos}: fills {@code norm}; returns {max symbol, accuracy log}; advances pos. */
	private int[] readCounts(short[] norm, int maxSymbol, int maxLog) throws EvidenceFormatException {
		ForwardBits f = new ForwardBits(pos);
		int log = f.read(4) + 5;
		if (log > maxLog) throw error("FSE accuracy log " + log + " above " + maxLog);
		int remaining = (1 << log) + 1, threshold = 1 << log, nbBits = log + 1;
		int symbol = 0;
		boolean previous0 = false;
		while (remaining > 1) {
			if (symbol > maxSymbol) throw error("FSE table describes too many symbols");
			if (previous0) {
				int n0 = symbol;
				while (true) {
					int r = f.read(2);
					n0 += r;
					if (r != 3) break;
				}
				if (n0 > maxSymbol + 1) throw error("FSE zero run past the last symbol");
				while (symbol < n0) norm[symbol++] = 0;
				if (symbol > maxSymbol) throw error("FSE table describes too many symbols");
			}
			int maxV = (2 * threshold - 1) - remaining;
			int count;
			int low = f.peek(nbBits - 1);
			if (low < maxV) {
				count = low;
				f.skip(nbBits - 1);
			} else {
				count = f.peek(nbBits) & (2 * threshold - 1);
				if (count >= threshold) count -= maxV;
				f.skip(nbBits);
			}
			count--;
			remaining -= Math.abs(count);
			norm[symbol++] = (short) count;
			previous0 = count == 0;
			while (remaining < threshold) {
				nbBits--;
				threshold >>= 1;
			}
		}
		if (remaining != 1) throw error("FSE probabilities do not add up");
		pos = f.bytePos();
		return new int[] { symbol - 1, log };
	}

	/** An FSE decoding table: per state the symbol, the bits to read and the baseline of the next state. */
	private static final class Fse {
		final int log;
		final int[] symbol, bits, baseline;

		Fse(int log) {
			this.log = log;
			symbol = new int[1 << log];
			bits = new int[1 << log];
			baseline = new int[1 << log];
		}

		static Fse build(short[] norm, int maxSymbol, int log) {
			Fse t = new Fse(log);
			int size = 1 << log, high = size - 1;
			int[] next = new int[maxSymbol + 1];
			for (int s = 0; s <= maxSymbol; s++) {
				if (norm[s] == -1) {
					t.symbol[high--] = s;
					next[s] = 1;
				} else {
					next[s] = norm[s];
				}
			}
			int p = 0, step = (size >>> 1) + (size >>> 3) + 3, mask = size - 1;
			for (int s = 0; s <= maxSymbol; s++) {
				for (int i = 0; i < norm[s]; i++) {
					t.symbol[p] = s;
					do p = (p + step) & mask; while (p > high);
				}
			}
			for (int i = 0; i < size; i++) {
				int s = t.symbol[i];
				int n = next[s]++;
				int nb = log - (31 - Integer.numberOfLeadingZeros(n));
				t.bits[i] = nb;
				t.baseline[i] = (n << nb) - size;
			}
			return t;
		}
	}

	// ---- literals ----

	private byte[] literals() throws EvidenceFormatException {
		int b0 = u8(pos);
		int type = b0 & 3, sf = (b0 >>> 2) & 3;
		if (type == 0 || type == 1) {
			int size;
			if (sf == 0 || sf == 2) {
				size = b0 >>> 3;
				pos += 1;
			} else if (sf == 1) {
				size = (b0 >>> 4) + (u8(pos + 1) << 4);
				pos += 2;
			} else {
				size = (b0 >>> 4) + (u8(pos + 1) << 4) + (u8(pos + 2) << 12);
				pos += 3;
			}
			if (size > 128 << 10) throw error("literals larger than a block");
			if (type == 0) {
				byte[] lit = Arrays.copyOfRange(in, pos, pos + size);
				if (pos + size > in.length) throw error("literals past the end");
				pos += size;
				return lit;
			}
			byte[] lit = new byte[size];
			Arrays.fill(lit, in[pos++]);
			return lit;
		}
		int regen, comp, streams = sf == 0 ? 1 : 4;
		if (sf <= 1) {
			long h = u8(pos) | u8(pos + 1) << 8 | (long) u8(pos + 2) << 16;
			regen = (int) ((h >>> 4) & 0x3ff);
			comp = (int) ((h >>> 14) & 0x3ff);
			pos += 3;
		} else if (sf == 2) {
			long h = u8(pos) | u8(pos + 1) << 8 | u8(pos + 2) << 16 | (long) u8(pos + 3) << 24;
			regen = (int) ((h >>> 4) & 0x3fff);
			comp = (int) ((h >>> 18) & 0x3fff);
			pos += 4;
		} else {
			long h = u8(pos) | u8(pos + 1) << 8 | u8(pos + 2) << 16 | (long) u8(pos + 3) << 24 | (long) u8(pos + 4) << 32;
			regen = (int) ((h >>> 4) & 0x3ffff);
			comp = (int) ((h >>> 22) & 0x3ffff);
			pos += 5;
		}
		if (regen > 128 << 10) throw error("literals larger than a block");
		int end = pos + comp;
		if (end > in.length) throw error("literals past the end");
		if (type == 2) huffman = readHuffman(end);
		else if (huffman == null) throw error("treeless literals without a previous table");
		byte[] lit = new byte[regen];
		if (streams == 1) {
			huffman.decode(new BackwardBits(pos, end), lit, 0, regen);
		} else {
			int s1 = u8(pos) | u8(pos + 1) << 8, s2 = u8(pos + 2) | u8(pos + 3) << 8, s3 = u8(pos + 4) | u8(pos + 5) << 8;
			int start = pos + 6;
			int per = (regen + 3) / 4;
			int[] starts = { start, start + s1, start + s1 + s2, start + s1 + s2 + s3, end };
			if (starts[3] > end) throw error("Huffman stream sizes exceed the literals");
			for (int k = 0; k < 4; k++) {
				int from = k * per, n = Math.min(per, regen - from);
				if (n < 0) throw error("bad literal stream sizes");
				huffman.decode(new BackwardBits(starts[k], starts[k + 1]), lit, from, n);
			}
		}
		pos = end;
		return lit;
	}

	private Huffman readHuffman(int limit) throws EvidenceFormatException {
		int hb = u8(pos++);
		int[] weights = new int[256];
		int n;
		if (hb >= 128) {
			n = hb - 127;
			for (int i = 0; i < n; i++) {
				int b = u8(pos + i / 2);
				weights[i] = (i & 1) == 0 ? b >>> 4 : b & 15;
			}
			pos += (n + 1) / 2;
		} else {
			int end = pos + hb;
			if (end > limit) throw error("Huffman weights past the literals");
			short[] norm = new short[256];
			int[] info = readCounts(norm, 255, 6);
			Fse t = Fse.build(norm, info[0], info[1]);
			BackwardBits bits = new BackwardBits(pos, end);
			int s1 = bits.read(t.log), s2 = bits.read(t.log);
			n = 0;
			while (true) {
				if (n >= 255) throw error("too many Huffman weights");
				weights[n++] = t.symbol[s1];
				s1 = t.baseline[s1] + bits.read(t.bits[s1]);
				if (bits.overflowed()) {
					weights[n++] = t.symbol[s2];
					break;
				}
				if (n >= 255) throw error("too many Huffman weights");
				weights[n++] = t.symbol[s2];
				s2 = t.baseline[s2] + bits.read(t.bits[s2]);
				if (bits.overflowed()) {
					weights[n++] = t.symbol[s1];
					break;
				}
			}
			pos = end;
		}
		long total = 0;
		for (int i = 0; i < n; i++) {
			if (weights[i] > 11) throw error("Huffman weight above 11");
			if (weights[i] > 0) total += 1L << (weights[i] - 1);
		}
		if (total == 0) throw error("empty Huffman table");
		int maxBits = 64 - Long.numberOfLeadingZeros(total);
		long left = (1L << maxBits) - total;
		if (Long.bitCount(left) != 1 || maxBits > 11) throw error("Huffman weights do not complete a tree");
		weights[n++] = 64 - Long.numberOfLeadingZeros(left);
		return Huffman.build(weights, n, maxBits);
	}

	private static final class Huffman {
		final int maxBits;
		final byte[] symbol;
		final byte[] bits;

		Huffman(int maxBits) {
			this.maxBits = maxBits;
			symbol = new byte[1 << maxBits];
			bits = new byte[1 << maxBits];
		}

		/** Lower weights take the lower table positions, symbols in increasing order within a weight. */
		static Huffman build(int[] weights, int n, int maxBits) {
			Huffman h = new Huffman(maxBits);
			int p = 0;
			for (int w = 1; w <= maxBits; w++) {
				for (int s = 0; s < n; s++) {
					if (weights[s] != w) continue;
					int len = 1 << (w - 1);
					Arrays.fill(h.symbol, p, p + len, (byte) s);
					Arrays.fill(h.bits, p, p + len, (byte) (maxBits + 1 - w));
					p += len;
				}
			}
			return h;
		}

		void decode(BackwardBits b, byte[] dst, int off, int n) {
			for (int i = 0; i < n; i++) {
				int v = b.peek(maxBits);
				dst[off + i] = symbol[v];
				b.skip(bits[v]);
			}
		}
	}

	// ---- bit streams ----

	/** Little-endian bits read upward from a byte position (FSE table descriptions). */
	private final class ForwardBits {
		private final int start;
		private long bit;

		ForwardBits(int start) {
			this.start = start;
		}

		int peek(int n) {
			long v = 0;
			int first = start + (int) (bit >>> 3);
			for (int k = 0; k < 5 && first + k < in.length; k++) v |= (long) (in[first + k] & 0xff) << (8 * k);
			return (int) ((v >>> (bit & 7)) & ((1L << n) - 1));
		}

		void skip(int n) {
			bit += n;
		}

		int read(int n) {
			int v = peek(n);
			skip(n);
			return v;
		}

		int bytePos() {
			return start + (int) ((bit + 7) >>> 3);
		}
	}

	/**
	 * Bits read downward from the end of [start, end): the highest set bit of the last byte marks where they begin.
	 * Bits beyond the start read as zero and count as overflow.
	 */
	private final class BackwardBits {
		private final int start;
		private long bitPos;

		BackwardBits(int start, int end) throws EvidenceFormatException {
			this.start = start;
			if (end <= start) throw error("empty bit stream");
			int last = in[end - 1] & 0xff;
			if (last == 0) throw error("bit stream without its end marker");
			bitPos = (long) (end - 1 - start) * 8 + (31 - Integer.numberOfLeadingZeros(last));
		}

		int peek(int n) {
			if (n == 0) return 0;
			long lo = bitPos - n;
			long v;
			if (lo >= 0) {
				v = window(lo) & ((1L << n) - 1);
			} else {
				v = (window(0) << -lo) & ((1L << n) - 1);
			}
			return (int) v;
		}

		private long window(long fromBit) {
			int b = start + (int) (fromBit >>> 3);
			long v = 0;
			for (int k = 0; k < 8; k++) {
				int at = b + k;
				if (at >= in.length) break;
				v |= (long) (in[at] & 0xff) << (8 * k);
			}
			return v >>> (fromBit & 7);
		}

		void skip(int n) {
			bitPos -= n;
		}

		int read(int n) {
			int v = peek(n);
			skip(n);
			return v;
		}

		boolean overflowed() {
			return bitPos < 0;
		}
	}
}
