#!/usr/bin/env python3
"""wasm_sections.py -- look inside a weir package (.wasm) without any dependency.

Commands:
  list FILE            sections, custom sections (the manifest printed in full),
                       imports and exports with their types  [default]
  manifest FILE        print the bytes of the weir.manifest section
  imports FILE         print the imports as a JSON array of "module.name"
  check FILE...        check each package against node-abi v1 as far as can be
                       done statically: exactly one weir.manifest section, valid
                       UTF-8 JSON without a NUL, abi 1, package id and node
                       names well-formed, pins well-typed; every import is a
                       known weir function whose capability the manifest
                       requests (wasi_snapshot_preview1 only with "wasi": true,
                       nothing from other modules); exports memory, weir_alloc
                       (i32)->i32, weir_run (i32,i32,i32)->i32 and optional
                       _initialize ()->(). Exit 1 if any package fails.
                       With --no-wasi, any wasi_snapshot_preview1 import fails
                       too, whatever the manifest says.
  set-manifest IN MANIFEST.json -o OUT
                       write OUT = IN with its weir.manifest section(s) replaced
                       by the file's bytes (checked to be JSON first): a
                       post-link alternative to WEIR_MANIFEST / the build rule.

Add --json to list/check for machine-readable output.
Exit status: 0 ok, 1 a check failed or the file is unreadable, 2 usage.
"""

import json
import re
import sys

SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
    6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data",
    12: "datacount", 13: "tag",
}
VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128",
            0x70: "funcref", 0x6F: "externref"}
KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}

# node-abi §3: every weir import, its type, and the capability it needs
# (None = always available).
WEIR_IMPORTS = {
    "log":            ("(i32,i32,i32)->()", None),
    "set_output":     ("(i32,i32,i32,i32)->(i32)", None),
    "activate":       ("(i32,i32)->(i32)", None),
    "fail":           ("(i32,i32)->()", None),
    "buf_len":        ("(i32)->(i32)", None),
    "buf_read":       ("(i32,i32,i32)->(i32)", None),
    "buf_drop":       ("(i32)->()", None),
    "now_ms":         ("()->(i64)", None),
    "random_fill":    ("(i32,i32)->(i32)", None),
    "http_request":   ("(i32,i32)->(i32)", ("http", None)),
    "storage_read":   ("(i32,i32)->(i32)", ("storage", "read")),
    "storage_write":  ("(i32,i32,i32,i32)->(i32)", ("storage", "write")),
    "storage_list":   ("(i32,i32)->(i32)", ("storage", "list")),
    "storage_delete": ("(i32,i32)->(i32)", ("storage", "delete")),
    "var_get":        ("(i32,i32)->(i32)", ("variables", "read")),
    "var_set":        ("(i32,i32,i32,i32)->(i32)", ("variables", "write")),
    "secret_get":     ("(i32,i32)->(i32)", ("secrets", None)),
    "emit":           ("(i32,i32)->(i32)", ("stream", None)),
}
REQUIRED_EXPORTS = {
    "memory": ("memory", None),
    "weir_alloc": ("func", "(i32)->(i32)"),
    "weir_run": ("func", "(i32,i32,i32)->(i32)"),
}
PIN_TYPES = {"execution", "string", "integer", "float", "boolean", "struct", "bytes", "generic"}
PACKAGE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
NODE_NAME = re.compile(r"[a-z0-9_]{1,64}")


class WasmError(Exception):
    pass


class Reader:
    def __init__(self, data, pos=0, end=None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def byte(self):
        if self.pos >= self.end:
            raise WasmError("unexpected end of data at offset %d" % self.pos)
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 35:
                raise WasmError("LEB128 too long at offset %d" % self.pos)

    def bytes(self, n):
        if n > self.end - self.pos:
            raise WasmError("length %d runs past the end at offset %d" % (n, self.pos))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def name(self):
        raw = self.bytes(self.u32())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise WasmError("name is not UTF-8: %r" % raw)

    def limits(self):
        flags = self.u32()
        lo = self.u32()
        hi = self.u32() if flags & 1 else None
        return lo, hi


def functype_str(params, results):
    return "(%s)->(%s)" % (",".join(params), ",".join(results))


def parse(data):
    """Returns a dict: sections, customs, types, imports, exports, funcs."""
    if data[:4] != b"\0asm":
        raise WasmError("not a WebAssembly module (bad magic)")
    if data[4:8] != b"\x01\0\0\0":
        raise WasmError("unsupported binary version %r (a component?)" % data[4:8])
    r = Reader(data, 8)
    mod = {"sections": [], "customs": [], "types": [], "imports": [], "exports": [], "funcs": []}
    while r.pos < r.end:
        header = r.pos
        sid = r.byte()
        size = r.u32()
        start = r.pos
        body = Reader(data, start, start + size)
        if start + size > len(data):
            raise WasmError("section %d runs past the end of the file" % sid)
        entry = {"id": sid, "name": SECTION_NAMES.get(sid, "unknown"), "offset": start, "size": size,
                 "header": header}
        if sid == 0:
            cname = body.name()
            payload = data[body.pos:start + size]
            entry["custom_name"] = cname
            mod["customs"].append((cname, payload))
        elif sid == 1:
            for _ in range(body.u32()):
                form = body.byte()
                if form != 0x60:
                    raise WasmError("unknown type form 0x%02x" % form)
                params = [VALTYPES.get(body.byte(), "?") for _ in range(body.u32())]
                results = [VALTYPES.get(body.byte(), "?") for _ in range(body.u32())]
                mod["types"].append(functype_str(params, results))
        elif sid == 2:
            for _ in range(body.u32()):
                module, field, kind = body.name(), body.name(), body.byte()
                imp = {"module": module, "name": field, "kind": KINDS.get(kind, "?")}
                if kind == 0:
                    imp["type"] = mod["types"][body.u32()]
                    mod["funcs"].append(imp["type"])
                elif kind == 1:
                    body.byte()
                    body.limits()
                elif kind == 2:
                    imp["limits"] = body.limits()
                elif kind == 3:
                    body.byte()
                    body.byte()
                elif kind == 4:
                    body.byte()
                    body.u32()
                mod["imports"].append(imp)
        elif sid == 3:
            for _ in range(body.u32()):
                mod["funcs"].append(mod["types"][body.u32()])
        elif sid == 5:
            mod["memories"] = [body.limits() for _ in range(body.u32())]
        elif sid == 7:
            for _ in range(body.u32()):
                field, kind, index = body.name(), body.byte(), body.u32()
                exp = {"name": field, "kind": KINDS.get(kind, "?"), "index": index}
                if kind == 0:
                    exp["type"] = mod["funcs"][index] if index < len(mod["funcs"]) else "?"
                mod["exports"].append(exp)
        mod["sections"].append(entry)
        r.pos = start + size
    return mod


def manifest_bytes(mod):
    found = [payload for name, payload in mod["customs"] if name == "weir.manifest"]
    return found


def check_manifest_schema(m, errors):
    if not isinstance(m, dict):
        errors.append("manifest is not a JSON object")
        return
    if m.get("abi") != 1:
        errors.append("abi is %r, not 1" % (m.get("abi"),))
    pkg = m.get("package")
    if not isinstance(pkg, dict) or not isinstance(pkg.get("id"), str) \
            or not PACKAGE_ID.fullmatch(pkg["id"]):
        errors.append("package.id missing or not [a-z0-9][a-z0-9._-]{0,63}")
    if isinstance(pkg, dict) and not isinstance(pkg.get("version"), str):
        errors.append("package.version missing")
    caps = m.get("capabilities", {})
    if not isinstance(caps, dict):
        errors.append("capabilities is not an object")
        caps = {}
    known_caps = {"http", "storage", "variables", "secrets", "stream", "wasi"}
    for k in caps:
        if k not in known_caps:
            errors.append("unknown capability %r" % k)
    http = caps.get("http")
    if http is not None:
        if not isinstance(http, dict) or not isinstance(http.get("hosts"), list) \
                or not all(isinstance(h, str) and h for h in http["hosts"]):
            errors.append("capabilities.http needs a list of hosts")
        elif not isinstance(http.get("methods", []), list):
            errors.append("capabilities.http.methods is not a list")
    for key, allowed in (("storage", {"read", "write", "list", "delete"}),
                         ("variables", {"read", "write"})):
        v = caps.get(key)
        if v is not None and (not isinstance(v, list) or not set(v) <= allowed):
            errors.append("capabilities.%s must be a list drawn from %s" % (key, sorted(allowed)))
    sec = caps.get("secrets")
    if sec is not None and (not isinstance(sec, list) or not all(isinstance(s, str) for s in sec)):
        errors.append("capabilities.secrets must be a list of names")
    for key in ("stream", "wasi"):
        if key in caps and not isinstance(caps[key], bool):
            errors.append("capabilities.%s must be true or false" % key)
    limits = m.get("limits", {})
    if not isinstance(limits, dict) or not all(
            k in ("memory_mb", "fuel", "timeout_ms") and isinstance(v, int) and v > 0
            for k, v in limits.items()):
        errors.append("limits must hold positive integers memory_mb, fuel, timeout_ms")
    nodes = m.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        errors.append("nodes must be a non-empty list")
        return
    seen = set()
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("name"), str) \
                or not NODE_NAME.fullmatch(node["name"]):
            errors.append("nodes[%d].name missing or not [a-z0-9_]{1,64}" % i)
            continue
        if node["name"] in seen:
            errors.append("node name %r used twice" % node["name"])
        seen.add(node["name"])
        pins = node.get("pins", [])
        if not isinstance(pins, list):
            errors.append("nodes[%d].pins is not a list" % i)
            continue
        pin_names = set()
        for pin in pins:
            if not isinstance(pin, dict) or not isinstance(pin.get("name"), str) \
                    or pin.get("direction") not in ("in", "out") or pin.get("type") not in PIN_TYPES:
                errors.append("node %s: bad pin %r" % (node["name"], pin))
                continue
            if (pin["direction"], pin["name"]) in pin_names:
                errors.append("node %s: pin %s/%s twice" % (node["name"], pin["direction"], pin["name"]))
            pin_names.add((pin["direction"], pin["name"]))
            if "value_type" in pin and pin["value_type"] not in ("array", "map"):
                errors.append("node %s: pin %s: bad value_type" % (node["name"], pin["name"]))


def capability_requested(caps, need):
    key, sub = need
    v = caps.get(key)
    if key == "http":
        return isinstance(v, dict)
    if key == "secrets":
        return isinstance(v, list) and len(v) > 0
    if key == "stream":
        return v is True
    return isinstance(v, list) and sub in v


def check(path, no_wasi=False):
    """Returns (report dict, list of errors)."""
    errors = []
    report = {"file": path}
    try:
        data = open(path, "rb").read()
        mod = parse(data)
    except (OSError, WasmError, IndexError) as e:
        return report, ["cannot read module: %s" % e]
    report["imports"] = ["%s.%s" % (i["module"], i["name"]) for i in mod["imports"]]
    found = manifest_bytes(mod)
    manifest = None
    if len(found) != 1:
        errors.append("expected one weir.manifest section, found %d" % len(found))
    else:
        raw = found[0]
        report["manifest_bytes"] = len(raw)
        if b"\0" in raw:
            errors.append("manifest contains a NUL byte (at offset %d)" % raw.index(b"\0"))
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as e:
            errors.append("manifest is not UTF-8: %s" % e)
        except ValueError as e:
            errors.append("manifest is not JSON: %s" % e)
    if manifest is not None:
        check_manifest_schema(manifest, errors)
        report["package"] = manifest.get("package", {}).get("id") if isinstance(manifest, dict) else None
    caps = manifest.get("capabilities", {}) if isinstance(manifest, dict) else {}
    if not isinstance(caps, dict):
        caps = {}
    for imp in mod["imports"]:
        full = "%s.%s" % (imp["module"], imp["name"])
        if imp["module"] == "weir":
            spec = WEIR_IMPORTS.get(imp["name"])
            if spec is None:
                errors.append("undeclared_import: unknown weir function %s" % full)
                continue
            if imp["kind"] != "func" or imp.get("type") != spec[0]:
                errors.append("import %s has type %s, the ABI says %s" % (full, imp.get("type"), spec[0]))
            if spec[1] is not None and not capability_requested(caps, spec[1]):
                errors.append("undeclared_import: %s needs capability %s%s, not requested" % (
                    full, spec[1][0], ": " + spec[1][1] if spec[1][1] else ""))
        elif imp["module"] == "wasi_snapshot_preview1":
            if no_wasi:
                errors.append("%s: --no-wasi was given" % full)
            elif caps.get("wasi") is not True:
                errors.append("undeclared_import: %s but the manifest does not say \"wasi\": true" % full)
        else:
            errors.append("undeclared_import: %s (only weir and wasi_snapshot_preview1 exist)" % full)
    exports = {e["name"]: e for e in mod["exports"]}
    for name, (kind, typ) in REQUIRED_EXPORTS.items():
        e = exports.get(name)
        if e is None:
            errors.append("abi_mismatch: export %s missing" % name)
        elif e["kind"] != kind or (typ and e.get("type") != typ):
            errors.append("abi_mismatch: export %s is %s %s, want %s %s" % (
                name, e["kind"], e.get("type", ""), kind, typ or ""))
    if "memory" in exports and exports["memory"]["index"] != 0:
        errors.append("abi_mismatch: exported memory is not memory 0")
    init = exports.get("_initialize")
    if init is not None and (init["kind"] != "func" or init.get("type") != "()->()"):
        errors.append("abi_mismatch: _initialize must be ()->()")
    report["exports"] = sorted(exports)
    report["ok"] = not errors
    report["errors"] = errors
    return report, errors


def cmd_list(path, as_json):
    data = open(path, "rb").read()
    mod = parse(data)
    if as_json:
        out = {
            "sections": [{k: s[k] for k in ("name", "custom_name", "offset", "size") if k in s}
                         for s in mod["sections"]],
            "customs": {name: len(payload) for name, payload in mod["customs"]},
            "manifest": [p.decode("utf-8", "replace") for p in manifest_bytes(mod)],
            "imports": mod["imports"], "exports": mod["exports"],
        }
        print(json.dumps(out, indent=2))
        return 0
    print("%s: %d bytes" % (path, len(data)))
    print("sections:")
    for s in mod["sections"]:
        extra = " %r" % s["custom_name"] if "custom_name" in s else ""
        print("  %-10s offset %-7d size %-7d%s" % (s["name"], s["offset"], s["size"], extra))
    for name, payload in mod["customs"]:
        if name == "weir.manifest":
            print("custom section weir.manifest (%d bytes, last byte 0x%02x):" % (
                len(payload), payload[-1] if payload else 0))
            print("  " + payload.decode("utf-8", "replace").replace("\n", "\n  "))
    print("imports (%d):" % len(mod["imports"]))
    for i in mod["imports"]:
        print("  %s.%s %s %s" % (i["module"], i["name"], i["kind"], i.get("type", i.get("limits", ""))))
    print("exports (%d):" % len(mod["exports"]))
    for e in mod["exports"]:
        print("  %s %s %s" % (e["name"], e["kind"], e.get("type", "")))
    return 0


def cmd_set_manifest(src, manifest_path, dst):
    data = open(src, "rb").read()
    mod = parse(data)
    new = open(manifest_path, "rb").read()
    json.loads(new.decode("utf-8"))  # refuse to embed something that is not JSON
    out = bytearray(data[:8])
    for s in mod["sections"]:
        if s.get("custom_name") == "weir.manifest":
            continue
        out += data[s["header"]:s["offset"] + s["size"]]
    name = b"weir.manifest"
    payload = leb128(len(name)) + name + new
    out += b"\0" + leb128(len(payload)) + payload
    open(dst, "wb").write(bytes(out))
    return 0


def leb128(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def main(argv):
    args = [a for a in argv[1:] if a not in ("--json", "--no-wasi")]
    as_json = "--json" in argv[1:]
    no_wasi = "--no-wasi" in argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    cmd = args[0]
    if cmd.endswith(".wasm"):
        cmd, args = "list", ["list"] + args
    try:
        if cmd == "list" and len(args) == 2:
            return cmd_list(args[1], as_json)
        if cmd == "manifest" and len(args) == 2:
            found = manifest_bytes(parse(open(args[1], "rb").read()))
            if not found:
                print("no weir.manifest section", file=sys.stderr)
                return 1
            sys.stdout.buffer.write(b"".join(found))
            return 0
        if cmd == "imports" and len(args) == 2:
            mod = parse(open(args[1], "rb").read())
            print(json.dumps(["%s.%s" % (i["module"], i["name"]) for i in mod["imports"]]))
            return 0
        if cmd == "check" and len(args) >= 2:
            failed = 0
            reports = []
            for path in args[1:]:
                report, errors = check(path, no_wasi)
                reports.append(report)
                if errors:
                    failed += 1
                if not as_json:
                    status = "ok" if not errors else "FAILED"
                    print("%s: %s  imports: %s" % (path, status, ", ".join(report.get("imports", [])) or "none"))
                    for e in errors:
                        print("  - %s" % e)
            if as_json:
                print(json.dumps(reports, indent=2))
            return 1 if failed else 0
        if cmd == "set-manifest" and len(args) == 5 and args[3] == "-o":
            return cmd_set_manifest(args[1], args[2], args[4])
    except (OSError, WasmError, ValueError) as e:
        print("%s: %s" % (args[-1], e), file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
