;; a node writing more log than allowed: the rest dropped, one truncation line
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; policy: {"log_bytes": 1000}
;; expect-log: log truncated
;; expect: ok
(module
  (import "weir" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (local i32) (loop $l (call $log (i32.const 1) (i32.const 0) (i32.const 100)) (local.set 3 (i32.add (local.get 3) (i32.const 1))) (br_if $l (i32.lt_u (local.get 3) (i32.const 1000)))) (i32.const 0)))
