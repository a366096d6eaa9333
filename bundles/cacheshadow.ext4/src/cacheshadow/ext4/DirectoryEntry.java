package cacheshadow.ext4;

/**
 * One directory entry ({@code ext4_dir_entry_2}): inode number, name, and the file type byte (1 regular,
 * 2 directory, 3 char, 4 block, 5 fifo, 6 socket, 7 symlink; 0 when the filetype feature is off). The name is in its
 * {@link cacheshadow.listing.GuestName} text form: plain names as they are, anything else escaped; "." and ".."
 * only for the directory's own two entries.
 */
public record DirectoryEntry(long inode, String name, int fileType) {
	public boolean isDotOrDotDot() {
		return ".".equals(name) || "..".equals(name);
	}
}
