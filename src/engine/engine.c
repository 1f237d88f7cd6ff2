/* engine.c — runs: set-up, the scheduler over execution pins, limits,
 * cancellation and the final report.
 *
 * The scheduler follows execution wires iteratively (a long chain costs no
 * stack); only bodies fired by loop and flow nodes nest, up to
 * RUN_MAX_CALL_DEPTH. Stop conditions (failure elsewhere, cancellation, run
 * deadline, enclosing timeout) are checked before every node; the clock is
 * read every 32 nodes, or at once by nodes that wait. */
#include "engine/internal.h"

#include "base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/limits.h"
#include "board/typecheck.h"

uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *run_status_name(run_status s) {
    static const char *const names[] = {"pending", "completed", "failed", "timed_out", "cancelled"};
    return (unsigned)s <= RUN_CANCELLED ? names[s] : "?";
}

/* Run ids: 128 random bits in hex (ids.h's pool: no system call per id). */
static void make_run_id(char out[33]) {
    unsigned char rnd[16];
    id_random(rnd, sizeof rnd);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[rnd[i] >> 4];
        out[2 * i + 1] = hex[rnd[i] & 15];
    }
    out[32] = 0;
}

/* ---- strands --------------------------------------------------------------- */

int strand_init(strand *s, run *r, const strand *from) {
    const plan *p = r->p;
    memset(s, 0, sizeof *s);
    s->r = r;
    s->deadline_ns = from ? from->deadline_ns : r->deadline_ns;
    s->depth = from ? from->depth : 0;
    s->epoch = 1;
    size_t nslots = p->nslots ? p->nslots : 1, nn = p->nnodes ? p->nnodes : 1;
    s->slots = calloc(nslots, sizeof *s->slots);
    s->epoch_of = calloc(nn, sizeof *s->epoch_of);
    if (from) s->dirty_slots = calloc((nslots + 63) / 64, sizeof(uint64_t));
    if (!s->slots || !s->epoch_of || (from && !s->dirty_slots)) {
        strand_release(s);
        return -1;
    }
    if (from) {
        for (uint32_t i = 0; i < p->nslots; i++) {
            s->slots[i] = from->slots[i];
            value_retain(s->slots[i]);
        }
    }
    return 0;
}

void strand_release(strand *s) {
    if (s->slots)
        for (uint32_t i = 0; i < s->r->p->nslots; i++) value_release(s->slots[i]);
    free(s->slots);
    free(s->epoch_of);
    free(s->dirty_slots);
    s->slots = NULL;
    s->epoch_of = NULL;
    s->dirty_slots = NULL;
}

static bool dirty(const strand *s, uint32_t i) { return s->dirty_slots[i / 64] & (1ull << (i % 64)); }

void strand_publish(strand *s) {
    if (!s->parent) return;
    pthread_mutex_lock(s->parent_mu);
    for (uint32_t i = 0; i < s->r->p->nslots; i++)
        if (dirty(s, i)) {
            value_assign(&s->parent->slots[i], s->slots[i]);
            if (s->parent->dirty_slots) s->parent->dirty_slots[i / 64] |= 1ull << (i % 64);
        }
    pthread_mutex_unlock(s->parent_mu);
}

void strand_refresh(strand *s) {
    if (!s->parent) return;
    pthread_mutex_lock(s->parent_mu);
    for (uint32_t i = 0; i < s->r->p->nslots; i++)
        if (!dirty(s, i)) value_assign(&s->slots[i], s->parent->slots[i]);
    pthread_mutex_unlock(s->parent_mu);
    s->epoch++;
}

/* ---- stopping ------------------------------------------------------------ */

void run_set_stop(run *r, int reason) {
    int expected = AB_NONE;
    atomic_compare_exchange_strong(&r->stop, &expected, reason);
    int fd = atomic_load(&r->wakefd);
    if (fd >= 0) {
        uint64_t one = 1;
        ssize_t n = write(fd, &one, sizeof one);
        (void)n;
    }
}

void run_cancel(run *r) { run_set_stop(r, AB_CANCELLED); }

bool strand_stopped(strand *s, bool force_clock) {
    if (s->abort) return true;
    int st = atomic_load_explicit(&s->r->stop, memory_order_relaxed);
    if (st) {
        s->abort = st;
        return true;
    }
    if (!force_clock && (++s->tick & 31) != 0) return false;
    uint64_t now = mono_ns();
    if (now >= s->r->deadline_ns) {
        run_set_stop(s->r, AB_TIMEOUT);
        s->abort = atomic_load(&s->r->stop);
        return true;
    }
    if (now >= s->deadline_ns) {
        s->abort = AB_SCOPE;
        s->abort_deadline = s->deadline_ns;
        return true;
    }
    return false;
}

void run_fail(strand *s, const char *code, const char *node, const char *fmt, ...) {
    run *r = s->r;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    pthread_mutex_lock(&r->mu);
    if (!r->err_code && atomic_load(&r->stop) == AB_NONE) {
        r->err_code = code;
        r->err_node = node;
        char *masked = msg ? redact_text(r, msg, strlen(msg)) : NULL;
        r->err_msg = arena_strdup(&r->mem, masked ? masked : "out of memory");
        free(masked);
    }
    pthread_mutex_unlock(&r->mu);
    free(msg);
    run_set_stop(r, AB_FAILED);
    s->abort = atomic_load(&r->stop);
}

/* ---- the scheduler --------------------------------------------------------- */

static void emit(run *r, run_event_kind kind, const plan_node *n, const char *status) {
    run_event ev = {.kind = kind, .node_id = n->id, .node_type = n->type, .status = status, .at_us = run_us(r)};
    r->req.on_event(r->req.ud, &ev);
}

/* Execute one node of the chain. Returns NODE_OK with *next set to the
 * execution input to continue at (or node PIN_NONE), or NODE_ABORT. */
static int exec_one(strand *s, int32_t ni, uint16_t pin, int32_t *next_node, uint16_t *next_pin) {
    run *r = s->r;
    const plan_node *n = &r->p->nodes[ni];
    *next_node = PIN_NONE;
    if (strand_stopped(s, false)) return NODE_ABORT;
    unsigned count = atomic_fetch_add_explicit(&r->exec_count[ni], 1, memory_order_relaxed) + 1;
    if (count > r->loop_limit) {
        run_fail(s, "loop_limit", n->id, "node %s executed more than %u times in one run", n->id, r->loop_limit);
        return NODE_ABORT;
    }
    node_ctx c = {.s = s, .n = n, .idx = (uint32_t)ni, .trigger = pin, .fail_node = n->id};
    s->epoch++;
    uint64_t t0 = 0;
    trace_rec tv;
    if (r->req.trace) {
        t0 = run_us(r);
        c.tv = trace_rec_start(r, &tv);
    }
    if (r->req.on_event) emit(r, EV_NODE_START, n, NULL);
    int rc = n->def->run(&c);
    ctx_finish(&c);
    if (r->req.trace) engine_trace(&c, rc == NODE_FAIL, t0, run_us(r));
    if (r->req.on_event) emit(r, EV_NODE_END, n, rc == NODE_OK ? "ok" : "failed");
    if (rc == NODE_OK) {
        for (uint8_t i = 0; i + 1 < c.nact; i++) {
            const plan_pin *p = &n->pins[c.act[i]];
            if (p->next_node != PIN_NONE && engine_chain(s, p->next_node, p->next_pin) != NODE_OK) {
                free(c.fail_msg);
                return NODE_ABORT;
            }
        }
        if (c.nact) {
            const plan_pin *p = &n->pins[c.act[c.nact - 1]];
            *next_node = p->next_node;
            *next_pin = p->next_pin;
        }
        free(c.fail_msg);
        return NODE_OK;
    }
    if (rc == NODE_FAIL && !s->abort) {
        const char *msg = c.fail_msg ? c.fail_msg : "the node failed";
        if (n->err_pin != PIN_NONE && n->pins[n->err_pin].next_node != PIN_NONE) {
            char *masked = redact_text(r, msg, strlen(msg));
            value v = value_string(masked ? masked : "error", strlen(masked ? masked : "error"));
            uint32_t slot = n->pins[n->err_str_pin].slot;
            value_release(s->slots[slot]);
            s->slots[slot] = v;
            if (s->dirty_slots) s->dirty_slots[slot / 64] |= 1ull << (slot % 64);
            free(masked);
            *next_node = n->pins[n->err_pin].next_node;
            *next_pin = n->pins[n->err_pin].next_pin;
            free(c.fail_msg);
            return NODE_OK;
        }
        run_fail(s, "node_failed", c.fail_node, "%s", msg);
    }
    free(c.fail_msg);
    return NODE_ABORT;
}

int engine_chain(strand *s, int32_t node, uint16_t pin) {
    if (s->depth >= RUN_MAX_CALL_DEPTH) {
        run_fail(s, "depth_limit", s->r->p->nodes[node].id,
                 "bodies nest more than %d levels deep at node %s", RUN_MAX_CALL_DEPTH, s->r->p->nodes[node].id);
        return NODE_ABORT;
    }
    s->depth++;
    int rc = NODE_OK;
    while (node != PIN_NONE) {
        int32_t next;
        uint16_t next_pin = 0;
        rc = exec_one(s, node, pin, &next, &next_pin);
        if (rc != NODE_OK) break;
        node = next;
        pin = next_pin;
    }
    s->depth--;
    return rc;
}

/* ---- runs ------------------------------------------------------------------ */

static int set_err(const char **code, const char *c, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int set_err(const char **code, const char *c, char *err, size_t errlen, const char *fmt, ...) {
    if (code) *code = c;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Variable values for this run: defaults, then overrides of exposed ones. */
static int init_vars(run *r, const char **code, char *err, size_t errlen) {
    const plan *p = r->p;
    r->vars = arena_alloc(&r->mem, (p->nvars ? p->nvars : 1) * sizeof *r->vars);
    if (!r->vars) return set_err(code, "out_of_memory", err, errlen, "out of memory");
    for (uint32_t i = 0; i < p->nvars; i++) {
        r->vars[i] = p->vars[i].dflt;
        value_retain(r->vars[i]);
    }
    const char *key;
    json_t *val;
    json_object_foreach(r->req.variables, key, val) {
        int32_t vi = plan_find_var(p, key);
        if (vi < 0) return set_err(code, "bad_variable", err, errlen, "no variable \"%s\"", key);
        const plan_var *pv = &p->vars[vi];
        if (!pv->exposed)
            return set_err(code, "bad_variable", err, errlen, "variable \"%s\" is not exposed", key);
        const char *why;
        if (!typecheck_json(val, pv->type, pv->shape, &why))
            return set_err(code, "bad_variable", err, errlen, "variable \"%s\": %s", key, why);
        value v = value_from_json(val);
        if (pv->type == PT_FLOAT && v.kind == V_INT) v = value_float((double)v.u.i);
        value_release(r->vars[vi]);
        r->vars[vi] = v;
    }
    for (uint32_t i = 0; i < p->nvars; i++) {
        if (!p->vars[i].secret) continue;
        r->vars[i].secret = 1;
        redact_collect(r, r->vars[i]);
    }
    return 0;
}

run *run_new(const run_request *req, const char **code, char *err, size_t errlen) {
    const plan *p = req->plan;
    int32_t start = -1;
    if (errlen) err[0] = '\0';
    if (req->start_node) {
        start = plan_find_node(p, req->start_node);
        if (start < 0 || !(p->nodes[start].def->flags & NODEF_START)) {
            set_err(code, "bad_event", err, errlen, "\"%s\" is not a start node of this board", req->start_node);
            return NULL;
        }
    } else if (p->nstarts != 1) {
        set_err(code, "bad_event", err, errlen, "the board has %u start nodes; choose one with --event", p->nstarts);
        return NULL;
    }
    if (req->payload && !json_is_object(req->payload)) {
        set_err(code, "bad_payload", err, errlen, "the payload must be a JSON object");
        return NULL;
    }
    run *r = calloc(1, sizeof *r);
    if (!r) {
        set_err(code, "out_of_memory", err, errlen, "out of memory");
        return NULL;
    }
    r->p = p;
    r->req = *req;
    r->req.start_node = start >= 0 ? p->nodes[start].id : p->nodes[p->starts[0]].id;
    arena_init(&r->mem, 4096);
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->secrets_mu, NULL);
    atomic_init(&r->stop, AB_NONE);
    atomic_init(&r->wakefd, -1);
    atomic_init(&r->trace_vals_full, false);
    r->loop_limit = req->loop_limit ? req->loop_limit : RUN_MAX_NODE_EXECUTIONS;
    r->exec_count = arena_alloc(&r->mem, (p->nnodes ? p->nnodes : 1) * sizeof *r->exec_count);
    r->state = arena_alloc(&r->mem, p->state_size ? p->state_size : 1);
    r->payload = req->payload ? json_incref(req->payload) : json_object();
    if (req->run_id && strlen(req->run_id) < sizeof r->id)
        strcpy(r->id, req->run_id);
    else
        make_run_id(r->id);
    if (!r->exec_count || !r->state || !r->payload || init_vars(r, code, err, errlen) != 0 || strand_init(&r->root, r, NULL) != 0) {
        if (!*err) set_err(code, "out_of_memory", err, errlen, "out of memory");
        run_free(r);
        return NULL;
    }
    return r;
}

run_status run_execute(run *r) {
    r->start_ns = mono_ns();
    uint64_t timeout_ms = r->req.timeout_ms ? r->req.timeout_ms : RUN_DEFAULT_TIMEOUT_MS;
    r->deadline_ns = r->start_ns + timeout_ms * 1000000ull;
    r->root.deadline_ns = r->deadline_ns;
    int32_t start = plan_find_node(r->p, r->req.start_node);
    engine_chain(&r->root, start, 0);
    /* the first stop reason wins: a failure before a cancel is a failure */
    switch (atomic_load(&r->stop)) {
    case AB_NONE: r->status = RUN_COMPLETED; break;
    case AB_FAILED: r->status = RUN_FAILED; break;
    case AB_TIMEOUT:
        r->status = RUN_TIMED_OUT;
        r->err_code = "timed_out";
        r->err_msg = arena_printf(&r->mem, "the run exceeded its time limit of %llu ms",
                                  (unsigned long long)timeout_ms);
        break;
    case AB_CANCELLED:
        r->status = RUN_CANCELLED;
        r->err_code = "cancelled";
        r->err_msg = "the run was cancelled";
        break;
    }
    return r->status;
}

const char *run_id(const run *r) { return r->id; }
run_status run_get_status(const run *r) { return r->status; }

void run_free(run *r) {
    if (!r) return;
    if (r->root.slots) strand_release(&r->root);
    if (r->vars)
        for (uint32_t i = 0; i < r->p->nvars; i++) value_release(r->vars[i]);
    value_release(r->result);
    trace_free(r);
    json_decref(r->payload);
    int fd = atomic_load(&r->wakefd);
    if (fd >= 0) close(fd);
    for (size_t i = 0; i < r->nsecrets; i++) free((char *)r->secrets[i]);
    free(r->secrets);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->secrets_mu);
    arena_free(&r->mem);
    free(r);
}

json_t *run_result(run *r) { return r->has_result ? redact_value(r, r->result) : json_null(); }

json_t *run_error(run *r) {
    if (!r->err_code) return NULL;
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(r->err_code));
    json_object_set_new(e, "node", r->err_node ? json_string(r->err_node) : json_null());
    json_object_set_new(e, "message", json_string(r->err_msg ? r->err_msg : r->err_code));
    return e;
}

static const char *const log_levels[] = {"debug", "info", "warn", "error"};

void run_report_details(run *r, strbuf *sb) {
    sb_puts(sb, "{\"logs\":[");
    for (size_t i = 0; i < r->nlogs; i++) {
        const log_entry *l = &r->logs[i];
        sb_puts(sb, i ? ",{\"node\":" : "{\"node\":");
        sb_json_string(sb, l->node, strlen(l->node));
        sb_puts(sb, ",\"level\":\"");
        sb_puts(sb, log_levels[l->level & 3]);
        sb_puts(sb, "\",\"message\":");
        sb_json_string(sb, l->message, strlen(l->message));
        sb_putc(sb, '}');
    }
    sb_putc(sb, ']');
    if (r->logs_truncated) sb_puts(sb, ",\"logs_truncated\":true");
    if (r->req.trace) {
        sb_puts(sb, ",\"trace\":");
        trace_write(r, sb);
        if (r->trace_truncated) sb_puts(sb, ",\"trace_truncated\":true");
        if (atomic_load(&r->trace_vals_full)) sb_puts(sb, ",\"trace_values_truncated\":true");
    }
    sb_putc(sb, '}');
}

json_t *run_report(run *r) {
    json_t *o = json_object();
    json_object_set_new(o, "run_id", json_string(r->id));
    json_object_set_new(o, "status", json_string(run_status_name(r->status)));
    json_object_set_new(o, "result", run_result(r));
    json_t *e = run_error(r);
    json_object_set_new(o, "error", e ? e : json_null());
    const char *const *levels = log_levels;
    json_t *logs = json_array();
    for (size_t i = 0; i < r->nlogs; i++) {
        const log_entry *l = &r->logs[i];
        json_array_append_new(logs, json_pack("{s:s, s:s, s:s}", "node", l->node, "level", levels[l->level & 3],
                                              "message", l->message));
    }
    json_object_set_new(o, "logs", logs);
    if (r->logs_truncated) json_object_set_new(o, "logs_truncated", json_true());
    if (r->req.trace) {
        json_object_set_new(o, "trace", trace_report(r));
        if (r->trace_truncated) json_object_set_new(o, "trace_truncated", json_true());
        if (atomic_load(&r->trace_vals_full)) json_object_set_new(o, "trace_values_truncated", json_true());
    }
    return o;
}
