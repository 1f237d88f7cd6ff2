//! Re-export the Wasmtime C API so that this crate's static library carries
//! every `wasm_*` / `wasmtime_*` / `wasi_*` symbol weir links against, plus
//! one addition the C API lacks: a store limiter that remembers whether it
//! refused a memory growth (node-abi.md §4.6: growth refused, then the node
//! fails → `memory_limit`). The C API's own `wasmtime_store_limiter` refuses
//! silently, so weir could only guess.
pub use wasmtime_c_api::*;

use wasmtime_c_api::wasmtime::{ResourceLimiter, Result};
use wasmtime_c_api::{wasmtime_store_t, WasmtimeStore};

// `wasmtime_store_t` is a wrapper whose only field is the store itself; the
// limiter needs the store. Same size means there is nothing but that field.
const _: () = assert!(std::mem::size_of::<wasmtime_store_t>() == std::mem::size_of::<WasmtimeStore>());
const _: () = assert!(std::mem::align_of::<wasmtime_store_t>() == std::mem::align_of::<WasmtimeStore>());

/// Limits of one invocation: memory bytes, table elements, one instance,
/// one memory, one table; `refused` is set when a memory growth past
/// `memory_bytes` was refused.
pub struct WeirLimiter {
    memory_bytes: usize,
    table_elements: usize,
    refused: bool,
}

impl ResourceLimiter for WeirLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        if desired > self.memory_bytes {
            self.refused = true;
            return Ok(false);
        }
        Ok(maximum.map_or(true, |m| desired <= m))
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        Ok(desired <= self.table_elements && maximum.map_or(true, |m| desired <= m))
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }
}

struct LimiterPtr(*mut WeirLimiter);
// The limiter is only touched by the thread running the store.
unsafe impl Send for LimiterPtr {}
unsafe impl Sync for LimiterPtr {}

/// Attach a new limiter to `store` and return it. Free it with
/// `weir_limiter_free` after `wasmtime_store_delete`.
///
/// # Safety
/// `store` must be a live store from `wasmtime_store_new`.
#[no_mangle]
pub unsafe extern "C" fn weir_store_limiter(
    store: *mut wasmtime_store_t,
    memory_bytes: usize,
    table_elements: usize,
) -> *mut WeirLimiter {
    let lim = Box::into_raw(Box::new(WeirLimiter { memory_bytes, table_elements, refused: false }));
    let ptr = LimiterPtr(lim);
    let store = &mut *(store as *mut WasmtimeStore);
    store.limiter(move |_| {
        let p = &ptr;
        &mut *p.0
    });
    lim
}

/// Whether the limiter refused a memory growth past its limit.
///
/// # Safety
/// `lim` comes from `weir_store_limiter` and was not freed.
#[no_mangle]
pub unsafe extern "C" fn weir_limiter_refused(lim: *const WeirLimiter) -> bool {
    (*lim).refused
}

/// Free a limiter (after its store is deleted).
///
/// # Safety
/// `lim` comes from `weir_store_limiter`; its store no longer exists.
#[no_mangle]
pub unsafe extern "C" fn weir_limiter_free(lim: *mut WeirLimiter) {
    if !lim.is_null() {
        drop(Box::from_raw(lim));
    }
}
