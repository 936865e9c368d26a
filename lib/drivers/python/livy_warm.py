"""A warm driver of livyd's warm pool (docs/driver-protocol.md, "Warm drivers").

livyd starts a warm driver with a negative session id before any session asks for it. The
driver connects, says hello with that id, starts its SparkSession and says `ready`, then
waits here until livyd claims it for a session with a `claim` message: it applies the
session's runtime conf (spark.conf.set), takes the session's id for its reconnects and the
session's reconnect grace, and serves the session like any driver. A warm driver that loses
livyd before its claim exits (it has no reconnect grace), so none outlives its livyd.
"""
import json
import sys


def log(message):
    sys.stderr.write("livy-warm: %s\n" % message)
    sys.stderr.flush()


def warm_up(spark):
    """What a cold session's first statement pays for, paid before the pool says ready: the
    session state and catalog are made lazily on first use of spark.conf or SQL (seconds),
    and the first query compiles and runs its first job."""
    try:
        spark.sql("SELECT 1").collect()
    except Exception as e:  # the claim goes on; the session's statements will show any problem
        log("warm-up query failed: %s" % e)


def apply_conf(spark, conf):
    """Sets each key with spark.conf.set; the error of the first that fails, else None."""
    for key, value in sorted(conf.items()):
        if not isinstance(key, str) or not isinstance(value, str):
            return "conf keys and values must be strings"
        try:
            spark.conf.set(key, value)
        except Exception as e:  # a static conf, or a value Spark refuses
            return "cannot set %s=%s on the running SparkSession: %s" % (key, value, e)
    return None


def wait_for_claim(link, spark):
    """Serves livyd until a `claim`: returns it (conf applied, the link now the session's), or
    None after a shutdown or a lost connection. Raises ValueError when the claim's conf
    could not be applied (the message says why; the caller reports it as `fatal`)."""
    while True:
        line = link.receive_line()
        if line is None:
            log("livyd went away before claiming this driver")
            return None
        try:
            msg = json.loads(line.decode("utf-8"))
        except ValueError:
            log("ignored a line that is not JSON while waiting for a claim")
            continue
        kind = msg.get("type") if isinstance(msg, dict) else None
        if kind == "shutdown":
            return None
        if kind == "ping":
            link.send({"type": "pong"})
        elif kind == "claim":
            session = msg.get("session")
            if not isinstance(session, int) or isinstance(session, bool) or session < 0:
                raise ValueError("the claim has no session id")
            conf = msg.get("conf") or {}
            if not isinstance(conf, dict):
                raise ValueError("the claim's conf is not a mapping")
            reconnect = msg.get("reconnectTimeout", 0)
            if not isinstance(reconnect, (int, float)) or isinstance(reconnect, bool):
                reconnect = 0
            link.claimed(session, float(reconnect))
            log("claimed for session %d" % session)
            problem = apply_conf(spark, conf)
            if problem:
                raise ValueError(problem)
            return msg
        else:
            log("ignored a %r message while waiting for a claim" % (kind,))
