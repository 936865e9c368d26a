package livyd.test;

/**
 * A driver for Spark standalone's cluster deploy mode that needs nothing but the JDK:
 * `hello ARGS...` prints its arguments and exits 0, `sleep SECONDS` sleeps (to be killed),
 * `fail` exits 3, `throw` throws from main. The tests compile it with javac (tests/clusters/standalone.py).
 */
public final class ClusterJob {
    private ClusterJob() {}

    public static void main(String[] args) throws InterruptedException {
        String mode = args.length > 0 ? args[0] : "hello";
        switch (mode) {
            case "sleep":
                System.out.println("cluster job sleeping");
                System.out.flush();
                Thread.sleep(Long.parseLong(args[1]) * 1000L);
                break;
            case "fail":
                System.err.println("cluster job failing on purpose");
                System.exit(3);
                break;
            case "throw":
                throw new IllegalStateException("cluster job throwing on purpose");
            default:
                StringBuilder line = new StringBuilder("hello from the cluster");
                for (int i = 1; i < args.length; i++) {
                    line.append(' ').append(args[i]);
                }
                System.out.println(line);
        }
    }
}
