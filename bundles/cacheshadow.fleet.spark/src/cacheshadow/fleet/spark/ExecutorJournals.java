package cacheshadow.fleet.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import cacheshadow.journal.JournalFormat;
import cacheshadow.journal.WriteLog;

/**
 * The journals a Spark executor has open, shared by its tasks: the shares of one journal that land in the same
 * executor parse its entry table once. A journal outside the local file system (HDFS) is first copied to the
 * executor's temporary directory, once per executor, since the journal readers map their file (see the README's
 * "not done": ranged reads in place). At most {@link #KEPT} journals stay open; the oldest is closed and its copy
 * deleted (a task still reading it keeps its mapping: Linux keeps an unlinked file's pages while they are mapped).
 * WriteLog readers are safe for concurrent readers.
 */
final class ExecutorJournals {
	static final int KEPT = 8;

	private static final class Open {
		WriteLog log;
		Path copy;
	}

	private static final Map<String, Open> OPEN = new LinkedHashMap<>(16, 0.75f, true);

	private ExecutorJournals() {
	}

	static WriteLog open(JournalSplit s, Configuration conf) throws IOException {
		String key = s.location() + "\0" + s.length() + "\0" + s.modified();
		Open o;
		synchronized (OPEN) {
			o = OPEN.computeIfAbsent(key, x -> new Open());
			evict();
		}
		synchronized (o) {
			if (o.log == null) {
				Path file;
				if (s.local()) {
					file = Path.of(s.location());
				} else {
					o.copy = copy(s, conf);
					file = o.copy;
				}
				o.log = JournalFormat.open(file);
			}
			return o.log;
		}
	}

	private static void evict() {
		Iterator<Open> it = OPEN.values().iterator();
		while (OPEN.size() > KEPT && it.hasNext()) {
			Open o = it.next();
			it.remove();
			synchronized (o) {
				try {
					if (o.log != null) o.log.close();
					if (o.copy != null) Files.deleteIfExists(o.copy);
				} catch (IOException e) {
					// a temporary copy left behind; the search's results do not depend on it
				}
			}
		}
	}

	private static Path copy(JournalSplit s, Configuration conf) throws IOException {
		org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(s.location());
		FileSystem fs = p.getFileSystem(conf);
		Path tmp = Files.createTempFile("cacheshadow-journal-", "-" + p.getName());
		try (InputStream in = fs.open(p)) {
			Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
		} catch (IOException | RuntimeException e) {
			Files.deleteIfExists(tmp);
			throw e;
		}
		long got = Files.size(tmp);
		if (got != s.length()) {
			Files.deleteIfExists(tmp);
			throw new IOException(s.location() + ": read " + got + " bytes where the listing gave " + s.length() + " (changed while searched?)");
		}
		tmp.toFile().deleteOnExit();
		return tmp;
	}
}
