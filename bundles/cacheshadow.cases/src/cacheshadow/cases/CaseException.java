package cacheshadow.cases;

import java.io.IOException;

/** A case cannot be created, opened or updated; the message names the folder and the reason in one line. */
public class CaseException extends IOException {
	private static final long serialVersionUID = 1L;

	public CaseException(String message) {
		super(message);
	}
}
