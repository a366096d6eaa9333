package cacheshadow.ui;

import java.util.Locale;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.ui.IViewPart;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.handlers.HandlerUtil;

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
