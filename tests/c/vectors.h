/* Helpers shared by the vector runners (vectors.c for v2, v3.c for APIv3): reading the shared
 * JSON vectors with jansson and comparing the library's outputs with them. */
#ifndef WECHATPAY_TEST_VECTORS_H
#define WECHATPAY_TEST_VECTORS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "wechatpay_notify.h"

/* A JSON string as a borrowed wechatpay_str (its bytes stay owned by the JSON value). */
struct wechatpay_str jstr(const json_t *s);

/* True when `expected` is a JSON string with exactly the bytes of `got`. */
bool jstr_eq(struct wechatpay_str got, const json_t *expected);

/* An HTTP reply against the vectors' `{"status", "contentType" (null when none), "body"}`. */
void check_reply(const struct wechatpay_http_reply *r, const json_t *want);

/* A string-valued typed property: `expected` is a JSON string, or null for absent. */
void check_text(bool present, struct wechatpay_str got, const json_t *expected, const char *name);

/* An amount: `expected` is a JSON integer, or null for absent. */
void check_amount(bool present, uint64_t got, const json_t *expected, const char *name);

/* The code of an expected typed value of the error form {"error": CODE}; NULL for any other value. */
const char *expected_error(const json_t *expected);

/* An amount getter's outcome against `expected`: a JSON integer, null for absent, or
 * {"error": CODE} (the getter must return that error). Frees `err`. */
void check_amount_result(struct wechatpay_error *err, bool present, uint64_t got,
                         const json_t *expected, const char *name);

/* One typed view of the C API (views.c): the library's listing of the core's declaration and the
 * by-name getters of each kind, behind `const void *` so that one runner reads every view. */
struct typed_view {
  const char *name; /* the view in typed_views.json (also the key of expected.typed for v2) */
  size_t (*count)(void);
  bool (*at)(size_t, struct wechatpay_property *);
  struct wechatpay_error *(*text)(const void *, const char *, size_t, struct wechatpay_str *, bool *);
  struct wechatpay_error *(*amount)(const void *, const char *, size_t, uint64_t *, bool *); /* NULL: no amount */
  struct wechatpay_error *(*flag)(const void *, const char *, size_t, bool *); /* NULL: no bool */
};

extern const struct typed_view PAYMENT_VIEW, REFUND_VIEW, V3_TRANSACTION_VIEW, V3_REFUND_VIEW,
    V3_PROFIT_SHARING_VIEW, V3_TRANSFER_VIEW, V3_COMPLAINT_VIEW, V3_NOTIFICATION_VIEW,
    ENDPOINT_RESULT_VIEW;

/* The library's declaration of `name` in `view`; false when it lists no such property. */
bool find_property(const struct typed_view *view, const char *name, struct wechatpay_property *p);

/* Reads every key of one expected view (a vector's expected.typed, or its v3 part) through the
 * library by name, with the getter of the kind the library lists (coupons: the coupon getters); a
 * key the library does not list fails (the core has a property this suite could not read), and the
 * vector must hold every listed property. `handle` is the view's handle (payment, refund or APIv3
 * notification). */
void check_typed(const struct typed_view *view, const void *handle, const json_t *expected);

/* Decodes a test's `body` or `bodyHex`; returns a malloc'd buffer and its length (NULL on error). */
unsigned char *test_body(const json_t *test, size_t *len);

/* Loads DIR/FILE, checking its schema and that it has numberOfTests (one counted case). */
json_t *load_vectors(const char *dir, const char *file, const char *schema);

/* One counted case: exactly numberOfTests cases ran. */
void check_total(const json_t *root, const char *file, json_int_t ran);

/* Builds a v2 verifier from a v2_pay-style config (apiKey, signType, alsoAccept, appid, mchId,
 * maxBodyBytes) with the builder. On failure returns NULL, copies the error's code to `code` and
 * says in `why` whether its message breaks the message rule (`why` stays "" if not). */
struct wechatpay_verifier *group_verifier(const json_t *config, char *code, size_t code_cap,
                                          char *why, size_t why_cap);

/* The same for an APIv3 config (apiV3Key, platformKeys [[id, PEM], ...], mchIds [id, ...],
 * maxClockSkew, maxBodyBytes). */
struct wechatpay_v3_verifier *v3_group_verifier(const json_t *config, char *code, size_t code_cap,
                                                char *why, size_t why_cap);

/* A test's `headers` ([[name, value], ...]) as a malloc'd array of pairs borrowing the JSON
 * strings; *len is its length. NULL when out of memory. */
struct wechatpay_field *test_headers(const json_t *test, size_t *len);

/* One counted case of a file whose cases are requests (v3_notify.json, endpoint.json): its verdict,
 * its expected code and its request (headers, body, time), owned until request_case_end. */
struct request_case {
  bool valid;
  const char *expected_code; /* the case's "error" (owned by the JSON), NULL for none */
  struct wechatpay_field *headers;
  size_t headers_len;
  unsigned char *body;
  size_t body_len;
  uint64_t now;
};

/* Opens the case (begin_case "FILE tcId N: comment"), reads its request and checks the case's
 * shape: the request was read and `now` is an integer; `result` is "valid", or "invalid" with an
 * "error". Returns whether the request can be sent (headers and body were read). */
bool request_case_begin(struct request_case *c, const char *file, const json_t *test);

/* The case's group was refused when its verifier or endpoint was built, with `build_code`
 * (`build_why` non-empty when that message broke the message rule): the case must be invalid with
 * that code. */
void request_case_refused(const struct request_case *c, const char *build_code,
                          const char *build_why);

/* Frees the request and closes the case (end_case). */
void request_case_end(struct request_case *c);

#endif
