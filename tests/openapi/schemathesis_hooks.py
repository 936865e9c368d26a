"""Schemathesis hooks of tests/openapi/test_schemathesis.py (loaded through
SCHEMATHESIS_HOOKS): livyd's own rule on replies, checked on every response,
documented status or not."""
from __future__ import annotations

import json
import re

import schemathesis

# What a URI reference may hold (RFC 3986): unreserved, reserved and %XX escapes.
URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


@schemathesis.check
def livyd_replies_are_json(ctx, response, case):
    """Every reply is JSON, errors are {"msg": string}; the exceptions are the 204 of
    POST /sessions/{id}/stop (no body), GET /openapi.yaml (YAML) and GET /metrics
    (Prometheus' text format)."""
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if response.status_code == 204:
        assert not response.content, f"a 204 has a body: {response.content[:200]!r}"
        return None
    if case.operation.path == "/openapi.yaml" and response.status_code == 200:
        assert content_type == "application/yaml", f"GET /openapi.yaml answered {content_type!r}"
        return None
    if case.operation.path == "/metrics" and response.status_code == 200:
        assert content_type == "text/plain", f"GET /metrics answered {content_type!r}"
        return None
    assert content_type == "application/json", (
        f"Content-Type is {content_type!r}, not application/json (status {response.status_code})")
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"the body is not JSON ({e}): {response.content[:300]!r}") from None
    if response.status_code >= 400:
        assert isinstance(body, dict) and list(body) == ["msg"] and isinstance(body["msg"], str), (
            f"an error body is not {{\"msg\": string}}: {response.content[:300]!r}")
    return None


@schemathesis.check
def livyd_location_is_a_uri(ctx, response, case):
    """A Location header (201 replies) is a URI path: a name in it is percent-encoded,
    so it stays one path segment and a client can follow it."""
    for location in response.headers.get("location") or []:
        assert URI_CHARS.match(location), f"Location {location!r} is not a valid URI reference"
        assert location.startswith(("/batches/", "/sessions/")), f"Location {location!r}"
    return None
