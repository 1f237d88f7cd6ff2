# weir_check_manifest.cmake -- run by weir_add_wasm_package before embedding a
# manifest file: fails the build unless the file is a JSON object with
# "abi": 1, a "package" object with an "id", and a non-empty "nodes" array.
# The full schema check is tools/wasm_sections.py check (run on the result).
#
#   cmake -DWEIR_MANIFEST_FILE=manifest.json -P weir_check_manifest.cmake

if(NOT DEFINED WEIR_MANIFEST_FILE)
  message(FATAL_ERROR "usage: cmake -DWEIR_MANIFEST_FILE=FILE -P weir_check_manifest.cmake")
endif()
file(READ "${WEIR_MANIFEST_FILE}" text)
string(JSON type ERROR_VARIABLE err TYPE "${text}")
if(err OR NOT type STREQUAL "OBJECT")
  message(FATAL_ERROR "${WEIR_MANIFEST_FILE}: not a JSON object: ${err}")
endif()
string(JSON abi ERROR_VARIABLE err GET "${text}" abi)
if(err OR NOT abi STREQUAL "1")
  message(FATAL_ERROR "${WEIR_MANIFEST_FILE}: \"abi\" must be 1")
endif()
string(JSON id ERROR_VARIABLE err GET "${text}" package id)
if(err OR id STREQUAL "")
  message(FATAL_ERROR "${WEIR_MANIFEST_FILE}: \"package\": {\"id\": ...} is required")
endif()
string(JSON nodes ERROR_VARIABLE err LENGTH "${text}" nodes)
if(err OR nodes LESS 1)
  message(FATAL_ERROR "${WEIR_MANIFEST_FILE}: \"nodes\" must be a non-empty array")
endif()
