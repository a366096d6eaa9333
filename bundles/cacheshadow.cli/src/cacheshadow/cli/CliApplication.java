package cacheshadow.cli;

import org.eclipse.equinox.app.IApplication;
import org.eclipse.equinox.app.IApplicationContext;

/** The headless application behind {@code ./cacheshadow <subcommand>}: same core bundles as the workbench. */
public class CliApplication implements IApplication {
	@Override
	public Object start(IApplicationContext context) throws Exception {
		String[] args = (String[]) context.getArguments().get(IApplicationContext.APPLICATION_ARGS);
		// what another process that finds a case locked is told holds it: the subcommand and its action
		if (args != null && args.length > 0) {
			cacheshadow.cases.Case.setProgram("./cacheshadow " + args[0] + (args.length > 1 && !args[1].startsWith("-") && args[0].equals("case") ? " " + args[1] : ""));
		}
		int code = new Cli(System.out, System.err).run(args == null ? new String[0] : args);
		System.out.flush();
		System.err.flush();
		return Integer.valueOf(code);
	}

	@Override
	public void stop() {
	}
}
