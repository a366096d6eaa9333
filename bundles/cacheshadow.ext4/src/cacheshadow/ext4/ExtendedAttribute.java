package cacheshadow.ext4;

import java.nio.charset.StandardCharsets;

/** One extended attribute: full name ({@code user.foo}, {@code system.data}) and value bytes. */
public record ExtendedAttribute(String name, byte[] value, boolean inInode) {
	public String valueAsString() {
		return new String(value, StandardCharsets.UTF_8);
	}
}
