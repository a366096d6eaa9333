package cacheshadow.fuzz;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.function.LongUnaryOperator;

import cacheshadow.journal.DmLogWritesLog;
import cacheshadow.journal.DmLogWritesReader;
import cacheshadow.journal.JournalIndex;
import cacheshadow.layers.EvidenceFormatException;
import cacheshadow.layers.Progress;

/**
 * dm-log-writes logs (Linux dm-log-writes, QEMU blklogwrites): the input is the log file. It is read as the product
 * reads it, and again with the log walked in two halves at once from its middle (the path logs of 64 MiB and more
 * take), which must give the same entries and damage; then every entry is read, the block-version index is built in
 * memory, through the reading sink (indexed while read), and written to an index file and opened from it, all three
 * must answer alike, and the disk at several instants must equal a naive replay. A log that is not one must be
 * refused with an
 * {@link EvidenceFormatException}; damage inside it ends the log with a {@code LogDamage}, never an exception.
 */
public final class DmLogWritesFuzzer {
	/** The two-walk parse, reached only through the package's own entry point (the split is chosen by file size). */
	private static final Method READ_SPLIT;
	private static final Object NO_SINK;

	static {
		try {
			Class<?> sink = Class.forName("cacheshadow.journal.EntrySink");
			READ_SPLIT = DmLogWritesReader.class.getDeclaredMethod("read", Path.class, Progress.class, sink, LongUnaryOperator.class);
			READ_SPLIT.setAccessible(true);
			var none = sink.getDeclaredField("NONE");
			none.setAccessible(true);
			NO_SINK = none.get(null);
		} catch (ReflectiveOperationException e) {
			throw new IllegalStateException("dm-log-writes reader internals moved: update " + DmLogWritesFuzzer.class.getName(), e);
		}
	}

	private DmLogWritesFuzzer() {
	}

	public static void fuzzerTestOneInput(byte[] data) throws IOException {
		Path f = InputFile.of("writes", data);
		DmLogWritesLog log;
		try {
			log = DmLogWritesReader.read(f);
		} catch (EvidenceFormatException notALog) {
			return;
		}
		try (log; DmLogWritesLog split = readSplit(f, data.length / 2)) {
			JournalChecks.sameEntries(log, split, "log read in two halves");
			if (!log.damage().equals(split.damage()) || log.validBytes() != split.validBytes()) {
				throw new IllegalStateException("log read in two halves ends differently: " + log.damage() + " / " + split.damage());
			}
			JournalChecks.walk(log);
			for (int i = 0; i < log.entryCount(); i++) {
				log.headerOffset(i);
				log.dataOffset(i);
			}
			log.superBlockEntries();
			log.toString();
			// indexed while read, kept in memory: the sink path without writing a file a second time (the file below)
			try (JournalIndex built = JournalChecks.indexAndReplay(log); JournalIndex read = JournalIndex.readAndIndex(f, null, Progress.NONE)) {
				try (var readLog = read.log()) {
					JournalChecks.sameEntries(log, readLog, "log read while indexing");
					JournalChecks.sameAnswers(log, built, read);
				}
				// the compact index file written for this log, then opened as a case reopens it
				Path index = JournalChecks.fresh("writes.index");
				built.save(index);
				try (JournalIndex reopened = JournalIndex.openOrBuild(log, index, Progress.NONE)) {
					JournalChecks.sameAnswers(log, built, reopened);
				}
			}
		}
	}

	private static DmLogWritesLog readSplit(Path f, long at) throws IOException {
		try {
			return (DmLogWritesLog) READ_SPLIT.invoke(null, f, Progress.NONE, NO_SINK, (LongUnaryOperator) size -> at);
		} catch (InvocationTargetException e) {
			if (e.getCause() instanceof IOException io) throw io;
			if (e.getCause() instanceof RuntimeException r) throw r;
			if (e.getCause() instanceof Error err) throw err;
			throw new IllegalStateException(e.getCause());
		} catch (IllegalAccessException e) {
			throw new IllegalStateException(e);
		}
	}
}
