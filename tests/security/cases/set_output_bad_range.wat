;; set_output with the JSON outside memory returns -1
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: ok
(module
  (import "weir" "set_output" (func $set_output (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "out")
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (if (i32.ne (call $set_output (i32.const 0) (i32.const 3) (i32.const 65530) (i32.const 100)) (i32.const -1)) (then unreachable)) (i32.const 0)))
