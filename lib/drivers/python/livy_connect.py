"""Spark Connect on the session's own driver (Spark 4), for sessions created with the conf
livy.connect.enabled=true (livyd passes it on as spark.livy.driver.connect=true).

The driver starts Spark Connect's gRPC server inside its running SparkContext
(SparkConnectService.start), protected by a token of its own making, and reports where it
listens in its `ready` message; livyd hands that out at GET /sessions/{id}/connect-info.

Sharing: Spark Connect gives every client session a new SparkSession (newSession(): its own
temporary views and SQL conf). To let Connect clients see what REST statements do, and the
reverse, the driver registers its own SparkSession with the Connect server under a session id
and user id of its making, which the connect-info URL carries (session_id=, user_id=): a
client that connects with that URL works in the very SparkSession of the REST statements. A
client without them gets an isolated session, as with any Connect server (it still needs the
token). Registering uses Spark 4.0's internals (SparkConnectSessionManager's session store);
if they change, the driver says so in `shared: false` and clients get isolated sessions, where
global temporary views (global_temp.*) are still shared.

The token: put in the SparkContext's configuration only while the server starts (Spark reads
it there), then removed, so neither Spark's UI nor spark.conf shows it; it is never on a
command line. Spark 4.0's Connect server speaks no TLS: the pyspark client sends a token
unencrypted only to the host name `localhost`, and tries TLS for any other host.
"""
import secrets
import threading
import time
import uuid

SERVICE = "org.apache.spark.sql.connect.service"
TOKEN_KEY = "spark.connect.authenticate.token"
PORT_KEY = "spark.connect.grpc.binding.port"
ADDRESS_KEY = "spark.connect.grpc.binding.address"
DEFAULT_ADDRESS = "127.0.0.1"   # loopback unless the session's conf names another address
USER_ID = "livy"                # the user id of the shared Connect session
KEEP_INTERVAL_S = 2.0           # how often the shared session is put back after a client released it
WILDCARDS = ("0.0.0.0", "::", "[::]", "")


class ConnectError(Exception):
    """Spark Connect could not be started in this driver; str() says why."""


def _module(jvm, name):
    """The Scala object `name` of the Connect service package (its MODULE$): py4j reaches its
    methods that have no static forwarder through it."""
    return jvm.java.lang.Class.forName("%s.%s$" % (SERVICE, name)).getField("MODULE$").get(None)


def _start_server(spark, token):
    """Starts the gRPC server; returns its port. The token and, unless the session's conf set
    them, the port (0: the system picks a free one) and the address (loopback) are set in the
    SparkContext's configuration, which Spark reads while it starts; the token leaves it again
    before anything else runs."""
    jvm = spark._jvm
    conf = jvm.org.apache.spark.SparkEnv.get().conf()
    if not conf.contains(PORT_KEY):
        conf.set(PORT_KEY, "0")
    if not conf.contains(ADDRESS_KEY):
        conf.set(ADDRESS_KEY, DEFAULT_ADDRESS)
    conf.set(TOKEN_KEY, token)
    try:
        jvm.org.apache.spark.sql.connect.service.SparkConnectService.start(spark._jsc.sc())
    finally:
        conf.remove(TOKEN_KEY)
    return int(_module(jvm, "SparkConnectService").localPort())


def _reported_host(spark):
    """Where clients reach the server: its bind address, or for a wildcard the driver's host."""
    conf = spark.sparkContext.getConf()
    address = conf.get(ADDRESS_KEY, DEFAULT_ADDRESS)
    if address in WILDCARDS:
        return conf.get("spark.driver.host", "localhost")
    return address


class SharedSession:
    """The driver's SparkSession registered with the Connect server as session (USER_ID,
    session_id). A client's release (pyspark's spark.stop()) closes that registration; a
    thread puts a new one back, so the URL keeps working for the session's life."""

    def __init__(self, spark):
        self._jvm = spark._jvm
        self._jsession = spark._jsparkSession
        self.session_id = str(uuid.uuid4())
        manager = _module(self._jvm, "SparkConnectService").sessionManager()
        field = manager.getClass().getDeclaredField("sessionStore")
        field.setAccessible(True)
        self._store = field.get(manager)
        self._key = self._jvm.org.apache.spark.sql.connect.service.SessionKey(USER_ID, self.session_id)
        self._register()
        threading.Thread(target=self._keep, daemon=True, name="livy-connect-session").start()

    def _register(self):
        service = self._jvm.org.apache.spark.sql.connect.service
        holder = service.SessionHolder(USER_ID, self.session_id, self._jsession)
        holder.initializeSession()
        # -1: never closed for inactivity (spark.connect.session.manager.defaultSessionTimeout).
        holder.setCustomInactiveTimeoutMs(self._jvm.scala.Some(self._jvm.java.lang.Long.valueOf(-1)))
        self._store.putIfAbsent(self._key, holder)

    def _keep(self):
        while True:
            time.sleep(KEEP_INTERVAL_S)
            try:
                if not self._store.containsKey(self._key):
                    self._register()
            except Exception:  # the gateway is closing with the driver
                return


def start(spark, log):
    """Starts Spark Connect in the driver of `spark`. Returns what the `ready` message carries:
    host, port, token, and, when the driver's own SparkSession is shared, sessionId and userId;
    `shared` says whether it is. ConnectError when the server cannot start (no spark-connect
    jar: Spark before 4.0; the port taken)."""
    token = secrets.token_urlsafe(32)
    try:
        port = _start_server(spark, token)
    except Exception as e:
        raise ConnectError("cannot start Spark Connect in the driver: %s" % str(e).strip().splitlines()[0]) from None
    endpoint = {"host": _reported_host(spark), "port": port, "token": token, "shared": False}
    try:
        shared = SharedSession(spark)
        endpoint.update(shared=True, sessionId=shared.session_id, userId=USER_ID)
    except Exception as e:
        log("Spark Connect runs, but the driver's SparkSession could not be shared with its clients "
            "(they get sessions of their own; global_temp views are shared): %s" % e)
    log("Spark Connect listens on %s:%d" % (endpoint["host"], port))
    return endpoint
