// The two halves of tests/clusters/yarn/MiniYarn.java's cluster, each loaded in a class
// loader of its own (see there why). Each start method returns what stops it.
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;

public final class MiniYarnParts {
  private static final String HOST = "127.0.0.1";

  // A port nobody listens on now. The cluster binds it a moment later: another process
  // could take it in between, which on a test machine's loopback is rare enough.
  private static String freeAddress() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return HOST + ":" + socket.getLocalPort();
    }
  }

  // Writes to a temporary file first, then renames: a reader never sees half a file.
  private static void writeXml(Configuration conf, File file) throws IOException {
    File tmp = new File(file.getPath() + ".tmp");
    try (OutputStream out = new FileOutputStream(tmp)) {
      conf.writeXml(out);
    }
    Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private static File dir(String parent, String name) throws IOException {
    File d = new File(parent, name);
    if (!d.isDirectory() && !d.mkdirs()) throw new IOException("cannot create " + d);
    return d;
  }

  // The ResourceManager (a MiniYARNCluster without NodeManagers). Writes the whole
  // cluster's configuration, the NodeManager's addresses included, to CONF_DIR. The
  // returned object's call() gives the RM web app's host:port.
  public static AutoCloseable startResourceManager(String confDir, String workDir, String nmMemoryMb)
      throws Exception {
    int memoryMb = Integer.parseInt(nmMemoryMb);
    dir(confDir, ".");
    YarnConfiguration conf = new YarnConfiguration();
    conf.set("fs.defaultFS", "file:///");
    // Every address on loopback, on ports chosen here (MiniYARNCluster's own choice would
    // be the machine's host name, which need not resolve to loopback).
    conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
    conf.set(YarnConfiguration.RM_HOSTNAME, HOST);
    conf.set(YarnConfiguration.RM_ADDRESS, freeAddress());
    conf.set(YarnConfiguration.RM_SCHEDULER_ADDRESS, freeAddress());
    conf.set(YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, freeAddress());
    conf.set(YarnConfiguration.RM_ADMIN_ADDRESS, freeAddress());
    conf.set(YarnConfiguration.RM_WEBAPP_ADDRESS, freeAddress());
    conf.set("yarn.nodemanager.hostname", HOST);
    conf.set(YarnConfiguration.NM_ADDRESS, freeAddress());
    conf.set(YarnConfiguration.NM_LOCALIZER_ADDRESS, freeAddress());
    conf.set(YarnConfiguration.NM_WEBAPP_ADDRESS, freeAddress());
    conf.set(YarnConfiguration.NM_COLLECTOR_SERVICE_ADDRESS, freeAddress());
    conf.set(YarnConfiguration.NM_LOCAL_DIRS, dir(workDir, "nm-local").getAbsolutePath());
    conf.set(YarnConfiguration.NM_LOG_DIRS, dir(workDir, "nm-logs").getAbsolutePath());
    conf.set("hadoop.tmp.dir", dir(workDir, "tmp").getAbsolutePath());

    // Small: the containers' memory is bookkeeping here, the real cost is their JVMs.
    conf.setInt(YarnConfiguration.NM_PMEM_MB, memoryMb);
    conf.setInt(YarnConfiguration.NM_VCORES, 8);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, memoryMb);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    // A build machine's disk may be fuller than the default 90% that marks it bad.
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
    // One attempt: a failing application fails at once instead of being retried.
    conf.setInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, 1);
    // Containers are killed promptly when they are stopped.
    conf.setLong(YarnConfiguration.NM_SLEEP_DELAY_BEFORE_SIGKILL_MS, 1000);
    // JAVA_HOME reaches containers through the NodeManager's default environment
    // whitelist. (SPARK_LOCAL_IP cannot be forced here: yarn.nodemanager.admin-env appends
    // to a variable the container has already, and Spark copies the driver's SPARK_* to
    // its executors, which makes "127.0.0.1:127.0.0.1". Submissions set it themselves.)

    // Two queues, so that tests can see a submission's --queue in the RM's report; every
    // queue may use the whole cluster, and application masters may take most of it.
    conf.set("yarn.scheduler.capacity.root.queues", "default,livy");
    conf.set("yarn.scheduler.capacity.root.default.capacity", "50");
    conf.set("yarn.scheduler.capacity.root.livy.capacity", "50");
    conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
    conf.set("yarn.scheduler.capacity.root.livy.maximum-capacity", "100");
    conf.set("yarn.scheduler.capacity.root.default.user-limit-factor", "2");
    conf.set("yarn.scheduler.capacity.root.livy.user-limit-factor", "2");
    conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.8");

    MiniYARNCluster cluster = new MiniYARNCluster("miniyarn", 1, 0, 1, 1);
    cluster.init(conf);
    cluster.start();

    Configuration live = cluster.getConfig();
    writeXml(live, new File(confDir, "yarn-site.xml"));
    Configuration core = new Configuration(false);
    core.set("fs.defaultFS", "file:///");
    writeXml(core, new File(confDir, "core-site.xml"));
    String webapp = live.get(YarnConfiguration.RM_WEBAPP_ADDRESS);

    class Rm implements AutoCloseable, Callable<String> {
      @Override public String call() { return webapp; }
      @Override public void close() { cluster.stop(); }
    }
    return new Rm();
  }

  // The NodeManager, configured by the yarn-site.xml startResourceManager wrote.
  public static AutoCloseable startNodeManager(String confDir) throws Exception {
    YarnConfiguration conf = new YarnConfiguration();
    conf.addResource(new Path(new File(confDir, "yarn-site.xml").getAbsolutePath()));
    NodeManager nm = new NodeManager();
    nm.init(conf);
    nm.start();
    return nm::stop;
  }
}
