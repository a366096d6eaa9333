package cacheshadow.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import cacheshadow.ext4.BlockRun;
import cacheshadow.ext4.Ext4FileSystem;
import cacheshadow.ext4.Ext4Inode;
import cacheshadow.journal.DmLogWritesLog;
import cacheshadow.journal.DmLogWritesReader;
import cacheshadow.journal.DmLogWritesWriter;
import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.JournalImporter;
import cacheshadow.journal.JournalRecorder;
import cacheshadow.journal.TimeQuality;
import cacheshadow.journal.Timeline;
import cacheshadow.journal.WriteLog;
import cacheshadow.kernel.BzImage;
import cacheshadow.layers.Layer;
import cacheshadow.layers.LittleEndian;
import cacheshadow.layers.Progress;
import cacheshadow.layers.RawFileLayer;
import cacheshadow.listing.FileRecord;
import cacheshadow.listing.FileType;

/**
 * Writes the seed inputs of the ext4 and jbd2 targets: for each base image, the bytes the target lays over it as they
 * are (an input that changes nothing), and the same kinds of structures cut from the real sample disks
 * ({@code disk.img} of each set in the samples directory: superblock, descriptors, inode records, an extent tree,
 * directory blocks, the journal with a real kernel's transactions); and of the journal targets: slices of the samples'
 * {@code writes.log} (QEMU's dm-log-writes) with their {@code timeline.tsv}, the slices imported into {@code .csj}
 * by our own importer, and small journals of every entry kind made by our own writers; and of the kernel image
 * targets: pieces of the samples' bzImage payloads, and small XZ, ZSTD and gzip streams of their own vmlinux made
 * with the kernel's settings, behind their real setup header; a case made as the workbench makes one, as rows; and
 * the block device and struct pages of the samples' cached ext4 device; the body of a journal's block index; NBD
 * client streams of the write recorder.
 * Needs xz, zstd and gzip. Run from the repository root:
 * {@code releng/fuzz.sh --make-seeds}.
 */
public final class DiskSideSeeds {
	private DiskSideSeeds() {
	}

	/** Writes into the seeds directory {@code args[0]}; the samples are {@code -Dcacheshadow.samples}. */
	public static void main(String[] args) throws IOException {
		Path seeds = Path.of(args[0]), samples = Path.of(System.getProperty("cacheshadow.samples", "build/samples"));
		pristine(seeds, "Ext4SuperblockFuzzer", Ext4SuperblockFuzzer.OVERLAY);
		pristine(seeds, "Ext4GroupDescriptorFuzzer", Ext4GroupDescriptorFuzzer.OVERLAY);
		pristine(seeds, "Ext4InodeFuzzer", Ext4InodeFuzzer.OVERLAY);
		pristine(seeds, "Ext4BlockMapFuzzer", Ext4BlockMapFuzzer.OVERLAY);
		pristine(seeds, "Ext4HtreeFuzzer", Ext4HtreeFuzzer.OVERLAY);
		pristine(seeds, "Ext4XattrFuzzer", Ext4XattrFuzzer.OVERLAY);
		pristine(seeds, "Ext4InlineDataFuzzer", Ext4InlineDataFuzzer.OVERLAY);
		pristine(seeds, "Jbd2Fuzzer", Jbd2Fuzzer.OVERLAY);
		try (var sets = Files.list(samples)) {
			for (Path set : sets.filter(Files::isDirectory).sorted().toList()) {
				Path disk = set.resolve("disk.img");
				if (Files.isRegularFile(disk)) fromSample(seeds, set.getFileName().toString(), disk);
				Path log = set.resolve("writes.log");
				if (Files.isRegularFile(log)) journalsFromSample(seeds, set.getFileName().toString(), log, set.resolve("timeline.tsv"));
				Path vmlinuz = set.resolve("kernel/vmlinuz");
				if (Files.isRegularFile(vmlinuz)) kernelImages(seeds, set.getFileName().toString(), vmlinuz);
			}
		}
		madeJournals(seeds);
		caseFiles(seeds);
		write(seeds, "JournalIndexFileFuzzer", "written", JournalIndexFileFuzzer.seed());
		for (var e : NbdSessionFuzzer.seeds().entrySet()) write(seeds, "NbdSessionFuzzer", e.getKey(), e.getValue());
		for (int i = 0; i < cacheshadow.testing.EvidenceSamples.SETS.size(); i++) {
			write(seeds, "BlockCacheOverlayFuzzer", cacheshadow.testing.EvidenceSamples.SETS.get(i), BlockCacheOverlayFuzzer.seed(i));
		}
	}

	/**
	 * A case as the workbench makes it, dumped in CaseFilesFuzzer's input form, plain and to be verified. Its times (and
	 * so its custody hashes) are the clock's: kept once written, so a rerun does not change the committed seeds.
	 */
	private static void caseFiles(Path seeds) throws IOException {
		if (Files.exists(seeds.resolve("CaseFilesFuzzer/made-case"))) return;
		Path dir = Files.createTempDirectory("disk-seeds");
		try {
			CaseFilesFuzzer.makeCase(dir.resolve("case"));
			String dump = CaseFilesFuzzer.dump(dir.resolve("case"));
			write(seeds, "CaseFilesFuzzer", "made-case", dump.getBytes(java.nio.charset.StandardCharsets.UTF_8));
			write(seeds, "CaseFilesFuzzer", "made-case-verified", ("== verify\n" + dump).getBytes(java.nio.charset.StandardCharsets.UTF_8));
		} catch (java.sql.SQLException e) {
			throw new IOException(e);
		} finally {
			try (var s = Files.walk(dir)) {
				for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
			}
		}
	}

	/**
	 * The sample's payload cut to its first 16 KiB (a piece: the stream ends early), and 16 KiB of its decompressed
	 * vmlinux (ELF header, code) compressed the kernel's way (scripts/xz_wrap.sh; zstd -22 --ultra; gzip -9), alone
	 * (payload targets) and behind the sample's real setup header (whole-file target).
	 */
	private static void kernelImages(Path seeds, String set, Path vmlinuz) throws IOException {
		byte[] z = Files.readAllBytes(vmlinuz);
		int start = ((z[0x1f1] & 0xff) + 1) * 512;
		int at = start + (int) LittleEndian.u32(z, 0x248);
		byte[] piece = Arrays.copyOfRange(z, at, at + (16 << 10));
		write(seeds, piece[0] == (byte) 0xfd ? "XzFuzzer" : "ZstdFuzzer", set + ".payload-head", piece);
		byte[] vmlinux = BzImage.vmlinux(z, vmlinuz.toString());
		byte[] elf = Arrays.copyOf(vmlinux, 16 << 10); // the ELF header, then 12 KiB of code from a third into the image
		System.arraycopy(vmlinux, vmlinux.length / 3, elf, 4 << 10, 12 << 10);
		String[][] tools = { { "XzFuzzer", "xz", "xz", "--format=xz", "--check=crc32", "--x86", "--lzma2=dict=1MiB", "-c" },
				{ "ZstdFuzzer", "zst", "zstd", "-22", "--ultra", "-q", "-c" }, { "BzImageFuzzer", "gz", "gzip", "-9", "-n", "-c" } };
		for (String[] t : tools) {
			byte[] payload = run(elf, Arrays.copyOfRange(t, 2, t.length));
			byte[] sized = Arrays.copyOf(payload, payload.length + 4); // the build appends the decompressed size
			LittleEndian.put32(sized, payload.length, elf.length);
			if (!t[0].equals("BzImageFuzzer")) write(seeds, t[0], set + ".vmlinux-head." + t[1], sized);
			byte[] image = Arrays.copyOf(z, at + sized.length);
			System.arraycopy(sized, 0, image, at, sized.length);
			LittleEndian.put32(image, 0x24c, sized.length);
			write(seeds, "BzImageFuzzer", set + ".vmlinux-head." + t[1], image);
		}
	}

	/** Runs a compressor over {@code in}; its standard output. */
	private static byte[] run(byte[] in, String... cmd) throws IOException {
		Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
		Thread feed = new Thread(() -> {
			try (var o = p.getOutputStream()) {
				o.write(in);
			} catch (IOException e) {
				// the tool's exit status tells
			}
		});
		feed.start();
		byte[] out = p.getInputStream().readAllBytes();
		try {
			feed.join();
			if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed");
		} catch (InterruptedException e) {
			throw new IOException(e);
		}
		return out;
	}

	/** Entries [from, to) of a dm-log-writes log as a log of their own (its super block counting them), at most ~60 KiB. */
	private static byte[] slice(DmLogWritesLog log, Path file, int from, int max) throws IOException {
		byte[] all = Files.readAllBytes(file);
		int ss = log.sectorSize();
		int to = from;
		while (to < log.entryCount() && log.dataOffset(to) + log.length(to) - log.headerOffset(from) + ss <= max) to++;
		long end = to < log.entryCount() ? log.headerOffset(to) : log.validBytes();
		byte[] out = new byte[(int) (ss + end - log.headerOffset(from))];
		System.arraycopy(all, 0, out, 0, ss);
		System.arraycopy(all, (int) log.headerOffset(from), out, ss, (int) (end - log.headerOffset(from)));
		LittleEndian.put64(out, 16, to - from);
		return out;
	}

	private static void journalsFromSample(Path seeds, String set, Path file, Path timeline) throws IOException {
		try (DmLogWritesLog log = DmLogWritesReader.read(file)) {
			int n = log.entryCount();
			byte[] head = slice(log, file, 0, 60 << 10), middle = slice(log, file, n / 2, 60 << 10), tail = slice(log, file, Math.max(0, n - 8), 60 << 10);
			write(seeds, "DmLogWritesFuzzer", set + ".head", head);
			write(seeds, "DmLogWritesFuzzer", set + ".middle", middle);
			write(seeds, "DmLogWritesFuzzer", set + ".tail", tail);
			byte[] sidecar = new byte[0];
			if (Files.isRegularFile(timeline)) {
				String text = Files.readString(timeline);
				int cut = 0;
				for (int lines = 0; lines < 24 && cut >= 0 && cut < text.length(); lines++) cut = text.indexOf('\n', cut) + 1;
				sidecar = text.substring(0, cut <= 0 ? text.length() : cut).getBytes(java.nio.charset.StandardCharsets.UTF_8);
			}
			write(seeds, "JournalImportFuzzer", set + ".head", concat(List.of(sidecar, head)));
			write(seeds, "TimestampedJournalFuzzer", set + ".head.csj", imported(head, sidecar));
		}
	}

	/** A dm-log-writes slice imported into a .csj by JournalImporter (interpolated times from the sidecar). */
	private static byte[] imported(byte[] log, byte[] sidecar) throws IOException {
		Path dir = Files.createTempDirectory("disk-seeds");
		try {
			Path l = Files.write(dir.resolve("writes.log"), log), t = Files.write(dir.resolve("timeline.tsv"), sidecar), out = dir.resolve("j.csj");
			try (WriteLog w = JournalFormat.open(l)) {
				JournalImporter.importJournal(w, sidecar.length == 0 ? null : Timeline.read(t), out, 64L << 20, Progress.NONE);
			}
			return Files.readAllBytes(out);
		} finally {
			try (var s = Files.walk(dir)) {
				for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
			}
		}
	}

	/** Small journals of every entry kind from our writers: marks, flushes, FUA and metadata writes, small and large discards. */
	private static void madeJournals(Path seeds) throws IOException {
		Path dir = Files.createTempDirectory("disk-seeds");
		try {
			for (int ss : new int[] { 512, 4096 }) {
				Path dm = dir.resolve("made-" + ss + ".log");
				byte[] data = new byte[2 * ss];
				for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
				try (DmLogWritesWriter w = new DmLogWritesWriter(dm, ss)) {
					w.mark("mkfs");
					w.write(0, data, 0, data.length, 0);
					w.write(8, data, 0, ss, WriteLog.FUA | WriteLog.METADATA);
					w.discard(1, 1);
					w.flush();
					w.write(2, data, ss, ss, WriteLog.FLUSH);
					w.discard(0, (2L << 20) / ss); // a large discard: kept as a range
					w.write(1, data, 0, ss, 0);
					w.mark("round-1 \u00e9");
				}
				write(seeds, "DmLogWritesFuzzer", "made-" + ss, Files.readAllBytes(dm));
				write(seeds, "JournalImportFuzzer", "made-" + ss, Files.readAllBytes(dm));
				Path csj = dir.resolve("made-" + ss + ".csj");
				try (JournalRecorder r = JournalRecorder.create(csj, ss, 1 << 20)) {
					long t = 1_700_000_000_000_000_000L;
					r.mark("start", t, TimeQuality.MEASURED);
					r.write(0, data, 0, data.length, 0, t + 1, TimeQuality.MEASURED);
					r.write(ss, data, 0, ss, WriteLog.FUA, t + 2, TimeQuality.INTERPOLATED);
					r.discard(0, ss, WriteLog.DISCARD, t + 2, TimeQuality.EXTRAPOLATED);
					r.flush(t + 3, TimeQuality.MEASURED);
					r.discard(0, 2L << 20, WriteLog.DISCARD, 0, TimeQuality.NONE);
					r.write(2L * ss, data, 0, ss, WriteLog.METADATA, t + 5, TimeQuality.MEASURED);
				}
				byte[] j = Files.readAllBytes(csj);
				write(seeds, "TimestampedJournalFuzzer", "made-" + ss + ".csj", j);
				write(seeds, "TimestampedJournalFuzzer", "made-" + ss + ".torn.csj", Arrays.copyOf(j, j.length - 20)); // a crash mid-append
			}
		} finally {
			try (var s = Files.walk(dir)) {
				for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
			}
		}
	}

	private static void pristine(Path seeds, String target, Ext4Base.Overlay overlay) throws IOException {
		for (int i = 0; i < Ext4Base.ALL.size(); i++) {
			write(seeds, target, "base-" + Ext4Base.ALL.get(i).name.replace(".img.gz", ""), overlay.pristineInput(i));
		}
	}

	/** The sample's structures, in the slots the targets use (4 KiB per block, 256 bytes per inode). */
	private static void fromSample(Path seeds, String set, Path disk) throws IOException {
		try (Layer l = new RawFileLayer(disk)) {
			Ext4FileSystem fs = Ext4FileSystem.open(l, Ext4FileSystem.Options.AS_IT_LIES);
			int bs = fs.blockSize();
			List<FileRecord> all = fs.listing("");
			write(seeds, "Ext4SuperblockFuzzer", set, bytes(l, 1024, 1024));
			write(seeds, "Ext4GroupDescriptorFuzzer", set, bytes(l, (1024 / bs + 1L) * bs, 4 * fs.superblock().descSize));
			// one inode of each kind there is, then the largest files, up to the target's 17 records
			List<Long> inodes = new ArrayList<>();
			for (FileType t : FileType.values()) all.stream().filter(r -> r.type() == t).findFirst().ifPresent(r -> inodes.add(r.inode()));
			inodes.add(fs.superblock().journalInum);
			all.stream().sorted(Comparator.comparingLong(FileRecord::size).reversed()).map(FileRecord::inode).filter(n -> !inodes.contains(n))
					.limit(17 - inodes.size()).forEach(inodes::add);
			write(seeds, "Ext4InodeFuzzer", set, concat(inodes, n -> bytes(l, offset(fs, n), fs.superblock().inodeSize), 256));
			// the file with the deepest extent tree: i_block and its map blocks
			FileRecord mapped = all.stream().filter(r -> r.type() == FileType.REGULAR)
					.max(Comparator.comparingInt((FileRecord r) -> mapBlocks(fs, r.inode()).size()).thenComparingLong(FileRecord::size)).orElseThrow();
			List<byte[]> bm = new ArrayList<>();
			bm.add(bytes(l, offset(fs, mapped.inode()) + Ext4Inode.I_BLOCK_OFFSET, Ext4Inode.I_BLOCK_SIZE));
			List<Long> mb = mapBlocks(fs, mapped.inode());
			for (int i = 0; i < 3; i++) bm.add(i < mb.size() ? bytes(l, mb.get(i) * bs, bs) : new byte[bs]);
			write(seeds, "Ext4BlockMapFuzzer", set, concat(bm));
			// the root's first block, then the first blocks of the largest directory
			FileRecord dir = all.stream().filter(r -> r.type() == FileType.DIRECTORY).max(Comparator.comparingLong(FileRecord::size)).orElseThrow();
			List<byte[]> db = new ArrayList<>();
			db.add(bytes(l, fs.blockMap(fs.inode(Ext4FileSystem.ROOT_INODE)).physical(0) * bs, bs));
			for (BlockRun r : fs.blockMap(fs.inode(dir.inode())).runs()) {
				for (long i = 0; i < r.length() && db.size() < 7; i++) db.add(bytes(l, (r.physical() + i) * bs, bs));
			}
			write(seeds, "Ext4HtreeFuzzer", set, concat(db));
			// the journal as the kernel left it (the samples need recovery)
			List<byte[]> jb = new ArrayList<>();
			for (BlockRun r : fs.blockMap(fs.inode(fs.superblock().journalInum)).runs()) {
				for (long i = 0; i < r.length() && jb.size() < Jbd2Fuzzer.BLOCKS; i++) jb.add(bytes(l, (r.physical() + i) * bs, bs));
			}
			write(seeds, "Jbd2Fuzzer", set, concat(jb));
		}
	}

	private static List<Long> mapBlocks(Ext4FileSystem fs, long inode) {
		try {
			return fs.blockMap(fs.inode(inode)).metadataBlocks();
		} catch (IOException e) {
			return List.of();
		}
	}

	private static long offset(Ext4FileSystem fs, long inode) {
		try {
			return fs.inodeOffset(inode);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	private static byte[] bytes(Layer l, long offset, int n) {
		byte[] b = new byte[n];
		try {
			l.read(offset, b, 0, n);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		return b;
	}

	private static byte[] concat(List<Long> items, Function<Long, byte[]> get, int slot) {
		byte[] out = new byte[items.size() * slot];
		for (int i = 0; i < items.size(); i++) {
			byte[] b = get.apply(items.get(i));
			System.arraycopy(b, 0, out, i * slot, Math.min(slot, b.length));
		}
		return out;
	}

	private static byte[] concat(List<byte[]> parts) {
		int n = 0;
		for (byte[] p : parts) n += p.length;
		byte[] out = new byte[n];
		int at = 0;
		for (byte[] p : parts) {
			System.arraycopy(p, 0, out, at, p.length);
			at += p.length;
		}
		return out;
	}

	private static void write(Path seeds, String target, String name, byte[] data) throws IOException {
		if (name.endsWith(".csj") && data.length >= 64) { // the creation time fixed, so a rerun writes the same seed
			data = data.clone();
			LittleEndian.put64(data, 32, 1_700_000_000_000_000_000L);
			java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
			crc.update(data, 0, 60);
			LittleEndian.put32(data, 60, (int) crc.getValue());
		}
		Path d = Files.createDirectories(seeds.resolve(target));
		Files.write(d.resolve(name), data);
	}
}
