package cacheshadow.ext4.tests;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.DirectoryEntry;
import cacheshadow.ext4.Ext4File;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;

/**
 * Our reading of an image against debugfs (every directory's entries with inode, mode, owner, size; each
 * inode's links, size, owner and blocks) and The Sleuth Kit (fls names, types and inodes; istat times with ns;
 * icat content). Both read the image as it lies (no journal replay).
 */
final class OracleComparison {
	private OracleComparison() {
	}

	/**
	 * @param listing    {@code fs.listing("")}
	 * @param tsk        whether TSK can read this image
	 * @param tskReadsExtraTimes false for ext2/ext3, where TSK ignores the extra time fields (nanoseconds then
	 *                   come from debugfs's raw fields)
	 * @param spawnFor   paths worth one istat + icat process each
	 */
	static List<String> compare(Ext4FileSystem fs, Path img, List<FileRecord> listing, boolean tsk,
			boolean tskReadsExtraTimes, Predicate<String> spawnFor) throws Exception {
		List<String> problems = new ArrayList<>();
		Map<Long, FileRecord> byInode = new TreeMap<>();
		for (FileRecord r : listing) byInode.putIfAbsent(r.inode(), r);
		List<String> cmds = new ArrayList<>();
		for (FileRecord r : byInode.values()) {
			cmds.add("stat <" + r.inode() + ">");
			if (r.type() == FileType.DIRECTORY) cmds.add("ls -p <" + r.inode() + ">");
			cmds.add("blocks <" + r.inode() + ">");
		}
		Map<String, String> dbg = Oracles.debugfs(img, cmds, false);
		for (FileRecord r : byInode.values()) {
			Ext4Inode in = fs.inode(r.inode());
			String st = dbg.get("stat <" + r.inode() + ">");
			if (st == null) throw new AssertionError("debugfs stat " + r.inode());
			check(problems, r.path() + " links", field(st, "Links: (\\d+)"), Long.toString(r.nlink()));
			check(problems, r.path() + " size", field(st, "Size: (\\d+)"), Long.toString(r.size()));
			check(problems, r.path() + " uid", field(st, "User:\\s+(\\d+)"), Long.toString(r.uid()));
			check(problems, r.path() + " gid", field(st, "Group:\\s+(\\d+)"), Long.toString(r.gid()));
			check(problems, r.path() + " i_blocks", field(st, "Blockcount: (\\d+)"), Long.toString(in.blocks512()));
			// debugfs "blocks" lists data and map blocks (indirect / extent nodes) in file order
			List<Long> ours = new ArrayList<>();
			Ext4File f = fs.open(in);
			for (BlockRun run : f.blockMap().runs()) for (long i = 0; i < run.length(); i++) ours.add(run.physical() + i);
			boolean hasBlocks = (r.type().isRegular() || r.type() == FileType.DIRECTORY || r.type() == FileType.SYMLINK)
					&& !in.isFastSymlink() && !in.hasInlineData();
			if (hasBlocks) {
				List<Long> theirs = Oracles.parseBlocks(dbg.get("blocks <" + r.inode() + ">"));
				Set<Long> meta = new TreeSet<>(f.blockMap().metadataBlocks());
				List<Long> theirData = new ArrayList<>(theirs);
				theirData.removeAll(meta);
				check(problems, r.path() + " blocks", theirData.toString(), ours.toString());
				Set<Long> theirMeta = new TreeSet<>(theirs);
				theirMeta.removeAll(ours);
				check(problems, r.path() + " map blocks", theirMeta.toString(), meta.toString());
			}
			if (r.type() == FileType.DIRECTORY) {
				Set<String> theirs = new TreeSet<>();
				for (String l : dbg.get("ls -p <" + r.inode() + ">").split("\n")) {
					if (!l.startsWith("/")) continue;
					String[] c = l.split("/", -1); // "", ino, mode, uid, gid, name, size, ""
					String nm = String.join("/", java.util.Arrays.copyOfRange(c, 5, c.length - 2));
					if (nm.equals(".") || nm.equals("..") || c[1].equals("0")) continue;
					theirs.add(nm + " " + c[1] + " " + c[2] + " " + c[3] + " " + c[4] + " " + c[c.length - 2]);
				}
				Set<String> mine = new TreeSet<>();
				for (DirectoryEntry e : fs.readDirectory(in)) {
					if (e.isDotOrDotDot()) continue;
					Ext4Inode ci = fs.inode(e.inode());
					String size = ci.isDirectory() ? "" : Long.toString(ci.size);
					mine.add(e.name() + " " + e.inode() + " " + String.format("%06o", ci.mode) + " " + ci.uid + " " + ci.gid + " " + size);
				}
				check(problems, r.path() + " entries", theirs.toString(), mine.toString());
			}
		}

		// 2. The Sleuth Kit: names → type and inode; times with ns; content
		Map<String, String> fls = tsk ? Oracles.fls(img) : Map.of();
		Map<String, String> ourFls = new TreeMap<>();
		for (FileRecord r : listing) if (!r.path().equals("/")) ourFls.put(r.path(), tskType(r.type()) + " " + r.inode());
		if (tsk) check(problems, "fls -r", new TreeMap<>(fls).toString(), ourFls.toString());
		for (FileRecord r : tsk ? byInode.values() : List.<FileRecord>of()) {
			if (!spawnFor.test(r.path())) continue; // one process per inode: sample big directories
			long[] t = Oracles.istatTimes(img, r.inode());
			Ext4Inode in = fs.inode(r.inode());
			if (!tskReadsExtraTimes) {
				// TSK reads no extra time fields on ext2/ext3; the kernel does when i_extra_isize covers them
				String st = dbg.get("stat <" + r.inode() + ">");
				String[] keys = { "atime", "mtime", "ctime" };
				for (int i = 0; i < 3; i++) t[2 * i + 1] = Long.parseLong(field(st, keys[i] + ": 0x[0-9a-f]{8}:([0-9a-f]{8})"), 16) >>> 2;
			}
			long[] mine = { in.atime, in.atimeNanos, in.mtime, in.mtimeNanos, in.ctime, in.ctimeNanos };
			check(problems, r.path() + " times", java.util.Arrays.toString(t), java.util.Arrays.toString(mine));
			if (r.type().isRegular()) check(problems, r.path() + " icat", Oracles.icatSha256(img, r.inode()), r.sha256());
		}

		return problems;
	}

	private static void check(List<String> problems, String what, Object expected, Object got) {
		if (!java.util.Objects.equals(expected, got)) problems.add(what + ": oracle " + expected + " / ours " + got);
	}

	static String field(String text, String regex) {
		Matcher m = Pattern.compile(regex).matcher(text);
		return m.find() ? m.group(1) : null;
	}

	static String tskType(FileType t) {
		return switch (t) {
		case REGULAR, REGULAR_EMPTY -> "r";
		case DIRECTORY -> "d";
		case SYMLINK -> "l";
		case FIFO -> "p";
		case CHAR_DEVICE -> "c";
		case BLOCK_DEVICE -> "b";
		case SOCKET -> "h"; // TSK's letter for sockets
		default -> "-";
		};
	}
}
