/* http.c — http_make_request, http_fetch, http_response_to_json.
 *
 * A request is a struct {url, method, headers, body} (body_base64 instead of
 * body for bytes); a response is {status_code, headers, body} (body_base64
 * when the body is not UTF-8 text). Every request goes through the one HTTP
 * client, src/base/httpc.c, so boards get the network policy of
 * docs/network-policy.md: http/https only, the connected address checked
 * (loopback and private networks only with allow_private_net; link-local and
 * metadata addresses never), redirects re-checked, size and time limits.
 *
 * Outcomes of http_fetch (docs/catalog.md):
 *   - any HTTP response, whatever its status (404, 500, …): exec_success;
 *   - a transport failure (refused by the policy, DNS, connect, TLS, too
 *     many redirects, the 30 s request timeout, a response over the size
 *     limit): exec_error when it is wired (response is set to null, nothing
 *     else happens: no log line, no failure), otherwise the node fails with
 *     the reason so handle_errors applies (and the message is reported);
 *   - a malformed request (missing url, headers not strings, bad method,
 *     header with CR/LF, …): the node fails; that is a board bug, not a
 *     network condition;
 *   - the run's deadline, an enclosing control_timeout or cancellation:
 *     the transfer stops at once and the node returns NODE_ABORT. */
#include "catalog/catalog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/httpc.h"
#include "base/limits.h"
#include "base/textfmt.h"
#include "catalog/nodeutil.h"

#define METHOD_MAX 32

/* ---- base64 (RFC 4648 §4, padded) ------------------------------------------ */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* A new JSON string holding the base64 form of data; NULL on OOM. */
static json_t *b64_encode_json(const unsigned char *data, size_t len) {
    if (len > (SIZE_MAX / 4) * 3 - 3) return NULL;
    size_t olen = (len + 2) / 3 * 4;
    char *out = malloc(olen + 1);
    if (!out) return NULL;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0u);
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    json_t *j = json_stringn(out, o);
    free(out);
    return j;
}

static int b64_value(char ch) {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* Decode text that base64_valid() accepted; *out is malloc'd (caller frees). */
static int b64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len) {
    size_t pad = 0;
    if (len >= 1 && s[len - 1] == '=') pad++;
    if (len >= 2 && s[len - 2] == '=') pad++;
    size_t n = len / 4 * 3 - pad;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        unsigned v = 0;
        int chars = 0;
        for (size_t k = 0; k < 4; k++) {
            int d = b64_value(s[i + k]);
            if (d >= 0) chars++;
            v = v << 6 | (unsigned)(d >= 0 ? d : 0);
        }
        if (o < n) buf[o++] = (unsigned char)(v >> 16);
        if (chars >= 3 && o < n) buf[o++] = (unsigned char)(v >> 8);
        if (chars >= 4 && o < n) buf[o++] = (unsigned char)v;
    }
    *out = buf;
    *out_len = o;
    return 0;
}

/* ---- request checks (shared by http_make_request and http_fetch) ------------ */

/* Normalise a method: 1..METHOD_MAX ASCII letters, upper-cased into buf. */
static int check_method(node_ctx *c, const char *what, const char *m, size_t len, char buf[METHOD_MAX + 1]) {
    if (len == 0) return ctx_fail(c, "%s: the method is empty", what);
    if (len > METHOD_MAX) return ctx_fail(c, "%s: a method is at most %d letters", what, METHOD_MAX);
    for (size_t i = 0; i < len; i++) {
        char ch = m[i];
        if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
        if (ch < 'A' || ch > 'Z')
            return ctx_fail(c, "%s: a method is a word of ASCII letters such as GET or POST", what);
        buf[i] = ch;
    }
    buf[len] = '\0';
    return 0;
}

/* Only http:// and https:// URLs, with a host, no spaces or control bytes.
 * Messages never show the URL (its path and query often carry tokens), only
 * the scheme. */
static int check_url(node_ctx *c, const char *what, const char *u, size_t len) {
    size_t skip = 0;
    if (len >= 7 && strncasecmp(u, "http://", 7) == 0) skip = 7;
    else if (len >= 8 && strncasecmp(u, "https://", 8) == 0) skip = 8;
    if (!skip) {
        size_t k = 0;
        while (k < len && k < 16 &&
               ((u[k] >= 'a' && u[k] <= 'z') || (u[k] >= 'A' && u[k] <= 'Z') || (u[k] >= '0' && u[k] <= '9') ||
                u[k] == '+' || u[k] == '-' || u[k] == '.'))
            k++;
        if (k > 0 && k < len && u[k] == ':')
            return ctx_fail(c, "%s: only http:// and https:// URLs are allowed, not %.*s:", what, (int)k, u);
        return ctx_fail(c, "%s: not an absolute http:// or https:// URL", what);
    }
    if (len > HTTP_MAX_URL_BYTES)
        return ctx_fail(c, "%s: the URL is longer than %u bytes", what, HTTP_MAX_URL_BYTES);
    if (skip == len || u[skip] == '/' || u[skip] == '?' || u[skip] == '#')
        return ctx_fail(c, "%s: the URL has no host", what);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)u[i];
        if (ch <= 0x20 || ch == 0x7f)
            return ctx_fail(c, "%s: the URL contains a space or control character (percent-encode it)", what);
    }
    return 0;
}

/* ---- http_make_request -------------------------------------------------------- */
enum { MR_METHOD, MR_URL, MR_REQUEST };
static const pin_def make_request_pins[] = {PIN_IN("method", PT_STRING, "\"GET\""), PIN_IN("url", PT_STRING, NULL),
                                            PIN_OUT("request", PT_STRUCT)};

static int make_request_run(node_ctx *c) {
    const char *m, *u;
    size_t mlen, ulen;
    if (ctx_str(c, MR_METHOD, &m, &mlen) != 0 || ctx_str(c, MR_URL, &u, &ulen) != 0) return NODE_FAIL;
    char method[METHOD_MAX + 1];
    if (check_method(c, "input method", m, mlen, method) != 0) return NODE_FAIL;
    if (check_url(c, "input url", u, ulen) != 0) return NODE_FAIL;
    json_t *req = json_object();
    if (!req || json_object_set_new(req, "url", json_stringn(u, ulen)) != 0 ||
        json_object_set_new(req, "method", json_string(method)) != 0 ||
        json_object_set_new(req, "headers", json_object()) != 0 ||
        json_object_set_new(req, "body", json_string("")) != 0) {
        json_decref(req);
        return ctx_fail(c, "out of memory");
    }
    return ctx_set_json(c, MR_REQUEST, req) == 0 ? NODE_OK : NODE_FAIL;
}

static const node_def http_make_request = {
    .type = "http_make_request", .friendly_name = "Make HTTP Request", .category = "HTTP",
    .description = "Builds a request struct {url, method, headers: {}, body: \"\"} for http_fetch. The method is "
                   "upper-cased and must be letters only; the URL must be http:// or https://. Add headers or a "
                   "body with struct_set.",
    .pins = make_request_pins, .npins = NPINS(make_request_pins), .run = make_request_run,
};

/* ---- http_fetch ----------------------------------------------------------------- */
enum { HF_EXEC_IN, HF_REQUEST, HF_SUCCESS, HF_RESPONSE, HF_ERROR };
static const pin_def fetch_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("request", PT_STRUCT, NULL),
                                     PIN_EXEC_OUT("exec_success"), PIN_OUT("response", PT_STRUCT),
                                     PIN_EXEC_OUT("exec_error")};

/* How many bytes of s (a UTF-8 string) to show: at most max, cut at a
 * character boundary so that a message stays valid UTF-8. */
static int shown_len(const char *s, size_t max) { return (int)utf8_cut(s, strnlen(s, max + 1), max); }

/* Drop trailing bytes of a truncated message until it is valid UTF-8. */
static void utf8_trim(char *s) {
    size_t n = strlen(s);
    for (int k = 0; k < 4 && n > 0 && !utf8_valid(s, n); k++) s[--n] = '\0';
    if (!utf8_valid(s, n)) s[0] = '\0';
}

/* The parts of a request struct, borrowed from it (body may be owned). */
typedef struct fetch_req {
    const char *url;
    char method[METHOD_MAX + 1];
    const json_t *headers;
    const void *body;
    size_t body_len;
    unsigned char *owned_body; /* decoded body_base64 */
} fetch_req;

static int parse_request(node_ctx *c, json_t *req, fetch_req *out) {
    json_t *url = json_object_get(req, "url");
    if (!url || json_is_null(url)) return ctx_fail(c, "input request: url is missing");
    if (!json_is_string(url)) return ctx_fail(c, "input request: url must be a string, got %s", json_kind_word(url));
    if (strlen(json_string_value(url)) != json_string_length(url))
        return ctx_fail(c, "input request: url contains a NUL character");
    if (check_url(c, "input request", json_string_value(url), json_string_length(url)) != 0) return NODE_FAIL;
    out->url = json_string_value(url);

    json_t *method = json_object_get(req, "method");
    if (!method || json_is_null(method)) {
        strcpy(out->method, "GET");
    } else if (!json_is_string(method)) {
        return ctx_fail(c, "input request: method must be a string, got %s", json_kind_word(method));
    } else if (check_method(c, "input request", json_string_value(method), json_string_length(method),
                            out->method) != 0) {
        return NODE_FAIL;
    }

    json_t *headers = json_object_get(req, "headers");
    if (headers && !json_is_null(headers)) {
        if (!json_is_object(headers))
            return ctx_fail(c, "input request: headers must be an object of name → string, got %s",
                            json_kind_word(headers));
        const char *k;
        json_t *v;
        json_object_foreach(headers, k, v) {
            if (!json_is_string(v))
                return ctx_fail(c, "input request: header %.*s must be a string, got %s", shown_len(k, 64), k,
                                json_kind_word(v));
        }
        out->headers = headers;
    }

    json_t *body = json_object_get(req, "body"), *b64 = json_object_get(req, "body_base64");
    if (body && !json_is_null(body) && !json_is_string(body))
        return ctx_fail(c, "input request: body must be a string, got %s", json_kind_word(body));
    if (b64 && !json_is_null(b64) && !json_is_string(b64))
        return ctx_fail(c, "input request: body_base64 must be a string, got %s", json_kind_word(b64));
    size_t blen = json_is_string(body) ? json_string_length(body) : 0;
    size_t b64len = json_is_string(b64) ? json_string_length(b64) : 0;
    if (blen && b64len) return ctx_fail(c, "input request: set body or body_base64, not both");
    if (b64len) {
        const char *s = json_string_value(b64);
        if (!base64_valid(s, b64len))
            return ctx_fail(c, "input request: body_base64 is not valid base64 (RFC 4648, with padding)");
        if (b64len / 4 * 3 > (size_t)HTTP_MAX_REQUEST_BYTES + 2)
            return ctx_fail(c, "input request: the body is larger than the limit of %u bytes",
                            HTTP_MAX_REQUEST_BYTES);
        if (b64_decode(s, b64len, &out->owned_body, &out->body_len) != 0) return ctx_fail(c, "out of memory");
        out->body = out->owned_body;
    } else if (blen) {
        out->body = json_string_value(body);
        out->body_len = blen;
    }
    if (out->body_len > HTTP_MAX_REQUEST_BYTES)
        return ctx_fail(c, "input request: the body is larger than the limit of %u bytes", HTTP_MAX_REQUEST_BYTES);
    return 0;
}

static bool fetch_should_abort(void *ud) { return ctx_should_stop(ud); }

/* {status_code, headers, body | body_base64}; takes the headers from resp. */
static json_t *response_json(httpc_response *resp) {
    json_t *o = json_object();
    if (!o) return NULL;
    json_t *headers = resp->headers ? resp->headers : json_object();
    resp->headers = NULL;
    json_t *body = resp->body_is_utf8 ? json_stringn(resp->body ? resp->body : "", resp->body_len)
                                      : b64_encode_json((const unsigned char *)resp->body, resp->body_len);
    if (json_object_set_new(o, "status_code", json_integer(resp->status)) != 0 ||
        json_object_set_new(o, "headers", headers) != 0 ||
        json_object_set_new(o, resp->body_is_utf8 ? "body" : "body_base64", body) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int fetch_run(node_ctx *c) {
    json_t *req;
    if (ctx_object(c, HF_REQUEST, &req) != 0) return NODE_FAIL;
    fetch_req fr = {0};
    if (parse_request(c, req, &fr) != 0) {
        free(fr.owned_body);
        return NODE_FAIL;
    }
    if (ctx_should_stop(c)) {
        free(fr.owned_body);
        return NODE_ABORT;
    }

    httpc_options opt;
    httpc_options_init(&opt);
    opt.allow_private = ctx_allow_private_net(c);
    /* the run's deadline (or an enclosing control_timeout) bounds the request;
     * one extra millisecond so that a timeout caused by it is seen as past it */
    double left = ctx_ms_left(c);
    bool deadline_bound = left + 1 < (double)HTTP_DEFAULT_TIMEOUT_MS;
    if (deadline_bound) opt.timeout_ms = (unsigned)ceil(left) + 1;
    opt.should_abort = fetch_should_abort;
    opt.ud = c;

    httpc_request_spec spec = {.method = fr.method, .url = fr.url, .headers = fr.headers, .body = fr.body,
                               .body_len = fr.body_len};
    httpc_response resp = {0};
    char err[512] = "";
    int rc = httpc_request(&opt, &spec, &resp, err, sizeof err);
    free(fr.owned_body);

    if (rc == HTTPC_OK) {
        json_t *out = response_json(&resp);
        httpc_response_free(&resp);
        if (!out) return ctx_fail(c, "out of memory");
        if (ctx_set_json(c, HF_RESPONSE, out) != 0) return NODE_FAIL;
        ctx_activate(c, HF_SUCCESS);
        return NODE_OK;
    }
    httpc_response_free(&resp);
    utf8_trim(err); /* a message cut at sizeof err */
    if (rc == HTTPC_ABORTED || ((rc == HTTPC_TIMEOUT || rc == HTTPC_NETWORK) && ctx_should_stop(c)))
        return NODE_ABORT; /* the run (or a control_timeout around us) ended */
    if (rc == HTTPC_BAD_REQUEST) return ctx_fail(c, "invalid request: %s", err[0] ? err : httpc_strerror(rc));

    /* a transport failure: HTTPC_DENIED, HTTPC_NETWORK, HTTPC_TIMEOUT, HTTPC_TOO_LARGE */
    const char *why = httpc_strerror(rc);
    if (rc == HTTPC_TOO_LARGE && !err[0])
        snprintf(err, sizeof err, "the response is larger than %u bytes", HTTP_MAX_RESPONSE_BYTES);
    if (ctx_is_wired(c, HF_ERROR, 0)) {
        ctx_set(c, HF_RESPONSE, VALUE_NULL); /* no stale response from an earlier execution */
        ctx_activate(c, HF_ERROR);
        return NODE_OK;
    }
    return ctx_fail(c, "request failed, %s: %s", why, err[0] ? err : why);
}

static const node_def http_fetch = {
    .type = "http_fetch", .friendly_name = "HTTP Fetch", .category = "HTTP",
    .description = "Sends the request and continues at exec_success with response {status_code, headers, body} "
                   "for any HTTP status (a 404 is a response too); a body that is not UTF-8 text is given as "
                   "body_base64. A transport failure (refused by the network policy, DNS, connection, timeout, "
                   "response over 16 MiB) continues at exec_error when it is wired (response null), otherwise "
                   "the node fails with the reason (handle_errors applies). Loopback and private addresses need "
                   "--allow-private-net; link-local and cloud metadata addresses are always refused.",
    .pins = fetch_pins, .npins = NPINS(fetch_pins), .run = fetch_run,
};

/* ---- http_response_to_json ------------------------------------------------------- */
enum { RJ_EXEC_IN, RJ_RESPONSE, RJ_EXEC_OUT, RJ_STRUCT };
static const pin_def to_json_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("response", PT_STRUCT, NULL),
                                       PIN_EXEC_OUT("exec_out"), PIN_OUT("struct", PT_STRUCT)};

static int to_json_run(node_ctx *c) {
    json_t *resp;
    if (ctx_object(c, RJ_RESPONSE, &resp) != 0) return NODE_FAIL;
    json_t *body = json_object_get(resp, "body");
    if (!body || json_is_null(body)) {
        if (json_object_get(resp, "body_base64"))
            return ctx_fail(c, "input response: the body is not UTF-8 text (it is in body_base64), so not JSON");
        return ctx_fail(c, "input response: it has no body");
    }
    if (!json_is_string(body))
        return ctx_fail(c, "input response: body must be a string, got %s", json_kind_word(body));
    size_t len = json_string_length(body);
    if (len == 0) return ctx_fail(c, "input response: the body is empty, not JSON");
    json_error_t je;
    json_t *j = json_loadb(json_string_value(body), len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) {
        utf8_trim(je.text); /* jansson cuts long messages at a byte count */
        return ctx_fail(c, "input response: the body is not valid JSON: %s at line %d, column %d",
                        je.text[0] ? je.text : "syntax error", je.line, je.column);
    }
    if (!json_is_object(j)) {
        const char *kind = json_kind_word(j);
        json_decref(j);
        return ctx_fail(c, "input response: the body holds a JSON %s, not an object (struct outputs hold objects)",
                        kind);
    }
    if (ctx_set_json(c, RJ_STRUCT, j) != 0) return NODE_FAIL;
    ctx_activate(c, RJ_EXEC_OUT);
    return NODE_OK;
}

static const node_def http_response_to_json = {
    .type = "http_response_to_json", .friendly_name = "Response to JSON", .category = "HTTP",
    .description = "Parses response.body as JSON; the body must hold a JSON object. Invalid JSON, a missing or "
                   "non-text body fails the node (the message gives line and column).",
    .pins = to_json_pins, .npins = NPINS(to_json_pins), .run = to_json_run,
};

const node_def *const catalog_http[] = {&http_make_request, &http_fetch, &http_response_to_json, NULL};
