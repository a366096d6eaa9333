package cacheshadow.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import cacheshadow.cases.Case;
import cacheshadow.merge.MergedFileSystem;

/** The case open in this workbench (one at a time), and who wants to hear when it changes. */
public final class CaseSession {
	private static final CaseSession INSTANCE = new CaseSession();

	private volatile Case current;
	private volatile MergedFileSystem analysis;
	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	public static CaseSession get() {
		return INSTANCE;
	}

	public Case current() {
		return current;
	}

	public synchronized void open(Path dir) throws IOException {
		replace(Case.open(dir));
	}

	public synchronized void create(Path dir, String name) throws IOException {
		replace(Case.create(dir, name));
	}

	public synchronized void close() {
		replace(null);
	}

	private void replace(Case c) {
		Case old = current;
		current = c;
		if (old != null) old.close();
		setAnalysis(null);
	}

	/** The analysis of the open case's evidence (caches merged over the disk), or null before one ran. */
	public MergedFileSystem analysis() {
		return analysis;
	}

	public void setAnalysis(MergedFileSystem a) {
		MergedFileSystem old = analysis;
		analysis = a;
		if (old != null && old != a) {
			try {
				old.close();
			} catch (IOException e) {
				// the old analysis only read evidence; nothing to save
			}
		}
		changed();
	}

	/** Tells listeners that the case or its evidence changed; they refresh on the UI thread themselves. */
	public void changed() {
		for (Runnable r : listeners) r.run();
	}

	public void addListener(Runnable r) {
		listeners.add(r);
	}

	public void removeListener(Runnable r) {
		listeners.remove(r);
	}
}
