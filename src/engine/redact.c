/* redact.c — secrets never reach a report (boards.md §2.8).
 *
 * Two layers: values derived from a secret carry a taint bit and are shown
 * as "***" whole; and, in case a node launders a secret into an untainted
 * value (say an HTTP echo), every report text is searched for the secret
 * strings of the run, which are replaced by "***". Strings shorter than
 * REDACT_MIN_LEN are not searched for: masking every "a" would destroy the
 * report and protect nothing; the taint bit still covers them. */
#include "engine/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

#define REDACT_MIN_LEN 4
#define REDACT_MAX_SECRETS 1024

static void collect_json(run *r, json_t *j) {
    if (json_is_string(j)) {
        if (json_string_length(j) < REDACT_MIN_LEN || r->nsecrets >= REDACT_MAX_SECRETS) return;
        for (size_t i = 0; i < r->nsecrets; i++)
            if (strcmp(r->secrets[i], json_string_value(j)) == 0) return;
        const char **s = realloc(r->secrets, (r->nsecrets + 1) * sizeof *s);
        if (!s) return;
        r->secrets = s;
        char *copy = strdup(json_string_value(j));
        if (copy) r->secrets[r->nsecrets++] = copy;
    } else if (json_is_array(j)) {
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) collect_json(r, e);
    } else if (json_is_object(j)) {
        const char *k;
        json_t *e;
        json_object_foreach(j, k, e) collect_json(r, e);
    }
}

/* Remember the strings of a secret value. */
void redact_collect(run *r, value v) {
    if (v.kind != V_JSON) return;
    pthread_mutex_lock(&r->secrets_mu);
    collect_json(r, v.u.j);
    pthread_mutex_unlock(&r->secrets_mu);
}

char *redact_text(run *r, const char *text, size_t len) {
    strbuf sb = STRBUF_INIT;
    sb_append(&sb, text, len);
    pthread_mutex_lock(&r->secrets_mu);
    for (size_t k = 0; k < r->nsecrets && !sb.oom; k++) {
        const char *sec = r->secrets[k];
        size_t slen = strlen(sec);
        if (!memmem(sb_str(&sb), sb.len, sec, slen)) continue;
        strbuf out = STRBUF_INIT;
        const char *cur = sb_str(&sb), *end = cur + sb.len, *hit;
        while ((hit = memmem(cur, (size_t)(end - cur), sec, slen))) {
            sb_append(&out, cur, (size_t)(hit - cur));
            sb_puts(&out, "***");
            cur = hit + slen;
        }
        sb_append(&out, cur, (size_t)(end - cur));
        sb_free(&sb);
        sb = out;
    }
    pthread_mutex_unlock(&r->secrets_mu);
    return sb_take(&sb);
}

static json_t *mask_json(run *r, json_t *j) {
    if (json_is_string(j)) {
        char *m = redact_text(r, json_string_value(j), json_string_length(j));
        json_t *out = m ? json_string(m) : json_string("***");
        free(m);
        return out ? out : json_string("***");
    }
    if (json_is_array(j)) {
        json_t *out = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) json_array_append_new(out, mask_json(r, e));
        return out;
    }
    if (json_is_object(j)) {
        json_t *out = json_object();
        const char *k;
        json_t *e;
        json_object_foreach(j, k, e) json_object_set_new(out, k, mask_json(r, e));
        return out;
    }
    return json_incref(j);
}

json_t *redact_value(run *r, value v) {
    if (v.secret) return json_string("***");
    json_t *j = value_to_json(v);
    if (!j || r->nsecrets == 0) return j;
    json_t *out = mask_json(r, j);
    json_decref(j);
    return out;
}

char *redact_cut_text(run *r, const char *text, size_t len) {
    char *m = redact_text(r, text, len);
    if (!m) return NULL;
    /* the cut may have split a secret: drop a tail that is the start of one */
    size_t mlen = strlen(m), cut = 0;
    pthread_mutex_lock(&r->secrets_mu);
    for (size_t k = 0; k < r->nsecrets; k++) {
        size_t slen = strlen(r->secrets[k]);
        for (size_t n = (slen - 1 < mlen ? slen - 1 : mlen); n > cut; n--)
            if (memcmp(m + mlen - n, r->secrets[k], n) == 0) {
                cut = n;
                break;
            }
    }
    pthread_mutex_unlock(&r->secrets_mu);
    m[mlen - cut] = '\0';
    return m;
}
