;; loopback as a decimal integer
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "capabilities": {"http": {"hosts": ["api.example.com"], "methods": ["GET"]}}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; grant: http
;; expect: ok
(module
  (import "weir" "http_request" (func $http (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"method\": \"GET\", \"url\": \"http://2130706433/\"}")
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (if (i32.ne (call $http (i32.const 0) (i32.const 46)) (i32.const -10)) (then unreachable)) (i32.const 0)))
