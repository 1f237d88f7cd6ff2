#!/usr/bin/env bash
# make_seeds.sh — (re)generate the seed corpus of fuzz_board.
#
#   bash fuzz/make_seeds.sh [OUTDIR]        # default: fuzz/corpus/board
#
# Seeds are plain files (never symlinks): a copy of every examples/*.board.json,
# then small hand-written boards — valid ones that reach every loader feature
# (repeated pins, extra_pins, format strings, variables of every type, error
# handlers, comments) and one board per validation rule of boards.md §1 that
# breaks exactly that rule, plus syntax errors, deep nesting and odd Unicode.
# The script is deterministic; commit its output.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$here/corpus/board}
mkdir -p "$out"

seed() { # seed NAME < content
    cat > "$out/$1"
}
# A board with the given nodes / connections / variables (JSON array bodies).
board() { # board NODES [CONNECTIONS] [VARIABLES]
    printf '{"format": "weir-board/1", "id": "seed", "variables": [%s],\n "nodes": [%s],\n "connections": [%s]}\n' \
        "${3:-}" "$1" "${2:-}"
}
start='{"id": "start", "type": "events_simple"}'

# ---- the examples, copied --------------------------------------------------
for f in "$root"/examples/*.board.json; do
    [ -e "$f" ] || continue
    cp --dereference "$f" "$out/example_$(basename "$f")"
done

# ---- valid boards ------------------------------------------------------------
seed valid_spec_example.json <<'EOF'
{
  "format": "weir-board/1",
  "id": "hello", "name": "Hello", "description": "", "version": "1.0.0",
  "variables": [
    {"id": "count", "name": "count", "type": "integer", "value_type": "normal",
     "default": 0, "exposed": true, "secret": false}
  ],
  "nodes": [
    {"id": "start", "type": "events_simple", "x": 0, "y": 0},
    {"id": "seq",   "type": "control_sequence", "pin_counts": {"exec_out": 3}},
    {"id": "say",   "type": "log_info", "inputs": {"message": "hi there"}},
    {"id": "get",   "type": "http_fetch", "handle_errors": true}
  ],
  "connections": [
    {"from": "start.exec_out",   "to": "seq.exec_in"},
    {"from": "seq.exec_out#2",   "to": "say.exec_in"}
  ],
  "comments": [{"id": "c1", "text": "…", "x": 0, "y": -80, "w": 200, "h": 60}]
}
EOF

board "$start"',
  {"id": "seq", "type": "control_sequence", "pin_counts": {"exec_out": 4}},
  {"id": "par", "type": "control_par_execution", "pin_counts": {"exec_out": 3}},
  {"id": "g", "type": "control_gather", "pin_counts": {"exec_in": 3}},
  {"id": "and", "type": "bool_and", "pin_counts": {"boolean": 5}, "inputs": {"boolean#1": true, "boolean#5": false}},
  {"id": "eq", "type": "equal_string", "pin_counts": {"string": 3}, "inputs": {"string": "a", "string#2": "a", "string#3": "b"}},
  {"id": "br", "type": "control_branch"},
  {"id": "l1", "type": "log_info"}, {"id": "l2", "type": "log_info"}' \
'{"from": "start.exec_out", "to": "seq.exec_in"},
  {"from": "seq.exec_out#1", "to": "par.exec_in"},
  {"from": "par.exec_out#1", "to": "g.exec_in#1"},
  {"from": "par.exec_out#2", "to": "g.exec_in#2"},
  {"from": "par.exec_out#3", "to": "g.exec_in#3"},
  {"from": "seq.exec_out#4", "to": "br.exec_in"},
  {"from": "and.result", "to": "br.condition"},
  {"from": "eq.equal", "to": "l1.message"},
  {"from": "br.true", "to": "l1.exec_in"},
  {"from": "br.false", "to": "l2.exec_in"}' | seed valid_repeated_pins.json

board '{"id": "ev", "type": "events_generic", "extra_pins": [
     {"name": "user", "direction": "out", "type": "string", "value_type": "normal"},
     {"name": "count", "type": "integer"},
     {"name": "tags", "type": "string", "value_type": "array"},
     {"name": "meta", "type": "struct", "value_type": "map"},
     {"name": "any"}]},
  {"id": "say", "type": "log_info"},
  {"id": "add", "type": "float_add", "inputs": {"float2": 0.5}},
  {"id": "ret", "type": "return_result"}' \
'{"from": "ev.exec_out", "to": "say.exec_in"},
  {"from": "ev.user", "to": "say.message"},
  {"from": "ev.count", "to": "add.float1"},
  {"from": "say.exec_out", "to": "ret.exec_in"},
  {"from": "add.sum", "to": "ret.result"}' | seed valid_extra_pins.json

board "$start"',
  {"id": "fmt", "type": "string_format", "inputs": {"format_string": "{name} has {count} {{items}}, {name} again, {a_1}{B2}", "count": 3, "a_1": null}},
  {"id": "odd", "type": "string_format", "inputs": {"format_string": "unclosed { brace, }} lone, {{{x}}} {"}},
  {"id": "n", "type": "variable_get", "inputs": {"var_ref": "who"}},
  {"id": "say", "type": "log_info"}' \
'{"from": "start.exec_out", "to": "say.exec_in"},
  {"from": "n.value_ref", "to": "fmt.name"},
  {"from": "fmt.formatted_string", "to": "say.message"}' \
'{"id": "who", "type": "string", "default": "weir", "exposed": true}' | seed valid_format_string.json


board "$start"',
  {"id": "set", "type": "variable_set", "inputs": {"var_ref": "s", "value_in": "v"}},
  {"id": "get", "type": "variable_get", "inputs": {"var_ref": "secret_name"}}' \
'{"from": "start.exec_out", "to": "set.exec_in"}' \
'{"id": "s", "type": "string", "value_type": "normal", "default": "x", "exposed": true, "secret": false},
  {"id": "i", "type": "integer", "default": -9223372036854775808},
  {"id": "f", "type": "float", "default": 1.7976931348623157e308},
  {"id": "f2", "type": "float", "default": -0.0},
  {"id": "b", "type": "boolean", "default": true},
  {"id": "d", "type": "date", "default": "2024-02-29T23:59:60Z"},
  {"id": "by", "type": "bytes", "default": "aGVsbG8="},
  {"id": "st", "type": "struct", "default": {"a": {"b": [1, 2, {"c": null}]}}},
  {"id": "g", "type": "generic", "default": null},
  {"id": "arr", "type": "integer", "value_type": "array", "default": [1, 2, 3]},
  {"id": "map", "type": "string", "value_type": "map", "default": {"k": "v"}},
  {"id": "set", "type": "string", "value_type": "set", "default": ["a", "b"]},
  {"id": "sec", "name": "secret_name", "type": "string", "default": "hunter2", "secret": true}' | seed valid_variables.json

board "$start"',
  {"id": "get", "type": "http_fetch", "handle_errors": true},
  {"id": "req", "type": "http_make_request", "inputs": {"method": "POST", "url": "http://127.0.0.1:1/"}},
  {"id": "err", "type": "log_error"},
  {"id": "ok", "type": "log_info"}' \
'{"from": "start.exec_out", "to": "get.exec_in"},
  {"from": "req.request", "to": "get.request"},
  {"from": "get.auto_handle_error", "to": "err.exec_in"},
  {"from": "get.auto_handle_error_string", "to": "err.message"},
  {"from": "get.exec_success", "to": "ok.exec_in"}' | seed valid_error_handler.json

board "$start"',
  {"id": "fe", "type": "control_for_each", "inputs": {"array": [1, "two", 3.0, null, [4], {"five": 5}]}},
  {"id": "wl", "type": "control_while_loop", "inputs": {"condition": true, "max_iter": 3}},
  {"id": "dn", "type": "control_do_n", "inputs": {"n": 2}},
  {"id": "say", "type": "log_info"},
  {"id": "to", "type": "control_timeout", "inputs": {"timeout_ms": 10.5}},
  {"id": "d", "type": "delay", "inputs": {"time": 1}},
  {"id": "r", "type": "reroute"}' \
'{"from": "start.exec_out", "to": "fe.exec_in"},
  {"from": "fe.exec_out", "to": "say.exec_in"},
  {"from": "fe.value", "to": "r.route_in"},
  {"from": "r.route_out", "to": "say.message"},
  {"from": "fe.done", "to": "wl.exec_in"},
  {"from": "wl.done", "to": "dn.exec_in"},
  {"from": "dn.then", "to": "to.exec_in"},
  {"from": "to.exec_body", "to": "d.exec_in"}' | seed valid_loops.json

board "$start"',
  {"id": "a", "type": "int_add", "inputs": {"integer1": 9223372036854775807, "integer2": 1}},
  {"id": "m", "type": "int_multiply"},
  {"id": "lt", "type": "int_less_than"},
  {"id": "f", "type": "float_multiply", "inputs": {"float1": 1e-320, "float2": 2.5E+10}},
  {"id": "e", "type": "eval", "inputs": {"expression": "((1+2)*3)/-0.0"}},
  {"id": "sg", "type": "struct_get", "inputs": {"struct": {"items": [{"name": "n"}]}, "field": "items[0].name"}},
  {"id": "ss", "type": "string_split", "inputs": {"string": "a,b,,c", "separator": ","}},
  {"id": "sj", "type": "string_join", "inputs": {"separator": "-"}},
  {"id": "al", "type": "array_length"},
  {"id": "vs", "type": "val_to_string", "inputs": {"pretty": false}}' \
'{"from": "a.sum", "to": "m.integer1"},
  {"from": "m.product", "to": "lt.integer1"},
  {"from": "ss.substrings", "to": "sj.strings"},
  {"from": "ss.substrings", "to": "al.array"},
  {"from": "al.length", "to": "lt.integer2"},
  {"from": "f.product", "to": "vs.value"}' | seed valid_pure_math.json

seed valid_comments_unknown_keys.json <<'EOF'
{"format": "weir-board/1", "id": "keys", "future_field": {"nested": [1, 2]}, "zzz": 1, "aaa": 0,
 "nodes": [{"extra": true, "type": "events_simple", "id": "s", "y": -1.5e3, "x": 1.2345678901234567e19}],
 "comments": [{"h": 1, "id": "c2", "text": ""}, {"id": "c1", "text": "line\nbreak\ttab \"quoted\" \\ slash \/"}],
 "connections": [], "variables": [], "version": "", "description": "d", "name": "n"}
EOF

# ---- odd Unicode -------------------------------------------------------------
seed valid_unicode_ids.json <<'EOF'
{"format": "weir-board/1", "id": "ünï\u00e7ødé ☃ 😀 \ud83d\ude00 עברית e\u0301 \u200b\ufeff",
 "nodes": [{"id": "𝓈𝓉𝒶𝓇𝓉", "type": "events_simple"},
           {"id": "з а·1", "type": "log_info", "inputs": {"message": "\u0001\u001f \u2028\u2029 \uffff"}},
           {"id": "日本", "type": "string_format", "inputs": {"format_string": "{名前} {ok}"}}],
 "connections": [{"from": "𝓈𝓉𝒶𝓇𝓉.exec_out", "to": "з а·1.exec_in"}]}
EOF
printf '\xef\xbb\xbf{"format": "weir-board/1", "id": "bom", "nodes": [{"id": "s", "type": "events_simple"}]}\n' | seed bad_bom.json
printf '{"format": "weir-board/1", "id": "bad\xff\xfeutf8 \xc0\xaf \xed\xa0\x80", "name": "lone \\ud800 surrogate", "nodes": [{"id": "s", "type": "events_simple"}]}\n' | seed bad_utf8.json
printf '{"format": "weir-board/1", "id": "nul\0inside", "nodes": [{"id": "s", "type": "events_simple"}]}\n' | seed bad_nul_byte.json

# ---- syntax and shape --------------------------------------------------------
printf '{"format": "weir-board/1", "format": "weir-board/1", "id": "dup", "nodes": []}\n' | seed bad_duplicate_key.json
printf '{"format": "weir-board/2", "id": 7, "name": [], "nodes": {"s": {"type": "events_simple"}}, "connections": {}, "variables": "x", "comments": 1}\n' | seed bad_wrong_types.json
board '{"id": 1, "type": "events_simple"}, {"id": "a", "type": 2}, {"id": "b", "type": "log_info", "inputs": ["message"], "x": "0", "handle_errors": "yes", "pin_counts": []}, "node", null' \
      '{"from": 1, "to": "a.exec_in"}, ["a", "b"], {"from": "a", "to": "b."}, {"from": "a.x#0", "to": "b.y#abc"}' \
      '{"id": ""}, 3, {"id": "v", "type": "execution"}, {"id": "w", "type": "string", "value_type": "list", "exposed": 1}' | seed bad_wrong_types_nodes.json

# ---- one board per validation rule (boards.md §1) ----------------------------
board "$start"', {"id": "start", "type": "log_info"}' '' '{"id": "v", "type": "string"}, {"id": "v", "type": "integer"}' | seed rule_duplicate_id.json
board "$start"', {"id": "x", "type": "no_such_node"}, {"id": "p", "type": "pkg:some.package/node"}' | seed rule_unknown_node_type.json
board "$start"', {"id": "say", "type": "log_info", "inputs": {"nope": 1}}' '{"from": "start.exec_out", "to": "say.exec_nope"}' | seed rule_unknown_pin.json
board "$start"', {"id": "say", "type": "log_info"}' '{"from": "say.exec_in", "to": "start.exec_out"}' | seed rule_wrong_direction.json
board "$start"', {"id": "say", "type": "log_info"}, {"id": "n", "type": "int_add"}, {"id": "b", "type": "bool_not"}' \
      '{"from": "start.exec_out", "to": "say.message"}, {"from": "n.sum", "to": "b.boolean"}' | seed rule_type_mismatch.json
board "$start"', {"id": "a", "type": "int_add"}, {"id": "b", "type": "int_add"}, {"id": "c", "type": "int_add"}' \
      '{"from": "a.sum", "to": "c.integer1"}, {"from": "b.sum", "to": "c.integer1"}' | seed rule_multiple_sources.json
board "$start"', {"id": "a", "type": "log_info"}, {"id": "b", "type": "log_info"}' \
      '{"from": "start.exec_out", "to": "a.exec_in"}, {"from": "start.exec_out", "to": "b.exec_in"}' | seed rule_exec_fanout.json
board "$start"', {"id": "a", "type": "log_info"}' '{"from": "a.exec_out", "to": "a.exec_in"}' | seed rule_self_connection.json
board "$start"', {"id": "a", "type": "int_add"}, {"id": "b", "type": "int_add"}, {"id": "c", "type": "reroute"}' \
      '{"from": "a.sum", "to": "b.integer1"}, {"from": "b.sum", "to": "c.route_in"}, {"from": "c.route_out", "to": "a.integer1"}' | seed rule_data_cycle.json
board "$start"', {"id": "g", "type": "variable_get", "inputs": {"var_ref": "missing"}}, {"id": "s", "type": "variable_set"}' | seed rule_unknown_variable.json
board "$start"', {"id": "a", "type": "int_add", "inputs": {"integer1": 1.5, "integer2": "2"}}, {"id": "q", "type": "control_sequence", "pin_counts": {"exec_out": 0}}' \
      '' '{"id": "v", "type": "date", "default": "yesterday"}, {"id": "w", "type": "bytes", "default": "!!notbase64"}' | seed rule_bad_value.json
board '{"id": "say", "type": "log_info"}' | seed rule_no_start.json

# ---- size and depth ------------------------------------------------------------
deep() { # deep N: N nested arrays around 1
    local i; for ((i = 0; i < $1; i++)); do printf '['; done; printf 1
    for ((i = 0; i < $1; i++)); do printf ']'; done
}
board "$start"', {"id": "r", "type": "return_result", "inputs": {"result": '"$(deep 2000)"'}}' | seed deep_2000.json

nodes="$start" conns="" prev=start
for ((i = 0; i < 60; i++)); do
    nodes+=", {\"id\": \"n$i\", \"type\": \"log_info\", \"inputs\": {\"message\": $i}}"
    conns+="${conns:+, }{\"from\": \"$prev.exec_out\", \"to\": \"n$i.exec_in\"}"
    prev=n$i
done
board "$nodes" "$conns" | seed valid_chain_60.json

echo "make_seeds.sh: $(find "$out" -maxdepth 1 -type f | wc -l) files in $out"
