package cacheshadow.journal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One file in HDFS spoken to over WebHDFS, HDFS's REST interface (hadoop-hdfs WebHDFS REST API), on the JDK's HTTP
 * client: no Hadoop jars. Named {@code webhdfs://HOST:PORT/PATH} (the name node's HTTP port, 9870 by default), with
 * an optional {@code ?user.name=U} (else {@code HADOOP_USER_NAME}, else the JVM's user). CREATE, APPEND and OPEN
 * take two steps: the name node answers 307 with the data node to send to or read from, and the data goes there.
 * Every failure is an {@link IOException}; an answer of HDFS's own is a {@link RemoteException} naming its Java
 * exception. Bytes read are counted per file and per process, to show what reading in place costs.
 */
public final class WebHdfs {
	public static final String SCHEME = "webhdfs://";
	static final int DEFAULT_PORT = 9870;
	private static final Duration TIMEOUT = Duration.ofSeconds(60);
	private static final AtomicLong PROCESS_BYTES = new AtomicLong(), PROCESS_REQUESTS = new AtomicLong();

	/**
	 * The HTTP client, made on the first request: building one loads the JDK's TLS trust store and HTTP machinery
	 * (~0.1 s of CPU), which every command paid when it read the process counters above ({@code Cli}) or asked
	 * {@link #isUrl}, whether it spoke to HDFS or not.
	 */
	private static final class Http {
		static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
				.followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
	}

	private final String url, host, path, user;
	private final int port;
	private final AtomicLong bytesRead = new AtomicLong(), requests = new AtomicLong();

	/** HDFS's answer to a request: the Java exception it names (e.g. {@code FileNotFoundException}) and its message. */
	public static final class RemoteException extends IOException {
		private static final long serialVersionUID = 1L;
		private final int status;
		private final String exception;

		RemoteException(String url, int status, String exception, String message) {
			super(url + ": HTTP " + status + (exception == null ? "" : " " + exception) + (message == null ? "" : ": " + message));
			this.status = status;
			this.exception = exception;
		}

		public int status() {
			return status;
		}

		/** The simple name of HDFS's exception, or null. */
		public String exception() {
			return exception;
		}
	}

	/** What GETFILESTATUS says of a file. */
	public record Status(long length, long modificationTime) {
	}

	private WebHdfs(String url, String host, int port, String path, String user) {
		this.url = url;
		this.host = host;
		this.port = port;
		this.path = path;
		this.user = user;
	}

	public static boolean isUrl(String location) {
		return location.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
	}

	private static final Pattern URL = Pattern.compile("(?i)webhdfs://([^/:?#]+)(?::(\\d{1,5}))?(/[^?#]*)(?:\\?user\\.name=([A-Za-z0-9._-]+))?");

	/** Parses {@code webhdfs://HOST[:PORT]/PATH[?user.name=U]}; anything else is refused with the form it must have. */
	public static WebHdfs of(String url) {
		Matcher m = URL.matcher(url);
		if (!m.matches() || m.group(3).endsWith("/")) {
			throw new IllegalArgumentException(url + ": not a WebHDFS file URL (webhdfs://HOST[:PORT]/PATH[?user.name=U])");
		}
		int port = m.group(2) == null ? DEFAULT_PORT : Integer.parseInt(m.group(2));
		if (port < 1 || port > 65535) throw new IllegalArgumentException(url + ": port " + port + " out of range");
		String user = m.group(4) != null ? m.group(4) : System.getenv("HADOOP_USER_NAME") != null ? System.getenv("HADOOP_USER_NAME") : System.getProperty("user.name");
		return new WebHdfs(url, m.group(1), port, m.group(3), user);
	}

	public String url() {
		return url;
	}

	/** Bytes OPEN returned for this file. */
	public long bytesRead() {
		return bytesRead.get();
	}

	/** HTTP requests made for this file. */
	public long requests() {
		return requests.get();
	}

	/** Bytes every WebHDFS read of this process returned. */
	public static long processBytesRead() {
		return PROCESS_BYTES.get();
	}

	public static long processRequests() {
		return PROCESS_REQUESTS.get();
	}

	/** The file's length and modification time, or null when there is no such file. */
	public Status status() throws IOException {
		HttpResponse<String> r = send(HttpRequest.newBuilder(nameNode("GETFILESTATUS", "")).GET(), ANSWER);
		if (r.statusCode() == 404) return null;
		check(r.statusCode(), 200, r.body());
		String type = field(r.body(), "type");
		if (!"FILE".equals(type)) throw new IOException(url + ": not a file (" + type + ")");
		try {
			long length = Long.parseLong(field(r.body(), "length")), mtime = Long.parseLong(field(r.body(), "modificationTime"));
			if (length < 0) throw new NumberFormatException("negative length " + length);
			return new Status(length, mtime);
		} catch (NumberFormatException e) {
			throw new IOException(url + ": a file status without a valid length and modification time (" + e.getMessage() + ")");
		}
	}

	/**
	 * HDFS's checksum of the whole file (GETFILECHECKSUM): computed by the data nodes from the CRCs they keep of every
	 * block, so it pins the file's content without the file crossing the network. Its algorithm (by default
	 * {@code MD5-of-xMD5-of-512CRC32C}) depends on the cluster's checksum settings, and it is not a SHA-256.
	 */
	public record FileChecksum(String algorithm, String bytes) {
	}

	/** {@link FileChecksum} of the file; an exception when there is none (no such file, a folder). */
	public FileChecksum checksum() throws IOException {
		URI dataNode = redirect(HttpRequest.newBuilder(nameNode("GETFILECHECKSUM", "")).GET());
		HttpResponse<String> r = send(HttpRequest.newBuilder(dataNode).GET(), ANSWER);
		check(r.statusCode(), 200, r.body());
		String algorithm = field(r.body(), "algorithm"), bytes = field(r.body(), "bytes");
		if (algorithm == null || bytes == null || !bytes.matches("[0-9a-fA-F]{2,256}")) {
			throw new IOException(url + ": a file checksum answer without an algorithm and hex bytes");
		}
		return new FileChecksum(algorithm, bytes.toLowerCase(java.util.Locale.ROOT));
	}

	/** Creates the file (and its folders) holding {@code len} bytes; refused if it exists. */
	public void create(byte[] data, int off, int len) throws IOException {
		upload("PUT", "CREATE", "&overwrite=false", data, off, len, 201);
	}

	/** Appends {@code len} bytes (0: only opens and closes the file, which makes HDFS recover a lease a lost writer held). */
	public void append(byte[] data, int off, int len) throws IOException {
		upload("POST", "APPEND", "", data, off, len, 200);
	}

	/** Reads {@code len} bytes at {@code pos} (OPEN with offset and length): exactly those, or an exception. */
	public void read(long pos, byte[] buf, int off, int len) throws IOException {
		if (len == 0) return;
		String range = "offset=" + pos + "&length=" + len;
		URI known = openAt;
		if (known != null) {
			// the data node that served the last read serves any range of the file (it reads it as an HDFS client):
			// one request instead of two; if it fails, the name node is asked again
			try {
				fetch(withRange(known, range), pos, buf, off, len);
				return;
			} catch (IOException e) {
				openAt = null;
			}
		}
		URI dataNode = redirect(HttpRequest.newBuilder(nameNode("OPEN", "&" + range)).GET());
		fetch(dataNode, pos, buf, off, len);
		openAt = dataNode;
	}

	/** The data node's OPEN address of the last read, or null. */
	private volatile URI openAt;

	/** A data node's OPEN address with another offset and length. */
	private static URI withRange(URI open, String range) {
		StringBuilder q = new StringBuilder();
		for (String p : open.getRawQuery() == null ? new String[0] : open.getRawQuery().split("&")) {
			if (!p.isEmpty() && !p.startsWith("offset=") && !p.startsWith("length=")) q.append(p).append('&');
		}
		return URI.create(open.getScheme() + "://" + open.getRawAuthority() + open.getRawPath() + "?" + q + range);
	}

	private void fetch(URI dataNode, long pos, byte[] buf, int off, int len) throws IOException {
		HttpResponse<InputStream> r = send(HttpRequest.newBuilder(dataNode).GET(), HttpResponse.BodyHandlers.ofInputStream());
		try (InputStream in = r.body()) {
			if (r.statusCode() != 200) check(r.statusCode(), 200, new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8));
			int n = in.readNBytes(buf, off, len);
			bytesRead.addAndGet(n);
			PROCESS_BYTES.addAndGet(n);
			if (n != len) throw new IOException(url + ": " + n + " bytes at " + pos + " where " + len + " were asked (the file is shorter)");
		}
	}

	private void upload(String method, String op, String params, byte[] data, int off, int len, int ok) throws IOException {
		URI dataNode = redirect(HttpRequest.newBuilder(nameNode(op, params)).method(method, HttpRequest.BodyPublishers.noBody()));
		HttpResponse<String> r = send(HttpRequest.newBuilder(dataNode).header("Content-Type", "application/octet-stream")
				.method(method, HttpRequest.BodyPublishers.ofByteArray(data, off, len)), ANSWER);
		check(r.statusCode(), ok, r.body());
	}

	/** The name node's answer to the first step: where the data goes. */
	private URI redirect(HttpRequest.Builder b) throws IOException {
		HttpResponse<String> r = send(b, ANSWER);
		if (r.statusCode() != 307) check(r.statusCode(), 307, r.body());
		String to = r.headers().firstValue("Location").orElseThrow(() -> new IOException(url + ": the name node's redirect names no data node"));
		try {
			return new URI(to);
		} catch (URISyntaxException e) {
			throw new IOException(url + ": the name node redirects to a malformed address " + to);
		}
	}

	private URI nameNode(String op, String params) throws IOException {
		try {
			return new URI("http", null, host, port, "/webhdfs/v1" + path, "op=" + op + "&user.name=" + user + params, null);
		} catch (URISyntaxException e) {
			throw new IOException(url + ": " + e.getMessage());
		}
	}

	/** Longest answer kept (JSON status or error): a server sending more is cut there, not held whole in memory. */
	static final int MAX_ANSWER = 1 << 20;
	/** An answer's text, at most {@link #MAX_ANSWER} bytes of it. */
	private static final HttpResponse.BodyHandler<String> ANSWER = info -> HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofInputStream(), in -> {
		try (InputStream body = in) {
			return new String(body.readNBytes(MAX_ANSWER), StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	});

	private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> body) throws IOException {
		requests.incrementAndGet();
		PROCESS_REQUESTS.incrementAndGet();
		try {
			return Http.CLIENT.send(b.timeout(TIMEOUT).build(), body);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new java.io.InterruptedIOException(url + ": interrupted");
		} catch (IOException e) {
			throw new IOException(url + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
		}
	}

	private void check(int status, int want, String body) throws IOException {
		if (status == want) return;
		throw new RemoteException(url, status, field(body, "exception"), field(body, "message"));
	}

	/**
	 * A string or number field of WebHDFS's flat JSON answers; null if absent. Possessive runs: a long message costs
	 * no stack (an alternation per character would recurse once per character).
	 */
	static String field(String json, String name) {
		Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(?:\"([^\"\\\\]*+(?:\\\\.[^\"\\\\]*+)*+)\"|(-?\\d+))").matcher(json);
		if (!m.find()) return null;
		return m.group(1) != null ? m.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : m.group(2);
	}
}
