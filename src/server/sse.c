/* sse.c — see sse.h. One mutex guards the hub's list; each stream has its own
 * for its buffer. A stream stays linked in the hub until its request ends
 * (sse_stream_release), so publish never touches a freed stream. */
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "server/srv.h"
#include "server/sse.h"

struct srv_stream {
    srv_stream *next;
    sse_hub *hub;
    struct MHD_Connection *conn;
    char app_id[ID_MAX];
    char run_id[ID_MAX];     /* "" for an app stream */
    pthread_mutex_t mu;
    strbuf pending;
    size_t head_len;         /* bytes of pending before the first published event */
    size_t sent;             /* bytes of pending already given to MHD */
    bool closing;            /* end after pending */
    bool suspended;
    bool linked;
};

struct sse_hub {
    pthread_mutex_t mu;
    srv_stream *head;
    atomic_int count;
};

sse_hub *sse_hub_new(void) {
    sse_hub *h = calloc(1, sizeof *h);
    if (h) pthread_mutex_init(&h->mu, NULL);
    return h;
}

void sse_hub_free(sse_hub *h) {
    if (!h) return;
    pthread_mutex_destroy(&h->mu);
    free(h);
}

bool sse_wanted(sse_hub *h, const char *app_id, const char *run_id) {
    (void)app_id, (void)run_id;
    return h && atomic_load_explicit(&h->count, memory_order_relaxed) > 0;
}

/* Caller holds st->mu. Wake the connection if it sleeps. */
static void stream_wake(srv_stream *st) {
    if (st->suspended) {
        st->suspended = false;
        MHD_resume_connection(st->conn);
    }
}

static void stream_put(srv_stream *st, const char *text, size_t len) {
    pthread_mutex_lock(&st->mu);
    if (!st->closing) {
        if (st->pending.len - st->sent + len > SSE_MAX_PENDING_BYTES) {
            const char *ov = "event: overflow\ndata: {\"message\":\"this client fell too far behind; events were not delivered, reconnect and fetch the run\"}\n\n";
            sb_puts(&st->pending, ov);
            st->closing = true;
        } else {
            sb_append(&st->pending, text, len);
        }
        stream_wake(st);
    }
    pthread_mutex_unlock(&st->mu);
}

static void format_event(strbuf *sb, const char *event, json_t *data) {
    char *d = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
    sb_printf(sb, "event: %s\ndata: %s\n\n", event, d ? d : "null");
    free(d);
}

void sse_publish(sse_hub *h, const char *app_id, const char *run_id, const char *event, json_t *data) {
    if (!sse_wanted(h, app_id, run_id)) { json_decref(data); return; }
    strbuf sb = STRBUF_INIT;
    format_event(&sb, event, data);
    json_decref(data);
    pthread_mutex_lock(&h->mu);
    for (srv_stream *st = h->head; st; st = st->next) {
        if (strcmp(st->app_id, app_id) != 0) continue;
        if (st->run_id[0] && (!run_id || strcmp(st->run_id, run_id) != 0)) continue;
        stream_put(st, sb_str(&sb), sb.len);
    }
    pthread_mutex_unlock(&h->mu);
    sb_free(&sb);
}

void sse_stream_send_first(srv_stream *st, const char *event, json_t *data, bool close_after) {
    strbuf sb = STRBUF_INIT;
    format_event(&sb, event, data);
    json_decref(data);
    pthread_mutex_lock(&st->mu);
    /* Ahead of what was published since subscribing (nothing is sent before
     * the handler returns); a stream already closed by the run's end has its
     * run_finished and needs nothing more. */
    if (!st->closing && st->sent <= st->head_len) {
        strbuf rest = STRBUF_INIT;
        sb_append(&rest, st->pending.data + st->head_len, st->pending.len - st->head_len);
        st->pending.len = st->head_len;
        sb_append(&st->pending, sb_str(&sb), sb.len);
        sb_append(&st->pending, sb_str(&rest), rest.len);
        st->head_len += sb.len;
        sb_free(&rest);
    }
    if (close_after) st->closing = true;
    stream_wake(st);
    pthread_mutex_unlock(&st->mu);
    sb_free(&sb);
}

void sse_close_run(sse_hub *h, const char *run_id) {
    if (!sse_wanted(h, NULL, run_id)) return;
    pthread_mutex_lock(&h->mu);
    for (srv_stream *st = h->head; st; st = st->next) {
        if (!st->run_id[0] || strcmp(st->run_id, run_id) != 0) continue;
        pthread_mutex_lock(&st->mu);
        st->closing = true;
        stream_wake(st);
        pthread_mutex_unlock(&st->mu);
    }
    pthread_mutex_unlock(&h->mu);
}

void sse_keepalive(sse_hub *h) {
    if (!sse_wanted(h, NULL, NULL)) return;
    pthread_mutex_lock(&h->mu);
    for (srv_stream *st = h->head; st; st = st->next) stream_put(st, ": keep-alive\n\n", 14);
    pthread_mutex_unlock(&h->mu);
}

void sse_hub_close_all(sse_hub *h) {
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    for (srv_stream *st = h->head; st; st = st->next) {
        pthread_mutex_lock(&st->mu);
        st->closing = true;
        stream_wake(st);
        pthread_mutex_unlock(&st->mu);
    }
    pthread_mutex_unlock(&h->mu);
}

bool sse_subscribe(sse_hub *h, srv_req *r, const char *app_id, const char *run_id, json_t *first, bool close_after) {
    if (atomic_load(&h->count) >= SSE_MAX_SUBSCRIBERS) {
        json_decref(first);
        srv_problem(r, 503, "too_many_streams", "the server has %d open event streams (SSE_MAX_SUBSCRIBERS)", SSE_MAX_SUBSCRIBERS);
        return false;
    }
    srv_stream *st = calloc(1, sizeof *st);
    if (!st) { json_decref(first); srv_problem(r, 500, "internal", "out of memory"); return false; }
    pthread_mutex_init(&st->mu, NULL);
    st->hub = h;
    st->conn = r->conn;
    str_copy(st->app_id, sizeof st->app_id, app_id);
    str_copy(st->run_id, sizeof st->run_id, run_id);   /* NULL (an app stream): "" */
    sb_puts(&st->pending, "retry: 2000\n\n");
    size_t i;
    json_t *ev;
    json_array_foreach(first, i, ev) format_event(&st->pending, json_string_value(json_object_get(ev, "event")), json_object_get(ev, "data"));
    json_decref(first);
    st->head_len = st->pending.len;
    st->closing = close_after;
    pthread_mutex_lock(&h->mu);
    st->next = h->head;
    h->head = st;
    st->linked = true;
    atomic_fetch_add(&h->count, 1);
    pthread_mutex_unlock(&h->mu);
    r->stream = st;
    r->status = 200;
    r->ctype = "text/event-stream";
    return true;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)pos;
    srv_stream *st = cls;
    pthread_mutex_lock(&st->mu);
    size_t avail = st->pending.len - st->sent;
    if (avail) {
        size_t n = avail < max ? avail : max;
        memcpy(buf, st->pending.data + st->sent, n);
        st->sent += n;
        if (st->sent == st->pending.len) { st->pending.len = 0; st->sent = 0; if (st->pending.data) st->pending.data[0] = 0; }
        pthread_mutex_unlock(&st->mu);
        return (ssize_t)n;
    }
    if (st->closing) {
        pthread_mutex_unlock(&st->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    /* Nothing to say: sleep until publish wakes us (libmicrohttpd's pattern
     * for a reader without data: suspend, return 0). */
    st->suspended = true;
    MHD_suspend_connection(st->conn);
    pthread_mutex_unlock(&st->mu);
    return 0;
}

struct MHD_Response *sse_response(srv_req *r) {
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, r->stream, NULL);
    if (resp) MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return resp;
}

void sse_stream_release(srv_stream *st) {
    sse_hub *h = st->hub;
    pthread_mutex_lock(&h->mu);
    if (st->linked) {
        for (srv_stream **pp = &h->head; *pp; pp = &(*pp)->next)
            if (*pp == st) { *pp = st->next; break; }
        st->linked = false;
        atomic_fetch_sub(&h->count, 1);
    }
    pthread_mutex_unlock(&h->mu);
    sb_free(&st->pending);
    pthread_mutex_destroy(&st->mu);
    free(st);
}
