package cacheshadow.journal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Growable column store of journal entries (no object per entry: a million entries cost ~33 bytes each). */
final class EntryTable {
	private long[] diskOffset;
	private long[] length;
	private long[] dataPos;
	private long[] time;
	private byte[] flags;
	private final Map<Integer, String> marks = new HashMap<>();
	private int count;

	EntryTable(boolean withTime) {
		this(withTime, 1024);
	}

	/** With room for {@code expected} entries up front (e.g. a super block's count), so large logs copy less. */
	EntryTable(boolean withTime, int expected) {
		int n = Math.max(1024, expected);
		diskOffset = new long[n];
		length = new long[n];
		dataPos = new long[n];
		flags = new byte[n];
		if (withTime) time = new long[n];
	}

	/** Appends {@code other}'s entries after this table's. */
	void append(EntryTable other) {
		if ((time == null) != (other.time == null)) throw new IllegalArgumentException("tables with and without times");
		int n = count + other.count;
		if (n < 0 || n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("too many entries");
		if (n > diskOffset.length) grow(n);
		System.arraycopy(other.diskOffset, 0, diskOffset, count, other.count);
		System.arraycopy(other.length, 0, length, count, other.count);
		System.arraycopy(other.dataPos, 0, dataPos, count, other.count);
		System.arraycopy(other.flags, 0, flags, count, other.count);
		if (time != null) System.arraycopy(other.time, 0, time, count, other.count);
		for (Map.Entry<Integer, String> m : other.marks.entrySet()) marks.put(count + m.getKey(), m.getValue());
		count = n;
	}

	private void grow(int n) {
		diskOffset = Arrays.copyOf(diskOffset, n);
		length = Arrays.copyOf(length, n);
		dataPos = Arrays.copyOf(dataPos, n);
		flags = Arrays.copyOf(flags, n);
		if (time != null) time = Arrays.copyOf(time, n);
	}

	int add(long diskOff, long len, long pos, int flagBits, String mark, long epochNanos) {
		if (count == diskOffset.length) {
			int n = Math.max(1024, count + (count >> 1));
			if (n < 0) n = Integer.MAX_VALUE - 8;
			grow(n);
		}
		diskOffset[count] = diskOff;
		length[count] = len;
		dataPos[count] = pos;
		flags[count] = (byte) flagBits;
		if (time != null) time[count] = epochNanos;
		if (mark != null) marks.put(count, mark);
		return count++;
	}

	/**
	 * Most entries this JVM's heap can hold (about 40 bytes each with growth slack, within half the heap): a log
	 * claiming more (e.g. hostile, 32-byte flush entries by the billion) is cut there and reported, not an
	 * OutOfMemoryError.
	 */
	static int limit() {
		return (int) Math.min(Integer.MAX_VALUE - 16, Runtime.getRuntime().maxMemory() / 2 / 40);
	}

	int count() {
		return count;
	}

	long diskOffset(int i) {
		check(i);
		return diskOffset[i];
	}

	long length(int i) {
		check(i);
		return length[i];
	}

	long dataPos(int i) {
		check(i);
		return dataPos[i];
	}

	int flags(int i) {
		check(i);
		return flags[i] & 0xff;
	}

	String mark(int i) {
		check(i);
		return marks.get(i);
	}

	long epochNanos(int i) {
		check(i);
		return time == null ? WriteLog.NO_TIME : time[i];
	}

	private void check(int i) {
		if (i < 0 || i >= count) throw new IndexOutOfBoundsException("entry " + i + " of " + count);
	}
}
