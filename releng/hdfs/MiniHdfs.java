import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * Test-only: Hadoop's in-process HDFS (one name node, one data node) with WebHDFS on the name node's HTTP port, for
 * releng/hdfs.sh. Writes {@code webhdfs://127.0.0.1:PORT} and the control port to the address file once it serves.
 * The control port takes one line per connection and answers "ok" or "error ...": {@code restart-datanode} (a real
 * data node restart: every WebHDFS transfer in flight breaks), {@code stop} (shuts the cluster down).
 * Args: BASE_DIR ADDRESS_FILE [HTTP_PORT]
 */
public class MiniHdfs {
	public static void main(String[] args) throws Exception {
		File base = new File(args[0]);
		Path addressFile = Path.of(args[1]);
		int httpPort = args.length > 2 ? Integer.parseInt(args[2]) : 0;
		Configuration conf = new HdfsConfiguration();
		conf.set("dfs.namenode.http-address", "127.0.0.1:" + httpPort);
		conf.setBoolean("dfs.webhdfs.enabled", true);
		conf.setBoolean("dfs.permissions.enabled", false);
		// appends to a 1-replica cluster must not wait for a second data node to replace a failed one
		conf.set("dfs.client.block.write.replace-datanode-on-failure.enable", "false");
		conf.setLong("dfs.blocksize", 1 << 20);
		conf.setInt("dfs.namenode.heartbeat.recheck-interval", 1000);
		conf.setInt("dfs.heartbeat.interval", 1);
		MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, base).numDataNodes(1).format(true).build();
		cluster.waitActive();
		// a writer cut off mid-append leaves the file open under its lease: recover it after 1 s, not HDFS's 60 s
		cluster.setLeasePeriod(1000, 2000);
		int port = cluster.getNameNode().getHttpAddress().getPort();
		try (ServerSocket control = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
			Path tmp = addressFile.resolveSibling(addressFile.getFileName() + ".tmp");
			Files.writeString(tmp, "webhdfs://127.0.0.1:" + port + "\n" + control.getLocalPort() + "\n");
			Files.move(tmp, addressFile, StandardCopyOption.ATOMIC_MOVE);
			System.out.println("mini HDFS: webhdfs://127.0.0.1:" + port + " control " + control.getLocalPort());
			while (true) {
				try (Socket s = control.accept();
						BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
						PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
					String cmd = in.readLine();
					try {
						if ("restart-datanode".equals(cmd)) {
							cluster.restartDataNode(0, true);
							cluster.waitActive();
							out.println("ok");
						} else if ("stop".equals(cmd)) {
							out.println("ok");
							break;
						} else {
							out.println("error unknown command " + cmd);
						}
					} catch (Exception e) {
						out.println("error " + e);
					}
				}
			}
		} finally {
			cluster.shutdown();
			Files.deleteIfExists(addressFile);
		}
	}
}
