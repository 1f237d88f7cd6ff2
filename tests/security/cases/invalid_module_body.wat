;; a function body that does not type-check
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: invalid_module
(module (memory (export "memory") 1) (func (export "weir_alloc") (param i32) (result i32) (i64.const 0)) (func (export "weir_run") (param i32 i32 i32) (result i32) (i32.const 0)))
