;; no weir_run export
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: abi_mismatch
(module (memory (export "memory") 1) (func (export "weir_alloc") (param i32) (result i32) (i32.const 0)))
