package cacheshadow.fuse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import cacheshadow.listing.FileRecord;

/**
 * The tree of a mount that follows a running guest: one generation per refresh, each a whole tree of its own (names
 * served through {@link HostNamedTree}). {@link #install} makes a new generation current in one step: every later
 * lookup, getattr, listing and readlink answers from it, so a path gone from it is ENOENT for new lookups. A file
 * opened under a generation reads that generation until released, however many refreshes come in between, so no
 * open file ever mixes two refreshes; a generation no longer current is closed (its {@code resources} with it) when
 * its last open file is released.
 * <p>
 * Bounded: at most {@code maxGenerations} generations are alive at once (the current one and older ones still held by
 * open files). {@link #refused} says, before a refresh pauses the guest, whether one more may come and if not which
 * files hold the old ones; files never closed thus stop refreshes (each refusal says which) instead of holding an
 * unbounded number of refreshes in memory, and an open file is never cut off from the state it opened. A request in flight (one FUSE callback) holds its generation too, so a
 * generation is never closed under a request that still reads it.
 */
public final class LiveMountTree implements MountedTree, AutoCloseable {
	private final int maxGenerations;
	private final Consumer<String> problems;
	private final List<Generation> alive = new ArrayList<>(); // oldest first; the last is current
	private Generation current;
	private long installed;
	private volatile Consumer<String> directoryOpened = path -> {
	};
	private final List<Runnable> whenRefreshed = new java.util.concurrent.CopyOnWriteArrayList<>();

	/** Starts with {@code first} as generation 1; {@code resources} are closed with it. */
	public LiveMountTree(MountedTree first, AutoCloseable resources, int maxGenerations, Consumer<String> problems) {
		if (maxGenerations < 1) throw new IllegalArgumentException("at least one generation");
		this.maxGenerations = maxGenerations;
		this.problems = problems;
		install(first, resources);
	}

	/** One refresh's tree, alive while current or held by an open file or a request in flight. */
	final class Generation implements MountedTree {
		final long number;
		private final MountedTree tree;
		private final AutoCloseable resources;
		private final Map<String, Integer> openFiles = new TreeMap<>(); // path → open count (guarded by the outer tree)
		private int holds; // open files + requests in flight (guarded by the outer tree)
		private boolean closed;

		Generation(long number, MountedTree tree, AutoCloseable resources) {
			this.number = number;
			this.tree = HostNamedTree.of(tree, problems);
			this.resources = resources;
		}

		@Override
		public FileRecord getattr(String path) throws IOException {
			return tree.getattr(path);
		}

		@Override
		public List<String> readdir(String path) throws IOException {
			return tree.readdir(path);
		}

		@Override
		public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
			return tree.read(path, offset, buf, off, len);
		}

		@Override
		public String readlink(String path) throws IOException {
			return tree.readlink(path);
		}

		@Override
		public long[] capacity() {
			return tree.capacity();
		}

		@Override
		public List<String> attributeNames(String path) throws IOException {
			return tree.attributeNames(path);
		}

		@Override
		public String attribute(String path, String name) throws IOException {
			return tree.attribute(path, name);
		}

		/** The file bound to this generation: it holds the generation until {@link OpenFile#close}. */
		@Override
		public OpenFile open(String path) throws IOException {
			hold(this, path);
			try {
				FileRecord attributes = tree.getattr(path);
				if (attributes == null) throw new java.nio.file.NoSuchFileException(path);
				OpenFile f = tree.open(path);
				return new OpenFile() {
					private boolean released;

					@Override
					public int read(long offset, byte[] buf, int off, int len) throws IOException {
						return f.read(offset, buf, off, len);
					}

					@Override
					public FileRecord attributes() {
						return attributes;
					}

					@Override
					public void close() {
						synchronized (this) {
							if (released) return;
							released = true;
						}
						f.close();
						release(Generation.this, path);
					}
				};
			} catch (IOException | RuntimeException e) {
				release(this, path);
				throw e;
			}
		}

		@Override
		public String toString() {
			return "refresh " + number;
		}
	}

	/**
	 * Makes {@code tree} the current generation (its {@code resources}, e.g. the refresh's merge model, closed with
	 * it); the one before stays alive while open files hold it. Its number.
	 *
	 * @throws IllegalStateException when {@link #refused} would have said no
	 */
	public long install(MountedTree tree, AutoCloseable resources) {
		Generation old;
		Generation g;
		synchronized (this) {
			String no = refused();
			if (no != null) throw new IllegalStateException(no);
			g = new Generation(++installed, tree, resources);
			old = current;
			current = g;
			alive.add(g);
			if (old == null || old.holds > 0) old = null;
			else alive.remove(old);
		}
		if (old != null) close(old);
		for (Runnable r : whenRefreshed) r.run();
		return g.number;
	}

	/**
	 * Null when one more generation may be installed; else why not: the generations that would stay alive (those held
	 * by open files, the current one included) and the new one would be more than the limit.
	 */
	public synchronized String refused() {
		List<Generation> held = new ArrayList<>();
		for (Generation g : alive) if (!g.openFiles.isEmpty()) held.add(g); // a request in flight lets go at once
		if (current == null || held.size() + 1 <= maxGenerations) return null;
		StringBuilder b = new StringBuilder();
		b.append(held.size()).append(held.size() == 1 ? " refresh is" : " refreshes are").append(" still read by open files and at most ")
				.append(maxGenerations).append(maxGenerations == 1 ? " refresh is" : " refreshes are").append(" kept: ");
		for (Generation g : held) {
			int files = 0;
			for (int n : g.openFiles.values()) files += n;
			b.append(g).append(" by ").append(files).append(files == 1 ? " open file" : " open files");
			int shown = 0;
			for (String p : g.openFiles.keySet()) {
				b.append(shown == 0 ? " (" : ", ");
				if (++shown > 3) {
					b.append("...");
					break;
				}
				b.append(p);
			}
			b.append(shown > 0 ? "); " : "; ");
		}
		b.append("close them to let refreshes go on");
		return b.toString();
	}

	/** The current generation's number. */
	public synchronized long currentNumber() {
		return current.number;
	}

	/** Numbers of the generations alive (current last). */
	public synchronized List<Long> aliveNumbers() {
		List<Long> n = new ArrayList<>();
		for (Generation g : alive) n.add(g.number);
		return n;
	}

	/** Called with the directory's path when one is opened (e.g. to refresh a view grown old); runs on the request. */
	public void onDirectoryOpened(Consumer<String> action) {
		directoryOpened = action;
	}

	@Override
	public void directoryOpened(String path) {
		directoryOpened.accept(path);
	}

	@Override
	public boolean refreshes() {
		return true;
	}

	@Override
	public void whenRefreshed(Runnable action) {
		whenRefreshed.add(action);
	}

	/** The current generation, held until the snapshot is closed. */
	@Override
	public Snapshot snapshot() {
		Generation g;
		synchronized (this) {
			g = current;
			g.holds++;
		}
		return new Snapshot(g, () -> release(g, null));
	}

	private synchronized void hold(Generation g, String openPath) throws IOException {
		if (g.closed) throw new IOException(g + " is closed");
		g.holds++;
		if (openPath != null) g.openFiles.merge(openPath, 1, Integer::sum);
	}

	private void release(Generation g, String openPath) {
		synchronized (this) {
			g.holds--;
			if (openPath != null) g.openFiles.computeIfPresent(openPath, (p, n) -> n == 1 ? null : n - 1);
			if (g.holds > 0 || g == current || g.closed) return;
			alive.remove(g);
		}
		close(g);
	}

	private void close(Generation g) {
		synchronized (this) {
			if (g.closed) return;
			g.closed = true;
		}
		try {
			if (g.resources != null) g.resources.close();
		} catch (Exception e) {
			problems.accept("closing " + g + ": " + e.getMessage());
		}
	}

	// Callers outside a FUSE request (tests, tools): each question answered by the generation current at the time.

	@Override
	public FileRecord getattr(String path) throws IOException {
		try (Snapshot s = snapshot()) {
			return s.tree().getattr(path);
		}
	}

	@Override
	public List<String> readdir(String path) throws IOException {
		try (Snapshot s = snapshot()) {
			return s.tree().readdir(path);
		}
	}

	@Override
	public int read(String path, long offset, byte[] buf, int off, int len) throws IOException {
		try (Snapshot s = snapshot()) {
			return s.tree().read(path, offset, buf, off, len);
		}
	}

	@Override
	public String readlink(String path) throws IOException {
		try (Snapshot s = snapshot()) {
			return s.tree().readlink(path);
		}
	}

	@Override
	public long[] capacity() {
		try (Snapshot s = snapshot()) {
			return s.tree().capacity();
		}
	}

	@Override
	public List<String> attributeNames(String path) throws IOException {
		try (Snapshot s = snapshot()) {
			return s.tree().attributeNames(path);
		}
	}

	@Override
	public String attribute(String path, String name) throws IOException {
		try (Snapshot s = snapshot()) {
			return s.tree().attribute(path, name);
		}
	}

	/** A file of the current generation, held by it until closed. */
	@Override
	public OpenFile open(String path) throws IOException {
		try (Snapshot s = snapshot()) {
			return s.tree().open(path);
		}
	}

	/** Closes every generation, open files or not (the mount is gone). */
	@Override
	public void close() {
		List<Generation> all;
		synchronized (this) {
			all = new ArrayList<>(alive);
			alive.clear();
		}
		for (Generation g : all) close(g);
	}
}
