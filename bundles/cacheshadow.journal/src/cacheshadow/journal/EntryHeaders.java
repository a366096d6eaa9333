package cacheshadow.journal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where {@link DmLogWritesReader} finds each entry's header sector while it walks a log forwards: through a mapping
 * of the file ({@link MappedEntryHeaders}, the headers alone) or from the whole file read ahead in chunks
 * ({@link ReadAheadFile}). Both give the parser the same bytes, so the same entries and the same damage report.
 */
interface EntryHeaders extends AutoCloseable {
	/**
	 * A little-endian buffer holding the {@code len} bytes at file offset {@code pos} from its {@code position()} on
	 * (read with absolute gets); valid until the next call. The range lies inside the file.
	 */
	ByteBuffer at(long pos, int len) throws IOException;

	@Override
	void close() throws IOException;
}
