//! Re-export the Wasmtime C API so that this crate's static library carries
//! every `wasm_*` / `wasmtime_*` / `wasi_*` symbol weir links against.
pub use wasmtime_c_api::*;
