;; a well-behaved node: one output, one activation
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect-output: {"out": "hi"}
;; expect: ok
(module
  (import "weir" "set_output" (func $set_output (param i32 i32 i32 i32) (result i32)))
  (import "weir" "activate" (func $activate (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "out")
  (data (i32.const 16) "\"hi\"")
  (data (i32.const 32) "exec_out")
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (drop (call $set_output (i32.const 0) (i32.const 3) (i32.const 16) (i32.const 4))) (drop (call $activate (i32.const 32) (i32.const 8))) (i32.const 0)))
