package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import cacheshadow.layers.AtomicFile;
import cacheshadow.listing.Finding;
import cacheshadow.listing.GuestName;
import cacheshadow.merge.BodyfileExport;
import cacheshadow.merge.DfxmlExport;
import cacheshadow.merge.MergedFileSystem;
import cacheshadow.merge.View;
import cacheshadow.merge.ViewExport;

/** {@code export}: one view's files with mode, owner and times preserved, plus provenance and manifest sidecars. */
final class ExportCommand implements Command {
	@Override
	public String name() {
		return "export";
	}

	@Override
	public String summary() {
		return "a view's files (mode, owner, times kept) to a directory or tar with a provenance sidecar, or as DFXML or a body file";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow export --memory M [--disk D] [--kernel DIR] [--view merged|cache-only|disk-only]
				                            [--under PATH] --out DIR|FILE.tar [--no-journal-replay] [--partial]
				       ./cacheshadow export --memory M --disk D [--kernel DIR] --view merged|cache-only|disk-only
				                            --format dfxml|bodyfile --out FILE
				""" + EvidenceArgs.USAGE + """

				  --view V          merged (default with --disk), cache-only, disk-only
				  --under PATH      export this guest path and what is below it (default: the whole view)
				  --out DIR         files under DIR at their guest paths (DIR/mnt/disk/...); as root, owners are
				                    applied too; or FILE.tar: a pax tar (nanosecond mtimes, long names)
				Sidecars next to the output: OUT.provenance.tsv (path, offset, length, source, disk_block for every
				byte range of every file) and OUT.manifest.tsv (the exported paths in manifest.tsv columns, with the
				ctimes no file system call can restore).
				Nothing is written outside OUT nor through a symbolic link (one already in OUT leaves its subtree
				out); names that are not plain are written escaped (\\xNN, \\\\; past 255 bytes shortened with a hash),
				each with a provenance row "PATH - - host-name WRITTEN_AS"; modes lose setuid, setgid, sticky and
				world-writable bits (the manifest sidecar and a pax comment in the tar keep them).
				OUT.complete is written last (what was exported, counts, sidecars, time) and removed when an export
				starts: an output without it is unfinished (interrupted, or still running); run the export again.
				The tar and the sidecars appear whole or not at all; a directory is completed by running again.

				  --format dfxml    FILE: the view as DFXML as fiwalk writes it (a volume per disk, a fileobject per
				                    path with sha256, byte runs whose cacheshadow:source attribute says page cache or
				                    disk block, fileobject cacheshadow:metadata="cache|disk")
				  --format bodyfile FILE: the view as a TSK body file (fls -m) for mactime, with the cached times where
				                    the disk holds older ones, and FILE.sources.tsv: per line whether its times came from
				                    the cache or the disk, the disk's times and which differ
				Each of these files appears whole or not at all.""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Set<String> options = new HashSet<>(EvidenceArgs.OPTIONS);
		options.addAll(Set.of("out", "under", "format"));
		Args a = new Args(argv, options, EvidenceArgs.FLAGS);
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		EvidenceArgs ev = new EvidenceArgs(a, View.MERGED, false);
		Path target = a.requiredPath("out").toAbsolutePath().normalize();
		String format = a.option("format");
		if (format != null) return standard(format, a, ev, target, argv, out, err);
		boolean tar = target.getFileName().toString().endsWith(".tar");
		Path provenance = target.resolveSibling(target.getFileName() + ".provenance.tsv");
		Path manifest = target.resolveSibling(target.getFileName() + ".manifest.tsv");
		Path complete = target.resolveSibling(target.getFileName() + ".complete");
		// an earlier export's marker must not vouch for this one, which may yet be interrupted
		if (Files.deleteIfExists(complete)) AtomicFile.forceDirectory(complete.getParent());
		ConsoleProgress progress = new ConsoleProgress(err);
		ViewExport.Result r;
		String under;
		try (MergedFileSystem m = ev.open(progress)) {
			progress.finish();
			var tree = m.tree(ev.view);
			under = a.option("under", tree.root());
			r = tar ? ViewExport.toTar(tree, under, target, provenance, manifest)
					: ViewExport.toDirectory(tree, under, target, provenance, manifest);
		} finally {
			progress.finish();
		}
		AtomicFile.writeText(complete, w -> w.write("cacheshadow export complete\nview\t" + ev.view.label() + "\nunder\t" + GuestName.printable(under)
				+ "\noutput\t" + target + "\nfiles\t" + r.files() + "\nbytes\t" + r.bytes() + "\ndirectories\t" + r.directories()
				+ "\nsymlinks\t" + r.symlinks() + "\nhard_links\t" + r.hardLinks() + "\nprovenance\t" + provenance + "\nmanifest\t" + manifest
				+ "\nfinished\t" + Instant.now() + "\n"));
		out.printf("%s view → %s: %d files (%d bytes), %d directories, %d symbolic links, %d hard links%n", ev.view.label(), target,
				r.files(), r.bytes(), r.directories(), r.symlinks(), r.hardLinks());
		out.println("provenance: " + provenance);
		out.println("manifest: " + manifest);
		out.println("complete: " + complete);
		for (String n : r.notes()) out.println("  note: " + GuestName.printable(n));
		long renamed = r.findings().stream().filter(f -> f.kind().equals("export-name")).count();
		long masked = r.findings().stream().filter(f -> f.kind().equals("export-mode-masked")).count();
		if (renamed > 0) out.println(renamed + " names not written as the guest's bytes (escaped or shortened; host-name rows in " + provenance.getFileName() + ")");
		if (masked > 0) out.println(masked + " modes masked (no setuid, setgid, sticky or world-writable bit on the host; " + manifest.getFileName() + " has the guest's)");
		for (Finding f : r.findings()) if (f.kind().equals("export-name") || f.kind().equals("export-host-symlink")) out.println("  " + f);
		long unsure = r.findings().stream().filter(f -> f.kind().equals("evidence-missing")).count();
		if (unsure > 0) {
			out.println(unsure + " exported paths rest on bytes missing from the evidence (column 'missing' of " + manifest.getFileName() + "):");
			for (Finding f : r.findings()) if (f.kind().equals("evidence-missing")) out.println("  " + f);
		}
		return 0;
	}

	/** {@code --format dfxml|bodyfile}: the whole view as one file a standard tool reads. */
	private static int standard(String format, Args a, EvidenceArgs ev, Path target, List<String> argv, PrintStream out, PrintStream err) throws Exception {
		if (!format.equals("dfxml") && !format.equals("bodyfile")) throw new UsageException("--format " + format + ": dfxml or bodyfile");
		if (a.option("under") != null) throw new UsageException("--under does not apply to --format " + format + " (the whole view is written)");
		if (ev.disk == null) throw new UsageException("--format " + format + " needs --disk D");
		if (a.option("view") == null) throw new UsageException("--format " + format + " needs --view merged|cache-only|disk-only");
		ConsoleProgress progress = new ConsoleProgress(err);
		try (MergedFileSystem m = ev.open(progress)) {
			progress.finish();
			if (format.equals("dfxml")) {
				String version = ExportCommand.class.getPackage().getImplementationVersion();
				DfxmlExport.Result r = DfxmlExport.write(m, ev.view, new DfxmlExport.Creator("./cacheshadow export " + String.join(" ", argv), version,
						java.util.Arrays.asList(ev.memory, ev.disk)), target);
				out.printf("%s view → %s: DFXML, %d file objects (%d with sha256), %d byte runs%n", ev.view.label(), target, r.fileObjects(), r.hashed(), r.byteRuns());
			} else {
				Path sources = target.resolveSibling(target.getFileName() + ".sources.tsv");
				BodyfileExport.Result r = BodyfileExport.write(m, ev.view, target, sources);
				out.printf("%s view → %s: body file, %d lines, %d with times from the caches (%d differing from the disk's)%n", ev.view.label(), target, r.lines(),
						r.fromCache(), r.cacheDiffers());
				out.println("sources: " + sources);
			}
		} finally {
			progress.finish();
		}
		return 0;
	}
}
