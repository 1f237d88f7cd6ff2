;; a load far outside memory
;; manifest: {"abi": 1, "package": {"id": "sec.case", "version": "1.0.0"}, "nodes": [{"name": "n", "pins": [{"name": "exec_in", "direction": "in", "type": "execution"}, {"name": "exec_out", "direction": "out", "type": "execution"}, {"name": "out", "direction": "out", "type": "string"}]}]}
;; expect: trap
(module
  
  (memory (export "memory") 1)
  
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  
  (func (export "weir_run") (param i32 i32 i32) (result i32) 
    (i32.load (i32.const 0xfffffff0))))
