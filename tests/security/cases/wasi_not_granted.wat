;; requests WASI, not granted
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "capabilities": {"wasi": true}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: capability_denied
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (i32.const 0)))
