package cacheshadow.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import cacheshadow.journal.JournalShipper;
import cacheshadow.journal.NbdServer;
import cacheshadow.journal.RecordingDisk;
import cacheshadow.journal.WebHdfs;

/**
 * {@code record}: serves a guest's disk image to QEMU over NBD and records every write, discard and flush in a
 * timestamped journal (issue 16's recorder), until SIGTERM or Ctrl-C.
 */
final class RecordCommand implements Command {
	@Override
	public String name() {
		return "record";
	}

	@Override
	public String summary() {
		return "serve a guest's disk to QEMU over NBD, recording every write in a .csj journal with the host's clock";
	}

	@Override
	public String usage() {
		return """
				usage: ./cacheshadow record --disk IMAGE --journal J.csj --socket PATH [--ship webhdfs://HOST[:PORT]/PATH]
				  Serves IMAGE (raw, read-write) on the UNIX socket PATH to QEMU's NBD client, e.g.
				    -blockdev driver=nbd,server.type=unix,server.path=PATH,node-name=disk0,reconnect-delay=30
				  and appends every write, discard and flush to J.csj with the host's time before applying it to
				  IMAGE. A write is acknowledged once its record is in the journal file (a kill of the recorder loses
				  no acknowledged write); a flush or FUA write once the journal and IMAGE are forced to disk. J.csj is
				  created, or reopened and appended to (a torn last record cut, the last record applied to IMAGE
				  again). Runs until SIGTERM or Ctrl-C; restarted, QEMU reconnects (reconnect-delay) and resends what
				  was not acknowledged. ./cacheshadow replay --disk BASE --journal J.csj --at end gives IMAGE.
				  --ship URL        ship the journal to HDFS while recording (as ship --follow: whole records, forced
				                    to disk first, resumed after failures), and the rest when the recorder stops
				                    (retried for 30 s then)""";
	}

	@Override
	public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
		Args a = new Args(argv, Set.of("disk", "journal", "socket", "ship"), Set.of());
		if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument " + a.positionals().get(0));
		Path image = a.requiredPath("disk"), journal = a.requiredPath("journal"), socket = a.requiredPath("socket");
		String ship = a.option("ship");
		if (ship != null && !WebHdfs.isUrl(ship)) throw new UsageException("--ship: not a webhdfs:// URL: " + ship);
		JournalShipper shipper;
		try {
			shipper = ship == null ? null : new JournalShipper(journal, ship, Duration.ofSeconds(600), err::println);
		} catch (IllegalArgumentException e) {
			throw new UsageException("--ship: " + e.getMessage());
		}
		RecordingDisk disk = RecordingDisk.open(image, journal);
		Thread shipping = shipper == null ? null : Thread.ofPlatform().daemon().name("record-ship").start(() -> {
			try {
				shipper.follow(Duration.ofMillis(500), null);
			} catch (java.io.InterruptedIOException e) {
				// the recorder stops: the last records are shipped below
			} catch (java.io.IOException e) {
				err.println("record: shipping to " + ship + " stopped: " + e.getMessage());
			}
		});
		disk.reopened().ifPresent(n -> err.println("record: reopened " + journal + ": " + n));
		NbdServer server = NbdServer.listen(disk, socket, err);
		Thread stop = new Thread(() -> {
			try {
				server.close();
				disk.close();
				if (shipping != null) {
					shipping.interrupt();
					shipping.join();
					// the rest, from where HDFS stands (the follower may have been cut off mid-request), retried for 30 s
					err.println("record: " + new JournalShipper(journal, ship, Duration.ofSeconds(30), err::println).shipOnce() + " bytes of the journal in " + ship);
				}
			} catch (Exception e) {
				err.println("record: closing: " + e);
			}
		}, "record-stop");
		Runtime.getRuntime().addShutdownHook(stop);
		err.println("record: serving " + image + " (" + disk.size() + " bytes) on nbd+unix:///?socket=" + socket + ", journal " + journal + " (" + disk.entries()
				+ " entries), pid " + ProcessHandle.current().pid());
		server.serve();
		return 0;
	}
}
