/* exec.c — see exec.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/jsontext.h"
#include "base/strbuf.h"
#include "board/board.h"
#include "engine/engine.h"
#include "server/exec.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/runs.h"
#include "server/srv.h"
#include "server/sse.h"
#include "store/queue.h"

#define EXEC_STOP_GRACE_MS 10000  /* running runs get this long to end at shutdown */

typedef struct plan_entry {
    char board_id[ID_MAX];
    int64_t version;
    plan *p;
    bool inline_ok;      /* straight-line: may run on the HTTP thread (exec_run_inline) */
    int refs;
    uint64_t last_use;
} plan_entry;

typedef struct slot {
    char run_id[ID_MAX];
    run *r;
    bool busy;           /* inline slots: taken by an HTTP thread */
} slot;

struct executor {
    server *s;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    exec_job *head, *tail;     /* handed off, not started */
    int64_t nlocal;
    exec_job *waiting;         /* jobs with a waiting webhook (linked by wnext via array below) */
    bool wake;
    bool stop;
    int nworkers;
    pthread_t *threads;
    slot *slots;
    slot *inline_slots;        /* runs executing on HTTP threads */
    int ninline;
    _Atomic int64_t running;
    _Atomic int64_t recording;   /* inline runs whose row is on its way to the store */

    pthread_mutex_t plan_mu;
    plan_entry plans[EXEC_PLAN_CACHE_MAX];
    uint64_t tick;

    /* jobs whose webhook waits, for exec_expire_waiters */
    exec_job **waiters;
    size_t nwaiters, capwaiters;
};

exec_job *exec_job_new(void) { return calloc(1, sizeof(exec_job)); }

void exec_job_free(exec_job *j) {
    if (!j) return;
    free(j->start_node);
    free(j->payload);
    free(j->variables);
    free(j);
}

/* ---- plans ------------------------------------------------------------------------ */

/* Node types that finish in bounded time without waiting on anything: a
 * plan made only of these may run on the HTTP thread that received it
 * (a waiting webhook then costs no thread hand-off). Loops, parallel
 * branches, delays, network, files and package nodes always go to a worker. */
static bool node_inline_ok(const char *type) {
    static const char *const ok[] = {
        "events_simple", "events_generic", "return_result", "control_branch", "control_sequence", "control_gate",
        "control_do_once", "control_flip_flop", "reroute", "variable_get", "variable_set", "struct_make", "struct_get",
        "struct_set", "int_add", "int_subtract", "int_multiply", "int_less_than", "int_equal", "float_add",
        "float_multiply", "bool_and", "bool_not", "eval", "string_format", "string_join", "string_contains",
        "equal_string", "val_to_string", "array_length", "array_push", "array_get", "http_make_request",
        "http_response_to_json", "log_info", "log_error", "utils_datetime_now", "parse_with_schema", NULL};
    for (const char *const *k = ok; *k; k++)
        if (!strcmp(*k, type)) return true;
    return false;
}

static bool plan_inline_ok(const plan *p) {
    for (uint32_t i = 0; i < p->nnodes; i++)
        if (!node_inline_ok(p->nodes[i].type)) return false;
    return true;
}

/* A compiled plan of one board version, loaded from the store on first use. */
static plan_entry *plan_get(executor *x, const char *board_id, int64_t version, char *err, size_t n) {
    server *s = x->s;
    pthread_mutex_lock(&x->plan_mu);
    for (int i = 0; i < EXEC_PLAN_CACHE_MAX; i++) {
        plan_entry *e = &x->plans[i];
        if (e->p && e->version == version && !strcmp(e->board_id, board_id)) {
            e->refs++;
            e->last_use = ++x->tick;
            pthread_mutex_unlock(&x->plan_mu);
            return e;
        }
    }
    pthread_mutex_unlock(&x->plan_mu);

    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(board_id), DB_INT(version)};
    int rc = db_exec(s->db, "SELECT body FROM board_versions WHERE board_id = $1 AND version = $2", p, 2, &rows, &e);
    if (rc < 0 || db_rows_count(rows) != 1) {
        db_rows_free(rows);
        snprintf(err, n, rc < 0 ? "the store could not be read" : "the board version no longer exists");
        return NULL;
    }
    const char *body = db_rows_text(rows, 0, 0);
    board_errors errs = {0};
    plan *pl = board_load(body, strlen(body), s->cat, &errs);
    db_rows_free(rows);
    if (!pl) {
        snprintf(err, n, "the board no longer loads: %s", errs.n ? errs.items[0].message : "invalid");
        board_errors_free(&errs);
        return NULL;
    }
    pthread_mutex_lock(&x->plan_mu);
    /* Another worker may have loaded it meanwhile; else take a free or the
     * least recently used idle slot. */
    plan_entry *victim = NULL;
    for (int i = 0; i < EXEC_PLAN_CACHE_MAX; i++) {
        plan_entry *c = &x->plans[i];
        if (c->p && c->version == version && !strcmp(c->board_id, board_id)) {
            c->refs++;
            c->last_use = ++x->tick;
            pthread_mutex_unlock(&x->plan_mu);
            plan_free(pl);
            return c;
        }
        if (c->refs == 0 && (!victim || !c->p || (victim->p && c->last_use < victim->last_use))) victim = c;
    }
    if (!victim) {
        /* every cached plan is in use: run this one uncached */
        pthread_mutex_unlock(&x->plan_mu);
        plan_entry *tmp = calloc(1, sizeof *tmp);
        if (!tmp) { plan_free(pl); snprintf(err, n, "out of memory"); return NULL; }
        tmp->p = pl;
        tmp->inline_ok = plan_inline_ok(pl);
        tmp->refs = -1;  /* marks an uncached entry */
        return tmp;
    }
    if (victim->p) plan_free(victim->p);
    str_copy(victim->board_id, sizeof victim->board_id, board_id);
    victim->version = version;
    victim->p = pl;
    victim->inline_ok = plan_inline_ok(pl);
    victim->refs = 1;
    victim->last_use = ++x->tick;
    pthread_mutex_unlock(&x->plan_mu);
    return victim;
}

static void plan_put(executor *x, plan_entry *e) {
    if (e->refs < 0) {
        plan_free(e->p);
        free(e);
        return;
    }
    pthread_mutex_lock(&x->plan_mu);
    e->refs--;
    pthread_mutex_unlock(&x->plan_mu);
}

/* ---- progress ---------------------------------------------------------------------- */

typedef struct run_ctx {
    server *s;
    const exec_job *job;
} run_ctx;

static void on_event(void *ud, const run_event *ev) {
    run_ctx *c = ud;
    sse_hub *h = c->s->hub;
    if (!sse_wanted(h, c->job->app_id, c->job->run_id)) return;
    json_t *d = json_pack("{s:s, s:s, s:I}", "run_id", c->job->run_id, "node", ev->node_id ? ev->node_id : "",
                          "at_us", (json_int_t)ev->at_us);
    const char *name = "log";
    if (ev->kind == EV_NODE_START) {
        name = "node_started";
        json_object_set_new(d, "type", json_string(ev->node_type ? ev->node_type : ""));
    } else if (ev->kind == EV_NODE_END) {
        name = "node_finished";
        json_object_set_new(d, "type", json_string(ev->node_type ? ev->node_type : ""));
        json_object_set_new(d, "status", json_string(ev->status ? ev->status : ""));
    } else {
        static const char *const lv[] = {"debug", "info", "warn", "error"};
        json_object_set_new(d, "level", json_string(ev->level >= 0 && ev->level < 4 ? lv[ev->level] : "info"));
        json_object_set_new(d, "message", json_string(ev->message ? ev->message : ""));
    }
    sse_publish(h, c->job->app_id, c->job->run_id, name, d);
}

/* ---- answering a waiting webhook --------------------------------------------------- */

/* Exactly one of the run's end and the wait's expiry answers the webhook. */
static bool claim_answer(exec_job *j) {
    int expected = 0;
    return j->waiter && atomic_compare_exchange_strong(&j->answered, &expected, 1);
}

static void answer_accepted(exec_job *j) {
    srv_req *r = j->waiter;
    srv_json(r, 202, json_pack("{s:s, s:s}", "run_id", j->run_id, "status", "running"));
    srv_header_add(r, "X-Weir-Run-Id", j->run_id);
    srv_deferred_ready(r);
}

/* result_text: the result's JSON text when it is already written (taken),
 * else result is written here. */
static void answer_result(srv_req *r, const char *run_id, const char *status, json_t *result, char *result_text, json_t *error) {
    if (!strcmp(status, "completed")) {
        if (result_text) srv_json_text(r, 200, result_text);
        else srv_json(r, 200, json_incref(result ? result : json_null()));
        result_text = NULL;
    } else {
        const char *msg = json_string_value(json_object_get(error, "message"));
        char code[48];
        snprintf(code, sizeof code, "run_%s", status);
        srv_problem(r, 502, code, "the run ended %s: %s", status, msg ? msg : "no message");
    }
    free(result_text);
    srv_header_add(r, "X-Weir-Run-Id", run_id);
    srv_deferred_ready(r);
}

static void waiters_remove(executor *x, exec_job *j) {
    pthread_mutex_lock(&x->mu);
    for (size_t i = 0; i < x->nwaiters; i++)
        if (x->waiters[i] == j) { x->waiters[i] = x->waiters[--x->nwaiters]; break; }
    pthread_mutex_unlock(&x->mu);
}

void exec_expire_waiters(executor *x, int64_t now) {
    pthread_mutex_lock(&x->mu);
    for (size_t i = 0; i < x->nwaiters;) {
        exec_job *j = x->waiters[i];
        if (j->wait_deadline_us <= now) {
            if (claim_answer(j)) answer_accepted(j);
            x->waiters[i] = x->waiters[--x->nwaiters];
        } else i++;
    }
    pthread_mutex_unlock(&x->mu);
}

/* ---- one run ------------------------------------------------------------------------- */

static char *dump(json_t *j) { return j && !json_is_null(j) ? json_text(j) : NULL; }

/* A run's end, from its recording in the store to whoever hears of it. An
 * inline run's ending crosses to the store's writer thread, so it carries
 * text, not the run's JSON trees: those are freed by the thread that made
 * them, and the writer's callback stays short. */
typedef struct ending {
    executor *x;
    exec_job *j;              /* workers' runs; NULL for an inline run (its job is gone by then) */
    srv_req *waiter;          /* inline runs: answered here, always */
    char run_id[ID_MAX], app_id[ID_MAX];
    const char *status;       /* a static run_status_name */
    json_t *result;           /* workers' runs */
    char *result_text;        /* inline runs: the answer's body (NULL: null) */
    json_t *error;            /* NULL or the run's error */
} ending;

/* After the store has the run's end (rc 0) or could not take it: metrics,
 * the SSE stream, and the webhook's answer. Never answers with a result that
 * was not recorded. */
static void announce(ending *en, int rc, const db_err *e) {
    server *s = en->x->s;
    bool unsaved = en->waiter != NULL;
    if (rc < 0 && unsaved) {
        srv_log(SLOG_ERROR, "could not record a run", json_pack("{s:s, s:s}", "run_id", en->run_id, "error", e->msg));
        srv_problem(en->waiter, 503, "store_unavailable", "the run could not be recorded; it did not take effect in the store");
        srv_deferred_ready(en->waiter);
        return;
    }
    if (rc < 0)
        srv_log(SLOG_ERROR, "could not record the end of a run", json_pack("{s:s, s:s}", "run_id", en->run_id, "error", e->msg));
    metrics_run(s->metrics, en->status);
    if (sse_wanted(s->hub, en->app_id, en->run_id)) {
        json_t *d = json_pack("{s:s, s:s, s:O}", "run_id", en->run_id, "status", en->status, "error", en->error ? en->error : json_null());
        sse_publish(s->hub, en->app_id, en->run_id, "run_finished", d);
        sse_close_run(s->hub, en->run_id);
    }
    if (unsaved) {
        answer_result(en->waiter, en->run_id, en->status, NULL, en->result_text, en->error);
        en->result_text = NULL;
    } else if (claim_answer(en->j)) {
        answer_result(en->j->waiter, en->run_id, en->status, en->result, NULL, en->error);
    }
}

static void ending_clear(ending *en) {
    json_decref(en->result), json_decref(en->error);
    free(en->result_text);
}

/* The store's writer thread: an inline run's row is committed (or not). */
static void on_recorded(void *ctx, int rc, const db_err *e) {
    ending *en = ctx;
    executor *x = en->x;
    announce(en, rc, e);
    ending_clear(en);
    free(en);
    atomic_fetch_sub(&x->recording, 1);
}

/* Record the run's end and tell whoever waits. An inline run (j->unsaved) is
 * inserted whole, without holding the HTTP thread: the connection stays
 * suspended until the group commit that carries its row, and is answered
 * from there (on_recorded); should even its small ending not be allocated,
 * it is inserted here, waiting. rn: the run, when it was executed (node
 * metrics); report: the rest of its report as JSON text, taken. */
static void finish(executor *x, exec_job *j, const char *status, json_t *result, json_t *error, run *rn, char *report) {
    server *s = x->s;
    const char *type;
    uint64_t dur;
    for (size_t i = 0; rn && run_trace_at(rn, i, &type, &dur); i++)  /* the nodes ran, whatever becomes of the record */
        metrics_node(s->metrics, type, (int64_t)dur);
    ending en = {.x = x, .status = status, .error = json_is_null(error) ? NULL : json_incref(error)};
    str_copy(en.run_id, sizeof en.run_id, j->run_id);
    str_copy(en.app_id, sizeof en.app_id, j->app_id);
    char *rt = dump(result), *et = dump(error), *pt = report;
    db_err e = {{0}};
    int64_t now = now_us();
    int rc;
    if (j->unsaved) {
        en.waiter = j->waiter;
        en.result_text = rt;
        ending *later = malloc(sizeof *later);
        if (later) {
            *later = en;
            atomic_fetch_add(&x->recording, 1);
            rc = queue_insert_finished_async(s->db, j->unsaved, s->worker_id, status, rt, et, pt, j->unsaved->created_at, now,
                                             on_recorded, later, &e);
            if (rc == 0) { free(et), free(pt); return; }  /* on_recorded takes it from here */
            atomic_fetch_sub(&x->recording, 1);
            free(later);
        } else {
            rc = queue_insert_finished(s->db, j->unsaved, s->worker_id, status, rt, et, pt, j->unsaved->created_at, now, &e);
        }
        free(et), free(pt);
    } else {
        en.j = j;
        en.result = json_incref(result);
        rc = queue_finish(s->db, j->run_id, s->worker_id, status, rt, et, pt, now, &e);
        free(rt), free(et), free(pt);
    }
    announce(&en, rc, &e);
    ending_clear(&en);
}

static json_t *parse_or_null(const char *text) {
    return text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

static void execute(executor *x, exec_job *j, slot *sl, plan_entry *pe, const char *plan_err) {
    server *s = x->s;
    char err[512] = "";
    if (!pe) {
        str_copy(err, sizeof err, plan_err);
        json_t *error = json_pack("{s:s, s:n, s:s}", "code", "invalid_board", "node", "message", err);
        finish(x, j, "failed", NULL, error, NULL, NULL);
        json_decref(error);
        return;
    }
    json_t *payload = j->payload_json ? json_incref(j->payload_json) : parse_or_null(j->payload);
    json_t *vars = parse_or_null(j->variables);
    run_ctx ctx = {s, j};
    run_request req = {
        .plan = pe->p, .start_node = j->start_node, .payload = payload, .variables = vars,
        .timeout_ms = (uint64_t)s->cfg.run_timeout_ms, .trace = true, .allow_private_net = s->cfg.allow_private_net,
        .data_dir = s->cfg.data_dir, .app_id = j->app_id, .run_id = j->run_id, .on_event = on_event, .ud = &ctx,
    };
    const char *code = NULL;
    run *rn = run_new(&req, &code, err, sizeof err);
    if (!rn) {
        json_t *error = json_pack("{s:s, s:n, s:s}", "code", code ? code : "bad_request", "node", "message", err);
        finish(x, j, "failed", NULL, error, NULL, NULL);
        json_decref(error);
    } else {
        pthread_mutex_lock(&x->mu);
        str_copy(sl->run_id, sizeof sl->run_id, j->run_id);
        sl->r = rn;
        pthread_mutex_unlock(&x->mu);
        if (sse_wanted(s->hub, j->app_id, j->run_id))
            sse_publish(s->hub, j->app_id, j->run_id, "run_started", json_pack("{s:s, s:s, s:I}", "run_id", j->run_id, "board_id", j->board_id, "version", (json_int_t)j->board_version));
        run_status st = run_execute(rn);
        pthread_mutex_lock(&x->mu);
        sl->r = NULL;
        sl->run_id[0] = 0;
        pthread_mutex_unlock(&x->mu);
        json_t *result = run_result(rn), *error = run_error(rn);
        strbuf details = STRBUF_INIT;
        sb_grow(&details, 2000);  /* a small run's report in one allocation */
        run_report_details(rn, &details);
        finish(x, j, run_status_name(st), result, error, rn, sb_take(&details));
        json_decref(result), json_decref(error);
        run_free(rn);
    }
    json_decref(payload), json_decref(vars);
    plan_put(x, pe);
}

bool exec_run_inline(executor *x, exec_job *j) {
    if (x->stop) return false;
    char perr[512] = "";
    plan_entry *pe = plan_get(x, j->board_id, j->board_version, perr, sizeof perr);
    if (!pe || !pe->inline_ok) {
        if (pe) plan_put(x, pe);
        return false;
    }
    /* A slot for cancellation, like a worker's. */
    slot *sl = NULL;
    pthread_mutex_lock(&x->mu);
    for (int i = 0; i < x->ninline && !sl; i++)
        if (!x->inline_slots[i].busy) { sl = &x->inline_slots[i]; sl->busy = true; }
    pthread_mutex_unlock(&x->mu);
    if (!sl) { plan_put(x, pe); return false; }
    atomic_fetch_add(&x->running, 1);
    execute(x, j, sl, pe, perr);
    atomic_fetch_sub(&x->running, 1);
    pthread_mutex_lock(&x->mu);
    sl->busy = false;
    pthread_mutex_unlock(&x->mu);
    return true;
}

/* ---- workers ------------------------------------------------------------------------- */

static exec_job *job_from_claim(server *s, const queue_claimed *c) {
    exec_job *j = exec_job_new();
    if (!j) return NULL;
    str_copy(j->run_id, sizeof j->run_id, c->id);
    str_copy(j->app_id, sizeof j->app_id, c->app_id);
    str_copy(j->board_id, sizeof j->board_id, c->board_id);
    j->board_version = c->board_version;
    j->start_node = c->start_node ? strdup(c->start_node) : NULL;
    j->payload = c->payload ? strdup(c->payload) : NULL;
    j->variables = runs_unseal_variables(s, c->id, c->variables);
    if (c->variables && !j->variables) j->variables = strdup("\"unreadable\"");  /* fails the run: not an object */
    return j;
}

typedef struct worker_arg { executor *x; int idx; } worker_arg;

static void *worker(void *arg) {
    worker_arg *wa = arg;
    pthread_setname_np(pthread_self(), "weir-run");
    srv_sched_batch();
    executor *x = wa->x;
    slot *sl = &x->slots[wa->idx];
    free(wa);
    server *s = x->s;
    for (;;) {
        pthread_mutex_lock(&x->mu);
        while (!x->stop && !x->head && !x->wake) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += EXEC_POLL_MS / 1000;
            if (pthread_cond_timedwait(&x->cv, &x->mu, &ts) != 0) break;  /* poll the store now and then */
        }
        if (x->stop) { pthread_mutex_unlock(&x->mu); break; }
        exec_job *j = x->head;
        if (j) {
            x->head = j->next;
            if (!x->head) x->tail = NULL;
            x->nlocal--;
        }
        x->wake = false;
        pthread_mutex_unlock(&x->mu);
        if (!j && atomic_load(&s->ready)) {
            queue_claimed *c = NULL;
            int n = 0;
            db_err e;
            if (queue_claim(s->db, s->worker_id, 1, now_us(), &c, &n, &e) < 0) {
                srv_log(SLOG_ERROR, "could not claim runs", json_pack("{s:s}", "error", e.msg));
                continue;
            }
            if (n == 1) {
                j = job_from_claim(s, &c[0]);
                exec_wake(x);  /* there may be more */
            }
            queue_claimed_free(c, n);
        }
        if (!j) continue;
        atomic_fetch_add(&x->running, 1);
        char perr[512] = "";
        execute(x, j, sl, plan_get(x, j->board_id, j->board_version, perr, sizeof perr), perr);
        atomic_fetch_sub(&x->running, 1);
        if (j->waiter) waiters_remove(x, j);
        exec_job_free(j);
    }
    return NULL;
}

executor *exec_start(server *s, int workers) {
    executor *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->s = s;
    x->nworkers = workers;
    pthread_mutex_init(&x->mu, NULL);
    pthread_cond_init(&x->cv, NULL);
    pthread_mutex_init(&x->plan_mu, NULL);
    x->threads = calloc((size_t)workers, sizeof *x->threads);
    x->slots = calloc((size_t)workers, sizeof *x->slots);
    x->ninline = (int)s->cfg.http_threads;
    x->inline_slots = calloc((size_t)x->ninline, sizeof *x->inline_slots);
    if (!x->threads || !x->slots || !x->inline_slots) { free(x->threads); free(x->slots); free(x->inline_slots); free(x); return NULL; }
    for (int i = 0; i < workers; i++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (wa) *wa = (worker_arg){.x = x, .idx = i};
        if (!wa || pthread_create(&x->threads[i], NULL, worker, wa) != 0) {
            free(wa);
            x->nworkers = i;   /* stop the ones started */
            exec_stop(x);
            exec_free(x);
            return NULL;
        }
    }
    return x;
}

bool exec_submit(executor *x, exec_job *j) {
    pthread_mutex_lock(&x->mu);
    if (x->stop || x->nlocal >= x->s->cfg.max_queue_length) { pthread_mutex_unlock(&x->mu); return false; }
    if (j->waiter) {
        if (x->nwaiters == x->capwaiters) {
            size_t nc = x->capwaiters ? x->capwaiters * 2 : 64;
            exec_job **nw = realloc(x->waiters, nc * sizeof *nw);
            if (!nw) { pthread_mutex_unlock(&x->mu); return false; }
            x->waiters = nw;
            x->capwaiters = nc;
        }
        x->waiters[x->nwaiters++] = j;
    }
    j->next = NULL;
    if (x->tail) x->tail->next = j;
    else x->head = j;
    x->tail = j;
    x->nlocal++;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
    return true;
}

void exec_wake(executor *x) {
    pthread_mutex_lock(&x->mu);
    x->wake = true;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

bool exec_cancel_local(executor *x, const char *run_id) {
    bool found = false;
    pthread_mutex_lock(&x->mu);
    for (int i = 0; i < x->nworkers; i++)
        if (x->slots[i].r && !strcmp(x->slots[i].run_id, run_id)) {
            run_cancel(x->slots[i].r);
            found = true;
        }
    for (int i = 0; i < x->ninline; i++)
        if (x->inline_slots[i].r && !strcmp(x->inline_slots[i].run_id, run_id)) {
            run_cancel(x->inline_slots[i].r);
            found = true;
        }
    pthread_mutex_unlock(&x->mu);
    return found;
}

int64_t exec_running(executor *x) { return atomic_load(&x->running) + x->nlocal; }

void exec_sweep_cancels(executor *x) {
    char ids[64][ID_MAX];
    int n = 0;
    pthread_mutex_lock(&x->mu);
    for (int i = 0; i < x->nworkers && n < 64; i++)
        if (x->slots[i].r) str_copy(ids[n++], ID_MAX, x->slots[i].run_id);
    pthread_mutex_unlock(&x->mu);
    for (int i = 0; i < n; i++) {
        db_err e;
        if (queue_cancel_requested(x->s->db, ids[i], &e) == 1) exec_cancel_local(x, ids[i]);
    }
}

void exec_stop(executor *x) {
    if (!x) return;
    server *s = x->s;
    pthread_mutex_lock(&x->mu);
    x->stop = true;
    pthread_cond_broadcast(&x->cv);
    exec_job *pending = x->head;
    x->head = x->tail = NULL;
    x->nlocal = 0;
    pthread_mutex_unlock(&x->mu);
    /* Handed off but never started: back to the queue, for the next start. */
    for (exec_job *j = pending, *next; j; j = next) {
        next = j->next;
        db_val p[] = {DB_TEXT(j->run_id), DB_TEXT(s->worker_id)};
        db_err e;
        db_exec(s->db, "UPDATE runs SET status = 'queued', worker = NULL, attempts = attempts - 1"
                       " WHERE id = $1 AND worker = $2 AND status = 'running'", p, 2, NULL, &e);
        if (j->waiter) {
            waiters_remove(x, j);
            if (claim_answer(j)) answer_accepted(j);
        }
        exec_job_free(j);
    }
    /* Give running runs a grace period, then cancel them. */
    int64_t deadline = now_us() + EXEC_STOP_GRACE_MS * 1000LL;
    while (atomic_load(&x->running) > 0 && now_us() < deadline) {
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&x->mu);
    for (int i = 0; i < x->nworkers; i++)
        if (x->slots[i].r) run_cancel(x->slots[i].r);
    for (int i = 0; i < x->ninline; i++)
        if (x->inline_slots[i].r) run_cancel(x->inline_slots[i].r);
    pthread_mutex_unlock(&x->mu);
    for (int i = 0; i < x->nworkers; i++) pthread_join(x->threads[i], NULL);
    /* Rows on their way to the store answer their connections when they
     * land; the store always calls back, so this ends, and must end before
     * the listener stops. (Inline runs still running were cancelled above.) */
    while (atomic_load(&x->running) > 0 || atomic_load(&x->recording) > 0) {
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
}

void exec_free(executor *x) {
    if (!x) return;
    for (int i = 0; i < EXEC_PLAN_CACHE_MAX; i++)
        if (x->plans[i].p) plan_free(x->plans[i].p);
    free(x->threads);
    free(x->slots);
    free(x->inline_slots);
    free(x->waiters);
    pthread_mutex_destroy(&x->mu);
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->plan_mu);
    free(x);
}
