package cacheshadow.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import cacheshadow.cases.Case;
import cacheshadow.journal.DiskHistory;
import cacheshadow.journal.JournalCut;
import cacheshadow.journal.ResolvedInstant;
import cacheshadow.journal.TimelineSummary;
import cacheshadow.merge.MergedFileSystem;

/** The case open in this workbench (one at a time), and who wants to hear when it changes. */
public final class CaseSession {
	private static final CaseSession INSTANCE = new CaseSession();

	private volatile Case current;
	private volatile MergedFileSystem analysis;
	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
	private final List<Consumer<Case>> closing = new CopyOnWriteArrayList<>();
	private volatile DiskHistory history;
	private volatile String historyNote;
	private volatile JournalCut journalCut;
	private volatile TimelineSummary summary;
	private volatile ResolvedInstant cursorA, cursorB;
	private final List<Runnable> instantListeners = new CopyOnWriteArrayList<>();

	public static CaseSession get() {
		return INSTANCE;
	}

	/** Started with --partial: evidence cut short is analyzed as far as it goes without asking first. */
	private volatile boolean partialMode;

	public boolean partialMode() {
		return partialMode;
	}

	public void setPartialMode(boolean partial) {
		partialMode = partial;
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
		if (old != null) for (Consumer<Case> l : closing) l.accept(old);
		current = c;
		if (old != null) old.close();
		setHistory(null, null);
		memoryChoice = -1;
		setAnalysis(null, -1);
	}

	private volatile long memoryChoice = -1, analyzedMemory = -1;

	/** The memory snapshot (evidence id) the examiner chose for the views, or -1: the case's first. */
	public long memoryChoice() {
		return memoryChoice;
	}

	/** Chooses the memory snapshot the next analyses read (evidence id; -1 for the case's first). */
	public void chooseMemory(long evidenceId) {
		memoryChoice = evidenceId;
	}

	/** The memory snapshot (evidence id) the current analysis was made from, or -1 without one. */
	public long analyzedMemory() {
		return analyzedMemory;
	}

	/** The analysis of the open case's evidence (caches merged over the disk), or null before one ran. */
	public MergedFileSystem analysis() {
		return analysis;
	}

	public void setAnalysis(MergedFileSystem a) {
		setAnalysis(a, -1);
	}

	/** The analysis shown from now on, made from the memory snapshot of evidence id {@code memoryId} (-1: unknown). */
	public void setAnalysis(MergedFileSystem a, long memoryId) {
		MergedFileSystem old = analysis;
		analysis = a;
		analyzedMemory = a == null ? -1 : memoryId;
		if (old != null && old != a) {
			try {
				old.close();
			} catch (IOException e) {
				// the old analysis only read evidence; nothing to save
			}
		}
		changed();
	}

	/**
	 * The disk's history from the case's write journal (base image chosen by content, timing sidecar if registered),
	 * or null when the case has none or it is not opened yet. {@code note} says which base was chosen and why.
	 */
	public DiskHistory history() {
		return history;
	}

	public String historyNote() {
		return historyNote;
	}

	/** The journal's flushes, marks and sidecar events (computed once per history). */
	public TimelineSummary summary() {
		return summary;
	}

	/** Where the history's journal is cut short (used up to its last whole entry), or null for a whole journal. */
	public JournalCut journalCut() {
		return journalCut;
	}

	/** A history whose journal is whole. */
	public void setHistory(DiskHistory h, String note) {
		setHistory(h, note, null);
	}

	/** {@code cut}: where its journal is cut short, which the examiner accepted (null: a whole journal). */
	public void setHistory(DiskHistory h, String note, JournalCut cut) {
		DiskHistory old = history;
		journalCut = h == null ? null : cut;
		summary = h == null ? null : h.summary();
		if (h != null) h.activity(); // built here, on the job's thread, not on the UI thread's first paint
		history = h;
		historyNote = note;
		cursorA = h == null ? null : h.resolve("end");
		cursorB = null;
		if (old != null && old != h) {
			try {
				old.close();
			} catch (IOException e) {
				// the old history only read evidence; nothing to save
			}
		}
		changed();
		instantChanged();
	}

	/** The case's current instant (cursor A of the timeline); the end of the journal until moved. */
	public ResolvedInstant cursorA() {
		return cursorA;
	}

	/** The second cursor, for changes between two instants; null until set. */
	public ResolvedInstant cursorB() {
		return cursorB;
	}

	public void setCursors(ResolvedInstant a, ResolvedInstant b) {
		if (a == cursorA && b == cursorB) return;
		cursorA = a;
		cursorB = b;
		instantChanged();
	}

	private void instantChanged() {
		for (Runnable r : instantListeners) r.run();
	}

	/** Listeners of the cursors (called on the thread that moved them; they refresh on the UI thread themselves). */
	public void addInstantListener(Runnable r) {
		instantListeners.add(r);
	}

	public void removeInstantListener(Runnable r) {
		instantListeners.remove(r);
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

	/** Called with the open case just before it is closed or replaced, while it can still write its custody log. */
	public void addClosingListener(Consumer<Case> l) {
		closing.add(l);
	}
}
