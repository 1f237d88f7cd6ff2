/* testserver.h — a tiny HTTP/1.1 server for the unit tests, on the loopback
 * address (127.0.0.1 or ::1) at a port the kernel picks. Each connection is
 * one request, answered by the first route that matches its path (404
 * "nope" when none does), then closed. */
#ifndef WEIR_TESTSERVER_H
#define WEIR_TESTSERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ts_request {
    const char *method;
    const char *path;
    const char *raw;     /* the request as received (head and body), NUL-terminated */
    size_t raw_len;
} ts_request;

typedef struct ts_server ts_server;

/* Answer one request on `fd` (ts_reply or ts_send_all). */
typedef void (*ts_handler)(ts_server *s, int fd, const ts_request *rq);

typedef struct ts_route {
    const char *path;    /* the whole path, or its start when `prefix` */
    bool prefix;
    ts_handler fn;
} ts_route;

struct ts_server {
    int fd;
    int port;
    const ts_route *routes;  /* ended by an entry with path NULL */
    pthread_t th;
    atomic_bool stop;
    atomic_int hits;         /* requests received */
    pthread_mutex_t mu;
    pthread_t *conns;        /* connection threads, joined by ts_stop */
    size_t nconns, capconns;
};

/* Listen on the loopback address of `family` (AF_INET or AF_INET6) and serve
 * `routes` (kept, not copied) from a thread. False when that cannot be done. */
bool ts_start(ts_server *s, int family, const ts_route *routes);
/* Stop serving and wait for every connection to finish. */
void ts_stop(ts_server *s);

void ts_send_all(int fd, const char *p, size_t n);
/* A complete response: status `code`, Content-Length, Connection: close, the
 * `extra_headers` (each ending in CRLF, or NULL) and `blen` bytes of body. */
void ts_reply(int fd, int code, const char *extra_headers, const char *body, size_t blen);
/* Sleep up to ms, waking early when the server stops. */
void ts_nap(ts_server *s, int ms);
/* Wait up to ms; ends early when the server stops or the client hangs up. */
void ts_wait_or_hangup(ts_server *s, int fd, int ms);

#endif
