"""Real authentication servers for tests/security, each in a throwaway directory on
loopback: OpenLDAP's slapd with a few users, and an MIT KDC with a throwaway realm.
Started once per test session by conftest.py, stopped at its end."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

LDAP_SUFFIX = "dc=example,dc=org"
LDAP_PEOPLE = f"ou=people,{LDAP_SUFFIX}"
# user -> password; the suite binds as uid=<user>,ou=people,dc=example,dc=org.
LDAP_USERS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw",
              "erin": "erin-pw", "frank": "frank-pw"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None and not Path("/usr/sbin", t).exists()]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}: run scripts/bootstrap (Debian slapd, ldap-utils, "
                           "krb5-kdc, krb5-admin-server, krb5-user)")


def tool(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kwargs)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_test_pki(d: Path, password: str) -> Path:
    """In `d`: ca.pem signs server.pem (key server.key, both in server.p12 under `password`),
    for 127.0.0.1 and localhost; other-ca.pem signs nothing here. Returns `d`."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=120)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
    (d / "server.ext").write_text("basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                                  "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=livyd-test-ca",
            *ca_ext)
    openssl("req", "-x509", *ec, "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2",
            "-subj", "/CN=another-ca", *ca_ext)
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    openssl("pkcs12", "-export", "-inkey", "server.key", "-in", "server.pem", "-certfile", "ca.pem",
            "-name", "livyd", "-passout", f"pass:{password}", "-out", "server.p12")
    return d


class Slapd:
    """slapd -f <generated slapd.conf> with an mdb database loaded by slapadd. With `tls`
    (a directory from make_test_pki), it also offers StartTLS on `url` and listens for
    ldaps:// on `ldaps_url`, with the certificate of 127.0.0.1 signed by its ca.pem."""

    def __init__(self, root: Path, tls: Path | None = None):
        need("slapd", "slapadd", "slappasswd", "ldapwhoami")
        self.root = root
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.ldaps_url = f"ldaps://127.0.0.1:{free_port()}" if tls else None
        self.proc: subprocess.Popen | None = None
        db = root / "db"
        db.mkdir(parents=True)
        self.conf = root / "slapd.conf"
        tls_lines = (f"TLSCACertificateFile {tls / 'ca.pem'}\nTLSCertificateFile {tls / 'server.pem'}\n"
                     f"TLSCertificateKeyFile {tls / 'server.key'}\n") if tls else ""
        self.conf.write_text(
            "include /etc/ldap/schema/core.schema\n"
            "include /etc/ldap/schema/cosine.schema\n"
            "include /etc/ldap/schema/inetorgperson.schema\n"
            f"pidfile {root}/slapd.pid\n"
            f"argsfile {root}/slapd.args\n"
            f"{tls_lines}"
            "modulepath /usr/lib/ldap\n"
            "moduleload back_mdb\n"
            "database mdb\n"
            f"suffix \"{LDAP_SUFFIX}\"\n"
            f"rootdn \"cn=admin,{LDAP_SUFFIX}\"\n"
            f"directory {db}\n"
            "maxsize 10485760\n")
        entries = [f"dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
                   f"dn: {LDAP_PEOPLE}\nobjectClass: organizationalUnit\nou: people\n"]
        for user, password in LDAP_USERS.items():
            hashed = run([tool("slappasswd"), "-s", password]).stdout.strip()
            entries.append(f"dn: uid={user},{LDAP_PEOPLE}\nobjectClass: inetOrgPerson\nuid: {user}\n"
                           f"cn: {user}\nsn: {user}\nuserPassword: {hashed}\n")
        ldif = root / "data.ldif"
        ldif.write_text("\n".join(entries))
        run([tool("slapadd"), "-f", str(self.conf), "-l", str(ldif)])

    def start(self) -> None:
        log = open(self.root / "slapd.log", "ab")
        # -d keeps slapd in the foreground, so this process is the server and can be stopped.
        listen = f"{self.url}/" + (f" {self.ldaps_url}/" if self.ldaps_url else "")
        self.proc = subprocess.Popen([tool("slapd"), "-f", str(self.conf), "-h", listen, "-d", "0"],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"slapd exited: {(self.root / 'slapd.log').read_text()[-2000:]}")
            if self.bind_ok("alice", LDAP_USERS["alice"]):
                return
            time.sleep(0.2)
        raise RuntimeError("slapd did not answer within 30 s")

    def bind_ok(self, user: str, password: str) -> bool:
        res = subprocess.run([tool("ldapwhoami"), "-x", "-H", self.url, "-D", f"uid={user},{LDAP_PEOPLE}",
                              "-w", password], capture_output=True, timeout=10)
        return res.returncode == 0

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


KRB_REALM = "LIVYD.TEST"
# user -> password; each also gets a keytab for kinit -kt.
KRB_USERS = {"alice": "alice-krb-pw", "bob": "bob-krb-pw"}


class Kdc:
    """An MIT KDC (krb5kdc) for a throwaway realm: kdb5_util create -s, kadmin.local for
    principals and keytabs, all under `root`, on a loopback port. `env` is what a
    process needs to use this realm (KRB5_CONFIG); ccache(user) kinit's a user into a
    credential cache of its own."""

    def __init__(self, root: Path):
        need("krb5kdc", "kdb5_util", "kadmin.local", "kinit", "kdestroy")
        self.root = root
        root.mkdir(parents=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.krb5_conf = root / "krb5.conf"
        self.kdc_conf = root / "kdc.conf"
        self.write_conf(clockskew=300)
        self.kdc_conf.write_text(
            "[kdcdefaults]\n"
            f" kdc_ports = {self.port}\n kdc_tcp_ports = {self.port}\n"
            "[realms]\n"
            f" {KRB_REALM} = {{\n"
            f"  database_name = {root}/principal\n"
            f"  key_stash_file = {root}/stash\n"
            f"  acl_file = {root}/kadm5.acl\n"
            f"  admin_keytab = FILE:{root}/kadm5.keytab\n"
            f"  kdc_ports = {self.port}\n  kdc_tcp_ports = {self.port}\n"
            "  max_life = 10h\n  max_renewable_life = 10h\n"
            "  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
            " }\n"
            "[logging]\n"
            f" kdc = FILE:{root}/kdc.log\n")
        (root / "kadm5.acl").write_text("")
        self.env = {**os.environ, "KRB5_CONFIG": str(self.krb5_conf), "KRB5_KDC_PROFILE": str(self.kdc_conf),
                    "KRB5RCACHEDIR": str(root), "KRB5CCNAME": f"FILE:{root}/cc-none"}
        run([tool("kdb5_util"), "create", "-s", "-r", KRB_REALM, "-P", "master-pw"], env=self.env)
        self.http_keytab = root / "http.keytab"
        self.kadmin("addprinc -randkey HTTP/localhost")
        self.kadmin(f"ktadd -k {self.http_keytab} HTTP/localhost")
        for user, password in KRB_USERS.items():
            self.kadmin(f"addprinc -pw {password} {user}")
            self.kadmin(f"ktadd -norandkey -k {root}/{user}.keytab {user}")
        # A principal of two components, which DEFAULT maps to its first.
        self.kadmin("addprinc -randkey carol/admin")
        self.kadmin(f"ktadd -norandkey -k {root}/carol.keytab carol/admin")

    def write_conf(self, clockskew: int) -> None:
        self.krb5_conf.write_text(
            "[libdefaults]\n"
            f" default_realm = {KRB_REALM}\n"
            " dns_lookup_kdc = false\n dns_lookup_realm = false\n"
            " dns_canonicalize_hostname = false\n rdns = false\n"
            f" clockskew = {clockskew}\n"
            "[realms]\n"
            f" {KRB_REALM} = {{\n  kdc = 127.0.0.1:{self.port}\n }}\n"
            "[domain_realm]\n"
            f" localhost = {KRB_REALM}\n")

    def kadmin(self, query: str) -> None:
        run([tool("kadmin.local"), "-r", KRB_REALM, "-q", query], env=self.env)

    def start(self) -> None:
        log = open(self.root / "krb5kdc.out", "ab")
        self.proc = subprocess.Popen([tool("krb5kdc"), "-n", "-r", KRB_REALM], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"krb5kdc exited: {(self.root / 'krb5kdc.out').read_text()[-2000:]}")
            try:
                self.ccache("alice")
                return
            except RuntimeError:
                time.sleep(0.3)
        raise RuntimeError("the KDC gave no ticket within 30 s")

    def ccache(self, principal: str, lifetime: str | None = None) -> dict:
        """kinit `principal` (from its keytab) into a ccache of its own; returns the env that uses it."""
        user = principal.split("/")[0]
        cache = self.root / f"cc-{user}{'-' + lifetime if lifetime else ''}"
        env = {**self.env, "KRB5CCNAME": f"FILE:{cache}"}
        cmd = [tool("kinit"), "-kt", str(self.root / f"{user}.keytab")]
        if lifetime:
            cmd += ["-l", lifetime]
        run(cmd + [f"{principal}@{KRB_REALM}"], env=env)
        return env

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


@contextlib.contextmanager
def running_slapd(root: Path):
    """A started Slapd under `root` for a test fixture; RuntimeError if it cannot start."""
    server = Slapd(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def running_kdc(root: Path, default_user: str | None = None):
    """A started Kdc under `root` for a test fixture, with this process's environment pointing
    at its realm while it runs (livyd, started after it, inherits that), and with
    `default_user`, that user's ticket in the default credential cache (KRB5CCNAME), as a
    client that takes the logged-in user's ticket expects. RuntimeError if it cannot start."""
    server = Kdc(root)
    server.start()
    names = ("KRB5_CONFIG", "KRB5RCACHEDIR", "KRB5CCNAME")
    saved = {k: os.environ.get(k) for k in names}
    os.environ["KRB5_CONFIG"] = str(server.krb5_conf)
    os.environ["KRB5RCACHEDIR"] = str(server.root)
    if default_user:
        os.environ["KRB5CCNAME"] = server.ccache(default_user)["KRB5CCNAME"]
    try:
        yield server
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        server.stop()
