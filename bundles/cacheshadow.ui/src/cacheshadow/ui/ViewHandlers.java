package cacheshadow.ui;

import java.util.Locale;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.ui.IViewPart;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.handlers.HandlerUtil;

import cacheshadow.journal.SearchHits;
import cacheshadow.merge.View;

/**
 * Handlers of the Timeline and Tree menus and their keys (plugin.xml): each brings its view up and calls the same
 * public method the view's own buttons call, so menus, keys and buttons cannot drift apart.
 */
public final class ViewHandlers {
	private ViewHandlers() {
	}

	static <T extends IViewPart> T show(ExecutionEvent event, String id, Class<T> type) throws ExecutionException {
		IWorkbenchPage page = HandlerUtil.getActiveWorkbenchWindowChecked(event).getActivePage();
		try {
			return type.cast(page.showView(id, null, IWorkbenchPage.VIEW_VISIBLE));
		} catch (PartInitException e) {
			throw new ExecutionException(e.getMessage(), e);
		}
	}

	/** The last segment of a command id in camel case, e.g. {@code ...timeline.nextWrite} → {@code NEXT_WRITE}. */
	static String constantOf(ExecutionEvent event) {
		String id = event.getCommand().getId();
		String last = id.substring(id.lastIndexOf('.') + 1);
		return last.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
	}

	/** {@code cacheshadow.ui.timeline.nextWrite}, {@code ...previousFlush}, ...: steps cursor A. */
	public static final class TimelineMove extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			show(event, TimelineView.ID, TimelineView.class).move(TimelineView.Move.valueOf(constantOf(event)));
			return null;
		}
	}

	public static final class TimelineFitAll extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			show(event, TimelineView.ID, TimelineView.class).fitAll();
			return null;
		}
	}

	public static final class TimelinePlaceB extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			show(event, TimelineView.ID, TimelineView.class).placeBAtA();
			return null;
		}
	}

	/**
	 * Timeline > Open Search Hits…: a hit list of {@code ./cacheshadow search} marked on the timeline of the case's
	 * journal ({@link TimelineView#openHits}); the file is the command's parameter, else chosen in a dialog.
	 */
	public static final class TimelineOpenHits extends AbstractHandler {
		public static final String FILE = "cacheshadow.ui.timeline.openHits.file";

		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			String file = event.getParameter(FILE);
			if (file == null) {
				org.eclipse.swt.widgets.FileDialog d = new org.eclipse.swt.widgets.FileDialog(HandlerShell.of(event), org.eclipse.swt.SWT.OPEN);
				d.setText("Open Search Hits");
				d.setFilterExtensions(new String[] { "*.tsv", "*" });
				file = d.open();
				if (file == null) return null;
			}
			show(event, TimelineView.ID, TimelineView.class).openHits(java.nio.file.Path.of(file));
			return null;
		}
	}

	/**
	 * Timeline > Search Known Files…: the case's journal searched for the 4 KiB blocks of files (as
	 * {@code ./cacheshadow search --file} does, {@link SearchHits#search}) in a job with progress; the hits are marked
	 * on the timeline as an opened hit list is. The files are the command's parameter (separated by the path
	 * separator), else chosen in a dialog. Recorded in the custody log.
	 */
	public static final class TimelineSearch extends AbstractHandler {
		public static final String FILES = "cacheshadow.ui.timeline.search.files";

		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			org.eclipse.swt.widgets.Shell shell = HandlerShell.of(event);
			if (CaseSession.get().history() == null) {
				org.eclipse.jface.dialogs.MessageDialog.openInformation(shell, "Search Known Files", "The case has no write journal to search.");
				return null;
			}
			java.util.List<String> files = new java.util.ArrayList<>();
			String given = event.getParameter(FILES);
			if (given != null) {
				for (String f : given.split(java.io.File.pathSeparator)) if (!f.isEmpty()) files.add(f);
			} else {
				org.eclipse.swt.widgets.FileDialog d = new org.eclipse.swt.widgets.FileDialog(shell, org.eclipse.swt.SWT.OPEN | org.eclipse.swt.SWT.MULTI);
				d.setText("Search the write journal for known files");
				if (d.open() == null) return null;
				for (String n : d.getFileNames()) files.add(java.nio.file.Path.of(d.getFilterPath(), n).toString());
			}
			if (files.isEmpty()) return null;
			TimelineView view = show(event, TimelineView.ID, TimelineView.class);
			new CaseJobs.CaseJob("Searching the write journal for " + files.size() + " known file(s)") {
				@Override
				org.eclipse.core.runtime.IStatus work(cacheshadow.cases.Case c, MonitorProgress p) throws java.io.IOException {
					cacheshadow.journal.DiskHistory h = CaseSession.get().history();
					if (h == null) return org.eclipse.core.runtime.Status.error("The case has no write journal to search");
					java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
					cacheshadow.journal.KnownBlocks known = cacheshadow.journal.KnownBlocks.of(null, files,
							new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
					java.util.List<SearchHits.Hit> hits = SearchHits.search(h.journal(), h.timeline(), known, p);
					String what = files.size() == 1 ? java.nio.file.Path.of(files.get(0)).getFileName().toString() : files.size() + " files";
					UiThread.later(view.chartControl(), () -> view.setHits(hits, "a search for " + what));
					c.appendCustody("search-run", java.nio.file.Path.of(h.journal().name()).getFileName() + " searched for " + known.size() + " known blocks of " + String.join(", ", files)
							+ ": " + hits.size() + " hits");
					return new org.eclipse.core.runtime.Status(org.eclipse.core.runtime.IStatus.OK, CaseJobs.PLUGIN,
							hits.size() + " hits; " + said.toString(java.nio.charset.StandardCharsets.UTF_8).strip().replace('\n', ';'));
				}
			}.schedule();
			return null;
		}
	}

	public static final class TimelineGoTo extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			IWorkbenchPage page = HandlerUtil.getActiveWorkbenchWindowChecked(event).getActivePage();
			try {
				((TimelineView) page.showView(TimelineView.ID)).focusGoTo();
			} catch (PartInitException e) {
				throw new ExecutionException(e.getMessage(), e);
			}
			return null;
		}
	}

	/**
	 * {@code cacheshadow.ui.tree.merged}, {@code .cacheOnly}, {@code .diskOnly}, {@code .diskAtInstant}: which tree
	 * the File System view shows.
	 */
	public static final class ShowTree extends AbstractHandler {
		@Override
		public Object execute(ExecutionEvent event) throws ExecutionException {
			String which = constantOf(event);
			show(event, FileSystemView.ID, FileSystemView.class).show(which.equals("DISK_AT_INSTANT") ? null : View.valueOf(which));
			return null;
		}
	}
}
