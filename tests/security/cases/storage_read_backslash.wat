;; a backslash path
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "capabilities": {"storage": ["read", "write", "list", "delete"]}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; grant: storage
;; storage: yes
;; expect: ok
(module
  (import "weir" "storage_read" (func $sread (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "..\\outside.txt")
  (data (i32.const 200) "data")
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (if (i32.ne (call $sread (i32.const 0) (i32.const 14)) (i32.const -20)) (then unreachable)) (i32.const 0)))
