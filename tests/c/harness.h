/* A tiny test harness for the C suite: counts cases, prints failures, never aborts early. */
#ifndef WECHATPAY_TEST_HARNESS_H
#define WECHATPAY_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "wechatpay_notify.h"

extern int tests_passed;
extern int tests_failed;

/* One case: `current_ok` goes false on the first failed CHECK; END_CASE counts it. */
extern bool current_ok;
extern char current_name[256];

void begin_case(const char *fmt, ...);
void end_case(void);
void check_failed(const char *file, int line, const char *what);

#define CHECK(cond)                                          \
  do {                                                       \
    if (!(cond)) check_failed(__FILE__, __LINE__, #cond);    \
  } while (0)

/* True when an error message obeys the message rule (<= 200 characters, none of Cc/Cf/Zl/Zp);
 * otherwise writes the reason to `why`. */
bool message_is_clean(const char *message, char *why, size_t why_cap);

/* Asserts that `err` is an error with this SPEC §3 code, its stable number and a message that
 * obeys the message rule, then frees it. */
void check_error(struct wechatpay_error *err, const char *code, const char *file, int line);
#define CHECK_ERROR(err, code) check_error((err), (code), __FILE__, __LINE__)

/* Asserts success (NULL); prints and frees the error otherwise. */
void check_ok(struct wechatpay_error *err, const char *file, int line);
#define CHECK_OK(err) check_ok((err), __FILE__, __LINE__)

/* True when a borrowed string equals `len` bytes at `s`. */
bool str_eq(struct wechatpay_str got, const char *s, size_t len);
#define STR_EQ(got, lit) str_eq((got), (lit), sizeof(lit) - 1)

/* Helpers shared by the suites. */
#define TEST_KEY "192006250b4c09247ec02edce69f6a2d"
#define LIT(s) (s), (sizeof(s) - 1)

/* Builds a signed, successful payment notification body (MD5 or HMAC-SHA256) with the given
 * transaction id and total fee (and out_trade_no 20261127ORDER0001); returns a malloc'd
 * NUL-terminated body or NULL. */
char *make_payment_body(const char *sign_type, const char *transaction_id, const char *total_fee);

/* Builds a signed v2 body (TEST_KEY) of `n` name/value elements, in order; returns a malloc'd
 * NUL-terminated body or NULL. */
char *make_signed_body(const char *sign_type, const char *const *names, const char *const *values,
                       size_t n);

void run_vector_tests(const char *dir);
void run_typed_view_tests(const char *dir);
void run_misuse_tests(void);
void run_thread_tests(void);
void run_v3_tests(const char *dir);
void run_endpoint_tests(const char *dir);
void run_rotation_tests(const char *dir);

#endif
