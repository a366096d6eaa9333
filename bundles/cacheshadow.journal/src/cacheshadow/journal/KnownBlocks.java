package cacheshadow.journal;

import java.io.BufferedInputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Zeros;
import cacheshadow.listing.GuestName;

/**
 * The known 4 KiB blocks a {@link SectorHashSearch} looks for in write journals: each block by its SHA-256, with the
 * files and offsets it is a block of, and a <em>sample key</em> — a 64-bit hash of 16 words spread over the block —
 * that lets the search pass over a journal window after reading 128 of its 4096 bytes; only windows whose key is
 * known are hashed with SHA-256. Blocks are taken at file offsets 0, 4096, ...; a last partial block is padded
 * with zeros (as a file system stores it); all-zero blocks are left out (they would match every zeroed block of
 * any disk). The hash-set file format is in FORMAT.md ("Sector hash sets"). Serializable, so the fleet search on Spark
 * ships one set to every task.
 */
public final class KnownBlocks implements java.io.Serializable {
	private static final long serialVersionUID = 1L;
	public static final int BLOCK = 4096;
	/** Words sampled for the key, and their stride: 264 = 256 + 8, so each sample lies in its own cache line and word. */
	static final int SAMPLES = 16, STRIDE = 264;
	/** Longest hash-set line (a hostile file of one endless line must not fill the heap). */
	static final int MAX_LINE = 64 * 1024;
	/** Places kept per block: a file of one repeated block must not make every match print a million rows. */
	static final int MAX_PLACES = 64;
	/** Distinct blocks at most (~256 GiB of known data, ~10 GiB of heap). */
	static final int MAX_BLOCKS = 1 << 26;
	static final String HEADER = "sha256\tsample\tfile\tfile_offset";

	/** Where a known block occurs: a file (its name as given, escaped as GuestName does) and the block's offset in it. */
	public record Place(String file, long offset) implements java.io.Serializable {
	}

	/** A SHA-256 as four longs (a compact map key). */
	record Digest(long a, long b, long c, long d) implements java.io.Serializable {
		static Digest of(byte[] h) {
			return new Digest(LittleEndian.u64(h, 0), LittleEndian.u64(h, 8), LittleEndian.u64(h, 16), LittleEndian.u64(h, 24));
		}

		byte[] bytes() {
			byte[] h = new byte[32];
			LittleEndian.put64(h, 0, a);
			LittleEndian.put64(h, 8, b);
			LittleEndian.put64(h, 16, c);
			LittleEndian.put64(h, 24, d);
			return h;
		}
	}

	private static final class Known implements java.io.Serializable {
		private static final long serialVersionUID = 1L;
		final long sample;
		final boolean sampled;
		final List<Place> places = new ArrayList<>(1);
		long dropped;

		Known(long sample, boolean sampled) {
			this.sample = sample;
			this.sampled = sampled;
		}
	}

	private final Map<Digest, Known> blocks = new LinkedHashMap<>();
	private final SampleKeys keys = new SampleKeys();
	private boolean unsampled;
	private long placesDropped;

	static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Distinct blocks known. */
	public int size() {
		return blocks.size();
	}

	/** Places not kept because a block already had {@value #MAX_PLACES} (0 normally). */
	public long placesDropped() {
		return placesDropped;
	}

	/** True when some block came without a sample key (a hash set of SHA-256 only): every window is then hashed. */
	public boolean unsampled() {
		return unsampled;
	}

	/**
	 * The known blocks of a search (the command line's and the fleet's): a hash set (null: none) and files, each named
	 * as given; what a user should know (an empty file, places not kept, how many blocks) goes to {@code err}.
	 */
	public static KnownBlocks of(Path hashSet, List<String> files, java.io.PrintStream err) throws IOException {
		KnownBlocks known = new KnownBlocks();
		if (hashSet != null) known.readHashSet(hashSet);
		for (String f : files) {
			if (known.addFile(Path.of(f), f) == 0) err.println("search: " + GuestName.text(f.getBytes(StandardCharsets.UTF_8)) + " is empty: no block to search for");
		}
		if (known.placesDropped() > 0) {
			err.printf("search: %d places of blocks that occur more than %d times were not kept (hits list the first ones)%n", known.placesDropped(), MAX_PLACES);
		}
		err.printf(java.util.Locale.ROOT, "search: %d distinct known blocks%s%n", known.size(), known.unsampled() ? " (some without sample key: every window is hashed)" : "");
		return known;
	}

	/**
	 * Adds every non-zero 4 KiB block of a file; {@code name} is how hits name it. Returns the number of blocks read
	 * (0 for an empty file).
	 */
	public long addFile(Path file, String name) throws IOException {
		String shown = GuestName.text(name.getBytes(StandardCharsets.UTF_8));
		MessageDigest sha = sha256();
		byte[] b = new byte[BLOCK];
		long n = 0;
		try (InputStream in = Files.newInputStream(file)) {
			for (long off = 0;; off += BLOCK) {
				int got = in.readNBytes(b, 0, BLOCK);
				if (got <= 0) break;
				if (got < BLOCK) Arrays.fill(b, got, BLOCK, (byte) 0);
				n++;
				if (!Zeros.allZero(b)) add(Digest.of(sha.digest(b)), sample(b, 0), true, new Place(shown, off), file);
				if (got < BLOCK) break;
			}
		} catch (NoSuchFileException e) {
			throw new EvidenceFormatException(file, "no such file");
		}
		return n;
	}

	private void add(Digest d, long sample, boolean sampled, Place p, Path source) throws EvidenceFormatException {
		Known k = blocks.get(d);
		if (k == null) {
			if (blocks.size() >= MAX_BLOCKS) throw new EvidenceFormatException(source, "more than " + MAX_BLOCKS + " distinct known blocks; search in parts");
			k = new Known(sample, sampled);
			blocks.put(d, k);
			if (sampled) keys.add(sample);
			else unsampled = true;
		} else if (sampled && k.sampled && k.sample != sample) {
			throw new EvidenceFormatException(source, "block " + HexFormat.of().formatHex(d.bytes()) + " is given with two different sample keys");
		}
		if (k.places.size() < MAX_PLACES) k.places.add(p);
		else {
			k.dropped++;
			placesDropped++;
		}
	}

	/** The places of the block with this SHA-256, or null when it is not known. */
	List<Place> places(byte[] sha256) {
		Known k = blocks.get(Digest.of(sha256));
		return k == null ? null : k.places;
	}

	/** False when no known block has this sample key (the window cannot be one of them). */
	boolean mayHold(long sample) {
		return keys.contains(sample);
	}

	/** The sample key of the 4 KiB block at {@code off}. */
	static long sample(byte[] b, int off) {
		long h = SEED;
		for (int j = 0; j < SAMPLES; j++) h = mix(h, LittleEndian.u64(b, off + j * STRIDE));
		return h;
	}

	/** {@link #sample(byte[], int)} of the block at {@code pos} of a mapped file, read in place. */
	static long sample(cacheshadow.layers.MappedFile f, long pos) throws IOException {
		long h = SEED;
		for (int j = 0; j < SAMPLES; j++) h = mix(h, f.u64(pos + j * STRIDE));
		return h;
	}

	private static final long SEED = 0x243F6A8885A308D3L;

	static long mix(long h, long word) {
		h = (h ^ word) * 0x9E3779B97F4A7C15L;
		return h ^ (h >>> 29);
	}

	/**
	 * Reads a hash set (FORMAT.md): {@code sha256 [sample [file [file_offset]]]}, tab-separated, one block per line;
	 * an optional header line, blank lines and {@code #} comments are skipped. Bad lines are refused with their number.
	 */
	public void readHashSet(Path path) throws IOException {
		byte[] line = new byte[MAX_LINE];
		try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
			long no = 0;
			while (true) {
				int n = 0, c;
				boolean any = false;
				while ((c = in.read()) >= 0 && c != '\n') {
					any = true;
					if (n == MAX_LINE) throw new EvidenceFormatException(path, "line " + (no + 1) + " is longer than " + MAX_LINE + " bytes");
					line[n++] = (byte) c;
				}
				if (c < 0 && !any) break;
				no++;
				if (n > 0 && line[n - 1] == '\r') n--;
				String s = new String(line, 0, n, StandardCharsets.UTF_8);
				if (s.isBlank() || s.startsWith("#") || (no == 1 && s.equals(HEADER))) continue;
				parseLine(path, no, s);
			}
		} catch (NoSuchFileException e) {
			throw new EvidenceFormatException(path, "no such file");
		}
	}

	private void parseLine(Path path, long no, String s) throws EvidenceFormatException {
		String[] f = s.split("\t", -1);
		if (f.length > 4) throw new EvidenceFormatException(path, "line " + no + ": " + f.length + " columns (at most 4: " + HEADER.replace('\t', ' ') + ")");
		byte[] h = hex(f[0], 32);
		if (h == null) throw new EvidenceFormatException(path, "line " + no + ": not a SHA-256 (64 hex digits): " + GuestName.text(clip(f[0]).getBytes(StandardCharsets.UTF_8)));
		boolean sampled = f.length > 1 && !f[1].equals("-");
		long sample = 0;
		if (sampled) {
			byte[] k = hex(f[1], 8);
			if (k == null) throw new EvidenceFormatException(path, "line " + no + ": sample key is not 16 hex digits or -: " + GuestName.text(clip(f[1]).getBytes(StandardCharsets.UTF_8)));
			sample = java.nio.ByteBuffer.wrap(k).getLong();
		}
		String file = f.length > 2 ? f[2] : "-";
		for (int i = 0; i < file.length(); i++) {
			char ch = file.charAt(i);
			if (ch < 0x20 || ch == 0x7f) throw new EvidenceFormatException(path, "line " + no + ": a control character in the file name (escape it as \\xNN)");
		}
		long off = 0;
		if (f.length > 3) {
			try {
				off = Long.parseLong(f[3]);
				if (off < 0) throw new NumberFormatException();
			} catch (NumberFormatException e) {
				throw new EvidenceFormatException(path, "line " + no + ": file_offset is not a byte offset: " + GuestName.text(clip(f[3]).getBytes(StandardCharsets.UTF_8)));
			}
		}
		add(Digest.of(h), sample, sampled, new Place(file.isEmpty() ? "-" : file, off), path);
	}

	private static String clip(String s) {
		return s.length() > 80 ? s.substring(0, 80) + "..." : s;
	}

	private static byte[] hex(String s, int bytes) {
		if (s.length() != bytes * 2) return null;
		try {
			return HexFormat.of().parseHex(s.toLowerCase(java.util.Locale.ROOT));
		} catch (IllegalArgumentException e) {
			return null;
		}
	}

	/** Writes the set in the hash-set format, one line per place, header first. */
	public void writeHashSet(Path out) throws IOException {
		HexFormat hx = HexFormat.of();
		try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
			w.write(HEADER);
			w.write('\n');
			for (Map.Entry<Digest, Known> e : blocks.entrySet()) {
				String h = hx.formatHex(e.getKey().bytes()), k = e.getValue().sampled ? hx.toHexDigits(e.getValue().sample) : "-";
				for (Place p : e.getValue().places) w.write(h + "\t" + k + "\t" + p.file() + "\t" + p.offset() + "\n");
			}
		}
	}

	/** An open-addressing set of longs (sample keys), so the search's per-window test allocates nothing. */
	private static final class SampleKeys implements java.io.Serializable {
		private static final long serialVersionUID = 1L;
		private long[] slots = new long[1024];
		private int count;
		private boolean hasZero;

		void add(long k) {
			if (k == 0) {
				hasZero = true;
				return;
			}
			if ((count + 1) * 2 > slots.length) grow();
			if (insert(slots, k)) count++;
		}

		private static boolean insert(long[] t, long k) {
			int m = t.length - 1;
			for (int i = spread(k) & m;; i = (i + 1) & m) {
				if (t[i] == k) return false;
				if (t[i] == 0) {
					t[i] = k;
					return true;
				}
			}
		}

		private void grow() {
			long[] t = new long[slots.length * 2];
			for (long k : slots) if (k != 0) insert(t, k);
			slots = t;
		}

		boolean contains(long k) {
			if (k == 0) return hasZero;
			long[] t = slots;
			int m = t.length - 1;
			for (int i = spread(k) & m;; i = (i + 1) & m) {
				long v = t[i];
				if (v == k) return true;
				if (v == 0) return false;
			}
		}

		private static int spread(long k) {
			return (int) (k ^ (k >>> 32));
		}
	}
}
