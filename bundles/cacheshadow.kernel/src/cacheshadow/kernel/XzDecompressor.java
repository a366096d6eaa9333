package cacheshadow.kernel;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import cacheshadow.layers.EvidenceFormatException;

/**
 * A pure-Java decoder for the XZ streams a bzImage payload uses (scripts/xz_wrap.sh: {@code xz --check=crc32 --x86
 * --lzma2}): the .xz container (stream header, blocks with filter chains, up to the index), LZMA2 chunks with the
 * LZMA range decoder, and the x86 BCJ filter. Written from the published .xz and LZMA format descriptions. Every
 * size is checked against the input and an output limit, so damaged input ends with an exception, not a hang.
 */
final class XzDecompressor {
	private static final byte[] MAGIC = { (byte) 0xfd, '7', 'z', 'X', 'Z', 0 };
	private static final long FILTER_X86 = 0x04, FILTER_LZMA2 = 0x21;

	private final byte[] in;
	private int pos;
	private final String source;
	private final long limit;

	private XzDecompressor(byte[] in, int start, String source, long limit) {
		this.in = in;
		this.pos = start;
		this.source = source;
		this.limit = limit;
	}

	static boolean isXz(byte[] b, int at) {
		return at + MAGIC.length <= b.length && Arrays.equals(b, at, at + MAGIC.length, MAGIC, 0, MAGIC.length);
	}

	/** Decodes the stream starting at {@code start} (trailing bytes after it are ignored). */
	static byte[] decompress(byte[] in, int start, String source, long maxOutput) throws EvidenceFormatException {
		try {
			return new XzDecompressor(in, start, source, maxOutput).stream();
		} catch (ArrayIndexOutOfBoundsException e) {
			throw new EvidenceFormatException(source, "XZ data truncated or damaged");
		}
	}

	private EvidenceFormatException error(String m) {
		return new EvidenceFormatException(source, "XZ: " + m);
	}

	private byte[] stream() throws EvidenceFormatException {
		if (!isXz(in, pos)) throw error("no stream header");
		int checkType = in[pos + 7] & 0x0f;
		int checkSize = checkType == 0 ? 0 : 4 << ((checkType - 1) / 3);
		pos += 12;
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		while (true) {
			int headerSize = in[pos] & 0xff;
			if (headerSize == 0) break; // the index follows the last block
			int headerEnd = pos + (headerSize + 1) * 4;
			int flags = in[pos + 1] & 0xff;
			pos += 2;
			int filters = (flags & 3) + 1;
			if ((flags & 0x40) != 0) varint();
			if ((flags & 0x80) != 0) varint();
			long[] ids = new long[filters];
			int dictProps = -1;
			for (int f = 0; f < filters; f++) {
				ids[f] = varint();
				long propSize = varint();
				if (ids[f] == FILTER_LZMA2) {
					if (propSize != 1) throw error("LZMA2 properties of " + propSize + " bytes");
					dictProps = in[pos] & 0xff;
				} else if (ids[f] == FILTER_X86) {
					if (propSize != 0 && (propSize != 4 || (in[pos] | in[pos + 1] | in[pos + 2] | in[pos + 3]) != 0)) {
						throw error("x86 filter with a start offset");
					}
				} else {
					throw error("unsupported filter 0x" + Long.toHexString(ids[f]));
				}
				pos += (int) propSize;
			}
			if (ids[filters - 1] != FILTER_LZMA2 || dictProps < 0) throw error("block does not end in LZMA2");
			pos = headerEnd;
			byte[] block = new Lzma2(limit - out.size()).decode();
			for (int f = filters - 2; f >= 0; f--) {
				if (ids[f] == FILTER_X86) x86(block);
			}
			out.writeBytes(block);
			while ((pos & 3) != 0) pos++; // block padding (relative to a 4-aligned stream start)
			pos += checkSize;
		}
		return out.toByteArray();
	}

	private long varint() throws EvidenceFormatException {
		long v = 0;
		for (int i = 0; i < 9; i++) {
			int b = in[pos++] & 0xff;
			v |= (long) (b & 0x7f) << (7 * i);
			if ((b & 0x80) == 0) return v;
		}
		throw error("integer too long");
	}

	/** LZMA2: a sequence of uncompressed and LZMA chunks over one dictionary (the output itself). */
	private final class Lzma2 {
		private final long max;
		private byte[] out = new byte[1 << 20];
		private int outLen;
		private Lzma lzma;

		Lzma2(long max) {
			this.max = max;
		}

		byte[] decode() throws EvidenceFormatException {
			while (true) {
				int c = in[pos++] & 0xff;
				if (c == 0) return Arrays.copyOf(out, outLen);
				if (c == 1 || c == 2) {
					int size = ((in[pos] & 0xff) << 8 | (in[pos + 1] & 0xff)) + 1;
					pos += 2;
					ensure(size);
					System.arraycopy(in, pos, out, outLen, size);
					pos += size;
					outLen += size;
					continue;
				}
				if (c < 0x80) throw error("bad LZMA2 control byte 0x" + Integer.toHexString(c));
				int unpacked = ((c & 0x1f) << 16 | (in[pos] & 0xff) << 8 | (in[pos + 1] & 0xff)) + 1;
				int packed = ((in[pos + 2] & 0xff) << 8 | (in[pos + 3] & 0xff)) + 1;
				pos += 4;
				int reset = (c >>> 5) & 3;
				if (reset >= 2) {
					int props = in[pos++] & 0xff;
					if (props >= 9 * 5 * 5) throw error("bad LZMA properties");
					lzma = new Lzma(props % 9, (props / 9) % 5, props / 45);
				} else if (lzma == null) {
					throw error("LZMA chunk without properties");
				} else if (reset == 1) {
					lzma.resetState();
				}
				int end = pos + packed;
				ensure(unpacked);
				lzma.decode(unpacked, end);
				pos = end;
			}
		}

		private void ensure(int more) throws EvidenceFormatException {
			if (outLen + (long) more > max) throw error("output larger than " + max + " bytes");
			if (outLen + more > out.length) {
				long n = Math.max((long) out.length * 2, (long) outLen + more);
				out = Arrays.copyOf(out, (int) Math.min(n, Integer.MAX_VALUE - 16));
			}
		}

		/** The LZMA decoder proper: range coder, 12-state machine, literal/match/rep coding. */
		private final class Lzma {
			private final int lc, lp, pb;
			private final short[] literal;
			private final short[] isMatch = new short[12 << 4], isRep = new short[12], isRepG0 = new short[12],
					isRepG1 = new short[12], isRepG2 = new short[12], isRep0Long = new short[12 << 4];
			private final short[] posSlot = new short[4 << 6], posSpecial = new short[115], align = new short[16];
			private final short[] lenCoder = new short[2 + 16 * 8 * 2 + 256], repLenCoder = new short[2 + 16 * 8 * 2 + 256];
			private int state, rep0, rep1, rep2, rep3;
			private int range, code, end;

			Lzma(int lc, int lp, int pb) {
				this.lc = lc;
				this.lp = lp;
				this.pb = pb;
				literal = new short[0x300 << (lc + lp)];
				resetState();
			}

			void resetState() {
				for (short[] p : new short[][] { literal, isMatch, isRep, isRepG0, isRepG1, isRepG2, isRep0Long, posSlot,
						posSpecial, align, lenCoder, repLenCoder }) {
					Arrays.fill(p, (short) 1024);
				}
				state = 0;
				rep0 = rep1 = rep2 = rep3 = 0;
			}

			private void normalize() {
				if (Integer.compareUnsigned(range, 1 << 24) < 0) {
					range <<= 8;
					code = (code << 8) | (pos < end ? in[pos++] & 0xff : 0);
				}
			}

			private int bit(short[] p, int i) {
				int prob = p[i];
				int bound = (range >>> 11) * prob;
				int b;
				if (Integer.compareUnsigned(code, bound) < 0) {
					range = bound;
					p[i] = (short) (prob + ((2048 - prob) >>> 5));
					b = 0;
				} else {
					range -= bound;
					code -= bound;
					p[i] = (short) (prob - (prob >>> 5));
					b = 1;
				}
				normalize();
				return b;
			}

			private int tree(short[] p, int base, int bits) {
				int m = 1;
				for (int i = 0; i < bits; i++) m = (m << 1) | bit(p, base + m);
				return m - (1 << bits);
			}

			private int reverseTree(short[] p, int base, int bits) {
				int m = 1, sym = 0;
				for (int i = 0; i < bits; i++) {
					int b = bit(p, base + m);
					m = (m << 1) | b;
					sym |= b << i;
				}
				return sym;
			}

			private int direct(int bits) {
				int v = 0;
				for (int i = 0; i < bits; i++) {
					range >>>= 1;
					int b = Integer.compareUnsigned(code, range) >= 0 ? 1 : 0;
					if (b == 1) code -= range;
					v = (v << 1) | b;
					normalize();
				}
				return v;
			}

			/** Length coder layout: choice, choice2, low[16][8], mid[16][8], high[256]. */
			private int length(short[] p, int posState) {
				if (bit(p, 0) == 0) return tree(p, 2 + posState * 8, 3);
				if (bit(p, 1) == 0) return 8 + tree(p, 2 + 128 + posState * 8, 3);
				return 16 + tree(p, 2 + 256, 8);
			}

			void decode(int unpacked, int chunkEnd) throws EvidenceFormatException {
				end = chunkEnd;
				if (in[pos] != 0) throw error("range coder does not start with 0");
				pos++;
				range = -1;
				code = 0;
				for (int i = 0; i < 4; i++) code = (code << 8) | (in[pos++] & 0xff);
				int stop = outLen + unpacked;
				int pbMask = (1 << pb) - 1, lpMask = (1 << lp) - 1;
				while (outLen < stop) {
					int posState = outLen & pbMask;
					if (bit(isMatch, (state << 4) | posState) == 0) {
						int prev = outLen > 0 ? out[outLen - 1] & 0xff : 0;
						int base = 0x300 * (((outLen & lpMask) << lc) + (prev >>> (8 - lc)));
						int sym = 1;
						if (state >= 7) {
							int match = byteAt(rep0 + 1);
							do {
								int mb = (match >>> 7) & 1;
								match <<= 1;
								int b = bit(literal, base + ((1 + mb) << 8) + sym);
								sym = (sym << 1) | b;
								if (mb != b) break;
							} while (sym < 0x100);
						}
						while (sym < 0x100) sym = (sym << 1) | bit(literal, base + sym);
						out[outLen++] = (byte) sym;
						state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
						continue;
					}
					int len;
					if (bit(isRep, state) == 0) {
						rep3 = rep2;
						rep2 = rep1;
						rep1 = rep0;
						len = length(lenCoder, posState);
						state = state < 7 ? 7 : 10;
						rep0 = distance(len);
						if (rep0 == -1) throw error("end marker inside an LZMA2 chunk");
					} else {
						if (bit(isRepG0, state) == 0) {
							if (bit(isRep0Long, (state << 4) | posState) == 0) {
								state = state < 7 ? 9 : 11;
								out[outLen] = (byte) byteAt(rep0 + 1);
								outLen++;
								continue;
							}
						} else {
							int dist;
							if (bit(isRepG1, state) == 0) {
								dist = rep1;
							} else {
								if (bit(isRepG2, state) == 0) {
									dist = rep2;
								} else {
									dist = rep3;
									rep3 = rep2;
								}
								rep2 = rep1;
							}
							rep1 = rep0;
							rep0 = dist;
						}
						len = length(repLenCoder, posState);
						state = state < 7 ? 8 : 11;
					}
					len += 2;
					if (Integer.toUnsignedLong(rep0) >= outLen) throw error("match distance beyond the output");
					if (outLen + len > stop) throw error("match past the chunk's size");
					int from = outLen - rep0 - 1;
					for (int i = 0; i < len; i++) out[outLen++] = out[from + i];
				}
			}

			private int byteAt(int distance) throws EvidenceFormatException {
				if (distance <= 0 || distance > outLen) throw error("match distance beyond the output");
				return out[outLen - distance] & 0xff;
			}

			private int distance(int len) {
				int lenState = Math.min(len, 3);
				int slot = tree(posSlot, lenState << 6, 6);
				if (slot < 4) return slot;
				int bits = (slot >>> 1) - 1;
				int dist = (2 | (slot & 1)) << bits;
				if (slot < 14) return dist + reverseTree(posSpecial, dist - slot, bits);
				dist += direct(bits - 4) << 4;
				return dist + reverseTree(align, 0, 4);
			}
		}
	}

	private static final boolean[] ALLOWED = { true, true, true, false, true, false, false, false };
	private static final int[] BIT_NUMBER = { 0, 1, 2, 2, 3, 3, 3, 3 };

	/** Undoes the x86 BCJ filter: E8/E9 (call/jmp) targets were made absolute to compress better. */
	static void x86(byte[] buf) {
		int prevMask = 0;
		int prevPos = -5;
		for (int i = 0; i + 5 <= buf.length;) {
			int b = buf[i] & 0xff;
			if (b != 0xe8 && b != 0xe9) {
				i++;
				continue;
			}
			int offset = i - prevPos;
			prevPos = i;
			if (offset > 5) {
				prevMask = 0;
			} else {
				for (int k = 0; k < offset; k++) {
					prevMask &= 0x77;
					prevMask <<= 1;
				}
			}
			b = buf[i + 4] & 0xff;
			if ((b == 0 || b == 0xff) && ALLOWED[(prevMask >>> 1) & 7] && (prevMask >>> 1) < 0x10) {
				int src = b << 24 | (buf[i + 3] & 0xff) << 16 | (buf[i + 2] & 0xff) << 8 | (buf[i + 1] & 0xff);
				int dest;
				while (true) {
					dest = src - (i + 5);
					if (prevMask == 0) break;
					int n = BIT_NUMBER[prevMask >>> 1];
					int t = (dest >>> (24 - n * 8)) & 0xff;
					if (t != 0 && t != 0xff) break;
					src = dest ^ ((1 << (32 - n * 8)) - 1);
				}
				buf[i + 4] = (byte) ~(((dest >>> 24) & 1) - 1);
				buf[i + 3] = (byte) (dest >>> 16);
				buf[i + 2] = (byte) (dest >>> 8);
				buf[i + 1] = (byte) dest;
				i += 5;
				prevMask = 0;
			} else {
				i++;
				prevMask |= 1;
				if (b == 0 || b == 0xff) prevMask |= 0x10;
			}
		}
	}
}
