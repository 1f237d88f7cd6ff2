/*
 * http_caller -- outbound HTTP through the host's `http_request`.
 *
 *   http_get        GET url (with optional headers) -> status, body, headers
 *   http_post_json  POST a JSON payload -> status, body, and the body parsed as
 *                   JSON when it is JSON (else null)
 *
 * The manifest (manifest.json) allows api.example.com, sub-domains of
 * example.org ("*.example.org" does not match example.org itself) and
 * localhost, for GET and POST. The host checks every request and redirect
 * against that list, and checks the address actually connected to: localhost
 * resolves to a loopback address, which is refused unless the operator runs
 * with --allow-private-net. That is how a test server on this machine can be
 * used:
 *
 *   python3 -m http.server 8080 &
 *   weir node exec http_caller.wasm --node http_get --grant http --allow-private-net \
 *        --input '{"url": "http://localhost:8080/"}'
 *
 * (An allow-list entry such as "127.0.0.1" would not help: the address policy
 * applies whatever the list says; link-local and cloud metadata addresses are
 * refused even with --allow-private-net.)
 *
 * A request that cannot be made is not a node failure: the node continues on
 * exec_error with `error` set ("denied (-10)", "network error (-11)", ...).
 */
#include "weir_node.h"

/* Sets `error` to "<name> (<code>)" and continues on exec_error. */
static int route_error(int code) {
    weir_sb sb = WEIR_SB_INIT;
    weir_sb_puts(&sb, weir_strerror(code));
    weir_sb_puts(&sb, " (");
    weir_sb_put_int(&sb, code);
    weir_sb_putc(&sb, ')');
    if (sb.err) return weir_fail("out of memory");
    weir_set_output_string("error", sb.ptr, sb.len);
    weir_sb_free(&sb);
    weir_log(WEIR_LOG_WARN, "http request failed");
    return weir_activate("exec_error") == WEIR_OK ? WEIR_NODE_OK : weir_fail("cannot activate exec_error");
}

static int http_get(const weir_input *in) {
    weir_http_response resp;
    weir_str headers;
    char *url = weir_input_cstr(in, "url"), *hdrs = NULL;
    int rc;
    if (!url || !url[0]) return weir_fail("input url: a non-empty string is required");
    if (weir_input_raw(in, "headers", &headers) == WEIR_OK && !weir_json_is_null(headers)) {
        if (weir_json_type(headers) != WEIR_JSON_OBJECT) return weir_fail("input headers: must be an object");
        hdrs = weir_strndup(headers.ptr, headers.len);
        if (!hdrs) return weir_fail("out of memory");
    }
    rc = weir_http_request("GET", url, hdrs, NULL, 0, &resp);
    if (rc != WEIR_OK) return route_error(rc);
    if ((rc = weir_set_output_int("status", resp.status)) != WEIR_OK ||
        (rc = resp.body_was_base64 ? weir_set_output_bytes("body", resp.body, resp.body_len)
                                   : weir_set_output_string("body", resp.body, resp.body_len)) != WEIR_OK ||
        (rc = weir_set_output_bool("binary", resp.body_was_base64)) != WEIR_OK ||
        (rc = weir_set_output_json("response_headers", resp.headers.ptr, resp.headers.len)) != WEIR_OK)
        return weir_fail_code("set output", rc);
    weir_http_response_free(&resp);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : weir_fail("cannot activate exec_out");
}

static int http_post_json(const weir_input *in) {
    weir_http_response resp;
    weir_str payload;
    char *url = weir_input_cstr(in, "url");
    int rc;
    if (!url || !url[0]) return weir_fail("input url: a non-empty string is required");
    if (weir_input_raw(in, "payload", &payload) != WEIR_OK) payload = weir_str_c("null");
    rc = weir_http_request("POST", url, "{\"Content-Type\": \"application/json\"}", payload.ptr, payload.len,
                           &resp);
    if (rc != WEIR_OK) return route_error(rc);
    if ((rc = weir_set_output_int("status", resp.status)) != WEIR_OK ||
        (rc = weir_set_output_string("body", resp.body, resp.body_len)) != WEIR_OK)
        return weir_fail_code("set output", rc);
    /* The body parsed as JSON when it is JSON, else null. */
    if (!resp.body_was_base64 && weir_json_valid(resp.body, resp.body_len))
        rc = weir_set_output_json("response", resp.body, resp.body_len);
    else
        rc = weir_set_output_null("response");
    if (rc != WEIR_OK) return weir_fail_code("set output response", rc);
    weir_http_response_free(&resp);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : weir_fail("cannot activate exec_out");
}

WEIR_NODES(http_get, http_post_json);
