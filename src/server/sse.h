/* sse.h — live runs as server-sent events, per run and per app.
 *
 * The engine's progress callback publishes into the hub; each subscriber is
 * an SSE response whose connection sleeps (suspended) while it has nothing to
 * send. A subscriber that falls SSE_MAX_PENDING_BYTES behind is told so
 * (`event: overflow`) and closed, never silently skipped, so a client can
 * re-subscribe and fetch the run. */
#ifndef WEIR_SRV_SSE_H
#define WEIR_SRV_SSE_H

#include <jansson.h>
#include <stdbool.h>

#define SSE_MAX_PENDING_BYTES (1024 * 1024) /* unsent bytes per subscriber */
#define SSE_MAX_SUBSCRIBERS   10000         /* open streams per server; then 503 */
#define SSE_KEEPALIVE_S       15            /* comment line to idle streams */

typedef struct sse_hub sse_hub;
typedef struct srv_stream srv_stream;
typedef struct srv_req srv_req;
struct MHD_Response;

sse_hub *sse_hub_new(void);
void sse_hub_free(sse_hub *h);
/* Whether anyone listens to this run or its app (cheap; checked before
 * building an event). */
bool sse_wanted(sse_hub *h, const char *app_id, const char *run_id);
/* Send `event` with `data` (stolen) to the run's and the app's subscribers. */
void sse_publish(sse_hub *h, const char *app_id, const char *run_id, const char *event, json_t *data);
/* Make r an event stream of one run (run_id) or of the whole app (run_id NULL).
 * first: events to send at once (stolen array of {event, data}); close_after:
 * end the stream after them (a run that already finished). Returns false
 * (503 set on r) when the subscriber limit is reached. */
bool sse_subscribe(sse_hub *h, srv_req *r, const char *app_id, const char *run_id, json_t *first, bool close_after);
/* Put one event (stolen data) on a stream just subscribed, ahead of the
 * events published to it since (a snapshot read after subscribing comes
 * first); close it after when asked. Nothing when the stream is already
 * closing (the run's end, with its run_finished, is queued). */
void sse_stream_send_first(srv_stream *st, const char *event, json_t *data, bool close_after);
/* End the run's streams after what is queued (the run finished). */
void sse_close_run(sse_hub *h, const char *run_id);
/* A comment line to every stream (keep-alive; finds dead clients). */
void sse_keepalive(sse_hub *h);
void sse_hub_close_all(sse_hub *h);

/* http.c: the MHD response for r->stream, and its release. */
struct MHD_Response *sse_response(srv_req *r);
void sse_stream_release(srv_stream *st);

#endif
