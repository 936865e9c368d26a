#!/usr/bin/env python3
"""Times warm-pool claims against a running livyd whose pool has a profile that a plain
pyspark request fits (bench/run_warm_pool.sh starts one).

    warm_pool_claims.py BASE_URL [N] [--pid PID] [--profile NAME] [--budget SECONDS]

For each of N claims: waits until the pool has a ready driver (that wait is the refill,
reported apart), then times POST /sessions until the session is idle (the reply itself, or
GET /sessions/{id}/state polled every 2 ms), runs nothing, and DELETEs the session, so the
pool refills while the next claims go on. Prints p50/p90/p99/max of the claims in ms, how
many claims found the pool empty after all and started cold, the refill waits, and with
--pid livyd's RSS. With --budget it stops after that many seconds and reports the claims
made so far (a refill of a warm driver takes as long as a session's start). Each claim is
also printed as it happens. Exit status 0 when every claim came from the pool and all N
were made.
"""
import json
import re
import sys
import time
import urllib.request


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", "X-Requested-By": "bench"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        text = resp.read().decode()
        return json.loads(text) if resp.headers.get("Content-Type", "").startswith("application/json") else text


def ready(base, profile):
    text = call("GET", base + "/metrics")
    m = re.search(r'^livyd_warm_drivers\{profile="%s",state="ready"\} (\d+)' % re.escape(profile), text, re.M)
    return int(m.group(1)) if m else 0


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


def main(argv):
    args = [a for a in argv[1:]]
    pid = None
    profile = "bench"
    if "--pid" in args:
        i = args.index("--pid")
        pid = int(args[i + 1])
        del args[i:i + 2]
    budget = None
    if "--budget" in args:
        i = args.index("--budget")
        budget = float(args[i + 1])
        del args[i:i + 2]
    if "--profile" in args:
        i = args.index("--profile")
        profile = args[i + 1]
        del args[i:i + 2]
    base = args[0].rstrip("/")
    n = int(args[1]) if len(args) > 1 else 50
    claims, waits, cold = [], [], 0
    began = time.monotonic()
    for i in range(n):
        t0 = time.monotonic()
        out_of_time = False
        while ready(base, profile) < 1:
            if budget is not None and time.monotonic() - began > budget:
                out_of_time = True
                break
            if time.monotonic() - t0 > 600:
                sys.exit("no warm driver became ready within 600 s")
            time.sleep(0.05)
        if out_of_time:
            print("budget of %.0f s spent after %d claims" % (budget, len(claims)))
            break
        waits.append(time.monotonic() - t0)
        start = time.monotonic()
        session = call("POST", base + "/sessions", {"kind": "pyspark"})
        state = session["state"]
        if state != "idle" and any("starting cold" in line for line in session.get("log", [])):
            cold += 1
        while state not in ("idle", "error", "dead", "killed"):
            time.sleep(0.002)
            state = call("GET", "%s/sessions/%d/state" % (base, session["id"]))["state"]
        claims.append((time.monotonic() - start) * 1000.0)
        print("claim %d: %.1f ms (reply %s), after waiting %.1f s for a ready driver"
              % (i + 1, claims[-1], session["state"], waits[-1]), flush=True)
        if state != "idle":
            sys.exit("session %d ended %s" % (session["id"], state))
        call("DELETE", "%s/sessions/%d" % (base, session["id"]))
    if not claims:
        sys.exit("no claim was made")
    print("claims: %d of %d (cold starts among them: %d)" % (len(claims), n, cold))
    print("claim POST->idle ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f" %
          (pct(claims, 50), pct(claims, 90), pct(claims, 99), max(claims)))
    print("waits for a ready warm driver before a claim, s: p50 %.1f  max %.1f  total %.0f" %
          (pct(waits, 50), max(waits), sum(waits)))
    if pid:
        print("livyd rss after the claims: %d kB" % rss_kb(pid))
    return 0 if cold == 0 and len(claims) == n else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
