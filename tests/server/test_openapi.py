#!/usr/bin/env python3
"""test_openapi.py WEIR SRC — the routes and GET /api/v1/openapi.json agree.

  - the document has the shape of OpenAPI 3.1 (openapi "3.1.0", info, paths;
    every operation an operationId (unique), a summary, responses, and an
    x-required-permission / x-permission-scope that fit each other); request
    body schemas are valid JSON Schema 2020-12 when python3-jsonschema is
    installed (its own metaschema: nothing is downloaded);
  - every documented path+method is routed: with a full credential and real
    ids it never answers the router's 404 ("no such endpoint") or 405;
  - undocumented methods on documented paths answer 405 method_not_allowed,
    undocumented paths 404 "no such endpoint";
  - path traversal variants never answer 2xx.
The objects behind the path parameters come from test_authz_walk.World.
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # importing test_authz_walk must not leave __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import main_each_store  # noqa: E402
from test_authz_walk import HTTP_METHODS, World, jsonschema, op_urls, operations, path_params, problem_code, request, show  # noqa: E402

# Methods the router could route: each one a path does not document must be
# refused with 405. (HEAD and OPTIONS are left out on purpose: a server may
# answer them for every GET / for CORS without documenting them.)
PROBE_METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE", "TRACE")


def is_no_endpoint(r):
    return r.status == 404 and problem_code(r) == "not_found" and isinstance(r.json, dict) and r.json.get("detail") == "no such endpoint"


def shape(c, w):
    doc = w.doc
    c.eq(doc.get("openapi"), "3.1.0", "openapi version")
    info = doc.get("info")
    c.check(isinstance(info, dict) and isinstance(info.get("title"), str) and info["title"]
            and isinstance(info.get("version"), str) and info["version"], f"info has a title and a version: {info!r}")
    paths = doc.get("paths")
    if not c.check(isinstance(paths, dict) and paths, "paths is a non-empty object"):
        return
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    for req in doc.get("security") or []:
        for name in req:
            c.check(name in schemes, f"top-level security names the scheme {name!r}, which components.securitySchemes defines")
    perms = set(w.app_perms) | set(w.inst_perms)
    seen_ids = {}
    for path, item in paths.items():
        c.check(path.startswith("/") and "//" not in path and not (path != "/" and path.endswith("/")), f"path {path!r} is a clean absolute path")
        c.check(len(set(path_params(path))) == len(path_params(path)), f"{path}: no repeated path parameter")
        for m in item:
            c.check(m in HTTP_METHODS or m in ("summary", "description", "parameters", "servers"), f"{path}: unexpected member {m!r}")
    for path, method, op in operations(doc):
        what = f"{method} {path}"
        oid = op.get("operationId")
        if c.check(isinstance(oid, str) and re.fullmatch(r"[A-Za-z0-9_.-]+", oid or ""), f"{what}: operationId {oid!r}"):
            c.check(oid not in seen_ids, f"{what}: operationId {oid!r} also used by {seen_ids.get(oid)}")
            seen_ids.setdefault(oid, what)
        c.check(isinstance(op.get("summary"), str) and op["summary"].strip(), f"{what}: a summary")
        resp = op.get("responses")
        if c.check(isinstance(resp, dict) and resp, f"{what}: responses"):
            codes = [k for k in resp if k != "default"]
            c.check(all(re.fullmatch(r"[1-5](\d\d|XX)", k) for k in codes), f"{what}: response keys are status codes: {list(resp)}")
            c.check(any(k[0] in "23" for k in codes), f"{what}: documents a 2xx (or, for a redirect, 3xx) answer: {list(resp)}")
            c.check(all(isinstance(v, dict) and isinstance(v.get("description"), str) for v in resp.values()),
                    f"{what}: every response has a description")
            for v in resp.values():
                for media in (v.get("content") or {}).values():
                    ref = (media.get("schema") or {}).get("$ref")
                    if ref:
                        c.check(resolve(doc, ref) is not None, f"{what}: {ref} resolves")
        perm, scope = op.get("x-required-permission"), op.get("x-permission-scope")
        c.check(perm in ("none", "authenticated") or perm in perms, f"{what}: x-required-permission {perm!r} is none, authenticated or a permission of rbac.h")
        want_scope = {"none": "public", "authenticated": "user"}.get(perm) or ("app" if perm in w.app_perms else "instance")
        c.eq(scope, want_scope, f"{what}: x-permission-scope fits x-required-permission {perm!r}")
        if scope == "public":
            c.eq(op.get("security"), [], f"{what}: a public operation says security: []")
        else:
            c.check(resp and "401" in resp and "403" in resp, f"{what}: documents 401 and 403")
        declared = [p for p in op.get("parameters", []) if isinstance(p, dict)]
        c.eq(sorted(p.get("name") for p in declared if p.get("in") == "path"), sorted(path_params(path)), f"{what}: path parameters declared")
        c.check(all(p.get("required") is True for p in declared if p.get("in") == "path"), f"{what}: path parameters are required")
        rb = op.get("requestBody")
        if rb is not None:
            schema = ((rb.get("content") or {}).get("application/json") or {}).get("schema")
            if c.check(isinstance(schema, dict), f"{what}: requestBody has an application/json schema"):
                c.check(set(schema.get("required") or []) <= set(schema.get("properties") or {}) or schema.get("type") != "object",
                        f"{what}: every required member of the body is a property")
                if jsonschema is not None:
                    try:
                        jsonschema.Draft202012Validator.check_schema(schema)
                        ok, why = True, ""
                    except jsonschema.exceptions.SchemaError as e:
                        ok, why = False, e.message
                    c.check(ok, f"{what}: request body schema is valid JSON Schema 2020-12: {why}")
        c.check(rb is None or method not in ("GET", "HEAD", "DELETE"), f"{what}: a {method} documents a request body")
    if jsonschema is None:
        print("note: python3-jsonschema is not installed; request body schemas were not checked against JSON Schema 2020-12")


def resolve(doc, ref):
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def route_counts(s, token):
    """operationId → requests answered, from the server's own metrics."""
    r = request(s, "GET", "/metrics", token)
    counts = {}
    for line in r.body.splitlines():
        m = re.match(r'weir_http_requests_total\{route="([^"]*)",code="[^"]*"\} (\d+)$', line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + int(m.group(2))
    return counts


def routed(c, s, w):
    """Every documented operation reaches a handler, and the one the
    document names: the router's metrics count the request under the
    operation's operationId (so no route shadows another)."""
    ops = operations(w.doc)
    metrics_op = next((op.get("operationId") for path, m, op in ops if path == "/metrics" and m == "GET"), None)
    if metrics_op is None:
        print("note: no GET /metrics in the document: requests are not matched to operationIds")
    for path, method, op, url in op_urls(c, w, ops):
        before = route_counts(s, w.full) if metrics_op else None
        r = request(s, method, url, w.full, w.body_for(path, op))
        c.check(not is_no_endpoint(r) and r.status != 405, f"{method} {path} ({url}): documented but not routed: {show(r)}")
        if metrics_op:
            after = route_counts(s, w.full)
            diff = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
            diff[metrics_op] = diff.get(metrics_op, 0) - 1   # the `before` request itself
            diff = {k: v for k, v in diff.items() if v}
            c.eq(diff, {op.get("operationId"): 1}, f"{method} {path}: requests counted by route (metrics)")


def refused_shapes(c, s, w):
    paths = (w.doc.get("paths") or {})
    # undocumented methods on documented paths
    for path, item in paths.items():
        documented = {m.upper() for m in item if m in HTTP_METHODS}
        try:
            url = w.url(path)
        except KeyError:
            continue  # reported by routed()
        for m in PROBE_METHODS:
            if m in documented:
                continue
            r = request(s, m, url, w.full)
            c.check(r.status == 405 and problem_code(r) == "method_not_allowed", f"{m} {path} (undocumented method): expected 405 method_not_allowed, got {show(r)}")

    # undocumented paths
    A = f"/api/v1/apps/{w.app}"
    for p in ["/api/v1/nope", "/api/v1/apps/x/y/z", "/api/v2/apps", "/api", "/api/v1", "/api/v1/", "/api/v1/apps/",
              "/api/v1/me/", "//api/v1/me", "/API/V1/ME", f"{A}/", f"{A}/nope", f"{A}/boards/{w.board}/versions/1/extra",
              f"{A}/runs/{w.run}/cancel/now", "/hooks", f"/hooks/{w.app}", f"/hooks/{w.app}/{w.event}/x", "/metrics/x",
              "/api/v1/openapi.yaml", "/.env", "/index.html"]:
        for m in ("GET", "POST"):
            r = request(s, m, p, w.full)
            c.check(is_no_endpoint(r), f"{m} {p} (undocumented path): expected 404 no such endpoint, got {show(r)}")

    # path traversal and encoding tricks never reach anything
    b = w.board
    for p in ["/api/v1/apps/..%2f..%2fetc/boards", "/api/v1/apps/app_x/boards/..%2f", f"{A}/boards/..%2f",
              f"{A}/boards/..%2f..%2f..%2fme", f"{A}/boards/%2e%2e", f"{A}/boards/%2e%2e%2f%2e%2e", f"{A}/../../me",
              f"/api/v1/apps/..%2f..%2fapps%2f{w.app}/boards",
              f"{A}/boards/{b}/versions/..%2f..%2f{b}", f"{A}%2f..%2f..%2fme", "/api/v1/apps/%2e%2e/boards", "/api/v1/apps/.%2e/boards",
              f"{A}/boards/{b}%2f..%2f..%2f..%2f..%2fme", f"{A}/secrets/..%2f..%2f..%2fsecrets", f"{A}/boards/..%5c..%5cme",
              f"{A}/boards/%252e%252e%252f", "/api/v1/apps/*/boards", f"{A}/boards/{b}/versions/%2e%2e"]:
        for m in ("GET", "DELETE"):
            r = request(s, m, p, w.full)
            c.check(not 200 <= r.status < 300, f"{m} {p} (traversal): expected no 2xx, got {show(r)}")
    # A NUL must not cut a path short: …/apps/APP%00/boards is not …/apps/APP.
    for p in [f"{A}%00/boards", f"{A}/boards%00/x", f"/api/v1/me%00/nope"]:
        r = request(s, "GET", p, w.full)
        c.check(not 200 <= r.status < 300, f"GET {p} (NUL in the path): expected no 2xx, got {show(r)}")


def suite(c, s, src, label):
    w = World(s, src)
    shape(c, w)
    refused_shapes(c, s, w)   # changes nothing: before routed(), which deletes
    routed(c, s, w)


if __name__ == "__main__":
    sys.exit(main_each_store(suite))
