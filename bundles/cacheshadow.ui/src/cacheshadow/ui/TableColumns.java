package cacheshadow.ui;

import java.util.function.Function;

import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;

/** A text column of a table of records, the way the workbench's tables (evidence, changes, bookmarks) show them. */
final class TableColumns {
	private TableColumns() {
	}

	/** Adds a column whose cells are {@code text} of the row (as {@code type}), coloured by {@code color} (may be null). */
	static <T> TableViewerColumn text(TableViewer viewer, Class<T> type, String title, int width, Function<T, String> text, Function<T, Color> color) {
		TableViewerColumn c = new TableViewerColumn(viewer, SWT.NONE);
		c.getColumn().setText(title);
		c.getColumn().setWidth(width);
		c.setLabelProvider(new ColumnLabelProvider() {
			@Override
			public String getText(Object o) {
				return text.apply(type.cast(o));
			}

			@Override
			public Color getForeground(Object o) {
				return color == null ? null : color.apply(type.cast(o));
			}
		});
		return c;
	}
}
