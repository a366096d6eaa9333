package cacheshadow.caches;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import cacheshadow.kernel.AddressSet;
import cacheshadow.kernel.Btf;
import cacheshadow.kernel.LinuxKernel;
import cacheshadow.layers.Layer;
import cacheshadow.listing.Finding;

/**
 * The mount tree of init's namespace: {@code init_task.nsproxy->mnt_ns->root}, then each mount's children on its
 * {@code mnt_mounts} list (linked through {@code mnt_child}). The tree is used rather than the namespace's flat
 * list because that list became an rbtree in 6.8; the tree has the same shape in every series. Mount point paths
 * are built from {@code mnt_mountpoint} dentries up to the parent mount's root.
 */
public final class MountWalker {
	private final LinuxKernel kernel;
	private final Layer vm;
	private final List<Finding> findings;
	private final long limit;
	private final long nsproxyOff, mntNsOff, nsRootOff, parentOff, mountpointOff, mntRootOff, mntSbOff, mountsOff,
			childOff, devnameOff, sTypeOff, fsNameOff, sUuidOff, sIdOff, dParentOff, dNameLenOff, dNameOff, listNextOff;
	private final long sIdLen;

	public MountWalker(LinuxKernel kernel, List<Finding> findings) throws IOException {
		this.kernel = kernel;
		this.vm = kernel.virtual();
		this.findings = findings;
		Btf b = kernel.btf();
		nsproxyOff = b.field("task_struct", "nsproxy").offset();
		mntNsOff = b.field("nsproxy", "mnt_ns").offset();
		nsRootOff = b.field("mnt_namespace", "root").offset();
		parentOff = b.field("mount", "mnt_parent").offset();
		mountpointOff = b.field("mount", "mnt_mountpoint").offset();
		mntRootOff = b.field("mount", "mnt.mnt_root").offset();
		mntSbOff = b.field("mount", "mnt.mnt_sb").offset();
		mountsOff = b.field("mount", "mnt_mounts").offset();
		childOff = b.field("mount", "mnt_child").offset();
		devnameOff = b.field("mount", "mnt_devname").offset();
		sTypeOff = b.field("super_block", "s_type").offset();
		fsNameOff = b.field("file_system_type", "name").offset();
		sUuidOff = b.field("super_block", "s_uuid").offset();
		sIdOff = b.field("super_block", "s_id").offset();
		sIdLen = b.sizeOf(b.field("super_block", "s_id").type());
		dParentOff = b.field("dentry", "d_parent").offset();
		dNameLenOff = b.field("dentry", "d_name.len").offset();
		dNameOff = b.field("dentry", "d_name.name").offset();
		listNextOff = b.field("list_head", "next").offset();
		limit = Math.max(1024, kernel.physical().size() / b.sizeOf("mount"));
	}

	public List<Mount> walk() throws IOException {
		long nsproxy = vm.readU64(kernel.initTask() + nsproxyOff);
		long ns = vm.readU64(nsproxy + mntNsOff);
		long root = vm.readU64(ns + nsRootOff);
		List<Mount> out = new ArrayList<>();
		Map<Long, String> pathOf = new HashMap<>();
		AddressSet seen = new AddressSet();
		Deque<Long> todo = new ArrayDeque<>();
		todo.push(root);
		seen.add(root);
		while (!todo.isEmpty()) {
			long m = todo.pop();
			Mount mount;
			try {
				mount = read(m, m == root ? null : pathOf);
			} catch (IOException e) {
				findings.add(Finding.anomaly("mount-unreadable", m, "struct mount cannot be read: " + e.getMessage()));
				continue;
			}
			pathOf.put(m, mount.path());
			out.add(mount);
			long head = m + mountsOff;
			long p;
			try {
				p = vm.readU64(head + listNextOff);
			} catch (IOException e) {
				findings.add(Finding.anomaly("mount-list-unreadable", head, e.getMessage()));
				continue;
			}
			List<Long> children = new ArrayList<>();
			long steps = 0;
			while (p != head) {
				if (++steps > limit) {
					findings.add(Finding.anomaly("mount-list-too-long", head, "more than " + limit + " child mounts"));
					break;
				}
				long child = p - childOff;
				if (!seen.add(child)) {
					findings.add(Finding.anomaly("mount-cycle", child, "mount reached twice in the mount tree"));
					break;
				}
				children.add(child);
				try {
					p = vm.readU64(p + listNextOff);
				} catch (IOException e) {
					findings.add(Finding.anomaly("mount-list-unreadable", p, e.getMessage()));
					break;
				}
			}
			// Depth-first in list order: parents always get their path before their children.
			for (int i = children.size() - 1; i >= 0; i--) todo.push(children.get(i));
		}
		return out;
	}

	private Mount read(long m, Map<Long, String> pathOf) throws IOException {
		long parent = vm.readU64(m + parentOff);
		long mountpoint = vm.readU64(m + mountpointOff);
		long mntRoot = vm.readU64(m + mntRootOff);
		long sb = vm.readU64(m + mntSbOff);
		String dev = string(vm.readU64(m + devnameOff), 4096);
		String fs = string(vm.readU64(vm.readU64(sb + sTypeOff) + fsNameOff), 256);
		byte[] u = new byte[16];
		vm.read(sb + sUuidOff, u, 0, 16);
		String uuid = uuid(u);
		String id = cacheshadow.listing.GuestName.printable(LinuxKernel.cString(vm, sb + sIdOff, (int) sIdLen));
		String path = "/";
		if (pathOf != null) {
			String parentPath = pathOf.get(parent);
			if (parentPath == null) {
				findings.add(Finding.anomaly("mount-parent-unknown", m, "parent mount 0x" + Long.toHexString(parent) + " not walked before"));
				parentPath = "/";
			}
			long parentRoot = vm.readU64(parent + mntRootOff);
			path = join(parentPath, relativePath(mountpoint, parentRoot));
		}
		return new Mount(m, parent, path, dev, fs, sb, mntRoot, mountpoint, uuid, id);
	}

	/** The path of {@code dentry} below {@code root}, following {@code d_parent} (bounded). */
	private String relativePath(long dentry, long root) throws IOException {
		List<String> names = new ArrayList<>();
		long d = dentry;
		for (int depth = 0; d != root; depth++) {
			if (depth > 4096) {
				findings.add(Finding.anomaly("mountpoint-path-loop", dentry, "d_parent chain does not reach the parent mount's root"));
				break;
			}
			long parent = vm.readU64(d + dParentOff);
			if (parent == d) break;
			names.add(DentryWalker.name(vm, d + dNameOff, vm.readU32(d + dNameLenOff)));
			d = parent;
		}
		StringBuilder sb = new StringBuilder();
		for (int i = names.size() - 1; i >= 0; i--) sb.append('/').append(names.get(i));
		return sb.toString();
	}

	static String join(String dir, String rel) {
		if (rel.isEmpty()) return dir;
		return dir.equals("/") ? rel : dir + rel;
	}

	/** A C string the guest wrote (device, file-system type), printable: control and formatting characters escaped. */
	private String string(long va, int max) throws IOException {
		return va == 0 ? null : cacheshadow.listing.GuestName.printable(LinuxKernel.cString(vm, va, max));
	}

	static String uuid(byte[] u) {
		boolean zero = true;
		for (byte x : u) zero &= x == 0;
		if (zero) return null;
		StringBuilder sb = new StringBuilder(36);
		for (int i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10) sb.append('-');
			sb.append(String.format("%02x", u[i]));
		}
		return sb.toString();
	}
}
