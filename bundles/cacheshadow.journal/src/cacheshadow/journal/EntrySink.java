package cacheshadow.journal;

/**
 * Receives each entry a journal parser accepts, in log order, as soon as it is accepted (never an entry that a
 * later damage report excludes: damage ends the log before the damaged entry). Lets an index be built while the
 * journal is still being read instead of in a second pass afterwards. A parser that reads a later part of the log
 * at the same time ({@link SecondHalfWalk}) feeds that part to a {@link #part()} and, once the part proves to
 * follow the entries accepted so far, {@link #absorb}s it; a part that does not is dropped.
 */
interface EntrySink {
	EntrySink NONE = new EntrySink() {
		@Override
		public void start(int sectorSize, int expectedEntries) {
		}

		@Override
		public void accept(long diskOffset, long length, int flags) {
		}

		@Override
		public EntrySink part() {
			return this;
		}

		@Override
		public void absorb(EntrySink part) {
		}
	};

	/**
	 * Called once, before the first entry, with the journal's sector size and a guess of its entry count (a
	 * super block's hint, bounded by what the file can hold; 0 if unknown) to size buffers by.
	 */
	void start(int sectorSize, int expectedEntries);

	void accept(long diskOffset, long length, int flags);

	/** A started sink for entries that may follow this one's (fed on another thread). */
	EntrySink part();

	/** Takes {@code part}'s entries, which follow the ones accepted so far, as if accepted here. */
	void absorb(EntrySink part);
}
