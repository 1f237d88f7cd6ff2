/* expr.h — a safe, arithmetic-only expression evaluator (the `eval` node).
 *
 * Grammar (whitespace allowed between tokens):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '%') unary)*
 *   unary   := ('+' | '-') unary | power
 *   power   := primary ('^' unary)?          right-associative: 2^3^2 = 2^9
 *   primary := NUMBER | CONSTANT | FUNCTION '(' expr (',' expr)* ')' | '(' expr ')'
 * so -2^2 = -4 and 2^-1 = 0.5. NUMBER is 12, 1.5, .5, 5., 1e3, 2.5E-3.
 * Constants: pi, e. Functions: abs sqrt floor ceil round trunc exp ln log10
 * log2 sin cos tan asin acos atan (one argument), pow atan2 hypot (two),
 * min max (one or more). `%` is fmod (sign of the dividend); round() rounds
 * half away from zero. Names are case-sensitive.
 *
 * There are no variables, strings, assignments or calls into anything but the
 * fixed math functions above, so an expression can never reach the host. */
#ifndef WEIR_CATALOG_EXPR_H
#define WEIR_CATALOG_EXPR_H

#include <stddef.h>

/* Evaluate the `len` bytes at `src` (need not be NUL-terminated; NULL is
 * allowed when len is 0). On success stores the result in *out and returns 0.
 * On error returns -1 and writes a NUL-terminated message into err (at most
 * errlen bytes, truncated; err may be NULL or errlen 0 to discard it); *out
 * is left untouched. Errors: empty expression, unknown identifier, unexpected
 * character (with its 1-based column), unbalanced parentheses, wrong number of
 * arguments, division or modulo by zero, a result or intermediate value that
 * is not finite, an expression longer than EVAL_MAX_EXPRESSION bytes, nesting
 * deeper than EVAL_MAX_DEPTH. Pure: no I/O, no global state, thread-safe;
 * the caller owns every buffer. */
int expr_eval(const char *src, size_t len, double *out, char *err, size_t errlen);

#endif
