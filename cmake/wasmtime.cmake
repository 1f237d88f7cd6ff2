# wasmtime.cmake — the Wasmtime C API as an imported static library.
#
# scripts/build-wasmtime.sh builds deps/wasmtime once per version of that
# crate (keyed by its Cargo.lock and sources) into a cache outside the clone
# (~/.cache/weir, or $WEIR_CACHE_DIR) and prints the directory; later
# configures, CI runs and sessions reuse it.
# -DWEIR_WASMTIME_PREBUILT=DIR uses a directory of the same layout instead
# (a packager's own build); it is not checked against deps/wasmtime.
set(WEIR_WASMTIME_PREBUILT "" CACHE PATH "use this Wasmtime build (lib/, include/) instead of building deps/wasmtime")
if(WEIR_WASMTIME_PREBUILT)
  set(WEIR_WASMTIME_DIR "${WEIR_WASMTIME_PREBUILT}")
  set(wasmtime_rc 0)
else()
  execute_process(
    COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/build-wasmtime.sh
    OUTPUT_VARIABLE WEIR_WASMTIME_DIR
    OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE wasmtime_rc)
endif()
if(NOT wasmtime_rc EQUAL 0 OR NOT EXISTS "${WEIR_WASMTIME_DIR}/lib/libweir_wasmtime.a")
  message(FATAL_ERROR "Wasmtime could not be built (scripts/build-wasmtime.sh exited ${wasmtime_rc})")
endif()
message(STATUS "Wasmtime C API: ${WEIR_WASMTIME_DIR}")

add_library(wasmtime STATIC IMPORTED GLOBAL)
set_target_properties(wasmtime PROPERTIES
  IMPORTED_LOCATION "${WEIR_WASMTIME_DIR}/lib/libweir_wasmtime.a"
  INTERFACE_INCLUDE_DIRECTORIES "${WEIR_WASMTIME_DIR}/include"
  INTERFACE_LINK_LIBRARIES "Threads::Threads;dl;m;rt")
# Re-run the build check when the crate changes.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/deps/wasmtime/Cargo.toml
  ${PROJECT_SOURCE_DIR}/deps/wasmtime/Cargo.lock
  ${PROJECT_SOURCE_DIR}/deps/wasmtime/src/lib.rs)
