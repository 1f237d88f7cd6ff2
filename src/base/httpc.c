/* httpc.c — see httpc.h.
 *
 * One request = one multi handle and one easy handle. Each redirect hop is a
 * fresh set of options on the same easy handle (curl_easy_reset keeps live
 * connections), driven by our own curl_multi_poll loop so cancellation and
 * the deadline are looked at every HTTP_ABORT_POLL_MS whatever the network
 * does. curl never follows a redirect by itself and never opens a socket we
 * have not vetted (CURLOPT_OPENSOCKETFUNCTION). */
#include "base/httpc.h"

#include "base/limits.h"
#include "base/netpolicy.h"
#include "base/textfmt.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

/* ---- small helpers ------------------------------------------------------ */

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void) {
    g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A JSON string for a header value: invalid UTF-8 and control bytes other
 * than TAB become U+FFFD. Returns a new reference or NULL. */
static json_t *header_string(const char *s, size_t n) {
    if (utf8_valid(s, n)) {
        bool ctl = false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 && s[i] != '\t') ctl = true;
        if (!ctl) return json_stringn(s, n);
    }
    char *buf = malloc(n * 3 + 1);
    if (!buf) return NULL;
    size_t w = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0 || (k == 1 && ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f))) {
            buf[w++] = (char)0xEF; buf[w++] = (char)0xBF; buf[w++] = (char)0xBD;
            i++;
        } else {
            memcpy(buf + w, u + i, k);
            w += k;
            i += k;
        }
    }
    json_t *j = json_stringn(buf, w);
    free(buf);
    return j;
}

/* RFC 9110 token characters. */
static bool is_tchar(unsigned char c) {
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_token(const char *s) {
    if (!s || !*s) return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s)) return false;
    return true;
}

static void lower_in_place(char *s) {
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

/* ---- per-transfer state and curl callbacks ------------------------------ */

typedef struct xfer {
    const httpc_options *opt;
    /* socket vetting */
    bool denied;
    net_class denied_class;
    /* abort */
    bool aborted;
    /* body of the current hop */
    char *body;
    size_t len, cap, max;
    bool too_large;
    /* headers of the current response */
    json_t *headers;
    char *last_name;           /* for obs-fold continuation lines */
    size_t header_bytes;
    bool headers_too_large;
    bool oom;
} xfer;

static void xfer_reset_hop(xfer *x) {
    free(x->body);
    x->body = NULL;
    x->len = x->cap = 0;
    x->too_large = false;
    json_decref(x->headers);
    x->headers = NULL;
    free(x->last_name);
    x->last_name = NULL;
    x->header_bytes = 0;
    x->headers_too_large = false;
}

static curl_socket_t cb_opensocket(void *clientp, curlsocktype purpose,
                                   struct curl_sockaddr *addr) {
    xfer *x = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        (addr->family != AF_INET && addr->family != AF_INET6)) {
        x->denied = true;
        x->denied_class = NET_RESERVED;
        return CURL_SOCKET_BAD;
    }
    net_class c = net_classify(&addr->addr);
    if (!net_allowed(c, x->opt->allow_private)) {
        x->denied = true;
        x->denied_class = c;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

static size_t cb_write(char *ptr, size_t size, size_t nmemb, void *ud) {
    xfer *x = ud;
    size_t n = size * nmemb;
    if (n == 0) return 0;
    if (x->len > x->max || n > x->max - x->len) {
        x->too_large = true;
        return 0;                        /* makes curl fail with CURLE_WRITE_ERROR */
    }
    size_t need = x->len + n;
    if (need > x->cap) {
        size_t ncap = x->cap ? x->cap : 16384;
        while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
        if (ncap > x->max) ncap = x->max;
        if (ncap == SIZE_MAX) { x->oom = true; return 0; }
        char *nb = realloc(x->body, ncap + 1);
        if (!nb) { x->oom = true; return 0; }
        x->body = nb;
        x->cap = ncap;
    }
    memcpy(x->body + x->len, ptr, n);
    x->len += n;
    return n;
}

/* Add one "name: value" to x->headers, joining repeats with ", ". */
static bool header_add(xfer *x, const char *name, const char *val, size_t vlen) {
    json_t *js = header_string(val, vlen);
    if (!js) return false;
    json_t *old = json_object_get(x->headers, name);
    if (old) {
        size_t ol = json_string_length(old), nl = json_string_length(js);
        char *joined = malloc(ol + 2 + nl + 1);
        if (!joined) { json_decref(js); return false; }
        memcpy(joined, json_string_value(old), ol);
        memcpy(joined + ol, ", ", 2);
        memcpy(joined + ol + 2, json_string_value(js), nl);
        json_decref(js);
        js = json_stringn(joined, ol + 2 + nl);
        free(joined);
        if (!js) return false;
    }
    return json_object_set_new(x->headers, name, js) == 0;
}

/* Append a continuation line (obs-fold) to the last header. */
static bool header_continue(xfer *x, const char *val, size_t vlen) {
    json_t *old = x->last_name ? json_object_get(x->headers, x->last_name) : NULL;
    if (!old) return true;               /* fold without a header: ignore */
    json_t *js = header_string(val, vlen);
    if (!js) return false;
    size_t ol = json_string_length(old), nl = json_string_length(js);
    char *joined = malloc(ol + 1 + nl + 1);
    if (!joined) { json_decref(js); return false; }
    memcpy(joined, json_string_value(old), ol);
    joined[ol] = ' ';
    memcpy(joined + ol + 1, json_string_value(js), nl);
    json_decref(js);
    js = json_stringn(joined, ol + 1 + nl);
    free(joined);
    return js && json_object_set_new(x->headers, x->last_name, js) == 0;
}

static size_t cb_header(char *line, size_t size, size_t nmemb, void *ud) {
    xfer *x = ud;
    size_t n = size * nmemb;
    x->header_bytes += n;
    if (x->header_bytes > HTTP_MAX_HEADER_BYTES) {
        x->headers_too_large = true;
        return 0;
    }
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        /* status line: a new response starts (1xx interim, or the final one) */
        json_decref(x->headers);
        x->headers = json_object();
        free(x->last_name);
        x->last_name = NULL;
        if (!x->headers) { x->oom = true; return 0; }
        return n;
    }
    size_t end = n;
    while (end > 0 && (line[end - 1] == '\r' || line[end - 1] == '\n')) end--;
    if (end == 0 || !x->headers) return n;          /* blank line ends the block */
    if (line[0] == ' ' || line[0] == '\t') {
        size_t s = 0;
        while (s < end && (line[s] == ' ' || line[s] == '\t')) s++;
        if (!header_continue(x, line + s, end - s)) { x->oom = true; return 0; }
        return n;
    }
    const char *colon = memchr(line, ':', end);
    if (!colon || colon == line) return n;          /* not a header: ignore */
    size_t nl = (size_t)(colon - line);
    char *name = malloc(nl + 1);
    if (!name) { x->oom = true; return 0; }
    memcpy(name, line, nl);
    name[nl] = '\0';
    if (!is_token(name)) { free(name); return n; }  /* malformed name: ignore */
    lower_in_place(name);
    size_t vs = nl + 1, ve = end;
    while (vs < ve && (line[vs] == ' ' || line[vs] == '\t')) vs++;
    while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t')) ve--;
    if (!header_add(x, name, line + vs, ve - vs)) { free(name); x->oom = true; return 0; }
    free(x->last_name);
    x->last_name = name;
    return n;
}

static int cb_xferinfo(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow) {
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    xfer *x = ud;
    if (x->opt->should_abort && x->opt->should_abort(x->opt->ud)) {
        x->aborted = true;
        return 1;
    }
    return 0;
}

/* ---- URL checks --------------------------------------------------------- */

/* A parsed target: the CURLU handle (given to curl as the URL) and the parts
 * the policy needs. */
typedef struct target {
    CURLU *u;
    char *scheme;   /* lower case */
    char *host;     /* lower case, IPv6 without brackets */
    char *port;     /* effective port */
} target;

static void target_free(target *t) {
    if (t->u) curl_url_cleanup(t->u);
    curl_free(t->scheme);
    curl_free(t->host);
    curl_free(t->port);
    memset(t, 0, sizeof *t);
}

/* Parse url and apply the scheme and host policy. `what` is "URL" or
 * "redirect" for messages. Returns HTTPC_OK or an error with err filled. */
static int target_parse(const httpc_options *opt, const char *url, const char *what,
                        target *t, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    bool redirect = strcmp(what, "redirect") == 0;
    int bad = redirect ? HTTPC_NETWORK : HTTPC_BAD_REQUEST;
    if (strlen(url) > HTTP_MAX_URL_BYTES) {
        set_err(err, errlen, "%s is longer than %u bytes", what, HTTP_MAX_URL_BYTES);
        return bad;
    }
    t->u = curl_url();
    if (!t->u) { set_err(err, errlen, "out of memory"); return HTTPC_NETWORK; }
    CURLUcode uc = curl_url_set(t->u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        set_err(err, errlen, "malformed %s: %s", what, curl_url_strerror(uc));
        target_free(t);
        return bad;
    }
    if (curl_url_get(t->u, CURLUPART_SCHEME, &t->scheme, 0) != CURLUE_OK) {
        set_err(err, errlen, "malformed %s: no scheme", what);
        target_free(t);
        return bad;
    }
    lower_in_place(t->scheme);
    if (strcmp(t->scheme, "http") != 0 && strcmp(t->scheme, "https") != 0) {
        set_err(err, errlen, "%s scheme '%.16s' refused: only http and https are allowed",
                what, t->scheme);
        target_free(t);
        return HTTPC_DENIED;
    }
    if (curl_url_get(t->u, CURLUPART_HOST, &t->host, 0) != CURLUE_OK || !t->host[0]) {
        set_err(err, errlen, "malformed %s: no host", what);
        target_free(t);
        return bad;
    }
    if (curl_url_get(t->u, CURLUPART_PORT, &t->port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        set_err(err, errlen, "malformed %s: bad port", what);
        target_free(t);
        return bad;
    }
    lower_in_place(t->host);
    size_t hl = strlen(t->host);
    if (hl >= 2 && t->host[0] == '[' && t->host[hl - 1] == ']') {
        memmove(t->host, t->host + 1, hl - 2);
        t->host[hl - 2] = '\0';
    }
    if (opt->host_ok && !opt->host_ok(opt->ud, t->host)) {
        set_err(err, errlen, "host '%.255s' is not allowed%s", t->host,
                redirect ? " (redirect)" : "");
        target_free(t);
        return HTTPC_DENIED;
    }
    return HTTPC_OK;
}

static bool same_origin(const target *a, const target *b) {
    return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 &&
           strcmp(a->port, b->port) == 0;
}

/* ---- request headers ---------------------------------------------------- */

static bool name_is(const char *name, const char *want) {
    return strcasecmp(name, want) == 0;
}

/* Check the caller's headers once. */
static int check_headers(const json_t *headers, char *err, size_t errlen) {
    if (!headers) return HTTPC_OK;
    if (!json_is_object(headers)) {
        set_err(err, errlen, "headers must be a JSON object");
        return HTTPC_BAD_REQUEST;
    }
    const char *name;
    json_t *val;
    json_object_foreach((json_t *)headers, name, val) {
        if (!is_token(name) || strlen(name) > 256) {
            set_err(err, errlen, "invalid header name");
            return HTTPC_BAD_REQUEST;
        }
        if (name_is(name, "host") || name_is(name, "content-length") ||
            name_is(name, "transfer-encoding")) {
            set_err(err, errlen, "header '%s' cannot be set", name);
            return HTTPC_BAD_REQUEST;
        }
        if (!json_is_string(val)) {
            set_err(err, errlen, "header '%s' must be a string", name);
            return HTTPC_BAD_REQUEST;
        }
        const char *v = json_string_value(val);
        size_t vl = json_string_length(val);
        for (size_t i = 0; i < vl; i++) {
            if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0') {
                set_err(err, errlen, "header '%s' contains CR, LF or NUL", name);
                return HTTPC_BAD_REQUEST;
            }
        }
    }
    return HTTPC_OK;
}

/* Build the curl header list for one hop. strip_creds drops credentials
 * (cross-origin redirect); no_body drops Content-Type (body removed). */
static struct curl_slist *build_headers(const json_t *headers, bool strip_creds, bool no_body,
                                        bool *oom) {
    struct curl_slist *list = NULL;
    bool have_ct = false, have_expect = false;
    const char *name;
    json_t *val;
    *oom = false;
    if (headers) {
        json_object_foreach((json_t *)headers, name, val) {
            if (strip_creds && (name_is(name, "authorization") || name_is(name, "cookie") ||
                                name_is(name, "proxy-authorization")))
                continue;
            if (name_is(name, "content-type")) {
                if (no_body) continue;
                have_ct = true;
            }
            if (name_is(name, "expect")) have_expect = true;
            const char *v = json_string_value(val);
            size_t nl = strlen(name), vl = json_string_length(val);
            char *line = malloc(nl + 2 + vl + 1);
            if (!line) { *oom = true; break; }
            if (vl == 0) {
                snprintf(line, nl + 2, "%s;", name);   /* curl: "Name;" sends an empty header */
            } else {
                memcpy(line, name, nl);
                memcpy(line + nl, ": ", 2);
                memcpy(line + nl + 2, v, vl);
                line[nl + 2 + vl] = '\0';
            }
            struct curl_slist *nlst = curl_slist_append(list, line);
            free(line);
            if (!nlst) { *oom = true; break; }
            list = nlst;
        }
    }
    /* No default form Content-Type for bodies, no "Expect: 100-continue". */
    static const char *const defaults[] = {"Content-Type:", "Expect:"};
    for (size_t i = 0; !*oom && i < 2; i++) {
        if ((i == 0 && have_ct) || (i == 1 && have_expect)) continue;
        struct curl_slist *nlst = curl_slist_append(list, defaults[i]);
        if (!nlst) { *oom = true; break; }
        list = nlst;
    }
    return list;
}

/* ---- one hop ------------------------------------------------------------ */

typedef struct hop {
    const char *method;
    const void *body;
    size_t body_len;
    bool has_body;          /* send a body (possibly empty) */
} hop;

static int setup_easy(CURL *e, xfer *x, const target *t, const hop *h,
                      struct curl_slist *hdrs, uint64_t remaining_ms, char *errbuf) {
    CURLcode c = CURLE_OK;
#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
    SET(CURLOPT_CURLU, t->u);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PROXY, "");                 /* ignore http_proxy & co. */
    SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    SET(CURLOPT_HTTP_CONTENT_DECODING, 0L); /* never inflate: the cap is on real bytes */
    SET(CURLOPT_HTTP_TRANSFER_DECODING, 1L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_USERAGENT, "weir");
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_TIMEOUT_MS, (long)remaining_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)remaining_ms);
    SET(CURLOPT_OPENSOCKETFUNCTION, cb_opensocket);
    SET(CURLOPT_OPENSOCKETDATA, x);
    SET(CURLOPT_WRITEFUNCTION, cb_write);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_HEADERFUNCTION, cb_header);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_XFERINFOFUNCTION, cb_xferinfo);
    SET(CURLOPT_XFERINFODATA, x);
    SET(CURLOPT_HTTPHEADER, hdrs);
    bool head = strcmp(h->method, "HEAD") == 0;
    if (!head && x->max < (size_t)INT64_MAX)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max);
    if (head) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (h->has_body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->body_len);
        SET(CURLOPT_POSTFIELDS, h->body_len ? (const char *)h->body : "");
        if (strcmp(h->method, "POST") != 0) SET(CURLOPT_CUSTOMREQUEST, h->method);
    } else {
        SET(CURLOPT_HTTPGET, 1L);
        if (strcmp(h->method, "GET") != 0) SET(CURLOPT_CUSTOMREQUEST, h->method);
    }
#undef SET
    return c == CURLE_OK ? 0 : -1;
}

/* Run the transfer on m until done, abort, or deadline. Returns HTTPC_OK with
 * *res set to curl's result, or HTTPC_ABORTED / HTTPC_TIMEOUT. */
static int drive(CURLM *m, xfer *x, uint64_t deadline, CURLcode *res) {
    const httpc_options *opt = x->opt;
    *res = CURLE_OK;
    for (;;) {
        if (opt->should_abort && opt->should_abort(opt->ud)) {
            x->aborted = true;
            return HTTPC_ABORTED;
        }
        int running = 0;
        CURLMcode mc = curl_multi_perform(m, &running);
        if (mc != CURLM_OK) { *res = CURLE_FAILED_INIT; return HTTPC_OK; }
        if (x->aborted) return HTTPC_ABORTED;
        if (!running) break;
        uint64_t now = now_ms();
        if (now >= deadline) return HTTPC_TIMEOUT;
        uint64_t wait = deadline - now;
        if (wait > HTTP_ABORT_POLL_MS) wait = HTTP_ABORT_POLL_MS;
        mc = curl_multi_poll(m, NULL, 0, (int)wait, NULL);
        if (mc != CURLM_OK) { *res = CURLE_FAILED_INIT; return HTTPC_OK; }
    }
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE) *res = msg->data.result;
    return HTTPC_OK;
}

/* ---- public ------------------------------------------------------------- */

void httpc_options_init(httpc_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->allow_private = false;
    opt->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
    opt->max_response_bytes = HTTP_MAX_RESPONSE_BYTES;
    opt->max_redirects = HTTP_MAX_REDIRECTS;
}

void httpc_response_free(httpc_response *resp) {
    if (!resp) return;
    json_decref(resp->headers);
    free(resp->body);
    memset(resp, 0, sizeof *resp);
}

static bool is_redirect(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int httpc_request(const httpc_options *opt_in, const httpc_request_spec *req,
                  httpc_response *resp, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    if (resp) memset(resp, 0, sizeof *resp);
    httpc_options defaults;
    if (!opt_in) { httpc_options_init(&defaults); opt_in = &defaults; }
    const httpc_options *opt = opt_in;
    if (!req || !req->url || !resp) {
        set_err(err, errlen, "missing request or response");
        return HTTPC_BAD_REQUEST;
    }
    if (opt->timeout_ms == 0 || opt->max_redirects < 0) {
        set_err(err, errlen, "bad options: timeout_ms must be > 0 and max_redirects >= 0");
        return HTTPC_BAD_REQUEST;
    }
    const char *method = req->method ? req->method : "GET";
    if (!is_token(method) || strlen(method) > 32 || strcasecmp(method, "CONNECT") == 0) {
        set_err(err, errlen, "invalid method");
        return HTTPC_BAD_REQUEST;
    }
    if (req->body_len > 0 && !req->body) {
        set_err(err, errlen, "body_len without body");
        return HTTPC_BAD_REQUEST;
    }
    if (req->body_len > HTTP_MAX_REQUEST_BYTES) {
        set_err(err, errlen, "request body is larger than %u bytes", HTTP_MAX_REQUEST_BYTES);
        return HTTPC_TOO_LARGE;
    }
    int rc = check_headers(req->headers, err, errlen);
    if (rc != HTTPC_OK) return rc;

    pthread_once(&g_curl_once, curl_init_once);
    if (g_curl_init_rc != CURLE_OK) {
        set_err(err, errlen, "libcurl failed to initialise");
        return HTTPC_NETWORK;
    }

    uint64_t deadline = now_ms() + opt->timeout_ms;
    xfer x = {.opt = opt, .max = opt->max_response_bytes};
    target origin = {0}, cur = {0};
    CURLM *m = curl_multi_init();
    CURL *e = curl_easy_init();
    char *next_url = NULL;
    struct curl_slist *hdrs = NULL;
    char errbuf[CURL_ERROR_SIZE];
    hop h = {.method = method, .body = req->body, .body_len = req->body_len,
             .has_body = req->body_len > 0 || strcmp(method, "POST") == 0 ||
                         strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0};
    char method_buf[40];
    bool strip_creds = false;
    int redirects = 0;
    if (!m || !e) { set_err(err, errlen, "out of memory"); rc = HTTPC_NETWORK; goto out; }

    rc = target_parse(opt, req->url, "URL", &origin, err, errlen);
    if (rc != HTTPC_OK) goto out;

    for (;;) {
        const target *t = redirects == 0 ? &origin : &cur;
        if (opt->method_ok && !opt->method_ok(opt->ud, h.method)) {
            set_err(err, errlen, "method %s is not allowed%s", h.method,
                    redirects ? " (redirect)" : "");
            rc = HTTPC_DENIED;
            goto out;
        }
        uint64_t now = now_ms();
        if (now >= deadline) {
            set_err(err, errlen, "request to %s timed out after %u ms", origin.host,
                    opt->timeout_ms);
            rc = HTTPC_TIMEOUT;
            goto out;
        }
        bool oom = false;
        curl_slist_free_all(hdrs);
        hdrs = build_headers(req->headers, strip_creds, !h.has_body, &oom);
        if (oom) { set_err(err, errlen, "out of memory"); rc = HTTPC_NETWORK; goto out; }
        xfer_reset_hop(&x);
        x.denied = false;
        errbuf[0] = '\0';
        curl_easy_reset(e);
        if (setup_easy(e, &x, t, &h, hdrs, deadline - now, errbuf) != 0) {
            set_err(err, errlen, "libcurl refused an option");
            rc = HTTPC_NETWORK;
            goto out;
        }
        curl_multi_add_handle(m, e);
        CURLcode res;
        rc = drive(m, &x, deadline, &res);
        curl_multi_remove_handle(m, e);

        if (rc == HTTPC_ABORTED) {
            set_err(err, errlen, "request to %s aborted", t->host);
            goto out;
        }
        if (rc == HTTPC_TIMEOUT || res == CURLE_OPERATION_TIMEDOUT) {
            set_err(err, errlen, "request to %s timed out after %u ms", t->host,
                    opt->timeout_ms);
            rc = HTTPC_TIMEOUT;
            goto out;
        }
        if (res != CURLE_OK) {
            if (x.aborted || res == CURLE_ABORTED_BY_CALLBACK) {
                set_err(err, errlen, "request to %s aborted", t->host);
                rc = HTTPC_ABORTED;
            } else if (x.too_large || res == CURLE_FILESIZE_EXCEEDED) {
                set_err(err, errlen, "response from %s is larger than %zu bytes", t->host,
                        x.max);
                rc = HTTPC_TOO_LARGE;
            } else if (x.headers_too_large) {
                set_err(err, errlen, "response headers from %s exceed %u bytes", t->host,
                        HTTP_MAX_HEADER_BYTES);
                rc = HTTPC_TOO_LARGE;
            } else if (x.denied) {
                set_err(err, errlen,
                        "connection to %s refused: it resolves to a %s address%s", t->host,
                        net_class_name(x.denied_class),
                        (x.denied_class == NET_LOOPBACK || x.denied_class == NET_PRIVATE)
                            ? " and private networks are not allowed"
                            : ", which is never allowed");
                rc = HTTPC_DENIED;
            } else if (x.oom) {
                set_err(err, errlen, "out of memory");
                rc = HTTPC_NETWORK;
            } else {
                set_err(err, errlen, "request to %s failed: %s", t->host,
                        errbuf[0] ? errbuf : curl_easy_strerror(res));
                rc = HTTPC_NETWORK;
            }
            goto out;
        }

        long status = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        char *loc = NULL;
        curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc);
        if (!is_redirect(status) || !loc) {
            resp->status = status;
            resp->headers = x.headers ? x.headers : json_object();
            x.headers = NULL;
            if (!x.body) x.body = malloc(1);
            if (!x.body || !resp->headers) {
                httpc_response_free(resp);
                set_err(err, errlen, "out of memory");
                rc = HTTPC_NETWORK;
                goto out;
            }
            x.body[x.len] = '\0';
            resp->body = x.body;
            resp->body_len = x.len;
            resp->body_is_utf8 = utf8_valid(x.body, x.len);
            resp->redirects = redirects;
            x.body = NULL;
            rc = HTTPC_OK;
            goto out;
        }

        /* A redirect: check the limit, then the new target, like the first. */
        if (redirects >= opt->max_redirects) {
            set_err(err, errlen, "too many redirects (limit %d) from %s", opt->max_redirects,
                    origin.host);
            rc = HTTPC_NETWORK;
            goto out;
        }
        free(next_url);
        next_url = strdup(loc);              /* loc belongs to the easy handle */
        if (!next_url) { set_err(err, errlen, "out of memory"); rc = HTTPC_NETWORK; goto out; }
        target nt;
        rc = target_parse(opt, next_url, "redirect", &nt, err, errlen);
        if (rc != HTTPC_OK) goto out;
        target_free(&cur);
        cur = nt;
        redirects++;
        if (!same_origin(&origin, &cur)) strip_creds = true;
        bool to_get = status == 303 ? strcmp(h.method, "HEAD") != 0
                                    : (status == 301 || status == 302) &&
                                          strcmp(h.method, "POST") == 0;
        if (to_get) {
            snprintf(method_buf, sizeof method_buf, "GET");
            h.method = method_buf;
            h.body = NULL;
            h.body_len = 0;
            h.has_body = false;
        }
    }

out:
    /* the easy handle may still point at a target's CURLU: clean it first */
    if (e) curl_easy_cleanup(e);
    if (m) curl_multi_cleanup(m);
    xfer_reset_hop(&x);
    curl_slist_free_all(hdrs);
    free(next_url);
    target_free(&cur);
    target_free(&origin);
    return rc;
}

const char *httpc_strerror(int code) {
    switch (code) {
    case HTTPC_OK: return "ok";
    case HTTPC_DENIED: return "refused by the network policy";
    case HTTPC_NETWORK: return "network error";
    case HTTPC_TIMEOUT: return "timed out";
    case HTTPC_TOO_LARGE: return "too large";
    case HTTPC_BAD_REQUEST: return "bad request";
    case HTTPC_ABORTED: return "aborted";
    default: return "unknown http client error";
    }
}
