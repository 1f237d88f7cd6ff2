/* limits.h — every limit weir enforces, in one place, each with its reason.
 * docs/limits.md lists them for users; a test exercises each at the edge. */
#ifndef WEIR_LIMITS_H
#define WEIR_LIMITS_H

/* Boards */
#define BOARD_MAX_BYTES        (16u * 1024 * 1024) /* a board file; larger is refused */
#define BOARD_MAX_NODES        100000u             /* nodes in one board */
#define BOARD_MAX_CONNECTIONS  400000u             /* connections in one board */
#define BOARD_MAX_VARIABLES    10000u
#define BOARD_MAX_PIN_COUNT    256                 /* copies of one repeated pin */
#define BOARD_MAX_NODE_PINS    1024                /* pins of one node, repeated, extra and format pins included */
#define BOARD_MAX_ID_LEN       256                 /* node / variable / comment ids */
#define BOARD_MAX_ERRORS       1000                /* validation errors reported; the rest counted */

/* Runs */
#define RUN_MAX_NODE_EXECUTIONS 100000u            /* per node per run: loop_limit (boards.md §2.6) */
#define RUN_DEFAULT_TIMEOUT_MS  3600000u           /* wall-clock limit of a run: 1 hour */
#define RUN_MAX_CALL_DEPTH      512                /* nested bodies (loops, sequences, pure reads): depth_limit */
#define RUN_MAX_WORKERS         64                 /* threads in the parallel branch pool */
#define RUN_MAX_LOG_ENTRIES     10000u             /* log lines kept per run; then one truncation line */
#define RUN_MAX_LOG_BYTES       (1024u * 1024)     /* bytes of log messages kept per run */
#define RUN_MAX_TRACE_ENTRIES   100000u            /* trace entries kept per run; then trace_truncated */
#define RUN_TRACE_MAX_VALUE_BYTES 4096u            /* one traced input/output as compact JSON; larger: {truncated, bytes, preview} */
#define RUN_TRACE_PREVIEW_BYTES 256u               /* preview of a value over RUN_TRACE_MAX_VALUE_BYTES */
#define RUN_TRACE_MAX_BYTES     (1024u * 1024)     /* traced values of one run together; then entries keep no values, trace_values_truncated */
#define RUN_MAX_PAYLOAD_BYTES   (16u * 1024 * 1024)

/* Catalog nodes */
#define HTTP_DEFAULT_TIMEOUT_MS 30000u             /* http_fetch: whole transfer */
#define HTTP_MAX_RESPONSE_BYTES (16u * 1024 * 1024)/* http_fetch response body */
#define HTTP_MAX_REDIRECTS      5
#define HTTP_MAX_URL_BYTES      8192u              /* http_fetch: a request or redirect URL */
#define HTTP_MAX_REQUEST_BYTES  (16u * 1024 * 1024)/* http_fetch request body */
#define HTTP_MAX_HEADER_BYTES   (256u * 1024)      /* http_fetch: all response header lines together */
#define HTTP_ABORT_POLL_MS      50                 /* how often a transfer checks cancellation / deadline */
#define STORAGE_MAX_FILE_BYTES  (64u * 1024 * 1024)/* read_to_string / write_string */
#define STORAGE_MAX_PATH_BYTES  4096u              /* a storage path (scoped_fs), bytes */
#define STORAGE_MAX_NAME_BYTES  255u               /* one component of a storage path (NAME_MAX) */
#define STORAGE_MAX_PATH_DEPTH  128u               /* components in a storage path; bounds open fds while listing */
#define STORAGE_MAX_LIST_ENTRIES 100000u           /* names one storage list may return */
#define STRING_MAX_BYTES        (64u * 1024 * 1024)/* any string a node builds */
#define EVAL_MAX_EXPRESSION     4096u              /* eval: expression length */
#define EVAL_MAX_DEPTH          64                 /* eval: nesting of parentheses / unary ops */
#define SCHEMA_MAX_DEPTH        64                 /* parse_with_schema: nesting of schemas */
#define JSON_REPAIR_MAX_DEPTH   512                /* repair_parse: nesting of arrays / objects */
#define STRUCT_MAX_PATH_STEPS   512                /* struct_get / struct_set: keys and [n] in one field path; bounds the nesting a path creates */
#define TEXT_MAX_NESTING        2048               /* val_to_string / string_format: nesting of a value written as JSON (recursion bound; jansson's parser limit) */
#define STRING_SPLIT_MAX_PARTS  1000000u           /* string_split: substrings in one result (each is a separate JSON string) */

/* Sandbox (WASM packages, node-abi.md). The *_DEFAULT_* / per-invocation
 * values are the defaults of sbx_policy (src/sandbox/policy.h); an operator
 * may change those. The SANDBOX_WASM_* bounds mirror Wasmtime's own parser
 * limits, so a module within them is not refused for its size by us alone. */
#define SANDBOX_MAX_MODULE_BYTES      (64u * 1024 * 1024) /* a .wasm package: invalid_module above */
#define SANDBOX_DEFAULT_FUEL          1000000000ull       /* fuel per invocation: fuel_exhausted */
#define SANDBOX_DEFAULT_MEMORY_BYTES  (64u * 1024 * 1024) /* guest linear memory: growth refused, memory_limit */
#define SANDBOX_DEFAULT_TIMEOUT_MS    30000u              /* wall clock per invocation, host calls included: timeout */
#define SANDBOX_DEFAULT_STACK_BYTES   (512u * 1024)       /* wasm stack: stack_overflow */
#define SANDBOX_MAX_MEMORY_BYTES      (1024ull * 1024 * 1024) /* the most linear memory an operator may allow (pool slot size) */
#define SANDBOX_MAX_INPUT_BYTES       (16u * 1024 * 1024) /* input JSON written into the guest: bad_input */
#define SANDBOX_MAX_OUTPUT_BYTES      (16u * 1024 * 1024) /* all outputs of one invocation together: bad_output */
#define SANDBOX_MAX_LOG_BYTES         (256u * 1024)       /* log bytes per invocation; the rest dropped, one truncation line kept */
#define SANDBOX_MAX_HTTP_BODY_BYTES   (16u * 1024 * 1024) /* http_request response body: -13 */
#define SANDBOX_MAX_STORAGE_FILE_BYTES (64u * 1024 * 1024)/* one storage file read or written: -13 */
#define SANDBOX_MAX_MANIFEST_BYTES    (1024u * 1024)      /* the weir.manifest section: invalid_manifest above */
#define SANDBOX_MAX_NODES             1024u               /* nodes in one package manifest */
#define SANDBOX_MAX_NODE_PINS         256u                /* pins of one package node */
#define SANDBOX_MAX_CAP_ENTRIES       256u                /* entries of one capability list (hosts, methods, secrets) */
#define SANDBOX_MAX_TEXT_BYTES        4096u               /* a manifest text field: version, license, description, friendly_name, category */
#define SANDBOX_MAX_HOST_BYTES        253u                /* an http host pattern, "*." excluded (DNS name length) */
#define SANDBOX_MAX_METHOD_BYTES      32u                 /* an http method token */
#define SANDBOX_MAX_SECRET_NAME_BYTES 128u                /* a secret name in capabilities.secrets */
#define SANDBOX_WASM_MAX_TYPES        1000000u            /* entries of the type section */
#define SANDBOX_WASM_MAX_FUNCS        1000000u            /* functions, imported and defined */
#define SANDBOX_WASM_MAX_IMPORTS      100000u             /* entries of the import section */
#define SANDBOX_WASM_MAX_EXPORTS      100000u             /* entries of the export section */
#define SANDBOX_WASM_MAX_PARAMS       1000u               /* parameters of one function type */
#define SANDBOX_WASM_MAX_RESULTS      1000u               /* results of one function type */
#define SANDBOX_WASM_MAX_MEMORIES     100u                /* memories, imported and defined */
#define SANDBOX_WASM_MAX_NAME_BYTES   100000u             /* one import, export or custom section name */

/* Schedules (src/base/cron.h, src/base/tzfile.h; docs/schedules.md) */
#define CRON_MAX_TEXT       256            /* bytes of a cron expression */
#define CRON_SEARCH_YEARS   8              /* cron_next gives up (-1) after this many calendar years; 8 because Feb 29 can be 8 years from the last (2096 -> 2104) */
#define TZ_MAX_NAME_BYTES   255u           /* a time zone name ("America/Argentina/Buenos_Aires") */
#define TZ_MAX_FILE_BYTES   (64u * 1024)   /* a TZif file; the largest real ones are ~4 KiB */
#define TZ_MAX_TIMES        2000u          /* transitions in one TZif data block (tzcode's own bound) */
#define TZ_MAX_TYPES        256u           /* local time types of a TZif file (the index is one byte) */
#define TZ_MAX_CHARS        512u           /* bytes of time zone abbreviations in a TZif file */
#define TZ_MAX_FOOTER_BYTES 256u           /* the POSIX TZ string of a TZif footer */

#endif
