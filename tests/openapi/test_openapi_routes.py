"""docs/openapi.yaml against the routes livyd serves.

- The routes registered in lib/http (server.Get/Post/Delete(route("/..."), ...) in
  routes.cpp and *_routes.cpp) and the operations of the spec must be the same set
  of (method, path template): a route without an operation, or an operation without
  a route, fails.
- The spec must hang together: every $ref resolves, path parameters match their
  templates, links name real operations, errors are {"msg"}, replies are JSON.
- A running livyd serves the file at GET /openapi.yaml, byte for byte.

The first two need no server (ctest: unit.openapi_routes); the last one starts a
livyd (ctest: integration.openapi_served, `-k served`). No Spark is needed.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from openapi_testlib import REPO_ROOT, SPEC_PATH, make_fake_spark_home
from livyd_testlib import running_livyd

HTTP_DIR = REPO_ROOT / "lib" / "http"
# The replies that are not JSON: the spec itself, and Prometheus' text format.
NOT_JSON = {"/openapi.yaml": "application/yaml", "/metrics": "text/plain"}
# A statement's whole result pages as JSON and also downloads in these (rest-api.md, "Whole results").
DOWNLOADS = {"/sessions/{id}/statements/{sid}/result": [
    "application/json", "application/jsonl", "text/csv", "application/vnd.apache.arrow.stream"]}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# cpp-httplib's registration calls.
SERVER_CALL = re.compile(r"\bserver\s*\.\s*(Get|Post|Put|Patch|Delete|Options)\s*\(")
ROUTE_CALL = re.compile(r'\bserver\s*\.\s*(Get|Post|Put|Patch|Delete|Options)\s*\(\s*route\s*\(\s*"([^"\\]*)"\s*\)')


# ---- reading the routes -------------------------------------------------------------

def strip_comments(source: str) -> str:
    """C++ source with // and /* */ comments blanked out (newlines kept, so line
    numbers stay right); string and character literals are left alone."""
    out, i, n = [], 0, len(source)
    while i < n:
        c = source[i]
        if c in "\"'":
            j = i + 1
            while j < n and source[j] != c:
                j += 2 if source[j] == "\\" else 1
            out.append(source[i:j + 1])
            i = j + 1
        elif source.startswith("//", i):
            j = source.find("\n", i)
            i = n if j < 0 else j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * source.count("\n", i, j))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def route_files() -> list[Path]:
    files = sorted(HTTP_DIR.glob("*_routes.cpp")) + [HTTP_DIR / "routes.cpp"]
    return [f for f in files if f.is_file()]


def routes_in_code() -> dict[tuple[str, str], str]:
    """(method, path template) -> "file:line" of every route lib/http registers."""
    routes: dict[tuple[str, str], str] = {}
    unreadable = []
    for path in route_files():
        code = strip_comments(path.read_text())
        rel = path.relative_to(REPO_ROOT)
        readable = {m.start() for m in ROUTE_CALL.finditer(code)}
        for m in SERVER_CALL.finditer(code):
            where = f"{rel}:{code.count(chr(10), 0, m.start()) + 1}"
            if m.start() not in readable:
                unreadable.append(where)
        for m in ROUTE_CALL.finditer(code):
            where = f"{rel}:{code.count(chr(10), 0, m.start()) + 1}"
            key = (m.group(1).lower(), m.group(2))
            assert key not in routes, f"{key[0].upper()} {key[1]} is registered twice: {routes[key]} and {where}"
            routes[key] = where
    assert not unreadable, (
        "these routes are not registered as server.X(route(\"/literal/path\"), ...), so this test cannot "
        "read their path: " + ", ".join(unreadable))
    return routes


# ---- reading the spec -------------------------------------------------------------

@pytest.fixture(scope="module")
def spec() -> dict:
    with open(SPEC_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


def operations(spec: dict):
    """(method, path, operation, path item) of every operation of the spec."""
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method], item


def resolve(spec: dict, node):
    """Follows $ref (local ones only) until a node without one."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local $refs are used: {ref}"
        assert ref not in seen, f"$ref loop at {ref}"
        seen.add(ref)
        target = spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(target, dict) and part in target, f"$ref {ref} does not resolve"
            target = target[part]
        node = target
    return node


def all_refs(node, where="#"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from all_refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from all_refs(value, f"{where}/{i}")


# ---- the routes and the spec agree ------------------------------------------------

def test_routes_match_spec(spec):
    code = routes_in_code()
    assert code, f"no routes found in {HTTP_DIR}"
    documented = {(method, path) for method, path, _, _ in operations(spec)}
    undocumented = sorted(set(code) - documented)
    unserved = sorted(documented - set(code))
    problems = [f"route {m.upper()} {p} ({code[(m, p)]}) has no operation in {SPEC_PATH.relative_to(REPO_ROOT)}"
                for m, p in undocumented]
    problems += [f"{SPEC_PATH.relative_to(REPO_ROOT)} documents {m.upper()} {p}, but no route in lib/http serves it"
                 for m, p in unserved]
    assert not problems, "the spec and the routes disagree:\n- " + "\n- ".join(problems)


def test_route_extraction_sees_known_routes():
    # Guards the regexes above: if they stopped matching, the comparison would be empty-handed.
    code = routes_in_code()
    for key in [("get", "/version"), ("post", "/batches"), ("get", "/sessions/{id}/statements/{sid}"),
                ("delete", "/sessions/{id}"), ("get", "/openapi.yaml")]:
        assert key in code, f"{key[0].upper()} {key[1]} not found among the routes read from lib/http: {sorted(code)}"


def test_strip_comments_keeps_strings_and_lines():
    src = 'a // server.Get(route("/x"))\n/* server.Post(\n route("/y")) */ b "//not a comment" \'"\'\n'
    out = strip_comments(src)
    assert "server" not in out
    assert '"//not a comment"' in out
    assert out.count("\n") == src.count("\n")


# ---- the spec hangs together ----------------------------------------------------------

def test_spec_is_openapi_3_0(spec):
    assert str(spec.get("openapi", "")).startswith("3.0."), "the spec is OpenAPI 3.0"
    assert spec["info"]["title"] and spec["info"]["version"]


def test_every_ref_resolves(spec):
    for where, ref in all_refs(spec):
        try:
            resolve(spec, {"$ref": ref})
        except AssertionError as e:
            raise AssertionError(f"{where}: {e}") from None


def test_operation_ids_are_unique(spec):
    ids = [op.get("operationId") for _, _, op, _ in operations(spec)]
    assert None not in ids, "every operation has an operationId"
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"duplicate operationIds: {dupes}"


def path_params(spec, op, item) -> dict[str, dict]:
    params = {}
    for p in list(item.get("parameters", [])) + list(op.get("parameters", [])):
        p = resolve(spec, p)
        if p["in"] == "path":
            params[p["name"]] = p
    return params


def test_path_parameters_match_templates(spec):
    for method, path, op, item in operations(spec):
        in_template = set(re.findall(r"\{([^}]+)\}", path))
        declared = path_params(spec, op, item)
        assert set(declared) == in_template, (
            f"{method.upper()} {path}: path parameters {sorted(declared)} != template's {sorted(in_template)}")
        for name, p in declared.items():
            assert p.get("required") is True, f"{method.upper()} {path}: path parameter {name} must be required"


def test_links_name_real_operations(spec):
    by_id = {op["operationId"]: (op, item) for _, _, op, item in operations(spec)}
    for method, path, op, _ in operations(spec):
        for status, response in op.get("responses", {}).items():
            for name, link in resolve(spec, response).get("links", {}).items():
                target = link.get("operationId")
                assert target in by_id, f"{method.upper()} {path} {status} link {name}: no operation {target!r}"
                t_op, t_item = by_id[target]
                known = set(path_params(spec, t_op, t_item))
                known |= {resolve(spec, p)["name"] for p in t_op.get("parameters", [])}
                unknown = set(link.get("parameters", {})) - known
                assert not unknown, f"{method.upper()} {path} link {name}: {target} has no parameters {sorted(unknown)}"


def test_replies_are_json_and_errors_are_msg(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["msg"] and error["properties"] == {"msg": {"type": "string"}}
    for method, path, op, _ in operations(spec):
        assert op.get("responses"), f"{method.upper()} {path} has no responses"
        for status, response in op["responses"].items():
            response = resolve(spec, response)
            where = f"{method.upper()} {path} {status}"
            if status == "204":
                assert "content" not in response, f"{where}: a 204 has no body"
                continue
            content = response.get("content", {})
            if path in NOT_JSON:
                assert list(content) == [NOT_JSON[path]], f"{where}: served as {NOT_JSON[path]}"
                continue
            if path in DOWNLOADS and str(status) == "200":
                assert list(content) == DOWNLOADS[path], f"{where}: served as {DOWNLOADS[path]}"
                continue
            assert list(content) == ["application/json"], f"{where}: every reply is application/json"
            if str(status).startswith(("4", "5")):
                assert resolve(spec, content["application/json"]["schema"]) is error, (
                    f"{where}: errors are the Error schema ({{\"msg\": string}})")


def test_bodies_that_livyd_checks_field_by_field_refuse_unknown_fields(spec):
    # lib/wire/request_json.cpp answers 400 "unknown field" for all of them.
    for name in ("BatchRequest", "SessionRequest", "StatementRequest", "CompletionRequest"):
        assert spec["components"]["schemas"][name].get("additionalProperties") is False, name


# ---- a running livyd serves the spec -------------------------------------------------------

@pytest.fixture(scope="module")
def livyd(livyd_bin, tmp_path_factory):
    """A livyd on loopback with a temporary data directory. Nothing is created on it,
    so a stand-in Spark home is enough."""
    work = Path(os.path.realpath(tmp_path_factory.mktemp("livyd-openapi")))
    spark_home = make_fake_spark_home(work / "fake-spark")
    with running_livyd(livyd_bin, spark_home, work, {"spark.home": str(spark_home)}) as client:
        yield client


@pytest.mark.parametrize("path", ["/openapi.yaml", "//openapi.yaml/"])
def test_served_spec_equals_the_file(livyd, path):
    resp = livyd.get(path)
    assert resp.status_code == 200, f"GET {path}: {resp.status_code} {resp.text[:500]!r}"
    assert resp.headers.get("Content-Type", "").split(";")[0].strip() == "application/yaml"
    assert resp.content == SPEC_PATH.read_bytes(), (
        f"GET {path} does not serve {SPEC_PATH.relative_to(REPO_ROOT)} as it is now: rebuild livyd "
        "(lib/CMakeLists.txt embeds the file when CMake configures)")


def test_served_spec_path_is_literal(livyd):
    # route() escapes the '.': "/openapiXyaml" is not the spec.
    resp = livyd.get("/openapiXyaml")
    assert resp.status_code == 404, resp.text[:200]
