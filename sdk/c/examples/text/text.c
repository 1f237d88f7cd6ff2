/*
 * text -- a pure text utility package: the smallest useful weir package.
 *
 *   text_reverse     (pure)  reverses a string by Unicode code point
 *   text_upper       (pure)  upper-cases ASCII and Latin-1 letters
 *   text_word_count  (exec)  counts words, characters and lines; continues on
 *                            exec_out, or on exec_empty when there are no words
 *
 * It asks for no capability, so it imports only weir.set_output, weir.activate
 * and weir.fail. The manifest is written inline with WEIR_MANIFEST (the other
 * examples keep theirs in a manifest.json file given to the build rule).
 */
#include "weir_node.h"

WEIR_MANIFEST(
    "{\"abi\": 1,"
    " \"package\": {\"id\": \"example.text\", \"version\": \"1.0.0\","
    "   \"description\": \"Reverse, upper-case and count text.\", \"license\": \"MIT\"},"
    " \"capabilities\": {},"
    " \"limits\": {\"memory_mb\": 32, \"timeout_ms\": 5000},"
    " \"nodes\": ["
    "  {\"name\": \"text_reverse\", \"friendly_name\": \"Reverse text\", \"category\": \"Text\","
    "   \"description\": \"Reverses a string, code point by code point.\","
    "   \"pins\": ["
    "    {\"name\": \"text\", \"direction\": \"in\", \"type\": \"string\", \"default\": \"\"},"
    "    {\"name\": \"reversed\", \"direction\": \"out\", \"type\": \"string\"}]},"
    "  {\"name\": \"text_upper\", \"friendly_name\": \"Upper-case text\", \"category\": \"Text\","
    "   \"description\": \"Upper-cases ASCII and Latin-1 letters; other text is unchanged.\","
    "   \"pins\": ["
    "    {\"name\": \"text\", \"direction\": \"in\", \"type\": \"string\", \"default\": \"\"},"
    "    {\"name\": \"upper\", \"direction\": \"out\", \"type\": \"string\"}]},"
    "  {\"name\": \"text_word_count\", \"friendly_name\": \"Count words\", \"category\": \"Text\","
    "   \"description\": \"Counts words, characters (code points) and lines.\","
    "   \"pins\": ["
    "    {\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    "    {\"name\": \"text\", \"direction\": \"in\", \"type\": \"string\", \"default\": \"\"},"
    "    {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"},"
    "    {\"name\": \"exec_empty\", \"direction\": \"out\", \"type\": \"execution\"},"
    "    {\"name\": \"words\", \"direction\": \"out\", \"type\": \"integer\"},"
    "    {\"name\": \"characters\", \"direction\": \"out\", \"type\": \"integer\"},"
    "    {\"name\": \"lines\", \"direction\": \"out\", \"type\": \"integer\"}]}"
    " ]}");

/* Reads string input "text"; fails the node if it is not a string. */
static int read_text(const weir_input *in, char **text, size_t *len) {
    int rc = weir_input_string_alloc(in, "text", text, len);
    if (rc == WEIR_ERR_NULL) { /* null: treat as empty */
        *text = weir_strndup("", 0);
        *len = 0;
        return *text ? WEIR_OK : WEIR_ERR_NOMEM;
    }
    return rc;
}

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t seq_len(const unsigned char *s, size_t left) {
    size_t k = weir_utf8_seq_len(s, left);
    return k ? k : 1;
}

static int text_reverse(const weir_input *in) {
    char *text, *out;
    size_t len, i = 0;
    int rc = read_text(in, &text, &len);
    if (rc != WEIR_OK) return weir_fail_code("input text", rc);
    out = (char *)weir_malloc(len + 1);
    if (!out) return weir_fail("out of memory");
    while (i < len) { /* copy each sequence to the mirrored position */
        size_t k = seq_len((const unsigned char *)text + i, len - i);
        weir_memcpy(out + len - i - k, text + i, k);
        i += k;
    }
    rc = weir_set_output_string("reversed", out, len);
    return rc == WEIR_OK ? WEIR_NODE_OK : weir_fail_code("output reversed", rc);
}

static int text_upper(const weir_input *in) {
    char *text;
    size_t len;
    int rc = read_text(in, &text, &len);
    if (rc != WEIR_OK) return weir_fail_code("input text", rc);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'a' && c <= 'z') {
            text[i] = (char)(c - 32);
        } else if (c == 0xC3 && i + 1 < len) { /* U+00E0..U+00FE except U+00F7 */
            unsigned char d = (unsigned char)text[i + 1];
            if (d >= 0xA0 && d <= 0xBE && d != 0xB7) text[i + 1] = (char)(d - 0x20);
            i++;
        }
    }
    rc = weir_set_output_string("upper", text, len);
    return rc == WEIR_OK ? WEIR_NODE_OK : weir_fail_code("output upper", rc);
}

static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static int text_word_count(const weir_input *in) {
    char *text;
    size_t len, i = 0;
    int64_t words = 0, chars = 0, lines = 0;
    bool in_word = false;
    int rc = read_text(in, &text, &len);
    if (rc != WEIR_OK) return weir_fail_code("input text", rc);
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (is_space(c)) {
            in_word = false;
        } else if (!in_word) {
            in_word = true;
            words++;
        }
        if (c == '\n') lines++;
        chars++;
        i += seq_len((const unsigned char *)text + i, len - i);
    }
    if (len > 0 && text[len - 1] != '\n') lines++; /* a last line without newline */
    if ((rc = weir_set_output_int("words", words)) != WEIR_OK ||
        (rc = weir_set_output_int("characters", chars)) != WEIR_OK ||
        (rc = weir_set_output_int("lines", lines)) != WEIR_OK)
        return weir_fail_code("set output", rc);
    rc = weir_activate(words > 0 ? "exec_out" : "exec_empty");
    return rc == WEIR_OK ? WEIR_NODE_OK : weir_fail_code("activate", rc);
}

/* The order of the manifest's "nodes". */
WEIR_NODES(text_reverse, text_upper, text_word_count);
