/**
 * jbd2 journal recovery done in memory: {@link cacheshadow.ext4.jbd2.Jbd2Replay} scans the log (descriptor,
 * commit and revoke blocks; 32/64-bit tags; checksum v2/v3) and yields a
 * {@link cacheshadow.ext4.jbd2.JournalOverlayLayer}, the device as a mount would see it after recovery.
 */
package cacheshadow.ext4.jbd2;
