// A real YARN for livyd's tests: Hadoop's MiniYARNCluster (one ResourceManager) and one
// NodeManager, in this JVM, on 127.0.0.1 only, with the local file system as the default
// file system (Spark stages its files there).
//
// Usage: java -cp BUILD_DIR MiniYarn JAR_DIR CONF_DIR WORK_DIR [NM_MEMORY_MB]
//   BUILD_DIR  where this file was compiled (javac -cp 'JAR_DIR/*' -d BUILD_DIR)
//   JAR_DIR    Hadoop's jars (hadoop-client-minicluster and what it needs: scripts/bootstrap)
//   CONF_DIR   where yarn-site.xml and core-site.xml are written (a HADOOP_CONF_DIR)
//   WORK_DIR   the cluster's own files (NodeManager local and log dirs, staging)
// Prints one line "MINIYARN READY <rm-webapp host:port>" once the NodeManager has
// registered and the ResourceManager's REST API answers, and stops the cluster (the
// NodeManager's containers included) when its standard input is closed or it gets SIGTERM.
//
// Why two class loaders: the ResourceManager's and the NodeManager's web apps each set up
// Guice's servlet pipeline, which is static; in one class loader the second replaces the
// first, and the ResourceManager's REST API (/ws/v1/cluster/...) answers 404. Each half
// gets its own copy of Hadoop's classes here, so each web app keeps its own pipeline.
import java.io.File;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

public final class MiniYarn {
  private static ClassLoader hadoopLoader(File buildDir, File jarDir) throws Exception {
    List<URL> urls = new ArrayList<>();
    urls.add(buildDir.toURI().toURL());
    File[] jars = jarDir.listFiles((dir, name) -> name.endsWith(".jar"));
    if (jars == null || jars.length == 0) throw new IllegalStateException("no jars in " + jarDir);
    for (File jar : jars) urls.add(jar.toURI().toURL());
    return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  // Calls MiniYarnParts.<method>(args) inside `loader`, with it as the thread's context
  // class loader (Hadoop loads classes and resources through it, and the threads it
  // starts inherit it).
  private static AutoCloseable start(ClassLoader loader, String method, String... args) throws Exception {
    Thread self = Thread.currentThread();
    ClassLoader before = self.getContextClassLoader();
    self.setContextClassLoader(loader);
    try {
      Class<?> parts = Class.forName("MiniYarnParts", true, loader);
      Class<?>[] types = new Class<?>[args.length];
      java.util.Arrays.fill(types, String.class);
      Method m = parts.getMethod(method, types);
      return (AutoCloseable) m.invoke(null, (Object[]) args);
    } finally {
      self.setContextClassLoader(before);
    }
  }

  private static String get(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
      c.setConnectTimeout(2000);
      c.setReadTimeout(5000);
      c.setRequestProperty("Accept", "application/json");
      if (c.getResponseCode() != 200) return "";
      try (InputStream in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (Exception e) {
      return "";
    }
  }

  private static void stopQuietly(AutoCloseable part) {
    if (part == null) return;
    try {
      part.close();
    } catch (Throwable t) {
      t.printStackTrace();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: MiniYarn JAR_DIR CONF_DIR WORK_DIR [NM_MEMORY_MB]");
      System.exit(2);
    }
    File buildDir = new File(MiniYarn.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    File jarDir = new File(args[0]);
    String confDir = args[1];
    String workDir = args[2];
    String nmMemoryMb = args.length > 3 ? args[3] : "4096";

    AutoCloseable[] parts = new AutoCloseable[2];  // [0] ResourceManager, [1] NodeManager
    Thread stopper = new Thread(() -> {
      synchronized (parts) {
        stopQuietly(parts[1]);  // the NodeManager first: it kills its containers
        stopQuietly(parts[0]);
        parts[0] = parts[1] = null;
      }
    }, "miniyarn-stop");
    Runtime.getRuntime().addShutdownHook(stopper);

    String webapp;
    try {
      synchronized (parts) {
        parts[0] = start(hadoopLoader(buildDir, jarDir), "startResourceManager", confDir, workDir, nmMemoryMb);
        parts[1] = start(hadoopLoader(buildDir, jarDir), "startNodeManager", confDir);
        webapp = ((Callable<?>) parts[0]).call().toString();
      }
    } catch (Throwable t) {
      // Hadoop's threads would keep the JVM alive: say so and exit (the hook stops what started).
      t.printStackTrace();
      System.out.println("MINIYARN FAILED: " + t);
      System.out.flush();
      System.exit(1);
      return;
    }

    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!get("http://" + webapp + "/ws/v1/cluster/metrics").contains("\"activeNodes\":1")) {
      if (System.nanoTime() > deadline) {
        System.err.println("MINIYARN FAILED: no active NodeManager in the RM's REST API within 60 s");
        System.exit(1);
      }
      Thread.sleep(200);
    }
    System.out.println("MINIYARN READY " + webapp);
    System.out.flush();

    // Until the test closes our standard input (or the process is signalled).
    InputStream in = System.in;
    byte[] buffer = new byte[256];
    while (in.read(buffer) >= 0) {
    }
    System.exit(0);  // runs the shutdown hook, which stops the cluster
  }
}
