package cacheshadow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import cacheshadow.caches.CacheAnalysis;
import cacheshadow.caches.CachedEntry;
import cacheshadow.ext4.Crc32c;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.kernel.Btf;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.layers.Layers;
import cacheshadow.layers.LittleEndian;
import cacheshadow.listing.GuestName;

/**
 * Names a root attacker plants in a guest, on real sample evidence: cached dentries of the snapshot renamed (their
 * {@code d_name} pointed at chosen bytes) and entries added to a directory block of a copy of the disk image (with a
 * valid checksum). Names with {@code /} and {@code ..} that would climb out of an export folder, {@code .} and
 * {@code ..} themselves, NUL, a trailing slash, invalid UTF-8 (an overlong {@code /} too), terminal escape sequences,
 * tabs and newlines, C1 controls, a bidirectional override, a backslash, names of thousands of bytes; a directory
 * renamed to the name of its sibling symlink, whose target is pointed out of the export folder.
 */
public final class HostileNames {
	/** A cached dentry (at {@code original}) renamed to {@code name}. */
	public record Rename(String original, byte[] name) {
		/** The path the planted name has in the model (the name in its escaped text form). */
		public String path() {
			return original.substring(0, original.lastIndexOf('/') + 1) + GuestName.of(name);
		}
	}

	/** An entry added to the disk directory {@code dir} (path inside the file system) naming the inode at {@code target}. */
	public record Entry(String dir, byte[] name, String target) {
		public String path(String mountPrefix) {
			return mountPrefix + dir + "/" + GuestName.of(name);
		}
	}

	/** The directory renamed to the name of its sibling symlink, and the symlink whose target is planted. */
	public static final String TWIN_DIRECTORY = "/mnt/disk/hist/r6", TWIN_SYMLINK = "/mnt/disk/hist/symlink_r4";
	/** The planted target of {@link #TWIN_SYMLINK}: out of an export folder at {@code TMP/out}, into {@code TMP}. */
	public static final String TWIN_TARGET = "../../../../escaped-by-link";

	public static final List<Rename> RENAMES = List.of(
			new Rename("/mnt/disk/etc/app.conf", b("../../../../escaped-by-dotdot")),
			new Rename("/mnt/disk/a", b("..")),
			new Rename("/mnt/disk/docs/readme.txt", b("slash/")),
			new Rename("/mnt/disk/docs/notes with space.txt", b("nul\0byte")),
			new Rename("/mnt/disk/hist/r2/f2.txt", new byte[] { 'b', 'a', 'd', '-', (byte) 0xff, (byte) 0xfe, '-', (byte) 0xc3, '(', '-', 'u', 't', 'f', '8' }),
			new Rename("/mnt/disk/hist/r4/f1.txt", b("\u001b[31mred\u001b[0m\u001b]0;owned\u0007")),
			new Rename("/mnt/disk/hist/r4/f2.txt", b("tab\there\nnewline\r")),
			new Rename("/mnt/disk/home/user/todo.txt", b("L".repeat(3000))),
			new Rename("/mnt/disk/phase1/new1.txt", b("é".repeat(200))),
			new Rename("/mnt/disk/srv/archive/file_2.txt", b("back\\slash")),
			new Rename("/mnt/disk/srv/archive/file_3.txt", b("\u202etxt.exe")),
			new Rename("/mnt/disk/new/p2_file_1.txt", b(".")),
			new Rename("/mnt/disk/new/p2_file_2.txt", b("\u009b31mC1")),
			new Rename("/mnt/tmp/session.txt", b("../../../../escaped-from-tmpfs")),
			new Rename(TWIN_DIRECTORY, b("symlink_r4")));

	/** Entries added to the disk's /data (a directory block neither the jbd2 journal nor, at the snapshot, the guest rewrote). */
	public static final List<Entry> ENTRIES = List.of(
			new Entry("/data", b("ext4/../../../../escaped-by-ext4"), "/home/user/todo.txt"),
			new Entry("/data", b(".."), "/a/b"),
			new Entry("/data", b("."), "/home/user/todo.txt"),
			new Entry("/data", b("nul\0ext4"), "/home/user/todo.txt"),
			new Entry("/data", b("\u001b]2;ext4-title\u0007\u001b[2J"), "/home/user/todo.txt"),
			new Entry("/data", new byte[] { 'o', 'v', 'e', 'r', 'l', 'o', 'n', 'g', (byte) 0xc0, (byte) 0xaf, 's', 'l', 'a', 's', 'h' }, "/home/user/todo.txt"),
			new Entry("/data", ctrl255(), "/home/user/todo.txt"));

	private HostileNames() {
	}

	private static byte[] b(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	private static void put16(byte[] b, int off, int v) {
		b[off] = (byte) v;
		b[off + 1] = (byte) (v >>> 8);
	}

	private static byte[] ctrl255() {
		byte[] n = new byte[255];
		for (int i = 0; i < n.length; i++) n[i] = (byte) (1 + i % 31);
		return n;
	}

	/** Every planted path of the snapshot (escaped text form), the twin directory's children excluded. */
	public static List<String> memoryPaths() {
		List<String> out = new ArrayList<>();
		for (Rename r : RENAMES) out.add(r.path());
		return out;
	}

	/**
	 * The snapshot with the renames planted: each listed dentry's {@code d_name} points at the planted bytes (placed
	 * at 1 MiB of physical memory, ZONE_DMA, which the kernel leaves unused), and {@link #TWIN_SYMLINK}'s inode
	 * {@code i_link} and {@code i_size} at {@link #TWIN_TARGET}.
	 */
	public static PatchedLayer plantInMemory(Layer mem, CacheAnalysis clean) throws IOException {
		LinuxKernel k = clean.kernel();
		Btf btf = k.btf();
		long lenOff = btf.field("dentry", "d_name.len").offset(), nameOff = btf.field("dentry", "d_name.name").offset();
		PatchedLayer p = new PatchedLayer(mem);
		long buffer = k.pageOffsetBase() + 0x10_0000;
		for (Rename r : RENAMES) {
			CachedEntry e = positive(clean, r.original());
			p.put(k.toPhysical(buffer), r.name());
			byte[] len = new byte[4];
			LittleEndian.put32(len, 0, r.name().length);
			p.put(k.toPhysical(e.dentry() + lenOff), len).put64(k.toPhysical(e.dentry() + nameOff), buffer);
			buffer += (r.name().length + 0xfff) & ~0xfffL;
		}
		CachedEntry link = positive(clean, TWIN_SYMLINK);
		byte[] target = b(TWIN_TARGET);
		p.put(k.toPhysical(buffer), target);
		long iLink = btf.field("inode", "i_link").offset(), iSize = btf.field("inode", "i_size").offset();
		p.put64(k.toPhysical(link.inode().address() + iLink), buffer).put64(k.toPhysical(link.inode().address() + iSize), target.length);
		return p;
	}

	private static CachedEntry positive(CacheAnalysis a, String path) {
		for (CachedEntry e : a.entries()) if (e.path().equals(path) && e.state() == CachedEntry.State.POSITIVE) return e;
		return fail("no positive cached dentry at " + path);
	}

	/** Writes an ELF core equal to {@code elf} but with {@code patched}'s bytes (copy, then each patch at its file offset). */
	public static void writeElf(Path elf, PatchedLayer patched, Path out) throws IOException {
		Files.copy(elf, out, StandardCopyOption.REPLACE_EXISTING);
		out.toFile().setWritable(true);
		try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
			ByteBuffer eh = ByteBuffer.allocate(64);
			ch.read(eh, 0);
			byte[] h = eh.array();
			long phoff = LittleEndian.u64(h, 32);
			int phentsize = LittleEndian.u16(h, 54), phnum = LittleEndian.u16(h, 56);
			List<long[]> loads = new ArrayList<>(); // paddr, filesz, offset
			for (int i = 0; i < phnum; i++) {
				ByteBuffer ph = ByteBuffer.allocate(56);
				ch.read(ph, phoff + (long) i * phentsize);
				byte[] x = ph.array();
				if (LittleEndian.s32(x, 0) == 1) loads.add(new long[] { LittleEndian.u64(x, 24), LittleEndian.u64(x, 32), LittleEndian.u64(x, 8) });
			}
			for (long[] range : patched.patchedRanges()) {
				byte[] bytes = new byte[(int) range[1]];
				patched.read(range[0], bytes, 0, bytes.length);
				for (int i = 0; i < bytes.length; i++) {
					long pa = range[0] + i;
					long at = -1;
					for (long[] l : loads) if (pa >= l[0] && pa < l[0] + l[1]) at = l[2] + (pa - l[0]);
					assertTrue(at >= 0, "physical 0x" + Long.toHexString(pa) + " is in no PT_LOAD");
					ch.write(ByteBuffer.wrap(bytes, i, 1), at);
				}
			}
		}
	}

	/**
	 * Copies {@code disk} to {@code out} and adds {@link #ENTRIES} to the first block of their directory: the last
	 * entry's {@code rec_len} is cut to its size and the planted entries fill the rest; the block's checksum tail is
	 * recomputed (metadata_csum), as a root attacker writing the raw device would.
	 */
	public static void plantInDisk(Path disk, Path out) throws IOException {
		Files.copy(disk, out, StandardCopyOption.REPLACE_EXISTING);
		out.toFile().setWritable(true);
		long blockAt;
		byte[] block;
		try (Layer l = Layers.openDisk(out); Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.AS_IT_LIES)) {
			String dirPath = ENTRIES.get(0).dir();
			Ext4Inode dir = fs.inode(fs.lookup(dirPath));
			int bs = fs.blockSize();
			long phys = fs.blockMap(dir).physical(0);
			block = fs.readBlock(phys);
			blockAt = phys * bs;
			boolean csum = fs.superblock().hasMetadataCsum();
			int end = csum ? bs - 12 : bs;
			// the last entry before the end (or the checksum tail)
			int off = 0, last = -1;
			while (off < end) {
				last = off;
				off += LittleEndian.u16(block, off + 4);
			}
			int lastLen = (8 + (block[last + 6] & 0xff) + 3) & ~3;
			int at = last + lastLen;
			put16(block, last + 4, lastLen);
			for (int i = 0; i < ENTRIES.size(); i++) {
				Entry e = ENTRIES.get(i);
				assertEquals(dirPath, e.dir());
				long ino = fs.lookup(e.target());
				int type = fs.inode(ino).isDirectory() ? 2 : 1;
				int need = (8 + e.name().length + 3) & ~3;
				int rec = i == ENTRIES.size() - 1 ? end - at : need;
				assertTrue(at + rec <= end && rec >= need, "planted entries fit the block");
				java.util.Arrays.fill(block, at, at + rec, (byte) 0);
				LittleEndian.put32(block, at, (int) ino);
				put16(block, at + 4, rec);
				block[at + 6] = (byte) e.name().length;
				block[at + 7] = (byte) type;
				System.arraycopy(e.name(), 0, block, at + 8, e.name().length);
				at += rec;
			}
			if (csum) {
				int seed = Crc32c.updateLe32(Crc32c.updateLe32(fs.superblock().checksumSeed(), dir.number), dir.generation);
				LittleEndian.put32(block, bs - 4, Crc32c.update(seed, block, 0, bs - 12));
			}
		}
		try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
			ch.write(ByteBuffer.wrap(block), blockAt);
		}
		// the planted names are what ext4 now reads there
		try (Layer l = Layers.openDisk(out); Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.REPLAYED)) {
			List<String> names = new ArrayList<>();
			for (DirectoryEntry d : fs.readDirectory(fs.inode(fs.lookup(ENTRIES.get(0).dir())))) names.add(d.name());
			for (Entry e : ENTRIES) assertTrue(names.contains(GuestName.of(e.name())), "planted " + GuestName.of(e.name()) + " in " + names);
			assertTrue(fs.findings().stream().noneMatch(f -> f.kind().equals("ext4-csum")), fs.findings().toString());
		}
	}

	/** A sample set with planted names as files: {@code memory.elf}, {@code disk.img} (and the set's kernel files). */
	public record Evidence(Path memory, Path disk, Path kernel) {
	}

	/** Writes the set's snapshot and disk with the planted names into {@code dir} (about 330 MB). */
	public static Evidence write(String set, Path dir) throws IOException {
		Path elf = EvidenceSamples.file(set, "memory.elf");
		Path kernel = EvidenceSamples.dir(set).resolve("kernel");
		Files.createDirectories(dir);
		try (Layer mem = Layers.openMemory(elf)) {
			CacheAnalysis clean = CacheAnalysis.open(mem, kernel, cacheshadow.layers.Progress.NONE);
			writeElf(elf, plantInMemory(mem, clean), dir.resolve("memory.elf"));
		}
		plantInDisk(EvidenceSamples.file(set, "disk.img"), dir.resolve("disk.img"));
		return new Evidence(dir.resolve("memory.elf"), dir.resolve("disk.img"), kernel);
	}
}
