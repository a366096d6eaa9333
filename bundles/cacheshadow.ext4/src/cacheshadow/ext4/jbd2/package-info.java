/**
 * jbd2 journal recovery done in memory: {@link cacheshadow.ext4.jbd2.Jbd2Replay} scans the log (descriptor,
 * commit and revoke blocks; 32/64-bit tags; checksum v2/v3) and yields a
 * {@link cacheshadow.ext4.jbd2.JournalOverlayLayer}, the device as a mount would see it after recovery. Of the file
 * system it knows only where the journal lies ({@link cacheshadow.ext4.jbd2.Jbd2Replay.JournalFile}, which
 * {@code Ext4FileSystem} gives it), not the file system itself.
 */
package cacheshadow.ext4.jbd2;
