package cacheshadow.cli;

/** Bad command-line usage: exit status 2 with a one-line reason. */
public class UsageException extends Exception {
	private static final long serialVersionUID = 1L;

	public UsageException(String message) {
		super(message);
	}
}
