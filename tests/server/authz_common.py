"""authz_common.py — what test_authz_matrix.py, test_cross_app.py and
test_secret_hygiene.py share: credentials of every kind (PAT, session cookie
with its CSRF token, app API key, anonymous), an HTTP call that presents them,
an instance with an instance admin, and apps built the same way every time:

  AppWorld  an app made by the instance admin, handed over to its own owner
            (a user who is not an instance admin; the instance admin then
            leaves the app), one member per default role (owner, admin,
            editor, operator, viewer), each with a full-scope PAT; a board,
            a run, a webhook event, a secret, a custom role, an API key per
            non-owner role and a spare token.

The permission table is read from the server (GET /apps/{app}/roles for the
roles' permissions; what a permission implies from GET /api/v1/me of a PAT
scoped to that one permission), never copied from rbac.c, so the table and the
tests cannot drift; the document's operations come from
GET /api/v1/openapi.json through test_authz_walk.operations.
"""
import json
import os
import re
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # importing must not leave __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ADMIN_EMAIL, ADMIN_PASSWORD, Response, load_board, request  # noqa: E402
from test_authz_walk import (HTTP_METHODS, body_errors, body_schema, operations, path_params, problem_code,  # noqa: E402,F401
                            rbac_permissions, schema_value, show)

ROLES = ("owner", "admin", "editor", "operator", "viewer")
KEY_ROLES = ROLES[1:]  # an API key never holds the owner role (docs/auth.md)
# docs/auth.md, "API keys": keys never create or revoke keys, never change
# members or roles; outside its app a key may only list its app (GET /apps).
KEY_NEVER = ("write_members", "write_roles", "write_api_keys")
KEY_USER_OPS = (("GET", "/api/v1/apps"),)
TERMINAL = ("completed", "failed", "timed_out", "cancelled")


# ---- credentials ------------------------------------------------------------------------

class Cred:
    """One way of calling. kind: pat, session, key or anon.
    user: the User behind a PAT or session; role: the role it holds in the
    app it was made for (for a key: the key's role); scopes: a PAT's scopes
    (None: every permission, i.e. a session or a full-scope PAT)."""

    def __init__(self, label, kind, token=None, cookie=None, csrf=None, user=None, role=None, scopes=None, key_id=None, app=None):
        self.label, self.kind = label, kind
        self.token, self.cookie, self.csrf = token, cookie, csrf
        self.user, self.role, self.scopes, self.key_id, self.app = user, role, scopes, key_id, app

    def headers(self, method):
        h = {}
        if self.kind in ("pat", "key"):
            h["Authorization"] = "Bearer " + self.token
        elif self.kind == "session":
            h["Cookie"] = "weir_session=" + self.cookie
            if method not in ("GET", "HEAD"):
                h["X-CSRF-Token"] = self.csrf
        return h

    def secrets(self):
        return [x for x in (self.token, self.cookie, self.csrf) if x]

    def __repr__(self):
        return f"<{self.label}>"


ANON = Cred("anonymous", "anon")


class User:
    def __init__(self, email, uid, password, pat):
        self.email, self.id, self.password, self.pat = email, uid, password, pat


def call(s, method, path, cred=None, body=None, headers=None, raw=None, timeout=30, read_stream=False, record=None):
    """One request. An event stream's body is not read (it may never end)
    unless read_stream; record(method, path, cred, response) sees every answer."""
    h = dict(headers or {})
    if cred is not None:
        h.update(cred.headers(method))
    resp = request(s, method, path, body=body, headers=h, raw=raw, timeout=timeout, read_stream=read_stream)
    if record:
        record(method, path, cred, resp)
    return resp


def q(v):
    return urllib.parse.quote(str(v), safe="")


# ---- the instance ---------------------------------------------------------------------------

class Instance:
    """A started Server with an instance admin (full-scope PAT) and the
    OpenAPI document. record: optional hook seeing every answer."""

    def __init__(self, s, src, record=None, admin_password=ADMIN_PASSWORD):
        self.s, self.src, self.record = s, src, record
        self.seq = 0
        self.doc = call(s, "GET", "/api/v1/openapi.json").json or {}
        self.ops = operations(self.doc)
        self.app_perms, self.inst_perms = rbac_permissions(src)
        documented = {op.get("x-required-permission") for _, _, op in self.ops} - {"none", "authenticated", None}
        self.all_perms = self.app_perms + self.inst_perms + sorted(p for p in documented if p not in self.app_perms + self.inst_perms)
        self.board_doc = load_board(src, "examples/hello.board.json")
        self.admin_password = admin_password
        if not s._admin:
            s.add_user(ADMIN_EMAIL, password=admin_password, admin=True)
        self.admin_id = None
        self.admin = Cred("instance-admin", "pat", token=s.token(ADMIN_EMAIL, scopes=self.all_perms, name="admin-full"), scopes=set(self.all_perms))
        if record:
            record("CLI", "weir token create", None, Response(201, [], json.dumps({"token": self.admin.token})))
        s._admin = self.admin.token
        self.admin_id = self.must("GET", "/api/v1/me", self.admin, None, 200)["user"]["id"]
        self._implied = None
        self._target = None

    def call(self, method, path, cred=None, body=None, **kw):
        kw.setdefault("record", self.record)
        return call(self.s, method, path, cred, body, **kw)

    def must(self, method, path, cred, body, want):
        r = self.call(method, path, cred, body)
        if r.status != want:
            raise RuntimeError(f"setup: {method} {path} as {cred}: want {want}, got {show(r)}")
        return r.json

    def unique(self, what):
        self.seq += 1
        return f"{what}-{self.seq}"

    # ---- users and credentials -------------------------------------------------------------
    def new_password(self):
        """The password of the next new_user (a test may replace this to make them all different)."""
        return ADMIN_PASSWORD

    def new_user(self, email, password=None):
        """A user (not an instance admin) made through POST /users, with a full-scope PAT (weir token create)."""
        password = password or self.new_password()
        uid = self.must("POST", "/api/v1/users", self.admin, {"email": email, "password": password}, 201)["id"]
        tok = self.s.token(email, scopes=self.all_perms, name="full")
        if self.record:
            self.record("CLI", "weir token create", None, Response(201, [], json.dumps({"token": tok})))
        u = User(email, uid, password, None)
        u.pat = Cred(f"{email.split('@')[0]}:pat", "pat", token=tok, user=u, scopes=None)
        return u

    def login(self, user, label=None, role=None):
        """A fresh session of `user` (cookie and CSRF token)."""
        r = self.call("POST", "/api/v1/auth/login", None, {"email": user.email, "password": user.password})
        if r.status != 200:
            raise RuntimeError(f"setup: login of {user.email}: {show(r)}")
        m = re.match(r"weir_session=([^;]*)", r.header("Set-Cookie") or "")
        return Cred(label or f"{user.email.split('@')[0]}:session", "session", cookie=m.group(1), csrf=r.json["csrf_token"],
                    user=user, role=role, scopes=None)

    def mint(self, owner_cred, scopes, label, role=None):
        """A PAT of owner_cred's user with these scopes (POST /tokens)."""
        j = self.must("POST", "/api/v1/tokens", owner_cred, {"name": label, "expires_in_days": 1, "scopes": sorted(scopes)}, 201)
        return Cred(label, "pat", token=j["token"], user=owner_cred.user, role=role, scopes=set(scopes)), j["id"]

    def target(self):
        """A user who is a member of no app but the ones tests put them in (for PUT/DELETE /members/{user})."""
        if self._target is None:
            self._target = self.new_user(self.unique("target") + "@test.local")
        return self._target

    # ---- apps ----------------------------------------------------------------------------------
    def make_app(self, name, owner):
        """An app made by the instance admin and handed to `owner` (a User);
        the instance admin then leaves it. Returns the app id."""
        app = self.must("POST", "/api/v1/apps", self.admin, {"name": name, "description": "made by " + name}, 201)["id"]
        A = f"/api/v1/apps/{app}"
        self.must("PUT", f"{A}/members/{owner.id}", self.admin, {"role": "owner"}, 200)
        r = self.call("DELETE", f"{A}/members/{self.admin_id}", owner.pat)
        if r.status != 204:
            raise RuntimeError(f"setup: the instance admin leaves {name}: {show(r)}")
        return app

    # ---- the permission table, read from the server ----------------------------------------------
    def implied(self, world):
        """perm → what a PAT scoped to that one permission holds in an app it owns
        (GET /me); instance permissions follow docs/auth.md (instance_admin ⇒
        create_apps, manage_users)."""
        if self._implied is None:
            imp = {}
            for p in self.app_perms:
                cred, _ = self.mint(world.owner.pat, [p], "implied-" + p)
                imp[p] = world.rights_of(cred)
            for p in self.inst_perms:
                imp[p] = {p}
            imp.setdefault("instance_admin", set()).update(self.inst_perms)
            self._implied = imp
        return self._implied

    def expand(self, world, perms):
        imp = self.implied(world)
        out = set()
        for p in perms:
            out |= imp.get(p, {p})
        return out


class AppWorld:
    """An app with one member per default role and one of every object a path names."""

    def __init__(self, inst, prefix, board_doc=None):
        self.inst, self.s, self.prefix = inst, inst.s, prefix
        self.users = {role: inst.new_user(f"{prefix}-{role}@test.local") for role in ROLES}
        for role, u in self.users.items():
            u.pat.role = role
            u.pat.label = f"{role}:pat"
        self.owner = self.users["owner"]
        self.app = inst.make_app(f"{prefix}-app", self.owner)
        self.A = A = f"/api/v1/apps/{self.app}"
        o = self.owner.pat
        for role in ROLES[1:]:
            inst.must("PUT", f"{A}/members/{self.users[role].id}", o, {"role": role}, 200)
        self.board_doc = board_doc or inst.board_doc
        self.board_name = f"{prefix}-board"
        self.board = inst.must("POST", A + "/boards", o, {"name": self.board_name, "board": self.board_doc}, 201)["id"]
        inst.must("PUT", f"{A}/boards/{self.board}", o, {"name": self.board_name, "board": self.board_doc}, 200)  # version 2
        self.run = inst.must("POST", f"{A}/boards/{self.board}/runs", o, {}, 201)["id"]
        self.event = f"{prefix}-hook"
        inst.must("POST", A + "/events", o, {"name": self.event, "kind": "webhook", "board_id": self.board, "config": {"wait": False}}, 201)
        self.secret = f"{prefix}_secret"
        inst.must("PUT", f"{A}/secrets/{self.secret}", o, {"value": f"{prefix}-hush-value"}, 204)
        self.role_name = f"{prefix}-role"
        self.role = inst.must("POST", A + "/roles", o, {"name": self.role_name, "permissions": ["read_app"]}, 201)["id"]
        self.keys = {}
        for role in KEY_ROLES:
            j = inst.must("POST", A + "/api-keys", o, {"name": f"{prefix}-{role}-key", "role": role, "expires_in_days": 1}, 201)
            self.keys[role] = Cred(f"{role}:key", "key", token=j["key"], role=role, key_id=j["id"], app=self.app)
        _, self.token_id = inst.mint(o, ["read_app"], f"{prefix}-spare")
        self.params = {
            "app": self.app, "board": self.board, "version": "1", "run": self.run, "event": self.event,
            "role": self.role, "user": self.users["viewer"].id, "token": self.token_id, "name": self.secret,
            "key": self.keys["viewer"].key_id,
            "provider": "corp",  # public sign-in routes; no provider is configured here, so 404
        }
        self.table = self.role_table()

    # ---- the server's permission table ---------------------------------------------------------------
    def role_table(self):
        """role name → permissions as stored (GET /roles), and name → id."""
        items = self.inst.must("GET", self.A + "/roles", self.owner.pat, None, 200)["items"]
        self.role_ids = {it["name"]: it["id"] for it in items}
        return {it["name"]: set(it["permissions"]) for it in items}

    def rights_of(self, cred):
        """A user credential's rights in this app, as GET /me shows them."""
        me = self.inst.call("GET", "/api/v1/me", cred).json or {}
        for a in me.get("apps", []):
            if a.get("id") == self.app:
                return set(a.get("permissions") or [])
        return set()

    def expected_rights(self, cred):
        """A credential's rights in this app from the role table and the implication rules."""
        ex = lambda ps: self.inst.expand(self, ps)  # noqa: E731
        if cred.kind == "anon" or cred.role is None:
            return set()
        role = ex(self.table.get(cred.role, set()))
        if cred.kind == "key":
            return role - {"owner"}
        if cred.kind == "pat" and cred.scopes is not None:
            return role & ex(cred.scopes)
        return role

    # ---- fresh objects, made by the owner -------------------------------------------------------------
    def url(self, path, params=None):
        p = dict(self.params, **(params or {}))

        def sub(m):
            if m.group(1) not in p:
                raise KeyError(m.group(1))
            return q(p[m.group(1)])
        return re.sub(r"\{([^}]*)\}", sub, path)

    def fresh_board(self):
        return self.inst.must("POST", self.A + "/boards", self.owner.pat, {"name": self.inst.unique(self.prefix + "-board"), "board": self.board_doc}, 201)["id"]

    def fresh_event(self):
        name = self.inst.unique(self.prefix + "-evt")
        self.inst.must("POST", self.A + "/events", self.owner.pat, {"name": name, "kind": "webhook", "board_id": self.board, "config": {"wait": False}}, 201)
        return name

    def fresh_secret(self):
        name = self.inst.unique(self.prefix + "_sec").replace("-", "_")
        self.inst.must("PUT", f"{self.A}/secrets/{name}", self.owner.pat, {"value": "fresh-" + name}, 204)
        return name

    def fresh_role(self):
        return self.inst.must("POST", self.A + "/roles", self.owner.pat, {"name": self.inst.unique(self.prefix + "-role"), "permissions": ["read_app"]}, 201)["id"]

    def fresh_member(self):
        t = self.inst.target()
        self.inst.must("PUT", f"{self.A}/members/{t.id}", self.owner.pat, {"role": "viewer"}, 200)
        return t.id

    def fresh_key(self):
        return self.inst.must("POST", self.A + "/api-keys", self.owner.pat, {"name": self.inst.unique("key"), "role": "viewer", "expires_in_days": 1}, 201)["id"]

    def fresh_run(self):
        """A run still going (tests/server/boards/slow.board.json waits 2 s), so cancelling it has something to cancel."""
        if getattr(self, "slow_board", None) is None:
            doc = load_board(os.path.join(self.inst.src, "tests", "server", "boards"), "slow.board.json")
            self.slow_board = self.inst.must("POST", self.A + "/boards", self.owner.pat, {"name": self.prefix + "-slow", "board": doc}, 201)["id"]
        return self.inst.must("POST", f"{self.A}/boards/{self.slow_board}/runs", self.owner.pat, {"payload": {"ms": 2000}}, 201)["id"]

    def fresh_token(self, cred):
        """A token of the credential's own user (of the owner for credentials without a user)."""
        u = cred.user if cred.user is not None else self.owner
        _, tid = self.inst.mint(u.pat, ["read_app"], self.inst.unique("tok"))
        return tid

    def throwaway_app(self, cred):
        """A new app owned by this world's owner in which `cred`'s counterpart
        holds the same role: (app id, the credential to use there)."""
        app = self.inst.make_app(self.inst.unique(self.prefix + "-tmp"), self.owner)
        A = f"/api/v1/apps/{app}"
        if cred.kind == "key":
            j = self.inst.must("POST", A + "/api-keys", self.owner.pat, {"name": "tmp", "role": cred.role, "expires_in_days": 1}, 201)
            return app, Cred(cred.label, "key", token=j["key"], role=cred.role, key_id=j["id"], app=app)
        if cred.user is not None and cred.user is not self.owner and cred.role:
            self.inst.must("PUT", f"{A}/members/{cred.user.id}", self.owner.pat, {"role": cred.role}, 200)
        return app, cred

    def fresh(self, name, cred):
        """(value, credential) for path parameter `name` of a state-changing
        operation: a new object made by the owner just before, so no
        operation depends on what another one did."""
        makers = {"board": self.fresh_board, "event": self.fresh_event, "name": self.fresh_secret, "role": self.fresh_role,
                  "user": self.fresh_member, "key": self.fresh_key, "run": self.fresh_run, "token": lambda: self.fresh_token(cred)}
        if name == "app":
            return self.throwaway_app(cred)
        if name in makers:
            return makers[name](), cred
        return self.params[name], cred

    # ---- request bodies ---------------------------------------------------------------------------------
    def value_for(self, path, prop, ps, cred=None, refs=None, params=None):
        refs = refs or {}
        if prop in refs:
            return refs[prop]
        params = dict(self.params, **(params or {}))
        scopes = sorted(cred.scopes) if cred is not None and cred.kind == "pat" and cred.scopes else ["read_app"]
        plausible = {
            "name": lambda: (params["event"] if path.endswith("{event}") else self.inst.unique(self.prefix + "-n")),
            "email": lambda: ADMIN_EMAIL if path.endswith("/auth/login") else self.inst.unique("user") + "@test.local",
            "password": lambda: self.inst.admin_password,
            "kind": lambda: "webhook",
            "board_id": lambda: self.board,
            "board": lambda: self.board_doc,
            "role": lambda: "viewer",
            "permissions": lambda: ["read_app"],
            # a PAT mints tokens within its own scopes only (r_auth.c): take one of them
            "scopes": lambda: ["read_app"] if "read_app" in scopes else scopes[:1],
            "expires_in_days": lambda: 1,
            "value": lambda: "a secret value",
            "description": lambda: "made by a test",
        }
        return plausible[prop]() if prop in plausible else schema_value(ps)

    def body_for(self, path, op, cred=None, refs=None, params=None):
        """A body valid against the operation's schema (its required members,
        plus any member named in refs), or None when it takes none. params:
        the path parameters of this call, where they are not the world's."""
        schema = body_schema(op)
        if schema is None:
            return None
        props = schema.get("properties") or {}
        names = list(schema.get("required") or []) + [p for p in (refs or {}) if p in props and p not in (schema.get("required") or [])]
        return {p: self.value_for(path, p, props.get(p) or {}, cred, refs, params) for p in names}

    # ---- waiting ----------------------------------------------------------------------------------------
    def wait_runs(self, timeout=20):
        """Until every run of the app has ended."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            items = self.inst.must("GET", self.A + "/runs?limit=200", self.owner.pat, None, 200)["items"]
            if all(it.get("status") in TERMINAL for it in items):
                return items
            time.sleep(0.05)
        raise RuntimeError(f"runs of {self.prefix} did not end")


def docs_default_roles(src):
    """role → permissions from the "Built-in roles" table of docs/auth.md."""
    with open(os.path.join(src, "docs", "auth.md")) as f:
        text = f.read()
    m = re.search(r"### Built-in roles\n(.*?)\n### ", text, re.S)
    out = {}
    for line in (m.group(1) if m else "").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0] in ROLES:
            out[cells[0]] = set(cells[1].strip("`").split())
    return out
