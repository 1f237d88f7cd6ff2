/* test_expr.c — the `eval` expression evaluator: arithmetic, precedence,
 * errors, limits, and a corpus of host-escape attempts that must all fail. */
#include "testutil.h"

#include "base/limits.h"
#include "catalog/expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void check_ok_at(const char *src, double want, const char *file, int line) {
    double v = NAN;
    char err[256] = "";
    int rc = expr_eval(src, strlen(src), &v, err, sizeof err);
    if (rc != 0) fail_msg("%s:%d: expr_eval(\"%s\") failed: %s", file, line, src, err);
    double tol = 1e-12 * fmax(1.0, fabs(want));
    if (!(fabs(v - want) <= tol))
        fail_msg("%s:%d: expr_eval(\"%s\") = %.17g, want %.17g", file, line, src, v, want);
}
#define OK(src, want) check_ok_at((src), (want), __FILE__, __LINE__)

static void check_err_at(const char *src, size_t len, const char *want_sub, const char *file,
                         int line) {
    double v = 12345.0;
    char err[256] = "";
    int rc = expr_eval(src, len, &v, err, sizeof err);
    if (rc != -1) fail_msg("%s:%d: expr_eval(\"%.*s\") = %g, want an error", file, line,
                           (int)(len > 80 ? 80 : len), src, v);
    if (v != 12345.0) fail_msg("%s:%d: *out changed on error", file, line);
    if (err[0] == '\0') fail_msg("%s:%d: empty error message", file, line);
    if (want_sub && !strstr(err, want_sub))
        fail_msg("%s:%d: error for \"%.*s\" is \"%s\", want it to contain \"%s\"", file, line,
                 (int)(len > 80 ? 80 : len), src, err, want_sub);
}
#define ERR(src, sub) check_err_at((src), strlen(src), (sub), __FILE__, __LINE__)
#define ERRN(src, len, sub) check_err_at((src), (len), (sub), __FILE__, __LINE__)

static void test_numbers(void **state) {
    (void)state;
    OK("42", 42);
    OK("0", 0);
    OK("007", 7);
    OK("3.25", 3.25);
    OK(".5", 0.5);
    OK("5.", 5);
    OK("1e3", 1000);
    OK("1E3", 1000);
    OK("1e+2", 100);
    OK("2.5e-3", 0.0025);
    OK("1e-400", 0); /* underflow to zero is finite */
    OK("123456789012345678901234567890", 123456789012345678901234567890.0);
    OK("0.1 + 0.2", 0.1 + 0.2);
}

static void test_precedence_and_associativity(void **state) {
    (void)state;
    OK("1+2*3", 7);
    OK("(1+2)*3", 9);
    OK("2*3^2", 18);
    OK("-2^2", -4);   /* unary minus binds looser than ^ */
    OK("(-2)^2", 4);
    OK("2^-1", 0.5);
    OK("2^3^2", 512); /* right-associative */
    OK("(2^3)^2", 64);
    OK("10-4-3", 3);  /* left-associative */
    OK("100/10/5", 2);
    OK("2*3%4", 2);   /* (2*3)%4 */
    OK("1+2-3+4", 4);
    OK("8/2*4", 16);
    OK("1 - -1", 2);
    OK("--3", 3);
    OK("+-+3", -3);
    OK("2*-3", -6);
    OK("6/-2", -3);
    OK("-(1+2)*2", -6);
    OK("((((1))))", 1);
    OK("2^0.5", sqrt(2.0));
}

static void test_modulo(void **state) {
    (void)state;
    OK("7%3", 1);
    OK("-7%3", -1); /* sign of the dividend, like fmod */
    OK("7%-3", 1);
    OK("7.5%2", 1.5);
    OK("0%5", 0);
}

static void test_whitespace(void **state) {
    (void)state;
    OK("  1 +\t2\n*\r3  ", 7);
    OK("max ( 1 , 2 )", 2);
    OK("\v\f4", 4);
}

static void test_constants(void **state) {
    (void)state;
    OK("pi", M_PI);
    OK("e", M_E);
    OK("2*pi", 2 * M_PI);
    OK("e^2", M_E * M_E);
    ERR("Pi", "unknown identifier 'Pi'");
    ERR("pi(2)", "constant");
    ERR("2pi", "unexpected character 'p' at column 2");
}

static void test_functions(void **state) {
    (void)state;
    OK("abs(-3.5)", 3.5);
    OK("sqrt(16)", 4);
    OK("floor(-1.5)", -2);
    OK("ceil(-1.5)", -1);
    OK("round(2.5)", 3);
    OK("round(-2.5)", -3);
    OK("trunc(-1.7)", -1);
    OK("exp(1)", M_E);
    OK("ln(e)", 1);
    OK("log10(1000)", 3);
    OK("log2(1024)", 10);
    OK("sin(0)", 0);
    OK("cos(0)", 1);
    OK("tan(0)", 0);
    OK("asin(1)", M_PI / 2);
    OK("acos(1)", 0);
    OK("atan(1)", M_PI / 4);
    OK("atan2(1, 1)", M_PI / 4);
    OK("atan2(0, -1)", M_PI);
    OK("hypot(3, 4)", 5);
    OK("pow(2, 10)", 1024);
    OK("min(3)", 3);
    OK("max(3)", 3);
    OK("min(4, -2, 8, 0)", -2);
    OK("max(4, -2, 8, 0)", 8);
    OK("max(1, min(2, 3)) + pow(2, 10)", 1026);
    OK("sqrt(abs(-16))", 4);
    OK("min(1+1, 2*3, (4))", 2);
    ERR("SQRT(4)", "unknown identifier 'SQRT'");
    ERR("sqrt", "needs arguments");
    ERR("sqrt 4", "needs arguments");
}

static void test_arity(void **state) {
    (void)state;
    ERR("sqrt()", "takes 1 argument, got 0");
    ERR("sqrt(1, 2)", "takes 1 argument, got 2");
    ERR("pow(2)", "takes 2 arguments, got 1");
    ERR("pow(1, 2, 3)", "takes 2 arguments, got 3");
    ERR("atan2(1)", "takes 2 arguments");
    ERR("hypot()", "takes 2 arguments, got 0");
    ERR("max()", "at least 1 argument");
    ERR("min()", "at least 1 argument");
    ERR("max(1,)", "unexpected character ')'");
    ERR("max(,1)", "unexpected character ','");
}

static void test_division_by_zero(void **state) {
    (void)state;
    ERR("1/0", "division by zero at column 2");
    ERR("1/(2-2)", "division by zero");
    ERR("1/-0", "division by zero");
    ERR("5%0", "modulo by zero at column 2");
    ERR("0/0", "division by zero");
}

static void test_not_finite(void **state) {
    (void)state;
    ERR("sqrt(-1)", "not a finite number");
    ERR("ln(0)", "not a finite number");
    ERR("ln(-1)", "not a finite number");
    ERR("log10(0)", "not a finite number");
    ERR("asin(2)", "not a finite number");
    ERR("1e308*10", "not a finite number");
    ERR("1e308+1e308", "not a finite number");
    ERR("-1e308-1e308", "not a finite number");
    ERR("1e999", "not a finite number");
    ERR("exp(1000)", "not a finite number");
    ERR("0^-1", "not a finite number");
    ERR("pow(0, -1)", "not a finite number");
    ERR("(-8)^(1/3)", "not a finite number");
    ERR("10^400 - 10^400", "not a finite number"); /* intermediate, not just the result */
    ERR("1e-320 * 0 + 1/1e-320", "not a finite number");
}

static void test_syntax_errors(void **state) {
    (void)state;
    ERR("", "empty expression");
    ERR("   \t\n", "empty expression");
    ERRN(NULL, 0, "empty expression");
    ERR("1+", "unexpected end");
    ERR("*2", "unexpected character '*' at column 1");
    ERR("1 $ 2", "unexpected character '$' at column 3");
    ERR("1 2", "unexpected character '2' at column 3");
    ERR("1.2.3", "unexpected character '.' at column 4");
    ERR(".", "unexpected character '.' at column 1");
    ERR("1e", "unexpected character 'e' at column 2");
    ERR("1 ** 2", "unexpected character '*' at column 4");
    ERR("()", "unexpected character ')' at column 2");
    ERR("1 = 1", "unexpected character '='");
    ERR("1 < 2", "unexpected character '<'");
    ERR("!1", "unexpected character '!'");
    ERR("0x10", "unexpected character 'x' at column 2");
    ERR("1\xc3\xa9", "unexpected character \\xc3 at column 2");
    ERRN("1\0+2", 4, "unexpected character \\x00 at column 2");
}

static void test_parentheses(void **state) {
    (void)state;
    ERR("(1+2", "missing ')'");
    ERR("((1)", "missing ')'");
    ERR("1+2)", "unbalanced parentheses: unexpected ')' at column 4");
    ERR(")", "unexpected character ')' at column 1");
    ERR("(1))", "unbalanced parentheses: unexpected ')' at column 4");
    ERR("max(1, 2", "missing ')'");
    ERR("(", "unexpected end of expression");
    ERR("(()", "unexpected character ')' at column 3");
}

static void test_unknown_identifier_echo(void **state) {
    (void)state;
    ERR("foo", "unknown identifier 'foo' at column 1");
    ERR("1 + x", "unknown identifier 'x' at column 5");
    char big[200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    double v;
    char err[256];
    assert_int_equal(expr_eval(big, strlen(big), &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown identifier 'aaaa"));
    assert_non_null(strstr(err, "...'"));
    assert_true(strlen(err) < 100); /* truncated, not echoed whole */
}

static void test_not_nul_terminated(void **state) {
    (void)state;
    const char buf[] = {'1', '+', '2', 'x', 'y'};
    double v = 0;
    assert_int_equal(expr_eval(buf, 3, &v, NULL, 0), 0);
    assert_true(v == 3.0);
    char num[] = {'4', '2'}; /* a number at the very end of the buffer */
    assert_int_equal(expr_eval(num, 2, &v, NULL, 0), 0);
    assert_true(v == 42.0);
}

static void test_error_buffer_handling(void **state) {
    (void)state;
    double v = 1;
    assert_int_equal(expr_eval("foo", 3, &v, NULL, 0), -1);
    char tiny[5];
    memset(tiny, 'Z', sizeof tiny);
    assert_int_equal(expr_eval("foo", 3, &v, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), 4);
    char one[1] = {'Z'};
    assert_int_equal(expr_eval("foo", 3, &v, one, 1), -1);
    assert_int_equal(one[0], '\0');
    char err[64] = "stale";
    assert_int_equal(expr_eval("1", 1, &v, err, sizeof err), 0);
    assert_string_equal(err, "");
}

static char *repeat(const char *unit, size_t times, const char *tail) {
    size_t ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(ul * times + tl + 1);
    assert_non_null(s);
    for (size_t i = 0; i < times; i++) memcpy(s + i * ul, unit, ul);
    memcpy(s + ul * times, tail, tl + 1);
    return s;
}

static void test_length_limit(void **state) {
    (void)state;
    /* exactly EVAL_MAX_EXPRESSION bytes: "1" then "+1" repeated, padded */
    size_t pairs = (EVAL_MAX_EXPRESSION - 1) / 2;
    char *s = repeat("+1", pairs, "");
    size_t n = strlen(s);
    char *full = malloc(EVAL_MAX_EXPRESSION + 2);
    full[0] = '1';
    memcpy(full + 1, s, n);
    while (1 + n < EVAL_MAX_EXPRESSION) full[1 + n++] = ' ';
    full[1 + n] = '\0';
    assert_int_equal(strlen(full), EVAL_MAX_EXPRESSION);
    OK(full, (double)(pairs + 1));
    full[EVAL_MAX_EXPRESSION] = ' ';
    full[EVAL_MAX_EXPRESSION + 1] = '\0';
    ERR(full, "longer than");
    free(full);
    free(s);
}

static void test_depth_limit(void **state) {
    (void)state;
    char *s = repeat("(", EVAL_MAX_DEPTH, "1");
    char *t = repeat(")", EVAL_MAX_DEPTH, "");
    char *ok = malloc(strlen(s) + strlen(t) + 1);
    strcpy(ok, s);
    strcat(ok, t);
    OK(ok, 1);
    free(ok), free(s), free(t);

    s = repeat("(", EVAL_MAX_DEPTH + 1, "1");
    t = repeat(")", EVAL_MAX_DEPTH + 1, "");
    char *deep = malloc(strlen(s) + strlen(t) + 1);
    strcpy(deep, s);
    strcat(deep, t);
    ERR(deep, "nested deeper than");
    free(deep), free(s), free(t);

    s = repeat("-", EVAL_MAX_DEPTH, "1");
    OK(s, 1); /* an even number of minus signs */
    free(s);
    s = repeat("-", EVAL_MAX_DEPTH + 1, "1");
    ERR(s, "nested deeper than");
    free(s);
    s = repeat("-", 4000, "1"); /* within the length limit */
    ERR(s, "nested deeper than");
    free(s);
    s = repeat("2^", 1000, "2");
    ERR(s, "nested deeper than");
    free(s);
    s = repeat("sqrt(", 500, "1");
    ERR(s, "nested deeper than");
    free(s);
    s = repeat("(", 4000, "");
    ERR(s, "nested deeper than");
    free(s);
}

static void test_huge_inputs_refused_quickly(void **state) {
    (void)state;
    const size_t n = 1000000;
    const char *units[] = {"(", "-", "+", "sqrt(", " "};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        char *s = repeat(units[k], n, "1");
        clock_t t0 = clock();
        ERR(s, "longer than");
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        assert_true(secs < 0.5);
        free(s);
    }
}

/* Strings an attacker might try to get a naive evaluator to run on the host. */
static void test_host_escape_corpus(void **state) {
    (void)state;
    static const char *corpus[] = {
        "process.exit()",
        "process.exit(1)",
        "require('fs')",
        "require(\"child_process\").execSync(\"id\")",
        "__proto__",
        "constructor",
        "constructor.constructor('return this')()",
        "this.constructor.constructor('return process')()",
        "globalThis",
        "window.location",
        "${7*7}",
        "{{7*7}}",
        "#{7*7}",
        "<%= 7*7 %>",
        "import os",
        "__import__('os').system('id')",
        "os.system('id')",
        "system(\"id\")",
        "exec('id')",
        "eval('1+1')",
        "Function('return 1')()",
        "`id`",
        "$(id)",
        "a;b",
        "1;rm -rf /",
        "1; DROP TABLE users",
        "1 && id",
        "1 | id",
        "1 || 1",
        "1\nid",
        "[].constructor",
        "x=1",
        "1,2",
        "new Date()",
        "'1'",
        "\"1\"",
        "sqrt.call(null, 4)",
        "max.apply",
        "pi.toString()",
        "Math.sqrt(4)",
        "math.sqrt(4)",
        "NaN",
        "Infinity",
        "inf",
        "nan",
        "0x41",
        "1e3e3",
        "%00",
        "../../etc/passwd",
        "\\x41",
        "sin(1)//comment",
        "1 /* c */ + 1",
        "# comment",
        "@",
        "ln(e)?1:0",
    };
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++)
        ERR(corpus[i], NULL);
    ERR("process.exit()", "unknown identifier 'process' at column 1");
    ERR("require('fs')", "unknown identifier 'require'");
    ERR("__proto__", "unknown identifier '__proto__'");
    ERR("${7*7}", "unexpected character '$' at column 1");
    ERR("{{7*7}}", "unexpected character '{' at column 1");
    ERR("`id`", "unexpected character '`' at column 1");
    ERR("1;rm -rf /", "unexpected character ';' at column 2");
    ERR("a;b", "unknown identifier 'a'");
    ERR("import os", "unknown identifier 'import'");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_precedence_and_associativity),
        cmocka_unit_test(test_modulo),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_arity),
        cmocka_unit_test(test_division_by_zero),
        cmocka_unit_test(test_not_finite),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_parentheses),
        cmocka_unit_test(test_unknown_identifier_echo),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_error_buffer_handling),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_huge_inputs_refused_quickly),
        cmocka_unit_test(test_host_escape_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
