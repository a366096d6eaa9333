package cacheshadow.kernel;

import java.io.IOException;

/**
 * The kernel's own description (BTF, symbols) lacks something an analysis needs: a struct, a field, a symbol.
 * Analyses report it and carry on with what does not need it.
 */
public class KernelLayoutException extends IOException {
	private static final long serialVersionUID = 1L;

	public KernelLayoutException(String message) {
		super(message);
	}
}
