package cacheshadow.ext4.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import cacheshadow.ext4.BlockOwners;
import cacheshadow.ext4.BlockRun;

import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.ExtendedAttribute;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;
import cacheshadow.listing.Finding;

/**
 * Images made by {@code mke2fs -d} across feature sets, read by us and by debugfs / The Sleuth Kit: names,
 * inode numbers, modes, owners, sizes, link counts, times (ns, past 2038), block maps, content hashes,
 * symlink targets and xattrs must agree, and no checksum may fail.
 */
class GeneratedImagesTest {
	@TempDir
	static Path tmp;
	static Path src;
	static SourceTree tree;
	/** 2100-01-01T00:00:00.123456789Z, needs the extra epoch bits. */
	static final long Y2100 = 4102444800L;

	@BeforeAll
	static void buildSource() throws Exception {
		src = Files.createDirectories(tmp.resolve("src"));
		tree = SourceTree.build(src);
	}

	static Stream<Arguments> features() {
		return Stream.of(Arguments.of("ext2", new String[] { "-t", "ext2" }),
				Arguments.of("ext3", new String[] { "-t", "ext3" }),
				Arguments.of("ext3-1k", new String[] { "-t", "ext3", "-b", "1024" }),
				Arguments.of("ext4", new String[] { "-t", "ext4" }),
				Arguments.of("ext4-4k", new String[] { "-t", "ext4", "-b", "4096" }),
				Arguments.of("ext4-64k", new String[] { "-t", "ext4", "-b", "65536" }),
				Arguments.of("ext4-32bit-nocsum", new String[] { "-t", "ext4", "-O", "^64bit,^metadata_csum" }),
				Arguments.of("ext4-uninit_bg", new String[] { "-t", "ext4", "-O", "^metadata_csum,uninit_bg" }),
				Arguments.of("ext4-inline", new String[] { "-t", "ext4", "-O", "inline_data" }),
				Arguments.of("ext4-metabg-1k", new String[] { "-t", "ext4", "-b", "1024", "-O", "meta_bg,^resize_inode" }),
				Arguments.of("ext4-128inode-csumseed", new String[] { "-t", "ext4", "-I", "128", "-O", "metadata_csum_seed" }),
				Arguments.of("ext4-ea_inode", new String[] { "-t", "ext4", "-O", "ea_inode" }),
				Arguments.of("ext4-bigalloc-nojournal", new String[] { "-t", "ext4", "-O", "bigalloc,^has_journal", "-C", "16384" }));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("features")
	void agreesWithDebugfsAndSleuthKit(String name, String[] opts) throws Exception {
		Path img = tmp.resolve(name + ".img");
		Oracles.mkfs(src, img, "48M", opts);
		boolean bigInodes = !name.contains("128inode");
		Oracles.debugfs(img, SourceTree.debugfsAdditions(), true);
		// a post-2038 mtime with nanoseconds, set with debugfs (mke2fs -d copies whole seconds only)
		if (bigInodes) {
			long lo = Y2100 & 0xffffffffL, extra = (123456789L << 2) | ((Y2100 - (int) Y2100) >> 32);
			Oracles.debugfs(img, List.of(String.format("sif /exact4k.bin mtime 0x%08x", lo),
					String.format("sif /exact4k.bin mtime_extra 0x%08x", extra)), true);
		}
		boolean extents = name.startsWith("ext4") && !name.contains("inline"); // debugfs would make an inline file
		if (extents) {
			// an uninitialized extent over blocks full of junk: must read as zeros
			Oracles.debugfs(img, List.of("write /dev/null prealloc.bin", "fallocate /prealloc.bin 0 9", "sif /prealloc.bin size 10000"), true);
			try (RawFileLayer l = new RawFileLayer(img)) {
				Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.AS_IT_LIES);
				BlockRun run = fs.blockMap(fs.inode(fs.lookup("/prealloc.bin"))).runs().get(0);
				assertTrue(run.unwritten(), "fallocate made an unwritten extent");
				byte[] junk = new byte[(int) run.length() * fs.blockSize()];
				java.util.Arrays.fill(junk, (byte) 0xEE);
				try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
					f.seek(run.physical() * fs.blockSize());
					f.write(junk);
				}
			}
		}
		byte[] eaInodeValue = null;
		if (name.contains("ea_inode")) {
			// a value too big for the inode and its xattr block space goes to its own inode (debugfs stores up to 1 KiB)
			byte[] v = new byte[1024];
			for (int i = 0; i < v.length; i++) v[i] = (byte) (i * 7);
			Files.write(tmp.resolve("eavalue"), v);
			Oracles.debugfs(img, List.of("ea_set -f " + tmp.resolve("eavalue") + " /xattr.txt user.eainode"), true);
			Oracles.debugfs(img, List.of("ea_get -f " + tmp.resolve("eaout") + " /xattr.txt user.eainode"), false);
			eaInodeValue = Files.readAllBytes(tmp.resolve("eaout"));
			assertEquals(1024, eaInodeValue.length);
		}
		try (RawFileLayer layer = new RawFileLayer(img)) {
			Ext4FileSystem fs = Ext4FileSystem.open(layer, Ext4FileSystem.Options.REPLAYED);
			List<FileRecord> listing = fs.listing("");
			if (eaInodeValue != null) {
				byte[] got = null;
				for (ExtendedAttribute a : fs.extendedAttributes(fs.inode(fs.lookup("/xattr.txt")))) if (a.name().equals("user.eainode")) got = a.value();
				assertArrayEquals(eaInodeValue, got, "xattr value kept in an ea_inode");
			}
			Map<String, FileRecord> byPath = new TreeMap<>();
			Map<Long, FileRecord> byInode = new TreeMap<>();
			for (FileRecord r : listing) {
				byPath.put(r.path(), r);
				byInode.putIfAbsent(r.inode(), r);
			}
			List<String> problems = new ArrayList<>();
			for (Finding f : fs.findings()) problems.add("finding: " + f);

			// 1. debugfs: every directory's entries with inode, mode, uid, gid, size; links, sizes, block maps
			boolean tsk = !name.contains("bigalloc"); // TSK 4.11 cannot read bigalloc
			problems.addAll(OracleComparison.compare(fs, img, listing, tsk, name.startsWith("ext4"),
					// TSK 4.11 icat fails on depth-2 extent trees ("fs_attr_add_run: No filler entry"): frag.bin is
					// checked against debugfs blocks and the source file instead
					p -> (!p.startsWith("/many/") || p.endsWith("00.txt")) && !p.equals("/frag.bin")));

			// bitmaps: every block and the first 200 inodes against debugfs testb / testi
			long first = Math.max(1, fs.superblock().firstDataBlock), count = fs.blocksCount() - first; // debugfs refuses block 0
			List<String> bcmds = new ArrayList<>(List.of("testb " + first + " " + count));
			for (long i = 1; i <= Math.min(200, fs.superblock().inodesCount); i++) bcmds.add("testi <" + i + ">");
			Map<String, String> bits = Oracles.debugfs(img, bcmds, false);
			StringBuilder theirB = new StringBuilder(), ourB = new StringBuilder();
			for (String l : bits.get(bcmds.get(0)).split("\n")) if (l.startsWith("Block ")) theirB.append(l.contains("marked in use") ? '1' : '0');
			for (long blk = first; blk < fs.blocksCount(); blk++) ourB.append(fs.blockAllocated(blk) ? '1' : '0');
			if (tsk) check(problems, "block bitmap", theirB.toString(), ourB.toString()); // debugfs testb prints nothing on bigalloc
			for (long i = 1; i <= Math.min(200, fs.superblock().inodesCount); i++) {
				boolean theirs = bits.get("testi <" + i + ">").contains("marked in use");
				check(problems, "inode " + i + " allocated", theirs, fs.inodeAllocated(i));
			}
			// block owners against debugfs icheck (block -> inode) for every block in use
			BlockOwners owners = BlockOwners.build(fs);
			List<Long> inUse = new ArrayList<>();
			for (long blk = first; blk < fs.blocksCount(); blk++) if (fs.blockAllocated(blk)) inUse.add(blk);
			List<String> icheck = new ArrayList<>();
			for (int i = 0; i < inUse.size(); i += 200) {
				StringBuilder c = new StringBuilder("icheck");
				for (long blk : inUse.subList(i, Math.min(inUse.size(), i + 200))) c.append(' ').append(blk);
				icheck.add(c.toString());
			}
			int owned = 0;
			for (String out : Oracles.debugfs(img, icheck, false).values()) {
				for (String l : out.split("\n")) {
					String[] c = l.split("\t");
					if (c.length != 2 || !c[0].matches("\\d+")) continue;
					long blk = Long.parseLong(c[0]);
					BlockOwners.Owner o = owners.owner(blk);
					boolean fileKind = o.kind() == BlockOwners.Kind.FILE_DATA || o.kind() == BlockOwners.Kind.FILE_MAP || o.kind() == BlockOwners.Kind.XATTR_BLOCK;
					if (c[1].startsWith("<")) {
						if (fileKind || (o.kind() == BlockOwners.Kind.UNOWNED && tsk)) problems.add("block " + blk + ": debugfs finds no inode, ours " + o);
					} else if (!(fileKind && o.inode() == Long.parseLong(c[1])) && !(o.kind() == BlockOwners.Kind.RESERVED_GDT && c[1].equals("7"))) {
						problems.add("block " + blk + ": debugfs inode " + c[1] + ", ours " + o);
					}
					owned++;
				}
			}
			check(problems, "blocks checked by icheck", inUse.size(), owned);
			for (Finding f : fs.findings()) if (!problems.contains("finding: " + f)) problems.add("finding: " + f);

			// 3. independent truth: the source tree
			for (FileRecord r : listing) {
				if (r.path().equals("/")) continue;
				Path s = src.resolve(r.path().substring(1));
				// mke2fs -d with inline_data drops a sparse file's trailing hole from i_size (debugfs and TSK agree with us)
				if (name.contains("inline") && r.path().equals("/sparse.bin")) continue;
				if (r.path().equals("/prealloc.bin")) continue; // made in the image, checked below
				if (r.type().isRegular()) check(problems, r.path() + " sha256 vs source", Oracles.sha256(s), r.sha256());
			}
			for (var e : tree.symlinks.entrySet()) check(problems, e.getKey() + " target", e.getValue(), byPath.get("/" + e.getKey()).symlinkTarget());
			for (var e : tree.xattrs.entrySet()) {
				Map<String, byte[]> got = new HashMap<>();
				for (ExtendedAttribute a : fs.extendedAttributes(fs.inode(fs.lookup("/" + e.getKey())))) got.put(a.name(), a.value());
				for (var x : e.getValue().entrySet()) {
					byte[] v = got.get("user." + x.getKey());
					assertNotNull(v, name + ": xattr user." + x.getKey() + " of " + e.getKey() + " missing; have " + got.keySet());
					assertArrayEquals(x.getValue(), v, name + ": xattr user." + x.getKey());
				}
			}
			assertEquals(FileType.CHAR_DEVICE, byPath.get("/null-dev").type());
			assertEquals(FileType.FIFO, byPath.get("/fifo").type());
			assertEquals(FileType.SOCKET, byPath.get("/socket").type());
			assertEquals(FileType.BLOCK_DEVICE, byPath.get("/loop-dev").type());
			assertEquals(1000, byPath.get("/small.txt").uid());
			assertEquals(1001, byPath.get("/small.txt").gid());
			assertEquals(04755, byPath.get("/one.txt").permissions());
			assertEquals(2, byPath.get("/a/hard2.txt").nlink());
			assertEquals(byPath.get("/hard1.txt").inode(), byPath.get("/a/hard2.txt").inode());
			assertEquals(FileType.REGULAR_EMPTY, byPath.get("/empty.txt").type());
			if (bigInodes) {
				assertEquals(Y2100, byPath.get("/exact4k.bin").mtime(), "mtime past 2038");
				assertEquals(123456789L, byPath.get("/exact4k.bin").mtimeNanos());
			}
			if (name.contains("inline")) {
				assertTrue(fs.inode(fs.lookup("/small.txt")).hasInlineData(), "small.txt inline (i_block + system.data)");
				assertTrue(fs.inode(fs.lookup("/a/b")).hasInlineData(), "small directory inline");
			}
			if (!name.startsWith("ext4")) assertTrue(!fs.inode(fs.lookup("/large.bin")).hasExtents(), "indirect blocks");
			if (extents) {
				assertEquals(Oracles.sha256(new byte[10000]), byPath.get("/prealloc.bin").sha256(), "unwritten extent reads as zeros");
				String dump = Oracles.run("sh", "-c", "debugfs -R 'dump /prealloc.bin /dev/stdout' " + img + " 2>/dev/null | sha256sum");
				assertEquals(Oracles.sha256(new byte[10000]), dump.substring(0, 64), "debugfs dump agrees");
			}
			if (name.startsWith("ext4") && !name.contains("inline") && !name.contains("bigalloc") && !name.contains("64k")) {
				byte[] ib = fs.inode(fs.lookup("/frag.bin")).iBlock();
				int depth = (ib[6] & 0xff) | (ib[7] & 0xff) << 8;
				assertEquals(fs.blockSize() == 1024 ? 2 : 1, depth, "extent tree depth of frag.bin");
				assertTrue(fs.blockMap(fs.inode(fs.lookup("/frag.bin"))).runs().size() >= 400, "400 fragments (some split by tree blocks)");
			}
			// sparse file: holes are holes in the block map and read as zeros
			Ext4File sparse = fs.open(fs.lookup("/sparse.bin"));
			int bs = fs.blockSize();
			assertTrue(sparse.blockMap().physical(8192 / bs + 1) < 0 || bs > 8192, "hole after the first 8 KiB");
			assertTrue(sparse.blockMap().physical(2 * 1024 * 1024 / bs) >= 0, "data at 2 MiB");
			assertTrue(sparse.blockMap().physical((3 * 1024 * 1024 + 99) / bs) < 0, "trailing hole");
			assertEquals(List.of(), problems, name + ":\n" + String.join("\n", problems));
		}
	}

	private static void check(List<String> problems, String what, Object expected, Object got) {
		if (!java.util.Objects.equals(expected, got)) problems.add(what + ": oracle " + expected + " / ours " + got);
	}
}
