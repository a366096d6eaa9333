package cacheshadow.caches;

import java.io.IOException;
import java.util.List;

import cacheshadow.kernel.LinuxKernel;

/**
 * Told of each inode as the dentry/inode walk decodes it, so work per inode (the page-cache walk) can run on other
 * cores alongside the walk instead of after it. Called on the walking thread: an implementation hands the inode
 * on and returns at once.
 */
public interface WalkListener {
	/** Once, when the kernel model and the mounts are known, before the first {@link #inode}. */
	void started(LinuxKernel kernel, List<Mount> mounts) throws IOException;

	/** Each distinct inode once, in the order the walk decodes them. */
	void inode(CachedInode inode);
}
