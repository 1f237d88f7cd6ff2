;; call_indirect with the wrong signature
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: trap
(module
  
  (memory (export "memory") 1)
  
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  (type $t (func (result i32))) (type $u (func (param i64))) (func $f (param i64)) (table 1 funcref) (elem (i32.const 0) $f)
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (call_indirect (type $t) (i32.const 0))))
