;; a module without a weir.manifest section
;; expect: invalid_manifest
(module (memory (export "memory") 1)
  (func (export "weir_alloc") (param i32) (result i32) (i32.const 8192))
  (func (export "weir_run") (param i32 i32 i32) (result i32) (i32.const 0)))
