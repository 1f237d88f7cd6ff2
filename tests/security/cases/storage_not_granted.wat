;; requests storage, granted only http
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "capabilities": {"storage": ["read"]}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; grant: http
;; expect: capability_denied
(module
  (import "weir" "storage_read" (func $sread (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (i32.const 0)))
