/* trace.c — the run trace (run_request.trace): one entry per node
 * execution, with the values the node read and set.
 *
 * Capture is cheap: a node context keeps references to the values as they
 * are read and set (ctx_trace_note); at the end of the execution each is
 * sized, bounded by RUN_TRACE_MAX_VALUE_BYTES, and charged against the run's
 * RUN_TRACE_MAX_BYTES, which bounds the memory the trace holds alive. Values
 * are converted to JSON and redacted only in run_report, so secrets learned
 * later in the run are masked too. */
#include "engine/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsontext.h"
#include "base/limits.h"
#include "base/textfmt.h"

#define DUMP_FLAGS (JSON_ENCODE_ANY | JSON_COMPACT)

/* Counts the bytes jansson writes, keeping the first `cap` of them; refusing
 * past `limit` stops the dump, so sizing a huge value costs `limit` bytes. */
typedef struct sizer {
    size_t n, limit, cap;
    char *buf;
} sizer;

static int size_cb(const char *buf, size_t size, void *data) {
    sizer *z = data;
    if (z->n < z->cap) memcpy(z->buf + z->n, buf, size < z->cap - z->n ? size : z->cap - z->n);
    z->n += size;
    return z->n > z->limit ? -1 : 0;
}

/* A value over the per-value limit becomes its preview: the first bytes of
 * its JSON text, secrets known now masked (the report masks again). */
static void summarize(run *r, trace_val *t) {
    char buf[RUN_TRACE_PREVIEW_BYTES + 1];
    sizer z = {.limit = SIZE_MAX, .cap = sizeof buf, .buf = buf};
    json_t *j = redact_value(r, t->v);
    if (j && json_dump_callback(j, size_cb, &z, DUMP_FLAGS) == 0 && z.n <= RUN_TRACE_MAX_VALUE_BYTES) {
        value_release(t->v); /* masking made it fit: keep the masked value */
        t->v = value_from_json_steal(j);
        return;
    }
    json_decref(j);
    value_release(t->v);
    t->v = value_string(buf, utf8_cut(buf, z.n < sizeof buf ? z.n : sizeof buf, RUN_TRACE_PREVIEW_BYTES));
    t->big = 1;
    t->bytes = z.n;
}

/* Bytes the value will take in the report (compact JSON), after turning a
 * secret into its bit and an oversized value into its summary. */
static size_t charge(run *r, trace_val *t) {
    value v = t->v;
    if (v.secret) {
        value_release(v); /* shown as "***": hold nothing */
        t->v = (value){.kind = V_NULL, .secret = 1};
        return 5;
    }
    switch ((value_kind)v.kind) {
    case V_NULL: return 4;
    case V_BOOL: return v.u.b ? 4 : 5;
    case V_INT: {
        size_t n = v.u.i < 0 ? 2 : 1; /* digits counted, not printed: snprintf would cost more than all else */
        for (uint64_t u = v.u.i < 0 ? -(uint64_t)v.u.i : (uint64_t)v.u.i; u >= 10; u /= 10) n++;
        return n;
    }
    case V_FLOAT: return 24; /* at most, as %.17g */
    case V_JSON: break;
    }
    if (!(json_is_string(v.u.j) && json_string_length(v.u.j) > RUN_TRACE_MAX_VALUE_BYTES)) {
        size_t n = json_text_size(v.u.j, RUN_TRACE_MAX_VALUE_BYTES);
        if (n <= RUN_TRACE_MAX_VALUE_BYTES) return n;
    }
    summarize(r, t);
    /* a summary counts as a full value: at most RUN_TRACE_MAX_BYTES /
     * RUN_TRACE_MAX_VALUE_BYTES big values are serialized per run */
    return t->big ? RUN_TRACE_MAX_VALUE_BYTES : charge(r, t);
}

static void release_vals(trace_val *v, size_t n) {
    for (size_t i = 0; i < n; i++) value_release(v[i].v);
}

void engine_trace(node_ctx *c, bool failed, uint64_t start_us, uint64_t end_us) {
    run *r = c->s->r;
    const char *err = failed ? (c->fail_msg ? c->fail_msg : "the node failed") : NULL;
    trace_rec *tv = c->tv;
    bool keep = tv && !atomic_load_explicit(&r->trace_vals_full, memory_order_relaxed);
    size_t need = 0;
    for (uint16_t i = 0; keep && i < tv->n; i++) {
        trace_val *t = &tv->vals[i];
        const plan_pin *p = &c->n->pins[t->pin];
        if (c->tainted && p->dir == DIR_OUT) t->v.secret = 1; /* as ctx_finish marked the pins */
        need += strlen(p->name) + 8 + charge(r, t);
    }
    /* a failure read from a pure node upstream names it (its own entry came first) */
    const char *from = err && c->fail_node != c->n->id ? c->fail_node : NULL;
    if (keep && err) need += strlen(err) + (from ? strlen(from) + 12 : 0);
    pthread_mutex_lock(&r->mu);
    if (r->ntrace >= RUN_MAX_TRACE_ENTRIES) {
        r->trace_truncated = true;
        atomic_store(&r->trace_vals_full, true); /* stop sizing values no entry will keep */
    } else {
        if (r->ntrace == r->captrace) {
            size_t cap = r->captrace ? r->captrace * 2 : 64;
            trace_entry *t = arena_alloc(&r->mem, cap * sizeof *t);
            if (t && r->ntrace) memcpy(t, r->trace, r->ntrace * sizeof *t);
            if (t) {
                r->trace = t;
                r->captrace = cap;
            }
        }
        if (r->ntrace < r->captrace) {
            trace_entry *e = &r->trace[r->ntrace++];
            *e = (trace_entry){.node = c->idx, .failed = failed, .start_us = start_us,
                               .duration_us = end_us - start_us};
            if (keep && r->trace_bytes + need <= RUN_TRACE_MAX_BYTES) {
                e->vals = tv->n ? arena_alloc(&r->mem, tv->n * sizeof *e->vals) : NULL;
                e->error = !err ? NULL : from ? arena_printf(&r->mem, "from node %s: %s", from, err)
                                              : arena_strdup(&r->mem, err);
                if ((e->vals || !tv->n) && (e->error || !err)) {
                    if (tv->n) memcpy(e->vals, tv->vals, tv->n * sizeof *e->vals);
                    e->nvals = tv->n;
                    e->has_vals = 1;
                    tv->n = 0; /* the entry owns the references now */
                    r->trace_bytes += need;
                }
            }
            /* an entry without its values: this one and every later one */
            if (tv && !e->has_vals) atomic_store(&r->trace_vals_full, true);
        } else {
            r->trace_truncated = true;
        }
    }
    pthread_mutex_unlock(&r->mu);
    if (tv) {
        release_vals(tv->vals, tv->n);
        free(tv->vals);
        *tv = (trace_rec){0};
    }
}

void trace_free(run *r) {
    for (size_t i = 0; i < r->ntrace; i++) release_vals(r->trace[i].vals, r->trace[i].nvals);
}

static json_t *val_json(run *r, const trace_val *t) {
    if (!t->big) return redact_value(r, t->v);
    size_t len;
    const char *s = value_str(t->v, &len);
    char *masked = redact_cut_text(r, s ? s : "", s ? len : 0);
    json_t *pre = masked ? json_string(masked) : NULL;
    free(masked);
    return json_pack("{s:b, s:I, s:o}", "truncated", 1, "bytes", (json_int_t)t->bytes, "preview",
                     pre ? pre : json_string(""));
}

json_t *trace_report(run *r) {
    json_t *tr = json_array();
    for (size_t i = 0; i < r->ntrace; i++) {
        const trace_entry *t = &r->trace[i];
        const plan_node *n = &r->p->nodes[t->node];
        json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:I}", "node", n->id, "type", n->type, "status",
                              t->failed ? "failed" : "ok", "start_us", (json_int_t)t->start_us, "duration_us",
                              (json_int_t)t->duration_us);
        if (t->has_vals) {
            json_t *in = json_object(), *out = json_object();
            for (uint16_t k = 0; k < t->nvals; k++) {
                const plan_pin *p = &n->pins[t->vals[k].pin];
                char key[64];
                /* copies of a repeated pin (a catalog pin: a short name) as in boards: "boolean#2" */
                if (p->copy) snprintf(key, sizeof key, "%s#%u", p->name, p->copy + 1u);
                json_object_set_new(p->dir == DIR_OUT ? out : in, p->copy ? key : p->name, val_json(r, &t->vals[k]));
            }
            json_object_set_new(e, "inputs", in);
            json_object_set_new(e, "outputs", out);
            if (t->error) {
                char *m = redact_text(r, t->error, strlen(t->error));
                json_object_set_new(e, "error", json_string(m ? m : "***"));
                free(m);
            }
        }
        json_array_append_new(tr, e);
    }
    return tr;
}

/* ---- the same report as text (trace_write), without building it as JSON ---- */

/* A value as val_json would make it, written straight: only values that
 * need masking are copied. */
static void write_val(run *r, const trace_val *t, strbuf *sb) {
    value v = t->v;
    if (t->big || v.secret || (v.kind == V_JSON && r->nsecrets)) {
        json_t *j = val_json(r, t);
        sb_json(sb, j ? j : json_null());
        json_decref(j);
        return;
    }
    switch ((value_kind)v.kind) {
    case V_NULL: sb_append(sb, "null", 4); return;
    case V_BOOL: sb_puts(sb, v.u.b ? "true" : "false"); return;
    case V_JSON: sb_json(sb, v.u.j); return;
    case V_INT:
    case V_FLOAT: {
        json_t *j = value_to_json(v);
        sb_json(sb, j ? j : json_null());
        json_decref(j);
        return;
    }
    }
}

/* The pin key of a value ("name", or "name#2" for a repeated pin's copy). */
static const char *pin_key(const plan_pin *p, char *buf, size_t n) {
    if (!p->copy) return p->name;
    snprintf(buf, n, "%s#%u", p->name, p->copy + 1u);
    return buf;
}

/* One side (inputs or outputs) of an entry: like a JSON object, a pin noted
 * twice keeps its first place and its last value. */
static void write_side(run *r, const trace_entry *t, const plan_node *n, int dir, strbuf *sb) {
    sb_putc(sb, '{');
    bool first = true;
    for (uint16_t k = 0; k < t->nvals; k++) {
        const plan_pin *p = &n->pins[t->vals[k].pin];
        if ((p->dir == DIR_OUT) != (dir == DIR_OUT)) continue;
        bool seen = false;
        for (uint16_t e = 0; e < k && !seen; e++) seen = t->vals[e].pin == t->vals[k].pin;
        if (seen) continue;
        uint16_t last = k;
        for (uint16_t e = k + 1; e < t->nvals; e++)
            if (t->vals[e].pin == t->vals[k].pin) last = e;
        char key[64];
        const char *name = pin_key(p, key, sizeof key);
        if (!first) sb_putc(sb, ',');
        first = false;
        sb_json_string(sb, name, strlen(name));
        sb_putc(sb, ':');
        write_val(r, &t->vals[last], sb);
    }
    sb_putc(sb, '}');
}

static void write_uint(strbuf *sb, uint64_t u) {
    char buf[24], *p = buf + sizeof buf;
    do *--p = (char)('0' + u % 10);
    while (u /= 10);
    sb_append(sb, p, (size_t)(buf + sizeof buf - p));
}

void trace_write(run *r, strbuf *sb) {
    sb_putc(sb, '[');
    for (size_t i = 0; i < r->ntrace; i++) {
        const trace_entry *t = &r->trace[i];
        const plan_node *n = &r->p->nodes[t->node];
        if (i) sb_putc(sb, ',');
        sb_puts(sb, "{\"node\":");
        sb_json_string(sb, n->id, strlen(n->id));
        sb_puts(sb, ",\"type\":");
        sb_json_string(sb, n->type, strlen(n->type));
        sb_puts(sb, t->failed ? ",\"status\":\"failed\",\"start_us\":" : ",\"status\":\"ok\",\"start_us\":");
        write_uint(sb, t->start_us);
        sb_puts(sb, ",\"duration_us\":");
        write_uint(sb, t->duration_us);
        if (t->has_vals) {
            sb_puts(sb, ",\"inputs\":");
            write_side(r, t, n, DIR_IN, sb);
            sb_puts(sb, ",\"outputs\":");
            write_side(r, t, n, DIR_OUT, sb);
            if (t->error) {
                char *m = redact_text(r, t->error, strlen(t->error));
                sb_puts(sb, ",\"error\":");
                sb_json_string(sb, m ? m : "***", m ? strlen(m) : 3);
                free(m);
            }
        }
        sb_putc(sb, '}');
    }
    sb_putc(sb, ']');
}

size_t run_trace_count(const run *r) { return r->ntrace; }

bool run_trace_at(const run *r, size_t i, const char **type, uint64_t *duration_us) {
    if (i >= r->ntrace) return false;
    *type = r->p->nodes[r->trace[i].node].type;
    *duration_us = r->trace[i].duration_us;
    return true;
}
