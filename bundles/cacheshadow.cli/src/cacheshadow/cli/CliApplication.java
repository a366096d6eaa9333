package cacheshadow.cli;

import org.eclipse.equinox.app.IApplication;
import org.eclipse.equinox.app.IApplicationContext;

/**
 * The headless application in OSGi: {@code CACHESHADOW_OSGI=1 ./cacheshadow <subcommand>} (by default the launcher runs
 * {@link Cli#main} on a plain class path of the same jars, without the framework's start-up).
 */
public class CliApplication implements IApplication {
	@Override
	public Object start(IApplicationContext context) throws Exception {
		String[] args = (String[]) context.getArguments().get(IApplicationContext.APPLICATION_ARGS);
		return Integer.valueOf(Cli.execute(args == null ? new String[0] : args));
	}

	@Override
	public void stop() {
	}
}
