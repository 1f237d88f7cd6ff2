;; random_fill past the end of memory returns -1
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: ok
(module
  (import "weir" "random_fill" (func $random_fill (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (if (i32.ne (call $random_fill (i32.const 65000) (i32.const 1000)) (i32.const -1)) (then unreachable)) (i32.const 0)))
