/* httpc.h — the one outbound HTTP client: a libcurl wrapper with the network
 * policy built in.
 *
 * Used by the http_fetch node and the WASM http_request import. Whatever the
 * caller asks, a request:
 *   - speaks only http and https (also after redirects);
 *   - connects only to addresses net_allowed() accepts, checked on the
 *     resolved address of every connection (netpolicy.h);
 *   - follows redirects itself, one hop at a time, re-checking scheme, host
 *     (host_ok) and method (method_ok) for each, up to max_redirects, and
 *     drops Authorization / Cookie / Proxy-Authorization when a redirect
 *     leaves the original scheme + host + port;
 *   - ignores proxy environment variables, .netrc and cookies;
 *   - never asks for compressed content and never decodes it, so
 *     max_response_bytes bounds the bytes actually handed back;
 *   - ends within HTTP_ABORT_POLL_MS of should_abort() turning true or the
 *     deadline passing.
 * Error messages name the host and the refused address class, never the
 * path, query or user-info of a URL. docs/network-policy.md describes the
 * policy for users. Thread-safe: each call uses its own curl handles. */
#ifndef WEIR_HTTPC_H
#define WEIR_HTTPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Result codes. HTTPC_OK means an HTTP response arrived, whatever its status. */
typedef enum httpc_result {
    HTTPC_OK = 0,
    HTTPC_DENIED,       /* policy: scheme, host, method, or address class refused */
    HTTPC_NETWORK,      /* DNS, connect, TLS, protocol error, too many redirects */
    HTTPC_TIMEOUT,      /* timeout_ms passed */
    HTTPC_TOO_LARGE,    /* response body or headers over the limit, or request body */
    HTTPC_BAD_REQUEST,  /* malformed URL, method, header, or options */
    HTTPC_ABORTED       /* should_abort() returned true */
} httpc_result;

typedef struct httpc_options {
    bool allow_private;          /* permit loopback and private addresses */
    unsigned timeout_ms;         /* whole request, all redirects included; > 0 */
    size_t max_response_bytes;   /* body of the final response */
    int max_redirects;           /* redirects followed; 0 = none (a redirect is an error) */
    /* Optional: called with the lower-cased host (IPv6 without brackets) of the
     * first URL and of every redirect target; false refuses (HTTPC_DENIED). */
    bool (*host_ok)(void *ud, const char *host);
    /* Optional: called with the method of the first request and of every
     * redirected one (303 turns a request into GET); false refuses. */
    bool (*method_ok)(void *ud, const char *method);
    /* Optional: polled at least every HTTP_ABORT_POLL_MS; true stops the
     * transfer with HTTPC_ABORTED. May be called from the calling thread only. */
    bool (*should_abort)(void *ud);
    void *ud;                    /* passed to the callbacks */
} httpc_options;

typedef struct httpc_request_spec {
    const char *method;          /* "GET", "POST", …; NULL = "GET" */
    const char *url;             /* absolute http:// or https:// URL */
    const json_t *headers;       /* NULL or an object of name → string value */
    const void *body;            /* NULL when body_len is 0 */
    size_t body_len;
} httpc_request_spec;

typedef struct httpc_response {
    long status;                 /* e.g. 200 */
    json_t *headers;             /* object: lower-cased name → value; repeated
                                    headers joined with ", "; owned */
    char *body;                  /* malloc'd, body_len bytes + a NUL; owned */
    size_t body_len;
    bool body_is_utf8;           /* valid UTF-8 and no NUL byte */
    int redirects;               /* redirects followed */
} httpc_response;

/* Fill *opt with the defaults: private networks refused, timeout
 * HTTP_DEFAULT_TIMEOUT_MS, HTTP_MAX_RESPONSE_BYTES, HTTP_MAX_REDIRECTS, no
 * callbacks. */
void httpc_options_init(httpc_options *opt);

/* Perform one request. On HTTPC_OK, *resp holds the final response, which the
 * caller releases with httpc_response_free(). On any other result *resp is
 * left empty (safe to free) and, when err is not NULL, a NUL-terminated
 * message (truncated to errlen) says why. Header names must be HTTP tokens
 * and values may not contain CR, LF or NUL; Host, Content-Length and
 * Transfer-Encoding cannot be set (HTTPC_BAD_REQUEST). The request body may
 * be at most HTTP_MAX_REQUEST_BYTES, the URL HTTP_MAX_URL_BYTES. */
int httpc_request(const httpc_options *opt, const httpc_request_spec *req,
                  httpc_response *resp, char *err, size_t errlen);

/* Release what a response owns and reset it; NULL is a no-op. */
void httpc_response_free(httpc_response *resp);

/* A static description of an httpc_result code. */
const char *httpc_strerror(int code);

#endif
