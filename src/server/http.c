/* http.c — libmicrohttpd glue: read a request within its limits, pass it
 * through rate limits, authentication and authorization, call its handler,
 * send the answer. Also the small helpers of srv.h that build answers. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/textfmt.h"
#include "server/http.h"
#include "base/jsontext.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "server/srv.h"
#include "server/sse.h"

/* ---- answers ------------------------------------------------------------------ */

void srv_json(srv_req *r, unsigned status, json_t *body) {
    free(r->resp);
    strbuf sb = STRBUF_INIT;
    sb_json(&sb, body);
    r->resp_len = body && !sb.oom ? sb.len : 0;
    r->resp = body ? sb_take(&sb) : NULL;
    r->status = status;
    r->ctype = "application/json";
    json_decref(body);
}

void srv_json_text(srv_req *r, unsigned status, char *text) {
    free(r->resp);
    r->resp = text;
    r->resp_len = text ? strlen(text) : 0;
    r->status = status;
    r->ctype = "application/json";
}

static const char *status_title(unsigned s) {
    switch (s) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

void srv_problem(srv_req *r, unsigned status, const char *code, const char *fmt, ...) {
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title", status_title(status),
                          "status", (int)status, "detail", detail, "code", code);
    srv_json(r, status, p);
    r->ctype = "application/problem+json";
}

void srv_header_add(srv_req *r, const char *name, const char *value) {
    if (r->nhdr >= SRV_MAX_RESP_HEADERS) return;
    r->hdr_name[r->nhdr] = name;
    r->hdr_value[r->nhdr++] = strdup(value);
}

bool srv_db_failed(srv_req *r, int rc, const db_err *e, const char *conflict_msg) {
    if (rc >= 0) return false;
    if (rc == DB_CONFLICT && conflict_msg) {
        srv_problem(r, 409, "conflict", "%s", conflict_msg);
        return true;
    }
    srv_log(SLOG_ERROR, "store error", json_pack("{s:s, s:s}", "route", r->route ? r->route->op_id : "?",
                                                "error", e ? e->msg : "?"));
    if (rc == DB_BUSY) srv_problem(r, 503, "busy", "the store is busy; try again");
    else srv_problem(r, 500, "internal", "the request could not be completed");
    return true;
}

db_rows *srv_rows(srv_req *r, const char *sql, const char *arg) {
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(arg)};
    if (srv_db_failed(r, db_exec(r->srv->db, sql, p, 1, &rows, &e), &e, NULL)) return NULL;
    return rows;
}

void srv_json_page(srv_req *r, db_rows *rows, size_t limit, json_t *(*item)(const db_rows *rows, size_t i)) {
    json_t *items = json_array();
    size_t n = db_rows_count(rows);
    for (size_t i = 0; i < n && i < limit; i++) json_array_append_new(items, item(rows, i));
    json_t *next = n > limit ? json_string(db_rows_text(rows, limit - 1, 0)) : json_null();
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

const char *srv_param(const srv_req *r, const char *name) {
    for (int i = 0; i < ROUTE_MAX_PARAMS && r->param_names[i][0]; i++)
        if (!strcmp(r->param_names[i], name)) return r->params[i];
    return NULL;
}

const char *srv_query(const srv_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *srv_header(const srv_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

json_t *srv_body_json(srv_req *r) {
    const char *ct = srv_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
        srv_problem(r, 415, "unsupported_media_type", "the body must be application/json");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        srv_problem(r, 400, "bad_json", "body: line %d column %d: %s", je.line, je.column, json_error_reason(&je));
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        srv_problem(r, 400, "bad_json", "the body must be a JSON object");
        return NULL;
    }
    return j;
}

bool srv_can(const srv_req *r, perm p) { return perm_allows(r->app_perms, p); }

bool srv_name_ok(const char *s) {
    if (!s || !*s || *s == '.' || strlen(s) > 64) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-' || *p == '.'))
            return false;
    return true;
}

/* ---- one request's life ------------------------------------------------------ */

static void req_free(srv_req *r) {
    if (!r) return;
    free(r->body);
    free(r->resp);
    for (int i = 0; i < ROUTE_MAX_PARAMS; i++) free(r->params[i]);
    for (int i = 0; i < r->nhdr; i++) free(r->hdr_value[i]);
    if (r->stream) sse_stream_release(r->stream);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t) {
    (void)cls, (void)c, (void)t;
    req_free(*con_cls);
    *con_cls = NULL;
}

static void peer_ip(const struct sockaddr *sa, char *out, size_t n) {
    str_copy(out, n, "?");
    if (!sa) return;
    if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static void client_ip(struct MHD_Connection *c, char *out, size_t n) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    peer_ip(ci ? ci->client_addr : NULL, out, n);
}

static enum MHD_Result send_answer(srv_req *r) {
    server *s = r->srv;
    struct MHD_Response *resp;
    if (r->stream) {
        resp = sse_response(r);
    } else {
        if (!r->status) srv_problem(r, 500, "internal", "no answer was produced");
        resp = MHD_create_response_from_buffer(r->resp_len, r->resp ? r->resp : (char *)"", r->resp ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        r->resp = NULL;
    }
    if (!resp) return MHD_NO;
    if (r->ctype) MHD_add_response_header(resp, "Content-Type", r->ctype);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    bool own_cache = false;  /* r_static.c sets its own */
    for (int i = 0; i < r->nhdr; i++) own_cache |= !strcasecmp(r->hdr_name[i], "Cache-Control");
    if (!own_cache) MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (s->tls) MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    for (int i = 0; i < r->nhdr; i++) MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    enum MHD_Result ok = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    metrics_http(s->metrics, r->route, r->status, now_us() - r->started_us);
    if (r->status >= 500 && r->status != 503)
        srv_log(SLOG_ERROR, "request failed", json_pack("{s:s, s:s, s:i}", "method", r->method, "path", r->path, "status", (int)r->status));
    return ok;
}

/* Called from another thread when a deferred answer (a waiting webhook) is
 * ready. The request was suspended by its own thread; whichever of the two
 * comes second resumes it, so a fast run cannot race the suspension. */
void srv_deferred_ready(srv_req *r) {
    pthread_mutex_lock(&r->mu);
    r->deferred_ready = true;
    bool resume = r->suspended;
    pthread_mutex_unlock(&r->mu);
    if (resume) MHD_resume_connection(r->conn);
}

static enum MHD_Result count_content_length(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind, (void)value;
    if (!strcasecmp(key, "Content-Length")) (*(int *)cls)++;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)version;
    server *s = cls;
    srv_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        pthread_mutex_init(&r->mu, NULL);
        r->srv = s;
        r->conn = conn;
        r->method = method;
        r->path = url;
        r->started_us = now_us();
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        int ncl = 0;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, count_content_length, &ncl);
        if (ncl > 1) {
            /* Two lengths: a request smuggling attempt or a broken client. */
            client_ip(conn, r->ip, sizeof r->ip);
            srv_problem(r, 400, "bad_request", "more than one Content-Length header");
            return send_answer(r);
        }
        if (cl && strtoll(cl, NULL, 10) > s->cfg.max_body_bytes) {
            r->body_too_big = true;
            /* A client waiting for "100 Continue" gets the refusal instead
             * and never sends the body. (Others are answered after their
             * body is read and dropped: answering earlier breaks clients
             * still writing it.) */
            const char *ex = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
            if (ex && !strcasecmp(ex, "100-continue")) {
                client_ip(conn, r->ip, sizeof r->ip);
                srv_problem(r, 413, "body_too_large", "the request body is larger than max_body_bytes (%lld)", (long long)s->cfg.max_body_bytes);
                return send_answer(r);
            }
        }
        return MHD_YES;
    }
    if (r->suspended) {
        /* resumed: the deferred answer is in place */
        return send_answer(r);
    }
    if (*upload_size) {
        if (!r->body_too_big) {
            if (r->body_len + *upload_size > (size_t)s->cfg.max_body_bytes) {
                r->body_too_big = true;
                free(r->body);
                r->body = NULL;
                r->body_len = 0;
            } else {
                char *nb = realloc(r->body, r->body_len + *upload_size + 1);
                if (!nb) return MHD_NO;
                memcpy(nb + r->body_len, upload, *upload_size);
                r->body = nb;
                r->body_len += *upload_size;
                r->body[r->body_len] = 0;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    client_ip(conn, r->ip, sizeof r->ip);
    if (r->body_too_big) {
        srv_problem(r, 413, "body_too_large", "the request body is larger than max_body_bytes (%lld)", (long long)s->cfg.max_body_bytes);
        return send_answer(r);
    }
    routes_dispatch(r);
    if (r->deferred_pending) {
        pthread_mutex_lock(&r->mu);
        bool ready = r->deferred_ready;
        if (!ready) {
            r->suspended = true;
            MHD_suspend_connection(conn);
        }
        pthread_mutex_unlock(&r->mu);
        if (!ready) return MHD_YES;
        r->suspended = true;
        return send_answer(r);
    }
    return send_answer(r);
}

/* ---- the listener ------------------------------------------------------------ */

static int hex_val(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decoding of paths and query values that keeps "%00" as text: a
 * decoded NUL would cut the path short ("/apps/X%00/secrets/y" → "/apps/X"). */
static size_t unescape_no_nul(void *cls, struct MHD_Connection *c, char *s) {
    (void)cls, (void)c;
    char *w = s;
    for (const char *p = s; *p;) {
        int hi = p[0] == '%' ? hex_val(p[1]) : -1, lo = hi >= 0 ? hex_val(p[2]) : -1;
        if (lo >= 0 && (hi | lo)) {
            *w++ = (char)(hi * 16 + lo);
            p += 3;
        } else {
            *w++ = *p++;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

static char *read_file(const char *path, char *err, size_t n) {
    FILE *f = fopen(path, "rb");
    if (!f) return snprintf(err, n, "cannot read %s", path), NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (1u << 20)) { free(buf); fclose(f); return snprintf(err, n, "%s is too large for a PEM file", path), NULL; }
            char *nb = realloc(buf, cap);
            if (!nb) { free(buf); fclose(f); return snprintf(err, n, "out of memory"), NULL; }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, 4096, f);
        len += got;
        if (got < 4096) break;
    }
    fclose(f);
    buf[len] = 0;
    return buf;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, char *err, size_t n) {
    memset(ss, 0, sizeof *ss);
    const char *colon = strrchr(listen, ':');
    if (!colon) return snprintf(err, n, "listen must be ADDR:PORT, got \"%s\"", listen), -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1) return snprintf(err, n, "bad port in \"%s\"", listen), -1;
    char host[128];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host) return snprintf(err, n, "bad address in \"%s\"", listen), -1;
    memcpy(host, listen, hl);
    host[hl] = 0;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) return snprintf(err, n, "bad IPv6 address in \"%s\"", listen), -1;
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, hl ? host : "0.0.0.0", &a4->sin_addr) != 1)
        return snprintf(err, n, "bad address in \"%s\" (an IP address is needed)", listen), -1;
    return 0;
}

/* Load the certificate and key once with GnuTLS, so that a bad PEM file or a
 * key that does not match the certificate is reported as such (libmicrohttpd
 * only says that the daemon did not start). */
static int tls_check_pair(const server *s, const char *cert, const char *key, char *err, size_t n) {
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0) return snprintf(err, n, "TLS: out of memory"), -1;
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned)strlen(cert)}, k = {(unsigned char *)key, (unsigned)strlen(key)};
    int rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(cred);
    if (rc < 0)
        return snprintf(err, n, "TLS: tls_cert %s and tls_key %s are not a PEM certificate and its private key: %s",
                        s->cfg.tls_cert, s->cfg.tls_key, gnutls_strerror(rc)), -1;
    return 0;
}

/* The listener: one thread accepts and hands each connection to
 * libmicrohttpd, which gives it to one of its threads by descriptor number,
 * so consecutive connections go to different threads. Left to accept from a
 * shared socket itself, whichever thread woke first won: under load a few
 * threads held most connections, and as the kernel shares CPU time per
 * thread, not per connection, theirs waited longest (bench/README.md). */
static void *listener_main(void *arg) {
    server *s = arg;
    pthread_setname_np(pthread_self(), "weir-listen");
    unsigned failures = 0;
    int64_t last_said_us = INT64_MIN / 2;
    for (;;) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0) {
            /* Refused, libmicrohttpd has closed it: at a connection limit
             * (ENFILE) counted; either way said at most every 10 s. */
            if (MHD_add_connection(s->daemon, fd, (const struct sockaddr *)&addr, len) != MHD_YES) {
                int why = errno;
                uint64_t total = why == ENFILE ? metrics_conn_refused(s->metrics) : 0;
                int64_t now = now_us();
                if (now - last_said_us >= 10 * 1000000LL) {
                    char ip[64];
                    peer_ip((const struct sockaddr *)&addr, ip, sizeof ip);
                    if (why == ENFILE)
                        srv_log(SLOG_WARN, "connection refused at max_connections or max_connections_per_ip",
                                json_pack("{s:s, s:I, s:I, s:I}", "client_ip", ip, "max_connections", (json_int_t)s->cfg.max_connections,
                                          "max_connections_per_ip", (json_int_t)s->cfg.max_connections_per_ip, "refused_total", (json_int_t)total));
                    else
                        srv_log(SLOG_WARN, "connection dropped", json_pack("{s:s, s:s}", "client_ip", ip, "error", strerror(why)));
                    last_said_us = now;
                }
            }
            continue;
        }
        if (errno == EINVAL || errno == EBADF) break;  /* http_stop shut the socket */
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            /* Out of descriptors or memory: said once per 100 times, and
             * retried after a pause rather than in a busy loop. */
            if (failures++ % 100 == 0)
                srv_log(SLOG_WARN, "cannot accept a connection", json_pack("{s:s, s:I}", "error", strerror(errno), "times", (json_int_t)failures));
            usleep(10 * 1000);
        }
        /* else the client left first (ECONNABORTED) or a signal: next one */
    }
    return NULL;
}

/* A listening socket of our own: SO_REUSEADDR to restart while old
 * connections linger, never SO_REUSEPORT (a second server would share the
 * port). */
static int listen_on(const struct sockaddr_storage *ss, const char *what, char *err, size_t n) {
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) return snprintf(err, n, "cannot listen on %s: %s", what, strerror(errno)), -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss->ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, n, "cannot listen on %s: %s", what, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int http_start(server *s, char *err, size_t n) {
    struct sockaddr_storage ss;
    if (parse_listen(s->cfg.listen, &ss, err, n) != 0) return -1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET;
    char *cert = NULL, *key = NULL;
    if (*s->cfg.tls_cert) {
        if (!(cert = read_file(s->cfg.tls_cert, err, n))) return -1;
        if (!(key = read_file(s->cfg.tls_key, err, n))) { free(cert); return -1; }
        if (tls_check_pair(s, cert, key, err, n) != 0) {
            free(cert);
            explicit_bzero(key, strlen(key));
            free(key);
            return -1;
        }
        flags |= MHD_USE_TLS;
        s->tls = true;
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        /* TLS 1.2 and 1.3 only (GnuTLS priority string). */
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"},
        {MHD_OPTION_END, 0, NULL},
    };
    int policy = srv_sched_batch();   /* the daemon's threads inherit it */
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.http_threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)s->cfg.max_connections_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.client_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)s->cfg.max_header_bytes,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_no_nul, NULL,
        MHD_OPTION_ARRAY, cert ? tls_opts : (struct MHD_OptionItem[]){{MHD_OPTION_END, 0, NULL}},
        MHD_OPTION_END);
    srv_sched_restore(policy);
    free(cert);
    if (key) {
        explicit_bzero(key, strlen(key));
        free(key);
    }
    if (!s->daemon) return snprintf(err, n, "cannot start the HTTP server for %s", s->cfg.listen), -1;
    if ((s->listen_fd = listen_on(&ss, s->cfg.listen, err, n)) >= 0) {
        if (pthread_create(&s->listener, NULL, listener_main, s) == 0) {
            s->listener_started = true;
            return 0;
        }
        snprintf(err, n, "cannot start the listener thread");
        close(s->listen_fd);
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    return -1;
}

void http_stop(server *s) {
    if (!s->daemon) return;
    if (s->listener_started) {
        shutdown(s->listen_fd, SHUT_RDWR);  /* wakes accept() */
        pthread_join(s->listener, NULL);
        close(s->listen_fd);
        s->listener_started = false;
    }
    sse_hub_close_all(s->hub);
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
}
