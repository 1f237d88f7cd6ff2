/* expr.c — the arithmetic evaluator behind the `eval` node.
 *
 * Why this exists: boards let users type a formula ("price * 1.2 + 3") and the
 * classic way to do that — handing the string to a scripting engine — is how
 * workflow tools end up running `process.exit()` or `require('fs')` for an
 * attacker. This file is a small recursive-descent parser that evaluates as it
 * parses and knows only numbers, the operators + - * / % ^, parentheses, two
 * constants and a fixed table of libm functions; anything else is an error
 * that names what it did not understand. Input length is capped
 * (EVAL_MAX_EXPRESSION) before parsing starts and every recursive step counts
 * against EVAL_MAX_DEPTH, so hostile input costs O(length) time and a bounded
 * amount of stack. Every intermediate value is checked to be finite. */
#include "catalog/expr.h"

#include "base/limits.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Identifiers echoed in error messages are cut to this many bytes. */
#define EXPR_IDENT_ECHO 32
/* Numbers shorter than this are converted from a stack copy; longer ones
 * (rare: long digit strings) from a heap copy. Not an input limit. */
#define EXPR_NUM_STACK 64

typedef struct expr_parser {
    const char *s;
    size_t len;
    size_t pos;
    int depth;
    bool failed;
    char *err;
    size_t errlen;
} expr_parser;

typedef enum { F_ONE, F_TWO, F_VARIADIC } expr_arity;

typedef struct expr_func {
    const char *name;
    expr_arity arity;
    double (*one)(double);
    double (*two)(double, double);
} expr_func;

static double expr_ln(double x) { return log(x); }

/* The complete list of callable names. min/max are handled by the caller. */
static const expr_func expr_funcs[] = {
    {"abs", F_ONE, fabs, NULL},     {"sqrt", F_ONE, sqrt, NULL},
    {"floor", F_ONE, floor, NULL},  {"ceil", F_ONE, ceil, NULL},
    {"round", F_ONE, round, NULL},  {"trunc", F_ONE, trunc, NULL},
    {"exp", F_ONE, exp, NULL},      {"ln", F_ONE, expr_ln, NULL},
    {"log10", F_ONE, log10, NULL},  {"log2", F_ONE, log2, NULL},
    {"sin", F_ONE, sin, NULL},      {"cos", F_ONE, cos, NULL},
    {"tan", F_ONE, tan, NULL},      {"asin", F_ONE, asin, NULL},
    {"acos", F_ONE, acos, NULL},    {"atan", F_ONE, atan, NULL},
    {"pow", F_TWO, NULL, pow},      {"atan2", F_TWO, NULL, atan2},
    {"hypot", F_TWO, NULL, hypot},  {"min", F_VARIADIC, NULL, fmin},
    {"max", F_VARIADIC, NULL, fmax},
};

static void expr_fail(expr_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error only; later ones are consequences of it. */
static void expr_fail(expr_parser *p, const char *fmt, ...) {
    if (p->failed) return;
    p->failed = true;
    if (!p->err || p->errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
}

static void expr_skip_ws(expr_parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
            p->pos++;
        else
            break;
    }
}

static bool expr_is_digit(char c) { return c >= '0' && c <= '9'; }
static bool expr_is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool expr_is_ident(char c) { return expr_is_ident_start(c) || expr_is_digit(c); }

/* Report the byte at the current position as unexpected (or end of input). */
static int expr_unexpected(expr_parser *p) {
    if (p->pos >= p->len) {
        expr_fail(p, "unexpected end of expression");
        return -1;
    }
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c > 0x20 && c < 0x7f)
        expr_fail(p, "unexpected character '%c' at column %zu", (char)c, p->pos + 1);
    else
        expr_fail(p, "unexpected character \\x%02x at column %zu", c, p->pos + 1);
    return -1;
}

static int expr_check(expr_parser *p, double v, size_t col) {
    if (isfinite(v)) return 0;
    expr_fail(p, "result is not a finite number (at column %zu)", col);
    return -1;
}

/* Enter one level of nesting; fails when EVAL_MAX_DEPTH is exceeded. */
static int expr_enter(expr_parser *p) {
    if (p->depth >= EVAL_MAX_DEPTH) {
        expr_fail(p, "expression nested deeper than %d levels", EVAL_MAX_DEPTH);
        return -1;
    }
    p->depth++;
    return 0;
}

static int expr_parse_expr(expr_parser *p, double *out);
static int expr_parse_unary(expr_parser *p, double *out);

static int expr_parse_number(expr_parser *p, double *out) {
    size_t start = p->pos, i = p->pos, digits = 0;
    while (i < p->len && expr_is_digit(p->s[i])) { i++; digits++; }
    if (i < p->len && p->s[i] == '.') {
        i++;
        while (i < p->len && expr_is_digit(p->s[i])) { i++; digits++; }
    }
    if (digits == 0) return expr_unexpected(p);
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        size_t j = i + 1;
        if (j < p->len && (p->s[j] == '+' || p->s[j] == '-')) j++;
        if (j < p->len && expr_is_digit(p->s[j])) {
            while (j < p->len && expr_is_digit(p->s[j])) j++;
            i = j;
        }
    }
    size_t n = i - start;
    char small[EXPR_NUM_STACK];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) {
        expr_fail(p, "out of memory");
        return -1;
    }
    memcpy(buf, p->s + start, n);
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    bool whole = end == buf + n;
    if (buf != small) free(buf);
    /* The token is plain decimal, so strtod consumes all of it unless the
     * process switched LC_NUMERIC to a locale without '.' (weir never does). */
    if (!whole) {
        expr_fail(p, "cannot read number at column %zu", start + 1);
        return -1;
    }
    p->pos = i;
    if (expr_check(p, v, start + 1) < 0) return -1;
    *out = v;
    return 0;
}

static const expr_func *expr_find_func(const char *name, size_t n) {
    for (size_t k = 0; k < sizeof expr_funcs / sizeof expr_funcs[0]; k++)
        if (strlen(expr_funcs[k].name) == n && memcmp(expr_funcs[k].name, name, n) == 0)
            return &expr_funcs[k];
    return NULL;
}

static int expr_call(expr_parser *p, const expr_func *f, size_t name_col, double *out) {
    /* p->pos is just past '('. */
    if (expr_enter(p) < 0) return -1;
    double args[2] = {0, 0}, acc = 0;
    size_t argc = 0;
    expr_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ')') {
        p->pos++;
    } else {
        for (;;) {
            double v;
            if (expr_parse_expr(p, &v) < 0) return -1;
            if (argc < 2) args[argc] = v;
            if (f->arity == F_VARIADIC) acc = argc == 0 ? v : f->two(acc, v);
            argc++;
            expr_skip_ws(p);
            if (p->pos >= p->len) {
                expr_fail(p, "unbalanced parentheses: missing ')' for '%s(' at column %zu",
                          f->name, name_col);
                return -1;
            }
            char c = p->s[p->pos];
            if (c == ',') { p->pos++; continue; }
            if (c == ')') { p->pos++; break; }
            return expr_unexpected(p);
        }
    }
    p->depth--;
    double r;
    switch (f->arity) {
    case F_ONE:
        if (argc != 1) goto arity;
        r = f->one(args[0]);
        break;
    case F_TWO:
        if (argc != 2) goto arity;
        r = f->two(args[0], args[1]);
        break;
    default:
        if (argc < 1) goto arity;
        r = acc;
        break;
    }
    if (expr_check(p, r, name_col) < 0) return -1;
    *out = r;
    return 0;
arity:
    if (f->arity == F_VARIADIC)
        expr_fail(p, "function '%s' takes at least 1 argument, got %zu", f->name, argc);
    else
        expr_fail(p, "function '%s' takes %d argument%s, got %zu", f->name,
                  f->arity == F_ONE ? 1 : 2, f->arity == F_ONE ? "" : "s", argc);
    return -1;
}

static int expr_parse_ident(expr_parser *p, double *out) {
    size_t start = p->pos;
    while (p->pos < p->len && expr_is_ident(p->s[p->pos])) p->pos++;
    const char *name = p->s + start;
    size_t n = p->pos - start;
    size_t after = p->pos;
    expr_skip_ws(p);
    bool call = p->pos < p->len && p->s[p->pos] == '(';
    if (!call) p->pos = after;

    bool is_const = (n == 2 && memcmp(name, "pi", 2) == 0) || (n == 1 && name[0] == 'e');
    const expr_func *f = is_const ? NULL : expr_find_func(name, n);
    if (is_const) {
        if (call) {
            expr_fail(p, "'%.*s' is a constant, not a function (column %zu)", (int)n, name,
                      start + 1);
            return -1;
        }
        *out = n == 1 ? M_E : M_PI;
        return 0;
    }
    if (f) {
        if (!call) {
            expr_fail(p, "function '%s' needs arguments in parentheses (column %zu)", f->name,
                      start + 1);
            return -1;
        }
        p->pos++; /* '(' */
        return expr_call(p, f, start + 1, out);
    }
    int shown = n > EXPR_IDENT_ECHO ? EXPR_IDENT_ECHO : (int)n;
    expr_fail(p, "unknown identifier '%.*s%s' at column %zu", shown, name,
              n > EXPR_IDENT_ECHO ? "..." : "", start + 1);
    return -1;
}

static int expr_parse_primary(expr_parser *p, double *out) {
    expr_skip_ws(p);
    if (p->pos >= p->len) return expr_unexpected(p);
    char c = p->s[p->pos];
    if (c == '(') {
        size_t open = p->pos + 1;
        p->pos++;
        if (expr_enter(p) < 0) return -1;
        if (expr_parse_expr(p, out) < 0) return -1;
        p->depth--;
        expr_skip_ws(p);
        if (p->pos >= p->len) {
            expr_fail(p, "unbalanced parentheses: missing ')' for '(' at column %zu", open);
            return -1;
        }
        if (p->s[p->pos] != ')') return expr_unexpected(p);
        p->pos++;
        return 0;
    }
    if (expr_is_digit(c) || c == '.') return expr_parse_number(p, out);
    if (expr_is_ident_start(c)) return expr_parse_ident(p, out);
    return expr_unexpected(p);
}

static int expr_parse_power(expr_parser *p, double *out) {
    double base;
    if (expr_parse_primary(p, &base) < 0) return -1;
    expr_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '^') {
        size_t col = p->pos + 1;
        p->pos++;
        if (expr_enter(p) < 0) return -1;
        double ex;
        if (expr_parse_unary(p, &ex) < 0) return -1; /* right-assoc, allows 2^-1 */
        p->depth--;
        base = pow(base, ex);
        if (expr_check(p, base, col) < 0) return -1;
    }
    *out = base;
    return 0;
}

static int expr_parse_unary(expr_parser *p, double *out) {
    expr_skip_ws(p);
    if (p->pos < p->len && (p->s[p->pos] == '-' || p->s[p->pos] == '+')) {
        bool neg = p->s[p->pos] == '-';
        p->pos++;
        if (expr_enter(p) < 0) return -1;
        double v;
        if (expr_parse_unary(p, &v) < 0) return -1;
        p->depth--;
        *out = neg ? -v : v;
        return 0;
    }
    return expr_parse_power(p, out);
}

static int expr_parse_term(expr_parser *p, double *out) {
    double acc;
    if (expr_parse_unary(p, &acc) < 0) return -1;
    for (;;) {
        expr_skip_ws(p);
        if (p->pos >= p->len) break;
        char op = p->s[p->pos];
        if (op != '*' && op != '/' && op != '%') break;
        size_t col = p->pos + 1;
        p->pos++;
        double rhs;
        if (expr_parse_unary(p, &rhs) < 0) return -1;
        if (op == '*') {
            acc *= rhs;
        } else if (rhs == 0.0) {
            expr_fail(p, "%s by zero at column %zu", op == '/' ? "division" : "modulo", col);
            return -1;
        } else {
            acc = op == '/' ? acc / rhs : fmod(acc, rhs);
        }
        if (expr_check(p, acc, col) < 0) return -1;
    }
    *out = acc;
    return 0;
}

static int expr_parse_expr(expr_parser *p, double *out) {
    double acc;
    if (expr_parse_term(p, &acc) < 0) return -1;
    for (;;) {
        expr_skip_ws(p);
        if (p->pos >= p->len) break;
        char op = p->s[p->pos];
        if (op != '+' && op != '-') break;
        size_t col = p->pos + 1;
        p->pos++;
        double rhs;
        if (expr_parse_term(p, &rhs) < 0) return -1;
        acc = op == '+' ? acc + rhs : acc - rhs;
        if (expr_check(p, acc, col) < 0) return -1;
    }
    *out = acc;
    return 0;
}

int expr_eval(const char *src, size_t len, double *out, char *err, size_t errlen) {
    expr_parser p = {src, len, 0, 0, false, err, errlen};
    if (err && errlen) err[0] = '\0';
    if (len > EVAL_MAX_EXPRESSION) {
        expr_fail(&p, "expression longer than %u bytes", (unsigned)EVAL_MAX_EXPRESSION);
        return -1;
    }
    if (!src && len) {
        expr_fail(&p, "empty expression");
        return -1;
    }
    expr_skip_ws(&p);
    if (p.pos >= p.len) {
        expr_fail(&p, "empty expression");
        return -1;
    }
    double v;
    if (expr_parse_expr(&p, &v) < 0) return -1;
    expr_skip_ws(&p);
    if (p.pos < p.len && p.s[p.pos] == ')') {
        expr_fail(&p, "unbalanced parentheses: unexpected ')' at column %zu", p.pos + 1);
        return -1;
    }
    if (p.pos < p.len) return expr_unexpected(&p);
    if (out) *out = v;
    return 0;
}
