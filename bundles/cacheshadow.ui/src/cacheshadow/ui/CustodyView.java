package cacheshadow.ui;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Function;

import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.jobs.IJobChangeEvent;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.core.runtime.jobs.JobChangeAdapter;
import org.eclipse.jface.action.Action;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnViewerToolTipSupport;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.ui.part.ViewPart;

import cacheshadow.cases.Case;
import cacheshadow.cases.CaseException;
import cacheshadow.cases.CustodyEntry;

/**
 * The case's custody log, oldest first: who did what to the case and when, each entry hash-chained to the one
 * before it. "Verify chain" re-hashes the evidence and checks the chain ({@link CaseJobs#verify()}); the header then
 * says whether the chain holds, or exactly where it breaks. Entries whose hash does not match their content are red.
 */
public class CustodyView extends ViewPart {
	public static final String ID = "cacheshadow.ui.custodyView";
	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

	/** The outcome of the last "Verify chain" of this case, shown in the header. */
	private record Verification(Case of, Instant at, Case.ChainState chain, IStatus status, String error) {
	}

	private Label header, verdict;
	private TableViewer viewer;
	private Color red, green;
	private List<CustodyEntry> entries = List.of();
	private volatile Verification last;
	private volatile Job running;
	private final Runnable refresher = () -> later(this::refresh);

	/** On the UI thread, while the view is open (listeners and Jobs call from any thread). */
	private void later(Runnable r) {
		if (viewer != null) UiThread.later(viewer.getControl(), r);
	}

	@Override
	public void createPartControl(Composite parent) {
		red = new Color(parent.getDisplay(), new RGB(200, 0, 0));
		green = new Color(parent.getDisplay(), new RGB(0, 120, 0));
		parent.setLayout(new GridLayout(1, false));
		header = new Label(parent, SWT.NONE);
		header.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		verdict = new Label(parent, SWT.NONE);
		verdict.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
		viewer = new TableViewer(parent, SWT.SINGLE | SWT.FULL_SELECTION | SWT.BORDER | SWT.V_SCROLL | SWT.H_SCROLL);
		Table t = viewer.getTable();
		t.setHeaderVisible(true);
		t.setLinesVisible(true);
		t.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
		column("#", 40, e -> Long.toString(e.seq()), null);
		column("At (UTC)", 180, e -> TIME.format(e.at()), e -> e.at().toString());
		column("Actor", 80, CustodyEntry::actor, null);
		column("Action", 120, CustodyEntry::action, null);
		column("Detail", 600, CustodyEntry::detail, CustodyEntry::detail);
		column("Hash", 150, e -> e.hash().length() > 16 ? e.hash().substring(0, 16) + "…" : e.hash(),
				e -> "hash " + e.hash() + "\nprevious " + e.prevHash() + (e.hashMatches() ? "" : "\nDOES NOT MATCH the entry's content"));
		ColumnViewerToolTipSupport.enableFor(viewer);
		viewer.setContentProvider(ArrayContentProvider.getInstance());
		getSite().setSelectionProvider(viewer);
		Action verify = new Action("Verify chain") {
			@Override
			public void run() {
				verify();
			}
		};
		verify.setToolTipText("Re-hash every evidence file and check the custody log's hash chain (recorded in the log)");
		getViewSite().getActionBars().getToolBarManager().add(verify);
		CaseSession.get().addListener(refresher);
		refresh();
	}

	private void column(String title, int width, Function<CustodyEntry, String> text, Function<CustodyEntry, String> tip) {
		TableViewerColumn c = new TableViewerColumn(viewer, SWT.NONE);
		c.getColumn().setText(title);
		c.getColumn().setWidth(width);
		c.setLabelProvider(new ColumnLabelProvider() {
			@Override
			public String getText(Object o) {
				return FindingsView.displayable(text.apply((CustodyEntry) o));
			}

			@Override
			public String getToolTipText(Object o) {
				return tip == null ? null : FindingsView.displayable(tip.apply((CustodyEntry) o)).replace("\\n", "\n");
			}

			@Override
			public Color getForeground(Object o) {
				return rowColor((CustodyEntry) o);
			}
		});
	}

	/** Red for an entry whose hash does not match its content (or where the last verification found the chain broken). */
	public Color rowColor(CustodyEntry e) {
		Verification v = last;
		if (!e.hashMatches()) return red;
		if (v != null && v.chain() != null && !v.chain().intact() && v.chain().brokenAt() == e.seq()) return red;
		return null;
	}

	/** Runs {@link CaseJobs#verify()} for the open case; the header shows its outcome when it is done. */
	public Job verify() {
		Case c = CaseSession.get().current();
		if (c == null) return null;
		Job job = CaseJobs.verify();
		job.addJobChangeListener(new JobChangeAdapter() {
			@Override
			public void done(IJobChangeEvent event) {
				Case.ChainState chain = null;
				String error = null;
				try {
					if (CaseSession.get().current() == c) chain = c.custodyChain();
				} catch (CaseException e) {
					error = e.getMessage();
				}
				last = new Verification(c, Instant.now(), chain, event.getResult(), error);
				running = null;
				later(CustodyView.this::refresh);
			}
		});
		running = job;
		job.schedule();
		refresh();
		return job;
	}

	/** Re-reads the open case's custody log; call on the UI thread. */
	public void refresh() {
		if (viewer == null || viewer.getControl().isDisposed()) return;
		Case c = CaseSession.get().current();
		Verification v = last;
		if (v != null && v.of() != c) v = last = null;
		try {
			if (c == null) {
				entries = List.of();
				header.setText("No case open.");
			} else {
				entries = c.custodyLog();
				long altered = entries.stream().filter(e -> !e.hashMatches()).count();
				header.setText("Case \"" + FindingsView.displayable(c.name()) + "\" — custody log of " + entries.size() + " entries, newest last"
						+ (altered > 0 ? " — " + altered + " entr" + (altered == 1 ? "y" : "ies") + " altered (red)" : ""));
			}
		} catch (CaseException e) {
			entries = List.of();
			header.setText(e.getMessage());
		}
		viewer.setInput(entries);
		if (!entries.isEmpty()) viewer.getTable().showItem(viewer.getTable().getItem(entries.size() - 1));
		setVerdict(c, v);
		header.getParent().layout();
	}

	private void setVerdict(Case c, Verification v) {
		String s;
		Color color = null;
		if (c == null) s = "";
		else if (running != null) s = "Verifying evidence and custody chain…";
		else if (v == null) s = "Chain not verified in this session: press Verify chain.";
		else if (v.chain() == null) s = "Verification could not read the custody log: " + (v.error() == null ? v.status().getMessage() : v.error());
		else {
			String when = "Verified " + TIME.format(v.at()) + " UTC: ";
			if (v.chain().intact()) {
				s = when + "chain intact (" + v.chain().entries() + " entries)";
				color = green;
			} else {
				s = when + "CHAIN BROKEN — " + v.chain().problem();
				color = red;
			}
			int since = entries.size() - v.chain().entries();
			if (since > 0) s += "; " + since + " entr" + (since == 1 ? "y" : "ies") + " added since";
			IStatus st = v.status();
			if (st != null && st.getSeverity() == IStatus.CANCEL) s += "; evidence re-hashing canceled";
			else if (st != null && !st.isOK()) {
				String msg = st.getMessage();
				int chainPart = msg.indexOf(" custody log: "); // said above already
				if (chainPart >= 0) msg = msg.substring(0, chainPart);
				if (!msg.equals("VERIFICATION FAILED:")) s += "; " + msg;
				color = red;
			} else if (st != null && !st.getMessage().isEmpty()) {
				String msg = st.getMessage().replace("; custody chain intact", "");
				s += " — " + Character.toLowerCase(msg.charAt(0)) + msg.substring(1);
			}
		}
		verdict.setText(FindingsView.displayable(s));
		verdict.setForeground(color);
	}

	/** The entries shown, oldest first. */
	public List<CustodyEntry> entries() {
		return entries;
	}

	public String headerText() {
		return header.getText();
	}

	/** The chain's verification state: "... chain intact (N entries)", or the problem found. */
	public String verdictText() {
		return verdict.getText();
	}

	public TableViewer viewer() {
		return viewer;
	}

	@Override
	public void setFocus() {
		viewer.getControl().setFocus();
	}

	@Override
	public void dispose() {
		CaseSession.get().removeListener(refresher);
		if (red != null) {
			red.dispose();
			green.dispose();
		}
		super.dispose();
	}
}
