;; secret_get of a secret the manifest does not list: -10
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "capabilities": {"secrets": ["API_KEY"]}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; grant: secrets
;; expect: ok
(module
  (import "weir" "secret_get" (func $secret (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "OTHER_SECRET")
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (if (i32.ne (call $secret (i32.const 0) (i32.const 12)) (i32.const -10)) (then unreachable)) (i32.const 0)))
