package cacheshadow.fleet.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.WriteLog;

/**
 * The journals a Spark executor has open, shared by its tasks: the shares of one journal that land in the same
 * executor parse its entry table once. A local journal is mapped; one elsewhere (HDFS) is read in place through
 * Hadoop's file system ({@link HadoopFile}: a stream per task, no local copy). A task holds its journal from
 * {@link #open} to {@link #release}; at most {@link #KEPT} journals no task holds stay open, the least recently
 * used is closed first (its entry table, which a task's rows still read for the times, outlives the close).
 */
final class ExecutorJournals {
	static final int KEPT = 8;

	private static final class Open {
		WriteLog log;
		int holders;
	}

	private static final Map<String, Open> OPEN = new LinkedHashMap<>(16, 0.75f, true);

	private ExecutorJournals() {
	}

	/** The journal of share {@code s}, opened once per executor; give it back with {@link #release}. */
	static WriteLog open(JournalSplit s, Configuration conf) throws IOException {
		String key = key(s);
		Open o;
		synchronized (OPEN) {
			o = OPEN.computeIfAbsent(key, x -> new Open());
			o.holders++;
		}
		try {
			synchronized (o) {
				if (o.log == null) o.log = s.local() ? JournalFormat.open(Path.of(s.location())) : JournalFormat.open(HadoopFile.open(s.location(), s.length(), conf));
				return o.log;
			}
		} catch (IOException | RuntimeException e) {
			release(s);
			throw e;
		}
	}

	static void release(JournalSplit s) {
		synchronized (OPEN) {
			Open o = OPEN.get(key(s));
			if (o != null) o.holders--;
			Iterator<Open> it = OPEN.values().iterator();
			for (int extra = OPEN.size() - KEPT; extra > 0 && it.hasNext();) {
				Open old = it.next();
				if (old.holders > 0) continue;
				it.remove();
				extra--;
				try {
					if (old.log != null) old.log.close();
				} catch (IOException e) {
					// nothing more is read from it
				}
			}
		}
	}

	private static String key(JournalSplit s) {
		return s.location() + "\0" + s.length() + "\0" + s.modified();
	}
}
