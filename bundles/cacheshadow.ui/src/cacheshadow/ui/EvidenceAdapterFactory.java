package cacheshadow.ui;

import org.eclipse.core.runtime.IAdapterFactory;
import org.eclipse.ui.views.properties.IPropertySource;

import cacheshadow.cases.EvidenceItem;

/** Lets the Properties view show core {@link EvidenceItem}s without the core knowing about the UI. */
public class EvidenceAdapterFactory implements IAdapterFactory {
	@Override
	public <T> T getAdapter(Object o, Class<T> type) {
		if (o instanceof EvidenceItem e && type == IPropertySource.class) return type.cast(new EvidencePropertySource(e));
		return null;
	}

	@Override
	public Class<?>[] getAdapterList() {
		return new Class<?>[] { IPropertySource.class };
	}
}
