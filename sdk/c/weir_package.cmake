# weir_package.cmake -- build weir WebAssembly node packages from any CMake
# project, including weir's own gcc-based one: the rule calls Debian's clang
# for wasm32-wasi explicitly (CMake's C compiler is not involved).
#
#   include(sdk/c/weir_package.cmake)
#   weir_add_wasm_package(NAME SOURCES... [MANIFEST file.json] [NO_LIBC]
#                         [C_FLAGS flag...] [LINK_FLAGS flag...]
#                         [INCLUDE_DIRS dir...] [DEPENDS file...])
#
# builds ${CMAKE_BINARY_DIR}/packages/NAME.wasm (a custom command, with a
# target `weir_package_NAME` in ALL whose property WEIR_WASM_FILE is the path).
#
#   SOURCES      the package's .c files (relative to the current source dir);
#                the words after NAME up to the first keyword count too.
#   MANIFEST     a JSON file embedded byte for byte as the `weir.manifest`
#                custom section (checked to be JSON with abi 1 and nodes
#                first). Leave it out when a source uses WEIR_MANIFEST(...).
#   NO_LIBC      link no libc at all (-nostdlib -fno-builtin); the SDK needs
#                none. Without it the module links wasi-libc as a reactor, which
#                adds no import as long as the package does no I/O.
#   C_FLAGS, LINK_FLAGS, INCLUDE_DIRS   extra clang flags / -Wl flags / -I dirs.
#   DEPENDS      extra files that should trigger a rebuild (the package's own
#                headers; weir_node.h is always a dependency).
#
# Every package is compiled with -O2 -std=c17 -Wall -Wextra -Werror -Wshadow
# -Wstrict-prototypes (WEIR_WASM_OPT changes -O2) and linked with the shadow
# stack first in memory (--stack-first: overflowing it traps instead of
# overwriting data) and without debug sections. When python3 is found, the
# result is checked with tools/wasm_sections.py (manifest present and valid,
# imports allowed by its capabilities, exports right) before it is installed.
#
# Needs: clang, lld (wasm-ld), wasi-libc and libclang-rt-14-dev-wasm32 (Debian
# package names). Configuring fails with a message naming what is missing.

include_guard(GLOBAL)

set(WEIR_SDK_DIR "${CMAKE_CURRENT_LIST_DIR}" CACHE INTERNAL "weir C SDK directory")
set(WEIR_WASM_OPT "-O2" CACHE STRING "Optimisation flag for weir WebAssembly packages")

# Finds clang and checks that it can link a wasm32-wasi reactor; FATAL_ERROR
# with what to install otherwise. The result is cached per clang path.
function(_weir_wasm_toolchain)
  find_program(WEIR_WASM_CLANG NAMES clang clang-14 clang-15 clang-16 clang-17 clang-18 clang-19
               DOC "clang used to build weir WebAssembly packages")
  set(install_hint "On Debian: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32 (or point WEIR_WASM_CLANG at a clang that has a wasm32-wasi sysroot).")
  if(NOT WEIR_WASM_CLANG)
    message(FATAL_ERROR "weir packages: clang not found. ${install_hint}")
  endif()
  if(WEIR_WASM_TOOLCHAIN_CHECKED STREQUAL WEIR_WASM_CLANG)
    return()
  endif()
  set(dir "${CMAKE_BINARY_DIR}/CMakeFiles/weir_wasm_probe")
  file(MAKE_DIRECTORY "${dir}")
  file(WRITE "${dir}/probe.c"
       "__attribute__((export_name(\"probe\"))) int probe(int x);\nint probe(int x) { return x + 1; }\n")
  execute_process(
    COMMAND "${WEIR_WASM_CLANG}" --target=wasm32-wasi -mexec-model=reactor -O2 -o "${dir}/probe.wasm" "${dir}/probe.c"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    # Say which piece is missing.
    execute_process(COMMAND "${WEIR_WASM_CLANG}" --target=wasm32-wasi -print-file-name=libc.a
                    OUTPUT_VARIABLE libc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND "${WEIR_WASM_CLANG}" --target=wasm32-wasi -print-libgcc-file-name
                    OUTPUT_VARIABLE rt OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND "${WEIR_WASM_CLANG}" --target=wasm32-wasi -print-prog-name=wasm-ld
                    OUTPUT_VARIABLE ld OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    set(what "")
    if(NOT IS_ABSOLUTE "${libc}" OR NOT EXISTS "${libc}")
      string(APPEND what " wasi-libc (the wasm32-wasi sysroot) is missing.")
    endif()
    if(NOT EXISTS "${rt}")
      string(APPEND what " The wasm32 compiler runtime (libclang-rt-14-dev-wasm32) is missing.")
    endif()
    find_program(_weir_wasm_ld NAMES wasm-ld wasm-ld-14 "${ld}")
    if(NOT _weir_wasm_ld)
      string(APPEND what " wasm-ld (lld) is missing.")
    endif()
    message(FATAL_ERROR "weir packages: ${WEIR_WASM_CLANG} cannot build a wasm32-wasi module.${what}\n"
                        "${install_hint}\nclang said:\n${err}")
  endif()
  set(WEIR_WASM_TOOLCHAIN_CHECKED "${WEIR_WASM_CLANG}" CACHE INTERNAL "clang checked for wasm32-wasi")
endfunction()

function(weir_add_wasm_package NAME)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_LIBC" "MANIFEST"
                        "SOURCES;C_FLAGS;LINK_FLAGS;INCLUDE_DIRS;DEPENDS")
  _weir_wasm_toolchain()
  if(NOT NAME MATCHES "^[A-Za-z0-9_.-]+$")
    message(FATAL_ERROR "weir_add_wasm_package: bad package name '${NAME}'")
  endif()
  set(sources ${ARG_UNPARSED_ARGUMENTS} ${ARG_SOURCES})
  if(NOT sources)
    message(FATAL_ERROR "weir_add_wasm_package(${NAME}): no sources")
  endif()
  set(abs_sources "")
  foreach(src IN LISTS sources)
    get_filename_component(abs "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND abs_sources "${abs}")
  endforeach()
  set(abs_depends "${WEIR_SDK_DIR}/weir_node.h")
  foreach(dep IN LISTS ARG_DEPENDS)
    get_filename_component(abs "${dep}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND abs_depends "${abs}")
  endforeach()

  set(work "${CMAKE_CURRENT_BINARY_DIR}/weir_package_${NAME}")
  set(out_dir "${CMAKE_BINARY_DIR}/packages")
  set(out "${out_dir}/${NAME}.wasm")
  set(tmp "${work}/${NAME}.wasm")
  file(MAKE_DIRECTORY "${work}")

  set(flags --target=wasm32-wasi ${WEIR_WASM_OPT} -std=c17 -Wall -Wextra -Werror -Wshadow
            -Wstrict-prototypes "-I${WEIR_SDK_DIR}")
  foreach(inc IN LISTS ARG_INCLUDE_DIRS)
    get_filename_component(abs "${inc}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND flags "-I${abs}")
  endforeach()
  list(APPEND flags ${ARG_C_FLAGS})
  if(ARG_NO_LIBC)
    list(APPEND flags -nostdlib -fno-builtin -Wl,--no-entry)
  else()
    list(APPEND flags -mexec-model=reactor)
  endif()
  list(APPEND flags -Wl,--stack-first -Wl,-z,stack-size=65536 -Wl,--strip-debug)
  foreach(lf IN LISTS ARG_LINK_FLAGS)
    list(APPEND flags "-Wl,${lf}")
  endforeach()

  set(pre_commands "")
  set(manifest_inputs "")
  if(ARG_MANIFEST)
    get_filename_component(manifest "${ARG_MANIFEST}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT EXISTS "${manifest}")
      message(FATAL_ERROR "weir_add_wasm_package(${NAME}): manifest ${manifest} does not exist")
    endif()
    # An assembler file that places the JSON file's bytes, unchanged, in the
    # custom section (.incbin: no escaping, no NUL terminator).
    string(REPLACE "\\" "\\\\" incbin_path "${manifest}")
    string(REPLACE "\"" "\\\"" incbin_path "${incbin_path}")
    file(GENERATE OUTPUT "${work}/manifest.s" CONTENT
         "\t.section .custom_section.weir.manifest,\"\",@\n\t.incbin \"${incbin_path}\"\n")
    list(APPEND manifest_inputs "${work}/manifest.s")
    list(APPEND abs_depends "${manifest}")
    set(pre_commands COMMAND "${CMAKE_COMMAND}" "-DWEIR_MANIFEST_FILE=${manifest}"
                             -P "${WEIR_SDK_DIR}/weir_check_manifest.cmake")
  endif()

  find_program(WEIR_PYTHON3 NAMES python3 DOC "python3 for checking weir packages (optional)")
  set(check_commands "")
  if(WEIR_PYTHON3)
    set(check_commands COMMAND "${WEIR_PYTHON3}" "${WEIR_SDK_DIR}/tools/wasm_sections.py" check "${tmp}")
  endif()

  add_custom_command(
    OUTPUT "${out}"
    ${pre_commands}
    COMMAND "${WEIR_WASM_CLANG}" ${flags} -o "${tmp}" ${abs_sources} ${manifest_inputs}
    ${check_commands}
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${out_dir}"
    COMMAND "${CMAKE_COMMAND}" -E copy "${tmp}" "${out}"
    DEPENDS ${abs_sources} ${abs_depends} ${manifest_inputs}
            "${WEIR_SDK_DIR}/tools/wasm_sections.py" "${WEIR_SDK_DIR}/weir_check_manifest.cmake"
    COMMENT "Building WebAssembly package ${NAME}.wasm"
    VERBATIM)
  add_custom_target(weir_package_${NAME} ALL DEPENDS "${out}")
  set_target_properties(weir_package_${NAME} PROPERTIES WEIR_WASM_FILE "${out}")
endfunction()
