/* ctx.c — the node interface of node.h: reading inputs (evaluating pure
 * upstream nodes on demand), writing outputs, execution pins, variables,
 * logs, waiting, storage locations. */
#include "engine/internal.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/strbuf.h"
#include "base/textfmt.h"
#include "board/typecheck.h"

/* ---- pins ------------------------------------------------------------------ */

static const plan_pin *pin_at(node_ctx *c, int pin, size_t k) {
    const plan_node *n = c->n;
    if (pin < 0 || pin >= n->def->npins || k >= n->count[pin]) return NULL;
    return &n->pins[n->first[pin] + k];
}

static void mark_dirty(strand *s, uint32_t slot) {
    if (s->dirty_slots) s->dirty_slots[slot / 64] |= 1ull << (slot % 64);
}

/* Evaluate pure node `ni` in the caller's strand. On failure the caller's
 * context carries the message, naming the pure node. */
static int eval_pure(node_ctx *c, int32_t ni) {
    strand *s = c->s;
    run *r = s->r;
    const plan_node *n = &r->p->nodes[ni];
    if (s->depth >= RUN_MAX_CALL_DEPTH) {
        run_fail(s, "depth_limit", n->id, "pure nodes nest more than %d levels deep at %s", RUN_MAX_CALL_DEPTH,
                 n->id);
        return NODE_ABORT;
    }
    s->depth++;
    s->epoch_of[ni] = s->epoch;
    node_ctx pc = {.s = s, .n = n, .idx = (uint32_t)ni, .trigger = -1, .fail_node = n->id};
    uint64_t t0 = 0;
    trace_rec tv;
    if (r->req.trace) {
        t0 = run_us(r);
        pc.tv = trace_rec_start(r, &tv);
    }
    int rc = n->def->run(&pc);
    ctx_finish(&pc);
    if (r->req.trace) engine_trace(&pc, rc == NODE_FAIL, t0, run_us(r));
    s->depth--;
    if (pc.tainted) c->tainted = true;
    if (rc == NODE_FAIL) {
        s->epoch_of[ni] = 0; /* evaluate again next time */
        free(c->fail_msg);
        c->fail_msg = pc.fail_msg;
        c->fail_node = pc.fail_node;
        c->failed_pure = true;
        return NODE_FAIL;
    }
    free(pc.fail_msg);
    return rc;
}

/* Tracing hooks are out-of-line tail calls: reads and writes of untraced
 * runs pay one test for them, and keep their inlining (bench_engine). */
__attribute__((noinline)) static const value *traced_read(node_ctx *c, const plan_pin *pin, const value *v) {
    ctx_trace_note(c, pin, *v);
    return v;
}

const value *ctx_read_pin(node_ctx *c, const plan_pin *pin) {
    if (pin->src_node == PIN_NONE) return c->tv ? traced_read(c, pin, &pin->literal) : &pin->literal;
    strand *s = c->s;
    const plan_node *src = &s->r->p->nodes[pin->src_node];
    if (src->pure && s->epoch_of[pin->src_node] != s->epoch && eval_pure(c, pin->src_node) != NODE_OK) return NULL;
    const value *v = &s->slots[pin->src_slot];
    if (v->secret) c->tainted = true;
    return c->tv ? traced_read(c, pin, v) : v;
}

/* The trace keeps a reference, not a copy: values are never changed in
 * place, so what the report shows is what the node saw. */
void ctx_trace_note(node_ctx *c, const plan_pin *p, value v) {
    trace_rec *tv = c->tv;
    uint16_t pin = (uint16_t)(p - c->n->pins);
    for (uint16_t i = 0; i < tv->n; i++)
        if (tv->vals[i].pin == pin) {
            value_assign(&tv->vals[i].v, v);
            return;
        }
    if (tv->n == tv->cap) {
        uint16_t cap = tv->cap ? (uint16_t)(tv->cap * 2) : 4;
        trace_val *t = cap > tv->cap ? realloc(tv->vals, cap * sizeof *t) : NULL;
        if (!t) {
            /* out of memory: a value would go missing, so the trace keeps none from here on */
            atomic_store(&c->s->r->trace_vals_full, true);
            return;
        }
        tv->vals = t;
        tv->cap = cap;
    }
    value_retain(v);
    tv->vals[tv->n++] = (trace_val){.pin = pin, .v = v};
}

void ctx_trace_merge(node_ctx *into, node_ctx *from) {
    trace_rec *tv = from->tv;
    if (!tv) return;
    for (uint16_t i = 0; i < tv->n; i++) {
        trace_val *t = &tv->vals[i];
        if (from->tainted && from->n->pins[t->pin].dir == DIR_OUT) t->v.secret = 1; /* as ctx_finish did */
        if (into->tv) ctx_trace_note(into, &into->n->pins[t->pin], t->v);
        value_release(t->v);
    }
    free(tv->vals);
    *tv = (trace_rec){0};
}

/* Read a pin; NULL when a pure source failed (the node then fails). */
static const value *read_in(node_ctx *c, int pin, size_t k) {
    const plan_pin *p = pin_at(c, pin, k);
    if (!p) {
        ctx_fail(c, "internal: pin %d#%zu of %s", pin, k, c->n->type);
        return NULL;
    }
    const value *v = ctx_read_pin(c, p);
    if (v && v->secret) c->tainted = true;
    return v;
}

static int wrong(node_ctx *c, int pin, const char *want, const value *v) {
    return ctx_fail(c, "input %s: expected %s, got %s", c->n->def->pins[pin].name, want, value_kind_name(*v));
}

size_t ctx_count(node_ctx *c, int pin) {
    return pin >= 0 && pin < c->n->def->npins ? c->n->count[pin] : 0;
}

int ctx_get(node_ctx *c, int pin, size_t k, value *out) {
    const value *v = read_in(c, pin, k);
    if (!v) return -1;
    *out = *v;
    return 0;
}

int ctx_int(node_ctx *c, int pin, int64_t *out) {
    const value *v = read_in(c, pin, 0);
    if (!v) return -1;
    if (v->kind == V_INT) {
        *out = v->u.i;
        return 0;
    }
    /* a float that holds an exact integer (JSON 3.0) is accepted */
    if (v->kind == V_FLOAT && v->u.f == trunc(v->u.f) && fabs(v->u.f) < 9007199254740992.0) {
        *out = (int64_t)v->u.f;
        return 0;
    }
    return wrong(c, pin, "integer", v);
}

int ctx_float(node_ctx *c, int pin, double *out) {
    const value *v = read_in(c, pin, 0);
    if (!v) return -1;
    if (v->kind == V_FLOAT) *out = v->u.f;
    else if (v->kind == V_INT) *out = (double)v->u.i;
    else return wrong(c, pin, "number", v);
    return 0;
}

int ctx_bool_k(node_ctx *c, int pin, size_t k, bool *out) {
    const value *v = read_in(c, pin, k);
    if (!v) return -1;
    if (v->kind != V_BOOL) return wrong(c, pin, "boolean", v);
    *out = v->u.b;
    return 0;
}

int ctx_bool(node_ctx *c, int pin, bool *out) { return ctx_bool_k(c, pin, 0, out); }

int ctx_str_k(node_ctx *c, int pin, size_t k, const char **s, size_t *len) {
    const value *v = read_in(c, pin, k);
    if (!v) return -1;
    if (!value_is_string(*v)) return wrong(c, pin, "string", v);
    *s = value_str(*v, len);
    return 0;
}

int ctx_str(node_ctx *c, int pin, const char **s, size_t *len) { return ctx_str_k(c, pin, 0, s, len); }

int ctx_object(node_ctx *c, int pin, json_t **obj) {
    const value *v = read_in(c, pin, 0);
    if (!v) return -1;
    if (v->kind != V_JSON || !json_is_object(v->u.j)) return wrong(c, pin, "object", v);
    *obj = v->u.j;
    return 0;
}

int ctx_array(node_ctx *c, int pin, json_t **arr) {
    const value *v = read_in(c, pin, 0);
    if (!v) return -1;
    if (v->kind != V_JSON || !json_is_array(v->u.j)) return wrong(c, pin, "array", v);
    *arr = v->u.j;
    return 0;
}

static json_t *box(node_ctx *c, value v) {
    if (v.kind == V_JSON) return v.u.j;
    json_t *j = value_to_json(v);
    if (!j) return NULL;
    if (c->ntemps == c->captemps) {
        size_t cap = c->captemps ? c->captemps * 2 : 4;
        json_t **t = realloc(c->temps, cap * sizeof *t);
        if (!t) {
            json_decref(j);
            return NULL;
        }
        c->temps = t;
        c->captemps = cap;
    }
    c->temps[c->ntemps++] = j;
    return j;
}

int ctx_json(node_ctx *c, int pin, json_t **j) {
    const value *v = read_in(c, pin, 0);
    if (!v) return -1;
    *j = box(c, *v);
    return *j ? 0 : ctx_fail(c, "out of memory");
}

/* ---- dynamic pins ------------------------------------------------------------ */

size_t ctx_dyn_count(node_ctx *c) { return c->n->ndyn; }

const char *ctx_dyn_name(node_ctx *c, size_t i) {
    return i < c->n->ndyn ? c->n->pins[c->n->dyn_first + i].name : NULL;
}

void ctx_dyn_type(node_ctx *c, size_t i, pin_type *type, value_shape *shape) {
    const plan_pin *p = i < c->n->ndyn ? &c->n->pins[c->n->dyn_first + i] : NULL;
    *type = p ? (pin_type)p->type : PT_GENERIC;
    *shape = p ? (value_shape)p->shape : VS_NORMAL;
}

int ctx_dyn_get(node_ctx *c, size_t i, value *out) {
    if (i >= c->n->ndyn) return ctx_fail(c, "internal: dynamic pin %zu", i);
    const value *v = ctx_read_pin(c, &c->n->pins[c->n->dyn_first + i]);
    if (!v) return -1;
    *out = *v;
    return 0;
}

static void store_slot(strand *s, const plan_pin *p, value v) {
    value_assign(&s->slots[p->slot], v);
    mark_dirty(s, p->slot);
}

__attribute__((noinline)) static void traced_set(node_ctx *c, const plan_pin *p, value v) {
    ctx_trace_note(c, p, v);
    store_slot(c->s, p, v);
}

/* noinline: inlined into ctx_set_k, gcc 12 stops inlining that into
 * ctx_set, and each set costs ~8 instructions more (bench_engine foreach) */
__attribute__((noinline)) static void set_slot(node_ctx *c, const plan_pin *p, value v) {
    if (!p || p->dir != DIR_OUT || p->type == PT_EXECUTION) return;
    if (c->tv) {
        traced_set(c, p, v);
        return;
    }
    store_slot(c->s, p, v);
}

void ctx_dyn_set(node_ctx *c, size_t i, value v) {
    if (i < c->n->ndyn) set_slot(c, &c->n->pins[c->n->dyn_first + i], v);
}

/* ---- outputs ------------------------------------------------------------------ */

void ctx_set_k(node_ctx *c, int pin, size_t k, value v) { set_slot(c, pin_at(c, pin, k), v); }
void ctx_set(node_ctx *c, int pin, value v) { ctx_set_k(c, pin, 0, v); }
void ctx_set_int(node_ctx *c, int pin, int64_t i) { ctx_set(c, pin, value_int(i)); }
void ctx_set_float(node_ctx *c, int pin, double f) { ctx_set(c, pin, value_float(f)); }
void ctx_set_bool(node_ctx *c, int pin, bool b) { ctx_set(c, pin, value_bool(b)); }

int ctx_set_str(node_ctx *c, int pin, const char *s, size_t len) {
    if (len > STRING_MAX_BYTES)
        return ctx_fail(c, "output %s: string of %zu bytes exceeds the limit of %u", c->n->def->pins[pin].name, len,
                        STRING_MAX_BYTES);
    value v = value_string(s, len);
    if (v.kind == V_NULL) return ctx_fail(c, "output %s: not valid UTF-8 text", c->n->def->pins[pin].name);
    ctx_set(c, pin, v);
    value_release(v);
    return 0;
}

int ctx_set_json(node_ctx *c, int pin, json_t *j) {
    if (!j) return ctx_fail(c, "out of memory");
    value v = value_from_json_steal(j);
    ctx_set(c, pin, v);
    value_release(v);
    return 0;
}

/* Called after every run of a node: outputs of a node that read a secret
 * become secret; boxed temporaries are released. */
void ctx_finish(node_ctx *c) {
    if (c->tainted) {
        for (uint16_t i = 0; i < c->n->npins; i++) {
            const plan_pin *p = &c->n->pins[i];
            if (p->dir == DIR_OUT && p->type != PT_EXECUTION) c->s->slots[p->slot].secret = 1;
        }
    }
    for (size_t i = 0; i < c->ntemps; i++) json_decref(c->temps[i]);
    free(c->temps);
    c->temps = NULL;
    c->ntemps = c->captemps = 0;
}

/* ---- execution ------------------------------------------------------------------ */

void ctx_activate_k(node_ctx *c, int pin, size_t k) {
    const plan_pin *p = pin_at(c, pin, k);
    if (!p || p->type != PT_EXECUTION || p->dir != DIR_OUT) return;
    if (c->nact == ACT_MAX) {
        ctx_fail(c, "a node may activate at most %d execution outputs", ACT_MAX);
        return;
    }
    c->act[c->nact++] = (uint16_t)(p - c->n->pins);
}

void ctx_activate(node_ctx *c, int pin) { ctx_activate_k(c, pin, 0); }

bool ctx_is_wired(node_ctx *c, int pin, size_t k) {
    const plan_pin *p = pin_at(c, pin, k);
    return p && p->next_node != PIN_NONE;
}

int ctx_fire_k(node_ctx *c, int pin, size_t k) {
    const plan_pin *p = pin_at(c, pin, k);
    if (!p || p->next_node == PIN_NONE) return strand_stopped(c->s, false) ? NODE_ABORT : NODE_OK;
    int rc = engine_chain(c->s, p->next_node, p->next_pin);
    c->s->epoch++; /* values read after the body are read afresh */
    return rc;
}

int ctx_fire(node_ctx *c, int pin) { return ctx_fire_k(c, pin, 0); }

int ctx_fire_timeout(node_ctx *c, int pin, double ms, bool *timed_out) {
    strand *s = c->s;
    *timed_out = false;
    if (!(ms >= 0)) ms = 0;
    uint64_t mine = mono_ns() + (uint64_t)(fmin(ms, 1e12) * 1e6);
    uint64_t saved = s->deadline_ns;
    if (mine < s->deadline_ns) s->deadline_ns = mine;
    int rc = NODE_OK;
    if (strand_stopped(s, true)) rc = NODE_ABORT;
    else rc = ctx_fire(c, pin);
    s->deadline_ns = saved;
    if (rc == NODE_ABORT && s->abort == AB_SCOPE && mine <= s->abort_deadline) {
        s->abort = AB_NONE;   /* our own deadline: the body was stopped, the run goes on */
        *timed_out = true;
        return NODE_OK;
    }
    return rc;
}

int ctx_trigger(node_ctx *c, size_t *k) {
    if (c->trigger < 0) return -1;
    const plan_pin *p = &c->n->pins[c->trigger];
    if (k) *k = p->copy;
    return p->def_pin;
}

/* ---- everything else ------------------------------------------------------------------ */

int ctx_fail(node_ctx *c, const char *fmt, ...) {
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    /* A node that read a secret may quote a fragment of it in its message
     * (a parser's "near 'abc…'"), which masking of whole secrets cannot
     * catch: such a node's error says only that it failed. */
    if (c->tainted) {
        free(msg);
        msg = strdup("the node failed on a value derived from a secret (details withheld)");
    }
    free(c->fail_msg);
    c->fail_msg = msg;
    c->fail_node = c->n->id;
    c->failed_pure = false;
    return NODE_FAIL;
}

void *ctx_state_lock(node_ctx *c) {
    pthread_mutex_lock(&c->s->r->mu);
    return c->s->r->state + c->n->state_off;
}

void ctx_state_unlock(node_ctx *c) { pthread_mutex_unlock(&c->s->r->mu); }

void ctx_publish(node_ctx *c) { strand_publish(c->s); }
void ctx_refresh(node_ctx *c) { strand_refresh(c->s); }
const char *ctx_node_id(node_ctx *c) { return c->n->id; }
json_t *ctx_node_json(node_ctx *c) { return c->n->json; }
json_t *ctx_payload(node_ctx *c) { return c->s->r->payload; }
bool ctx_allow_private_net(node_ctx *c) { return c->s->r->req.allow_private_net; }

void ctx_log(node_ctx *c, int level, value message) {
    run *r = c->s->r;
    char *text;
    if (message.secret || c->tainted) {
        text = strdup("***");
    } else if (value_is_string(message)) {
        size_t len;
        const char *s = value_str(message, &len);
        text = redact_text(r, s, len);
    } else {
        json_t *j = value_to_json(message);
        char *raw = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        json_decref(j);
        text = raw ? redact_text(r, raw, strlen(raw)) : NULL;
        free(raw);
    }
    if (!text) return;
    if (r->req.on_event) {
        run_event ev = {.kind = EV_LOG, .node_id = c->n->id, .node_type = c->n->type, .level = level,
                        .message = text, .at_us = run_us(r)};
        r->req.on_event(r->req.ud, &ev);
    }
    if (r->req.discard_logs) {
        free(text);
        return;
    }
    size_t len = strlen(text);
    pthread_mutex_lock(&r->mu);
    if (r->nlogs >= RUN_MAX_LOG_ENTRIES || r->log_bytes + len > RUN_MAX_LOG_BYTES) {
        r->logs_truncated = true;
    } else {
        if (r->nlogs == r->caplogs) {
            size_t cap = r->caplogs ? r->caplogs * 2 : 16;
            log_entry *l = arena_alloc(&r->mem, cap * sizeof *l);
            if (l && r->nlogs) memcpy(l, r->logs, r->nlogs * sizeof *l);
            if (l) {
                r->logs = l;
                r->caplogs = cap;
            }
        }
        char *copy = arena_strndup(&r->mem, text, len);
        if (r->nlogs < r->caplogs && copy) {
            r->logs[r->nlogs++] = (log_entry){c->n->id, level & 3, copy};
            r->log_bytes += len;
        } else {
            r->logs_truncated = true;
        }
    }
    pthread_mutex_unlock(&r->mu);
    free(text);
}

void ctx_set_result(node_ctx *c, value v) {
    run *r = c->s->r;
    if (c->tainted) v.secret = 1;
    pthread_mutex_lock(&r->mu);
    value_assign(&r->result, v);
    r->has_result = true;
    pthread_mutex_unlock(&r->mu);
}

int ctx_var_get(node_ctx *c, value *out) {
    run *r = c->s->r;
    if (c->n->var < 0) return ctx_fail(c, "no variable");
    pthread_mutex_lock(&r->mu);
    *out = r->vars[c->n->var];
    value_retain(*out);
    pthread_mutex_unlock(&r->mu);
    if (out->secret || r->p->vars[c->n->var].secret) c->tainted = true;
    return 0;
}

/* Set variable vi to v, checked against its type. */
static int var_set_index(node_ctx *c, int32_t vi, value v) {
    run *r = c->s->r;
    const plan_var *pv = &r->p->vars[vi];
    if (pv->type == PT_FLOAT && pv->shape == VS_NORMAL && v.kind == V_INT) v = value_float((double)v.u.i);
    json_t *j = value_to_json(v);
    const char *why = "out of memory";
    bool ok = j && typecheck_json(j, pv->type, pv->shape, &why);
    json_decref(j);
    if (!ok) return ctx_fail(c, "variable %s: %s, got %s", pv->id, why, value_kind_name(v));
    if (pv->secret || c->tainted) {
        v.secret = 1;
        redact_collect(r, v);
    }
    pthread_mutex_lock(&r->mu);
    value_assign(&r->vars[vi], v);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

int ctx_var_set(node_ctx *c, value v) {
    if (c->n->var < 0) return ctx_fail(c, "no variable");
    return var_set_index(c, c->n->var, v);
}

json_t *ctx_variables_json(node_ctx *c) {
    run *r = c->s->r;
    json_t *o = json_object();
    if (!o) return NULL;
    pthread_mutex_lock(&r->mu);
    for (uint32_t i = 0; i < r->p->nvars; i++) {
        if (r->p->vars[i].secret || r->vars[i].secret) continue; /* secrets are never handed out */
        json_t *j = value_to_json(r->vars[i]);
        if (j) json_object_set_new(o, r->p->vars[i].id, j);
    }
    pthread_mutex_unlock(&r->mu);
    return o;
}

int ctx_variable_set_by_id(node_ctx *c, const char *id, json_t *j) {
    run *r = c->s->r;
    int32_t vi = plan_find_var(r->p, id);
    if (vi < 0 || r->p->vars[vi].secret) return ctx_fail(c, "no variable \"%s\" to set", id);
    value v = value_from_json(j);
    int rc = var_set_index(c, vi, v);
    value_release(v);
    return rc;
}

/* ---- time ------------------------------------------------------------------ */

static int wake_fd(run *r) {
    int fd = atomic_load(&r->wakefd);
    if (fd >= 0) return fd;
    int nfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (nfd < 0) return -1;
    int expected = -1;
    if (!atomic_compare_exchange_strong(&r->wakefd, &expected, nfd)) {
        close(nfd);
        return expected;
    }
    /* a stop raised before the fd existed must still wake us */
    if (atomic_load(&r->stop)) {
        uint64_t one = 1;
        ssize_t n = write(nfd, &one, sizeof one);
        (void)n;
    }
    return nfd;
}

bool ctx_should_stop(node_ctx *c) { return strand_stopped(c->s, true); }

double ctx_ms_left(node_ctx *c) {
    uint64_t now = mono_ns(), dl = c->s->deadline_ns;
    return dl > now ? (double)(dl - now) / 1e6 : 0.0;
}

int ctx_sleep(node_ctx *c, double ms) {
    if (!(ms > 0)) return strand_stopped(c->s, true) ? NODE_ABORT : NODE_OK;
    uint64_t until = mono_ns() + (uint64_t)(fmin(ms, 1e12) * 1e6);
    int fd = wake_fd(c->s->r);
    for (;;) {
        if (strand_stopped(c->s, true)) return NODE_ABORT;
        uint64_t now = mono_ns();
        if (now >= until) return NODE_OK;
        uint64_t end = until < c->s->deadline_ns ? until : c->s->deadline_ns;
        uint64_t wait_ms = end > now ? (end - now + 999999) / 1000000 : 0;
        if (wait_ms > 1000) wait_ms = 1000;
        if (fd >= 0) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            poll(&pfd, 1, (int)wait_ms);
        } else {
            usleep((useconds_t)(wait_ms > 10 ? 10000 : wait_ms * 1000));
        }
    }
}

/* ---- storage locations ---------------------------------------------------------- */

/* A name safe as one directory component is kept as is; any other name is
 * hex-encoded with an "x-" prefix, so two ids never share a directory. Names
 * whose encoding would pass STORAGE_DIR_NAME_MAX are refused (-1). */
#define STORAGE_DIR_NAME_MAX 250
static int append_component(strbuf *sb, const char *name) {
    size_t len = strlen(name);
    bool safe = len > 0 && len <= STORAGE_DIR_NAME_MAX && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
                strncmp(name, "x-", 2) != 0;
    for (size_t i = 0; safe && i < len; i++) {
        char ch = name[i];
        safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
               ch == '-' || ch == '.';
    }
    if (safe) {
        sb_append(sb, name, len);
        return 0;
    }
    if (len == 0 || 2 + 2 * len > STORAGE_DIR_NAME_MAX) return -1;
    sb_puts(sb, "x-");
    for (size_t i = 0; i < len; i++) sb_printf(sb, "%02x", (unsigned char)name[i]);
    return 0;
}

const char *ctx_data_dir(node_ctx *c) {
    const char *d = c->s->r->req.data_dir;
    return d ? d : "";
}

char *ctx_storage_root(node_ctx *c, const char *scope_node) {
    run *r = c->s->r;
    if (!r->req.data_dir) {
        ctx_fail(c, "storage is not available: no data directory");
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, r->req.data_dir);
    sb_puts(&sb, "/storage/");
    int bad = append_component(&sb, r->req.app_id ? r->req.app_id : "local");
    sb_puts(&sb, "/boards/");
    bad |= append_component(&sb, r->p->board_id ? r->p->board_id : "board");
    if (scope_node) {
        sb_puts(&sb, "/nodes/");
        bad |= append_component(&sb, scope_node);
    }
    if (bad) {
        sb_free(&sb);
        ctx_fail(c, "the board or node id is too long to name a storage directory (at most %d bytes of "
                    "letters, digits, '.', '-', '_', or %d other bytes)",
                 STORAGE_DIR_NAME_MAX, (STORAGE_DIR_NAME_MAX - 2) / 2);
        return NULL;
    }
    char *path = sb_take(&sb);
    if (!path) ctx_fail(c, "out of memory");
    return path;
}

char *ctx_package_storage_dir(node_ctx *c, const char *package_id) {
    run *r = c->s->r;
    if (!r->req.data_dir) {
        ctx_fail(c, "storage is not available: no data directory");
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, r->req.data_dir);
    sb_puts(&sb, "/storage/");
    int bad = append_component(&sb, ctx_app_id(c));
    sb_puts(&sb, "/packages/");
    bad |= append_component(&sb, package_id);
    if (bad) {
        sb_free(&sb);
        ctx_fail(c, "the app or package id cannot name a storage directory");
        return NULL;
    }
    char *path = sb_take(&sb);
    if (!path) ctx_fail(c, "out of memory");
    return path;
}

const node_def *ctx_def(node_ctx *c) { return c->n->def; }
const char *ctx_run_id(node_ctx *c) { return c->s->r->id; }
const char *ctx_app_id(node_ctx *c) { return c->s->r->req.app_id ? c->s->r->req.app_id : "local"; }
const char *ctx_board_id(node_ctx *c) { return c->s->r->p->board_id ? c->s->r->p->board_id : ""; }
