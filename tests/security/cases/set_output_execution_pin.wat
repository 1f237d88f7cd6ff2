;; set_output to an execution pin: -2
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: bad_output
(module
  (import "weir" "set_output" (func $set_output (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "exec_out")
  (data (i32.const 16) "42")
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (if (i32.ne (call $set_output (i32.const 0) (i32.const 8) (i32.const 16) (i32.const 2)) (i32.const -2)) (then unreachable)) (i32.const 0)))
