package cacheshadow.ui;

import org.eclipse.ui.views.properties.IPropertyDescriptor;
import org.eclipse.ui.views.properties.IPropertySource;
import org.eclipse.ui.views.properties.PropertyDescriptor;

import cacheshadow.cases.EvidenceItem;

/** Evidence shown in the Properties view (read-only: evidence is never edited). */
final class EvidencePropertySource implements IPropertySource {
	private static final String[][] PROPS = { { "id", "Number" }, { "path", "Path" }, { "format", "Format" },
			{ "size", "Size (bytes)" }, { "sha256", "SHA-256 (when added)" }, { "added", "Added (UTC)" }, { "status", "Status" },
			{ "verified", "Last verified (UTC)" } };
	private final EvidenceItem e;

	EvidencePropertySource(EvidenceItem e) {
		this.e = e;
	}

	@Override
	public Object getEditableValue() {
		return this;
	}

	@Override
	public IPropertyDescriptor[] getPropertyDescriptors() {
		IPropertyDescriptor[] d = new IPropertyDescriptor[PROPS.length];
		for (int i = 0; i < PROPS.length; i++) {
			PropertyDescriptor p = new PropertyDescriptor(PROPS[i][0], PROPS[i][1]);
			p.setCategory("Evidence");
			d[i] = p;
		}
		return d;
	}

	@Override
	public Object getPropertyValue(Object id) {
		return switch ((String) id) {
		case "id" -> "#" + e.id();
		case "path" -> e.path();
		case "format" -> e.format().label();
		case "size" -> String.format("%,d", e.size());
		case "sha256" -> e.sha256();
		case "added" -> e.addedAt().toString();
		case "status" -> e.status().name();
		case "verified" -> e.verifiedAt() == null ? "never" : e.verifiedAt().toString();
		default -> null;
		};
	}

	@Override
	public boolean isPropertySet(Object id) {
		return false;
	}

	@Override
	public void resetPropertyValue(Object id) {
	}

	@Override
	public void setPropertyValue(Object id, Object value) {
	}
}
