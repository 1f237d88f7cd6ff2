;; a refused growth is not an error by itself: the node copes and succeeds
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; policy: {"memory_mb": 16}
;; expect: ok
(module
  (memory (export "memory") 1)
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  (func (export "weir_run") (param i32 i32 i32) (result i32)
    (if (i32.ne (memory.grow (i32.const 2000)) (i32.const -1)) (then unreachable))
    (i32.const 0)))
