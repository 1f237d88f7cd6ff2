/* http.h — the HTTP listener (libmicrohttpd) of `weir serve`. */
#ifndef WEIR_SRV_HTTP_H
#define WEIR_SRV_HTTP_H

#include <stddef.h>

typedef struct server server;
typedef struct srv_req srv_req;

/* Listen on s->cfg.listen (TLS when a certificate is configured). */
int http_start(server *s, char *err, size_t errlen);
/* Stop accepting and close every connection. */
void http_stop(server *s);
/* A deferred answer is ready (any thread); see http.c. */
void srv_deferred_ready(srv_req *r);

#endif
