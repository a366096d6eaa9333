package cacheshadow.journal;

/**
 * Receives each entry a journal parser accepts, in log order, as soon as it is accepted (never an entry that a
 * later damage report excludes: damage ends the log before the damaged entry). Lets an index be built while the
 * journal is still being read instead of in a second pass afterwards.
 */
interface EntrySink {
	EntrySink NONE = new EntrySink() {
		@Override
		public void start(int sectorSize, int expectedEntries) {
		}

		@Override
		public void accept(int entry, long diskOffset, long length, int flags) {
		}
	};

	/**
	 * Called once, before the first entry, with the journal's sector size and a guess of its entry count (a
	 * super block's hint, bounded by what the file can hold; 0 if unknown) to size buffers by.
	 */
	void start(int sectorSize, int expectedEntries);

	void accept(int entry, long diskOffset, long length, int flags);
}
