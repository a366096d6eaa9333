package cacheshadow.caches;

/**
 * One mount of the init mount namespace ({@code struct mount}).
 *
 * @param address    the {@code struct mount}
 * @param path       where the guest sees it ("/" for the namespace root)
 * @param device     {@code mnt_devname}, e.g. {@code /dev/vda} or {@code tmpfs}
 * @param fsType     {@code sb->s_type->name}
 * @param superBlock the {@code struct super_block}
 * @param root       {@code mnt.mnt_root}, the dentry the walk of this mount starts at
 * @param uuid       {@code sb->s_uuid} as 8-4-4-4-12 hex, or null when all zero
 * @param id         {@code sb->s_id}, e.g. {@code vda}
 */
public record Mount(long address, long parent, String path, String device, String fsType, long superBlock, long root,
		long mountpoint, String uuid, String id) {
}
