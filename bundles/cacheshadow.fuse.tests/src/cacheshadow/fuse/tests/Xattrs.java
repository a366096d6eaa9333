package cacheshadow.fuse.tests;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;

/** Reads the mount's {@code user.cacheshadow.*} extended attributes (listxattr, getxattr through the kernel). */
final class Xattrs {
	private Xattrs() {
	}

	static List<String> names(Path p) throws IOException {
		return view(p).list();
	}

	/** The value of {@code user.cacheshadow.NAME}. */
	static String get(Path p, String name) throws IOException {
		UserDefinedFileAttributeView v = view(p);
		String full = "cacheshadow." + name;
		ByteBuffer b = ByteBuffer.allocate(v.size(full));
		v.read(full, b);
		return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
	}

	private static UserDefinedFileAttributeView view(Path p) {
		return Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
	}
}
