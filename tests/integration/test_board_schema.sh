#!/usr/bin/env bash
# test_board_schema.sh WEIR SOURCE_DIR BINARY_DIR — docs/board.schema.json
# against the loader: the schema is valid draft 2020-12, every example passes
# it and `weir validate`, broken boards are refused by both (weir with the
# expected code), boards with extra keys pass both, and every catalog node
# type fits the schema's type form.
# Needs python3 with the jsonschema module (Debian: python3-jsonschema,
# installed by scripts/install-deps.sh).
set -u
WEIR=$1; SRC=$2
SCHEMA=$SRC/docs/board.schema.json
EX=$SRC/examples
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0
ok()  { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# A python3 that has jsonschema with draft 2020-12: the one on PATH, else
# Debian's (a python3 from pyenv or a venv does not see Debian's modules).
PY=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 &&
     exe=$("$cand" -c 'import sys; from jsonschema import Draft202012Validator; print(sys.executable)' 2>/dev/null); then
    PY=${exe:-$cand}; break
  fi
done
if [ -z "$PY" ]; then
  bad "python3 module jsonschema (draft 2020-12) not found: apt-get install python3-jsonschema (scripts/install-deps.sh)"
  echo "$pass passed, $fail failed"
  exit 1
fi

# ---- the boards ------------------------------------------------------------
# Broken boards: each is a small valid board with one thing wrong. The schema
# must refuse it, and `weir validate` too (exit 2, with the given code).
"$PY" - "$TMP" <<'PY'
import copy, json, sys
out = sys.argv[1]
base = {
    "format": "weir-board/1", "id": "case", "name": "case",
    "variables": [{"id": "v", "name": "v", "type": "string", "value_type": "normal",
                   "default": "x", "exposed": True, "secret": False}],
    "nodes": [{"id": "start", "type": "events_simple", "x": 0, "y": 0},
              {"id": "say", "type": "log_info", "x": 200, "y": 0, "inputs": {"message": "hi"}}],
    "connections": [{"from": "start.exec_out", "to": "say.exec_in"}],
    "comments": [{"id": "c1", "text": "note", "x": 0, "y": -80, "w": 100, "h": 40}],
}
cases = open(out + "/cases", "w")
def case(name, code, change):
    b = copy.deepcopy(base)
    change(b)
    json.dump(b, open("%s/bad-%s.json" % (out, name), "w"))
    cases.write("%s %s\n" % (name, code))
def add_node(n):
    return lambda b: b["nodes"].append(n)
case("missing-format", "unsupported_format", lambda b: b.pop("format"))
case("wrong-format", "unsupported_format", lambda b: b.update(format="weir-board/2"))
case("missing-id", "invalid_board", lambda b: b.pop("id"))
case("missing-nodes", "invalid_board", lambda b: b.pop("nodes"))
case("nodes-not-array", "invalid_board", lambda b: b.update(nodes={"start": {"type": "events_simple"}}))
case("connection-without-dot", "unknown_pin", lambda b: b["connections"][0].update({"from": "start"}))
case("connection-copy-zero", "unknown_pin", lambda b: b["connections"][0].update({"from": "start.exec_out#0"}))
case("bad-value-type", "bad_value", lambda b: b["variables"][0].update(value_type="list"))
case("execution-variable", "bad_value", lambda b: b["variables"][0].update(type="execution"))
case("exposed-not-boolean", "bad_value", lambda b: b["variables"][0].update(exposed="yes"))
case("node-without-type", "invalid_board", add_node({"id": "n"}))
case("node-id-too-long", "invalid_board", add_node({"id": "a" * 257, "type": "log_info"}))
case("pin-count-zero", "bad_value", add_node({"id": "seq", "type": "control_sequence", "pin_counts": {"exec_out": 0}}))
case("handle-errors-not-boolean", "invalid_board", add_node({"id": "n", "type": "log_info", "handle_errors": "yes"}))
case("x-not-number", "invalid_board", add_node({"id": "n", "type": "log_info", "x": "10"}))
case("extra-pin-execution", "bad_value",
     add_node({"id": "g", "type": "events_generic", "extra_pins": [{"name": "p", "type": "execution"}]}))
case("extra-pin-without-name", "invalid_board",
     add_node({"id": "g", "type": "events_generic", "extra_pins": [{"type": "string"}]}))
cases.close()
PY

# What the loader accepts: extra keys on every object (kept as they are), #k
# (with a leading zero too), pin_counts, an extra pin with its defaults, map /
# set / date / bytes variables, a literal null for generic values, dots in ids.
cat >"$TMP/extras.json" <<'EOF'
{
  "format": "weir-board/1", "id": "extras", "editor": {"zoom": 1.5},
  "variables": [
    {"id": "tags", "type": "string", "value_type": "set", "default": ["a", "b"], "color": "red"},
    {"id": "scores", "type": "integer", "value_type": "map", "default": {"ada": 3}},
    {"id": "anything", "type": "generic", "default": null},
    {"id": "when", "type": "date", "default": "2024-02-29"},
    {"id": "blob", "type": "bytes", "default": "aGk="}
  ],
  "nodes": [
    {"id": "start", "type": "events_generic", "x": 0.5, "y": -10, "collapsed": true,
     "extra_pins": [{"name": "who", "label": "Who"}]},
    {"id": "seq", "type": "control_sequence", "pin_counts": {"exec_out": 3}},
    {"id": "say", "type": "log_info", "handle_errors": false, "inputs": {"message": null}},
    {"id": "all", "type": "bool_and", "pin_counts": {"boolean": 3}, "inputs": {"boolean#3": true}},
    {"id": "node.with.dots", "type": "log_info"}
  ],
  "connections": [
    {"from": "start.exec_out", "to": "seq.exec_in", "style": "curved"},
    {"from": "seq.exec_out#3", "to": "say.exec_in"},
    {"from": "start.who", "to": "say.message"},
    {"from": "seq.exec_out#01", "to": "node.with.dots.exec_in#1"}
  ],
  "comments": [{"id": "c1", "pinned": true}]
}
EOF
# The same with a package node: well-shaped; whether the package is installed
# is the validator's business, so only the schema is asked.
sed 's|"type": "bool_and"|"type": "pkg:acme.text/acme_reverse"|' "$TMP/extras.json" >"$TMP/pkg.json"

"$WEIR" catalog >"$TMP/catalog.json" 2>"$TMP/catalog.err" || { echo "weir catalog failed:"; cat "$TMP/catalog.err"; }

# ---- the schema, in one python run --------------------------------------------
# Prints "schema<TAB>ok", "types<TAB>…" and "FILE<TAB>ok" or "FILE<TAB>refused: …".
"$PY" - "$SCHEMA" "$TMP/catalog.json" "$EX"/*.board.json "$TMP"/bad-*.json "$TMP/extras.json" "$TMP/pkg.json" \
  >"$TMP/verdicts" 2>"$TMP/verdicts.err" <<'PY'
import json, sys
from jsonschema import Draft202012Validator as V
schema_path, catalog_path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
schema = json.load(open(schema_path, encoding="utf-8"))
try:
    V.check_schema(schema)
    print("schema\tok")
except Exception as e:
    print("schema\trefused: %s" % str(e).splitlines()[0])
v = V(schema)
try:
    node_type = V(dict(schema["$defs"]["nodeType"], **{"$defs": schema["$defs"]}))
    wrong = [d["type"] for d in json.load(open(catalog_path)) if not node_type.is_valid(d["type"])]
    print("types\t" + ("ok" if not wrong else "refused: " + ", ".join(wrong)))
except Exception as e:
    print("types\terror: %s" % e)
for path in files:
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except ValueError as e:
        print("%s\trefused: not JSON: %s" % (path, e))
        continue
    try:
        errs = sorted(v.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    except Exception as e:
        print("%s\terror: %s" % (path, str(e).splitlines()[0] if str(e) else type(e).__name__))
        continue
    if errs:
        print("%s\trefused: %s" % (path, "; ".join(
            "%s: %s" % ("/".join(map(str, e.absolute_path)) or "(board)", e.message[:120]) for e in errs[:3])))
    else:
        print("%s\tok" % path)
PY
[ -s "$TMP/verdicts.err" ] && cat "$TMP/verdicts.err"
verdict() { awk -F'\t' -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "no verdict" }' "$TMP/verdicts"; }

# ---- the checks ---------------------------------------------------------------
# 1. The schema is a valid draft 2020-12 schema.
v=$(verdict schema)
if [ "$v" = ok ]; then ok "schema is valid draft 2020-12"; else bad "schema is not a valid schema: $v"; fi

# 2. Every example passes the schema, and `weir validate` agrees (with the
#    SDK's text package installed, for the example that uses it).
PKGDATA="$TMP/data"
"$WEIR" node install "$3/packages/text.wasm" --data-dir "$PKGDATA" >/dev/null 2>&1 ||
  bad "could not install build/packages/text.wasm for the package example"
for b in "$EX"/*.board.json; do
  name=$(basename "$b" .board.json)
  v=$(verdict "$b")
  if [ "$v" = ok ]; then ok "schema accepts $name"; else bad "schema refuses example $name: $v"; fi
  out=$("$WEIR" validate "$b" --data-dir "$PKGDATA" 2>"$TMP/err"); rc=$?
  if [ $rc -eq 0 ] && [ "$(echo "$out" | tr -d ' \n')" = '{"valid":true}' ]; then
    ok "weir validate accepts $name"
  else
    bad "weir validate $name: exit $rc"; echo "$out"; cat "$TMP/err"
  fi
done

# 3. Broken boards are refused by the schema and by `weir validate`.
while read -r name code; do
  f="$TMP/bad-$name.json"
  v=$(verdict "$f")
  out=$("$WEIR" validate "$f" 2>/dev/null); rc=$?
  if [ "${v#refused: }" = "$v" ]; then bad "schema does not refuse broken board $name: $v"
  elif [ $rc -ne 2 ] || ! grep -q "\"code\": \"$code\"" <<<"$out"; then
    bad "weir validate $name: exit $rc, want 2 and $code"; echo "$out"
  else ok "refused: $name (schema; weir: $code)"; fi
done <"$TMP/cases"

# 4. The schema does not refuse what the loader accepts.
v=$(verdict "$TMP/extras.json")
if [ "$v" = ok ]; then ok "schema accepts extra keys, #k, pin_counts, map/set/date/bytes"; else bad "schema refuses extras: $v"; fi
if "$WEIR" validate "$TMP/extras.json" >"$TMP/out" 2>&1; then ok "weir validate accepts the same board"
else bad "weir validate refuses extras"; cat "$TMP/out"; fi
v=$(verdict "$TMP/pkg.json")
if [ "$v" = ok ]; then ok "schema accepts pkg:PACKAGE/NODE types"; else bad "schema refuses a pkg: type: $v"; fi

# 5. Every node type in the catalog fits the schema's node type form.
v=$(verdict types)
if [ "$v" = ok ]; then ok "every catalog node type fits the schema"; else bad "catalog node types: $v"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
