;; an allow-list entry for loopback written as 0177.0.0.1 is refused at load
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "capabilities": {"http": {"hosts": ["0177.0.0.1"], "methods": ["GET"]}}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; grant: http
;; expect: invalid_manifest
(module
  (import "weir" "http_request" (func $http (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"method\": \"GET\", \"url\": \"http://0177.0.0.1/\"}")
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (if (i32.ne (call $http (i32.const 0) (i32.const 46)) (i32.const -10)) (then unreachable)) (i32.const 0)))
