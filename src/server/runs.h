/* runs.h — the one way a run comes to exist on the server, whoever starts it
 * (API, re-run, manual event, webhook, schedule): resolve the board version,
 * check the queue limit, persist the run, hand it to the executor. */
#ifndef WEIR_SRV_RUNS_H
#define WEIR_SRV_RUNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ids.h"

typedef struct server server;
typedef struct srv_req srv_req;

typedef struct run_spec {
    const char *app_id, *board_id;
    int64_t version;              /* 0: the latest */
    bool version_checked;         /* version is known to exist in the app (a cached event) */
    const char *event_id;         /* NULL: not from an event */
    const char *start_node;
    const char *on_restart;       /* NULL: "requeue" */
    const char *payload, *variables; /* JSON text or NULL */
    json_t *payload_json;         /* the payload parsed, when the caller has it (borrowed) */
    const char *created_by;
    const char *rerun_of;
    srv_req *waiter;              /* answer this request with the result (webhooks) */
} run_spec;

typedef enum run_create_rc {
    RUN_CREATED = 0,
    RUN_NO_BOARD = -1,      /* board or version not found in this app */
    RUN_QUEUE_FULL = -2,    /* max_queue_length reached */
    RUN_STORE_ERROR = -3,
} run_create_rc;

/* The version a run of board_id would pin: `version` when it exists in the
 * app, or the latest when version is 0. RUN_CREATED with *out set, or
 * RUN_NO_BOARD / RUN_STORE_ERROR with a message in err. */
run_create_rc runs_version(server *s, const char *app_id, const char *board_id, int64_t version, int64_t *out, char *err, size_t errlen);

/* Persist and start a run; fills run_id and *version (the version pinned).
 * When spec->waiter is set and the result comes later, the waiter is marked
 * deferred and answered by the executor. */
run_create_rc runs_create(server *s, const run_spec *spec, char run_id[ID_MAX], int64_t *version, char *err, size_t errlen);

/* The variables JSON text of a stored run (sealed at rest), malloc'd, or
 * NULL when there are none or they do not open (then the run must fail). */
char *runs_unseal_variables(server *s, const char *run_id, const char *sealed);

#endif
