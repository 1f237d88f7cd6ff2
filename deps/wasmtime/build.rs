//! Tell the CMake side where wasmtime-c-api-impl installed its headers
//! (configured for the features enabled in Cargo.toml).
fn main() {
    let include = std::env::var("DEP_WASMTIME_C_API_INCLUDE").expect("wasmtime-c-api-impl exports its include dir");
    let out = std::env::var("OUT_DIR").unwrap();
    std::fs::write(format!("{out}/../../../weir-wasmtime-include.txt"), include).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
