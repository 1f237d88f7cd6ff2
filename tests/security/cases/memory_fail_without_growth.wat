;; a node that fails without ever being refused memory is node_failed, not memory_limit
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; policy: {"memory_mb": 1}
;; expect: node_failed
(module
  (memory (export "memory") 15)
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  (func (export "weir_run") (param i32 i32 i32) (result i32) (i32.const 1)))
