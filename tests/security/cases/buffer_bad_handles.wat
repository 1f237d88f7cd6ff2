;; buf_len / buf_read of handles never given return -1
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: ok
(module
  (import "weir" "buf_len" (func $buf_len (param i32) (result i32)))
  (import "weir" "buf_read" (func $buf_read (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (if (i32.ne (call $buf_len (i32.const 7)) (i32.const -1)) (then unreachable)) (if (i32.ne (call $buf_len (i32.const -3)) (i32.const -1)) (then unreachable)) (if (i32.ne (call $buf_read (i32.const 1) (i32.const 0) (i32.const 4)) (i32.const -1)) (then unreachable)) (i32.const 0)))
