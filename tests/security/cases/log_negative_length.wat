;; log with a length of -1 (4 GiB)
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: bad_output
(module
  (import "weir" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (call $log (i32.const 1) (i32.const 0) (i32.const -1)) (i32.const 0)))
