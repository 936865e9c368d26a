"""A small OpenID Connect issuer for tests/security, on loopback: it serves its discovery
document and JWKS over HTTP (from a thread of the test process) and mints tokens with PyJWT
and keys made by `cryptography`. Keys can be added (rotation) and the server stopped (an
issuer that cannot be reached)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

AUDIENCE = "livy"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_bytes(n: int, size: int | None = None) -> bytes:
    return n.to_bytes(size or (n.bit_length() + 7) // 8, "big")


class SigningKey:
    """A private key, its kid, its algorithm and its public JWK."""

    def __init__(self, kid: str, kind: str):
        self.kid = kid
        if kind == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            nums = self.private.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                        "n": b64url(_int_bytes(nums.n)), "e": b64url(_int_bytes(nums.e))}
        else:
            curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1()}[kind]
            self.private = ec.generate_private_key(curve)
            nums = self.private.public_key().public_numbers()
            size = (curve.key_size + 7) // 8
            self.jwk = {"kty": "EC", "kid": kid, "crv": "P-256" if kind == "ES256" else "P-384",
                        "x": b64url(_int_bytes(nums.x, size)), "y": b64url(_int_bytes(nums.y, size))}
        self.alg = kind

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)


class OidcIssuer:
    """With `tls` (a directory from servers.make_test_pki), it serves https with server.pem,
    the certificate of 127.0.0.1 that the directory's ca.pem signs."""

    def __init__(self, tls=None):
        self.keys = {k.kid: k for k in (SigningKey("rsa-1", "RS256"), SigningKey("ec-1", "ES256"))}
        self.published = list(self.keys)
        self.jwks_requests = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks",
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"]}
                elif self.path == "/jwks":
                    issuer.jwks_requests += 1
                    body = {"keys": [issuer.keys[kid].jwk for kid in issuer.published]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.verify = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls / "server.pem", tls / "server.key")
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.verify = str(tls / "ca.pem")
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        assert requests.get(f"{self.url}/.well-known/openid-configuration", timeout=10,
                            verify=self.verify).status_code == 200

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def add_key(self, kid: str, kind: str, publish: bool = True) -> SigningKey:
        self.keys[kid] = SigningKey(kid, kind)
        if publish:
            self.published.append(kid)
        return self.keys[kid]

    def claims(self, user: str, **extra) -> dict:
        now = int(time.time())
        out = {"iss": self.url, "aud": AUDIENCE, "sub": f"id-{user}", "preferred_username": user,
               "iat": now, "exp": now + 3600}
        out.update(extra)
        return {k: v for k, v in out.items() if v is not None}

    def token(self, user: str, kid: str = "rsa-1", headers: dict | None = None, **extra) -> str:
        key = self.keys[kid]
        return jwt.encode(self.claims(user, **extra), key.private, algorithm=key.alg,
                          headers={"kid": kid, **(headers or {})})

    def hs256_with_public_pem(self, user: str, kid: str = "rsa-1") -> str:
        """The key-confusion attack: HMAC keyed with the RSA key's public PEM (PyJWT refuses
        to make it, so it is made by hand)."""
        head = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
        body = b64url(json.dumps(self.claims(user)).encode())
        mac = hmac.new(self.keys[kid].public_pem(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{b64url(mac)}"

    def unsigned(self, user: str) -> str:
        head = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": "rsa-1"}).encode())
        return f"{head}.{b64url(json.dumps(self.claims(user)).encode())}."


class BearerAuth(requests.auth.AuthBase):
    """What a Livy client (pylivy, sparkmagic) takes as `auth`: sets the Bearer header."""

    def __init__(self, token: str):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r
