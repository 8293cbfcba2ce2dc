/* Runs the v2 vector files in tests/vectors through the C API (v3.c runs v3_notify.json):
 * identical verdicts and error codes to every other surface. Each file must run exactly `numberOfTests` cases; every key
 * of a valid case's `expected.typed` is read through the accessor table below; every invalid case's
 * error obeys the message rule (check_error in main.c). run_typed_view_tests compares the accessor
 * tables with the core's declaration, tests/vectors/typed_views.json, in both directions. */
#include <stdlib.h>

#include <jansson.h>

#include "harness.h"
#include "vectors.h"

/* The C surface's typed views: one row per typed property of the core's declaration
 * (tests/vectors/typed_views.json), name -> kind -> accessor. The vector runner looks every key of
 * `expected.typed` up here (an unknown name fails: the core has a property C lacks), and
 * run_typed_view_tests compares these tables with typed_views.json in both directions. */
enum typed_kind { KIND_TEXT, KIND_AMOUNT, KIND_BOOL, KIND_SIGN_TYPE, KIND_COUPONS };
static const char *const KIND_NAMES[] = {"text", "amount", "bool", "sign_type", "coupons"};

struct payment_property {
  const char *name;
  enum typed_kind kind;
  bool (*text)(const struct wechatpay_payment *, struct wechatpay_str *); /* text, sign_type */
  struct wechatpay_error *(*amount)(const struct wechatpay_payment *, uint64_t *, bool *); /* amount */
  bool (*flag)(const struct wechatpay_payment *);                        /* bool */
};

struct refund_property {
  const char *name;
  enum typed_kind kind;
  bool (*text)(const struct wechatpay_refund *, struct wechatpay_str *);
  struct wechatpay_error *(*amount)(const struct wechatpay_refund *, uint64_t *, bool *);
  bool (*flag)(const struct wechatpay_refund *);
};

/* The property name is the accessor's suffix, so a row cannot name one property and call another. */
#define PAY_TEXT(n) {#n, KIND_TEXT, wechatpay_payment_##n, NULL, NULL}
#define PAY_AMOUNT(n) {#n, KIND_AMOUNT, NULL, wechatpay_payment_##n, NULL}
#define REFUND_TEXT(n) {#n, KIND_TEXT, wechatpay_refund_##n, NULL, NULL}
#define REFUND_AMOUNT(n) {#n, KIND_AMOUNT, NULL, wechatpay_refund_##n, NULL}

static const struct payment_property PAYMENT_VIEW[] = {
    PAY_TEXT(appid),
    PAY_TEXT(mch_id),
    PAY_TEXT(sub_appid),
    PAY_TEXT(sub_mch_id),
    PAY_TEXT(device_info),
    PAY_TEXT(nonce_str),
    PAY_TEXT(result_code),
    PAY_TEXT(err_code),
    PAY_TEXT(err_code_des),
    PAY_TEXT(openid),
    PAY_TEXT(is_subscribe),
    PAY_TEXT(trade_type),
    PAY_TEXT(bank_type),
    PAY_TEXT(fee_type),
    PAY_TEXT(cash_fee_type),
    PAY_TEXT(transaction_id),
    PAY_TEXT(out_trade_no),
    PAY_TEXT(attach),
    PAY_TEXT(time_end),
    PAY_AMOUNT(total_fee),
    PAY_AMOUNT(settlement_total_fee),
    PAY_AMOUNT(cash_fee),
    PAY_AMOUNT(coupon_fee),
    PAY_AMOUNT(coupon_count),
    PAY_TEXT(dedupe_key),
    {"sign_type", KIND_SIGN_TYPE, wechatpay_payment_sign_type, NULL, NULL},
    {"is_success", KIND_BOOL, NULL, NULL, wechatpay_payment_is_success},
    /* wechatpay_payment_coupons_len + wechatpay_payment_coupon */
    {"coupons", KIND_COUPONS, NULL, NULL, NULL},
};

static const struct refund_property REFUND_VIEW[] = {
    REFUND_TEXT(appid),
    REFUND_TEXT(mch_id),
    REFUND_TEXT(transaction_id),
    REFUND_TEXT(out_trade_no),
    REFUND_TEXT(refund_id),
    REFUND_TEXT(out_refund_no),
    REFUND_TEXT(refund_status),
    REFUND_TEXT(success_time),
    REFUND_TEXT(refund_recv_accout),
    REFUND_TEXT(refund_account),
    REFUND_TEXT(refund_request_source),
    REFUND_AMOUNT(total_fee),
    REFUND_AMOUNT(refund_fee),
    REFUND_AMOUNT(settlement_total_fee),
    REFUND_AMOUNT(settlement_refund_fee),
    REFUND_TEXT(dedupe_key),
    {"is_success", KIND_BOOL, NULL, NULL, wechatpay_refund_is_success},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct wechatpay_str jstr(const json_t *s) {
  struct wechatpay_str out;
  out.data = json_string_value(s);
  out.len = json_string_length(s);
  return out;
}

bool jstr_eq(struct wechatpay_str got, const json_t *expected) {
  return json_is_string(expected) && str_eq(got, json_string_value(expected),
                                            json_string_length(expected));
}

/* A string-valued typed accessor: `expected` is a JSON string or null (absent). */
void check_text(bool present, struct wechatpay_str got, const json_t *expected, const char *name) {
  char what[256];
  if (json_is_null(expected)) {
    snprintf(what, sizeof what, "typed %s should be absent", name);
    if (present) check_failed(__FILE__, __LINE__, what);
  } else {
    snprintf(what, sizeof what, "typed %s differs", name);
    if (!present || !jstr_eq(got, expected)) check_failed(__FILE__, __LINE__, what);
  }
}

void check_amount(bool present, uint64_t got, const json_t *expected, const char *name) {
  char what[256];
  if (json_is_null(expected)) {
    snprintf(what, sizeof what, "typed %s should be absent", name);
    if (present) check_failed(__FILE__, __LINE__, what);
  } else {
    snprintf(what, sizeof what, "typed %s differs", name);
    if (!present || !json_is_integer(expected) || (json_int_t)got != json_integer_value(expected))
      check_failed(__FILE__, __LINE__, what);
  }
}

/* The expected form of a typed value that reading reports as an error: {"error": CODE}, the only
 * key. Returns the code, or NULL when `expected` is not that form. */
const char *expected_error(const json_t *expected) {
  const json_t *code = json_object_get(expected, "error");
  if (!json_is_object(expected) || json_object_size(expected) != 1 || !json_is_string(code)) return NULL;
  return json_string_value(code);
}

/* An amount getter's outcome (its error, and on success whether present and the value) against
 * `expected`: a JSON integer, null for absent, or {"error": CODE} for an amount the getter must
 * refuse with that code (a present amount in another form is never "absent"). Frees `err`. */
void check_amount_result(struct wechatpay_error *err, bool present, uint64_t got,
                         const json_t *expected, const char *name) {
  const char *code = expected_error(expected);
  char what[256];
  if (code != NULL) {
    snprintf(what, sizeof what, "typed %s should be the error %s", name, code);
    if (err == NULL) check_failed(__FILE__, __LINE__, what);
    else check_error(err, code, __FILE__, __LINE__); /* the code, its number, the message rule */
    return;
  }
  if (err != NULL) {
    snprintf(what, sizeof what, "typed %s: unexpected error %s (%s)", name, wechatpay_error_code(err),
             wechatpay_error_message(err));
    check_failed(__FILE__, __LINE__, what);
    wechatpay_error_free(err);
    return;
  }
  check_amount(present, got, expected, name);
}

/* Decodes `body` or `bodyHex`; returns a malloc'd buffer (never NULL on success) and its length. */
unsigned char *test_body(const json_t *test, size_t *len) {
  const json_t *body = json_object_get(test, "body");
  const json_t *hex = json_object_get(test, "bodyHex");
  unsigned char *out;
  size_t i;
  if (json_is_string(body)) {
    *len = json_string_length(body);
    out = malloc(*len + 1);
    if (out != NULL) memcpy(out, json_string_value(body), *len);
    return out;
  }
  if (!json_is_string(hex) || json_string_length(hex) % 2 != 0) return NULL;
  *len = json_string_length(hex) / 2;
  out = malloc(*len + 1);
  if (out == NULL) return NULL;
  for (i = 0; i < *len; i++) {
    unsigned int byte;
    if (sscanf(json_string_value(hex) + 2 * i, "%2x", &byte) != 1) {
      free(out);
      return NULL;
    }
    out[i] = (unsigned char)byte;
  }
  return out;
}


/* Opens a case of a request file, reads its request and checks the case's shape. */
bool request_case_begin(struct request_case *c, const char *file, const json_t *test) {
  const char *result = json_string_value(json_object_get(test, "result"));
  const json_t *now = json_object_get(test, "now");
  c->expected_code = json_string_value(json_object_get(test, "error"));
  c->valid = result != NULL && strcmp(result, "valid") == 0;
  c->body_len = 0;
  c->headers_len = 0;
  c->body = test_body(test, &c->body_len);
  c->headers = test_headers(test, &c->headers_len);
  c->now = (uint64_t)json_integer_value(now);
  begin_case("%s tcId %lld: %s", file, (long long)json_integer_value(json_object_get(test, "tcId")),
             json_string_value(json_object_get(test, "comment")));
  CHECK(c->body != NULL && c->headers != NULL && json_is_integer(now));
  CHECK(c->valid || (result != NULL && strcmp(result, "invalid") == 0 && c->expected_code != NULL));
  return c->body != NULL && c->headers != NULL;
}

/* The group's configuration was refused: every case is invalid with that code, and the message
 * obeys the message rule. */
void request_case_refused(const struct request_case *c, const char *build_code,
                          const char *build_why) {
  CHECK(!c->valid && c->expected_code != NULL && strcmp(build_code, c->expected_code) == 0);
  if (build_why[0] != '\0') check_failed(__FILE__, __LINE__, build_why);
}

void request_case_end(struct request_case *c) {
  free(c->body);
  free(c->headers);
  end_case();
}

/* Compares an ordered list of [name, value] pairs with a handle's fields. */
static void check_pairs(const json_t *pairs, size_t count,
                        bool (*at)(const void *, size_t, struct wechatpay_field *),
                        const void *handle, const char *what) {
  size_t i;
  char msg[256];
  if (!json_is_array(pairs) || json_array_size(pairs) != count) {
    snprintf(msg, sizeof msg, "%s: count %zu differs from expected", what, count);
    check_failed(__FILE__, __LINE__, msg);
    return;
  }
  for (i = 0; i < count; i++) {
    struct wechatpay_field f;
    const json_t *pair = json_array_get(pairs, i);
    if (!at(handle, i, &f) || !jstr_eq(f.name, json_array_get(pair, 0)) ||
        !jstr_eq(f.value, json_array_get(pair, 1))) {
      snprintf(msg, sizeof msg, "%s: pair %zu differs", what, i);
      check_failed(__FILE__, __LINE__, msg);
    }
  }
  {
    struct wechatpay_field f;
    snprintf(msg, sizeof msg, "%s: index past the end must be absent", what);
    if (at(handle, count, &f)) check_failed(__FILE__, __LINE__, msg);
  }
}

static bool pay_at(const void *h, size_t i, struct wechatpay_field *f) {
  return wechatpay_payment_field((const struct wechatpay_payment *)h, i, f);
}
static bool refund_at(const void *h, size_t i, struct wechatpay_field *f) {
  return wechatpay_refund_field((const struct wechatpay_refund *)h, i, f);
}
static bool req_info_at(const void *h, size_t i, struct wechatpay_field *f) {
  return wechatpay_refund_req_info_field((const struct wechatpay_refund *)h, i, f);
}

static void check_coupons(const struct wechatpay_payment *p, const json_t *expected) {
  size_t i, n = (size_t)-1;
  struct wechatpay_coupon c;
  struct wechatpay_error *err = wechatpay_payment_coupons_len(p, &n);
  const char *code = expected_error(expected);
  if (code != NULL) {
    /* The coupons cannot be listed: both getters refuse with the code, writing nothing. */
    CHECK(err != NULL && n == (size_t)-1);
    if (err != NULL) CHECK_ERROR(err, code);
    c.id.len = 42;
    err = wechatpay_payment_coupon(p, 0, &c);
    CHECK(err != NULL && c.id.len == 42);
    if (err != NULL) CHECK_ERROR(err, code);
    return;
  }
  CHECK_OK(err);
  if (err != NULL) return;
  CHECK(json_is_array(expected));
  CHECK(n == json_array_size(expected));
  for (i = 0; i < n && i < json_array_size(expected); i++) {
    const json_t *e = json_array_get(expected, i);
    const char *key;
    const json_t *value;
    CHECK_OK(wechatpay_payment_coupon(p, i, &c));
    /* Every key of the expected coupon is a member of struct wechatpay_coupon. */
    json_object_foreach((json_t *)e, key, value) {
      if (strcmp(key, "id") == 0) {
        CHECK(jstr_eq(c.id, value));
      } else if (strcmp(key, "coupon_type") == 0) {
        check_text(c.has_coupon_type, c.coupon_type, value, "coupon_type");
      } else if (strcmp(key, "fee") == 0) {
        check_amount(c.has_fee, c.fee, value, "coupon fee");
      } else {
        char msg[160];
        snprintf(msg, sizeof msg, "coupon key %s has no member in struct wechatpay_coupon", key);
        check_failed(__FILE__, __LINE__, msg);
      }
    }
    CHECK(json_object_size(e) == 3);
  }
  /* Past the end: invalid_argument, nothing written. */
  CHECK_ERROR(wechatpay_payment_coupon(p, n, &c), "invalid_argument");
}

static void check_payment(const struct wechatpay_payment *p, const json_t *expected) {
  const json_t *typed = json_object_get(expected, "typed");
  const char *key;
  const json_t *value;
  size_t count = wechatpay_payment_field_count(p), i;
  check_pairs(json_object_get(expected, "fields"), count, pay_at, p, "fields");
  /* Lookup by name agrees with the ordered list. */
  for (i = 0; i < count; i++) {
    struct wechatpay_field f;
    struct wechatpay_str v;
    CHECK(wechatpay_payment_field(p, i, &f));
    CHECK(wechatpay_payment_get(p, f.name.data, f.name.len, &v) && v.data == f.value.data &&
          v.len == f.value.len);
  }
  CHECK(json_is_object(typed));
  json_object_foreach((json_t *)typed, key, value) {
    const struct payment_property *prop = NULL;
    size_t k;
    for (k = 0; k < COUNT(PAYMENT_VIEW); k++) {
      if (strcmp(key, PAYMENT_VIEW[k].name) == 0) prop = &PAYMENT_VIEW[k];
    }
    if (prop == NULL) {
      char msg[160];
      snprintf(msg, sizeof msg, "typed key %s has no payment accessor in the C table", key);
      check_failed(__FILE__, __LINE__, msg);
      continue;
    }
    switch (prop->kind) {
      case KIND_TEXT:
      case KIND_SIGN_TYPE: {
        struct wechatpay_str s = {NULL, 0};
        bool present = prop->text(p, &s);
        check_text(present, s, value, key);
        if (prop->kind == KIND_SIGN_TYPE) {
          CHECK(present && (STR_EQ(s, "MD5") || STR_EQ(s, "HMAC-SHA256")));
        }
        break;
      }
      case KIND_AMOUNT: {
        uint64_t n = 0;
        bool present = false;
        struct wechatpay_error *err = prop->amount(p, &n, &present);
        check_amount_result(err, present, n, value, key);
        break;
      }
      case KIND_BOOL:
        CHECK(json_is_boolean(value) && prop->flag(p) == json_is_true(value));
        break;
      case KIND_COUPONS:
        check_coupons(p, value);
        break;
    }
  }
}

static void check_refund(const struct wechatpay_refund *r, const json_t *expected) {
  const json_t *typed = json_object_get(expected, "typed");
  const char *key;
  const json_t *value;
  check_pairs(json_object_get(expected, "fields"), wechatpay_refund_field_count(r), refund_at, r,
              "fields");
  check_pairs(json_object_get(expected, "reqInfo"), wechatpay_refund_req_info_count(r),
              req_info_at, r, "reqInfo");
  {
    struct wechatpay_str v;
    struct wechatpay_field f;
    if (wechatpay_refund_req_info_field(r, 0, &f)) {
      CHECK(wechatpay_refund_req_info_get(r, f.name.data, f.name.len, &v) &&
            v.data == f.value.data);
    }
    if (wechatpay_refund_field(r, 0, &f)) {
      CHECK(wechatpay_refund_get(r, f.name.data, f.name.len, &v) && v.data == f.value.data);
    }
  }
  CHECK(json_is_object(typed));
  json_object_foreach((json_t *)typed, key, value) {
    const struct refund_property *prop = NULL;
    size_t k;
    for (k = 0; k < COUNT(REFUND_VIEW); k++) {
      if (strcmp(key, REFUND_VIEW[k].name) == 0) prop = &REFUND_VIEW[k];
    }
    if (prop == NULL) {
      char msg[160];
      snprintf(msg, sizeof msg, "typed key %s has no refund accessor in the C table", key);
      check_failed(__FILE__, __LINE__, msg);
      continue;
    }
    switch (prop->kind) {
      case KIND_TEXT:
      case KIND_SIGN_TYPE: {
        struct wechatpay_str s = {NULL, 0};
        bool present = prop->text(r, &s);
        check_text(present, s, value, key);
        break;
      }
      case KIND_AMOUNT: {
        uint64_t n = 0;
        bool present = false;
        struct wechatpay_error *err = prop->amount(r, &n, &present);
        check_amount_result(err, present, n, value, key);
        break;
      }
      case KIND_BOOL:
        CHECK(json_is_boolean(value) && prop->flag(r) == json_is_true(value));
        break;
      case KIND_COUPONS:
        CHECK(!"a refund has no coupons");
        break;
    }
  }
}

/* Builds a verifier from a group config (declared in vectors.h; endpoint.c builds its profiles'
 * v2 parts with it). */
struct wechatpay_verifier *group_verifier(const json_t *config, char *code, size_t code_cap,
                                          char *why, size_t why_cap) {
  struct wechatpay_verifier_builder *builder = NULL;
  struct wechatpay_verifier *verifier = NULL;
  struct wechatpay_error *err;
  struct wechatpay_str key = jstr(json_object_get(config, "apiKey"));
  struct wechatpay_str st = jstr(json_object_get(config, "signType"));
  const json_t *also = json_object_get(config, "alsoAccept");
  const json_t *appid = json_object_get(config, "appid");
  const json_t *mch_id = json_object_get(config, "mchId");
  const json_t *max = json_object_get(config, "maxBodyBytes");
  size_t i;

  err = wechatpay_verifier_builder_new(key.data, key.len, st.data, st.len, &builder);
  for (i = 0; err == NULL && i < json_array_size(also); i++) {
    struct wechatpay_str t = jstr(json_array_get(also, i));
    err = wechatpay_verifier_builder_also_accept(builder, t.data, t.len);
  }
  if (err == NULL && json_is_string(appid)) {
    err = wechatpay_verifier_builder_expect_appid(builder, json_string_value(appid),
                                                  json_string_length(appid));
  }
  if (err == NULL && json_is_string(mch_id)) {
    err = wechatpay_verifier_builder_expect_mch_id(builder, json_string_value(mch_id),
                                                   json_string_length(mch_id));
  }
  if (err == NULL && json_is_integer(max)) {
    err = wechatpay_verifier_builder_max_body_bytes(builder, (size_t)json_integer_value(max));
  }
  if (err == NULL) err = wechatpay_verifier_builder_build(builder, &verifier);
  wechatpay_verifier_builder_free(builder);
  if (err != NULL) {
    snprintf(code, code_cap, "%s", wechatpay_error_code(err));
    if (message_is_clean(wechatpay_error_message(err), why, why_cap)) why[0] = '\0';
    wechatpay_error_free(err);
    return NULL;
  }
  return verifier;
}

json_t *load_vectors(const char *dir, const char *file, const char *schema) {
  char path[1024];
  json_error_t jerr;
  json_t *root;
  snprintf(path, sizeof path, "%s/%s", dir, file);
  root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
  begin_case("%s: load", file);
  if (root == NULL) {
    fprintf(stderr, "cannot load %s: %s (line %d)\n", path, jerr.text, jerr.line);
    CHECK(root != NULL);
  } else {
    CHECK(json_is_string(json_object_get(root, "schema")) &&
          strcmp(json_string_value(json_object_get(root, "schema")), schema) == 0);
    CHECK(json_is_integer(json_object_get(root, "numberOfTests")));
  }
  end_case();
  return root;
}

void check_total(const json_t *root, const char *file, json_int_t ran) {
  begin_case("%s: ran exactly numberOfTests cases", file);
  CHECK(ran == json_integer_value(json_object_get(root, "numberOfTests")));
  end_case();
}

static void run_notifications(const char *dir, const char *file, const char *schema, bool refund) {
  json_t *root = load_vectors(dir, file, schema);
  const json_t *group, *test;
  size_t gi, ti;
  json_int_t ran = 0;
  if (root == NULL) return;
  json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
    char build_code[64] = "", build_why[160] = "";
    struct wechatpay_verifier *v = group_verifier(json_object_get(group, "config"), build_code,
                                                  sizeof build_code, build_why, sizeof build_why);
    json_array_foreach(json_object_get(group, "tests"), ti, test) {
      const char *result = json_string_value(json_object_get(test, "result"));
      const char *expected_code = json_string_value(json_object_get(test, "error"));
      bool valid = result != NULL && strcmp(result, "valid") == 0;
      size_t len = 0;
      unsigned char *body = test_body(test, &len);
      ran++;
      begin_case("%s tcId %lld: %s", file, (long long)json_integer_value(json_object_get(test, "tcId")),
                 json_string_value(json_object_get(test, "comment")));
      CHECK(body != NULL);
      CHECK(valid || (result != NULL && strcmp(result, "invalid") == 0 && expected_code != NULL));
      if (v == NULL) {
        /* The group's configuration was refused: every case is invalid with that code, and the
         * message obeys the message rule. */
        CHECK(!valid && expected_code != NULL && strcmp(build_code, expected_code) == 0);
        if (build_why[0] != '\0') check_failed(__FILE__, __LINE__, build_why);
      } else if (body != NULL && refund) {
        struct wechatpay_refund *r = (struct wechatpay_refund *)&ran; /* sentinel */
        struct wechatpay_error *err = wechatpay_verifier_decrypt_refund(v, body, len, &r);
        if (valid) {
          CHECK_OK(err);
          if (err == NULL) {
            check_refund(r, json_object_get(test, "expected"));
            wechatpay_refund_free(r);
          }
        } else {
          /* The exact code, its number, and the message rule. */
          CHECK_ERROR(err, expected_code ? expected_code : "?");
          CHECK(r == (struct wechatpay_refund *)&ran); /* untouched on failure */
        }
      } else if (body != NULL) {
        struct wechatpay_payment *p = (struct wechatpay_payment *)&ran; /* sentinel */
        struct wechatpay_error *err = wechatpay_verifier_verify_payment(v, body, len, &p);
        if (valid) {
          CHECK_OK(err);
          if (err == NULL) {
            check_payment(p, json_object_get(test, "expected"));
            wechatpay_payment_free(p);
          }
        } else {
          /* The exact code, its number, and the message rule. */
          CHECK_ERROR(err, expected_code ? expected_code : "?");
          CHECK(p == (struct wechatpay_payment *)&ran);
        }
      }
      free(body);
      end_case();
    }
    wechatpay_verifier_free(v);
  }
  check_total(root, file, ran);
  json_decref(root);
}

static void run_sign(const char *dir) {
  const char *file = "v2_sign.json";
  json_t *root = load_vectors(dir, file, "wechatpay-notify/v2-sign/1");
  const json_t *group, *test;
  size_t gi, ti;
  json_int_t ran = 0;
  if (root == NULL) return;
  json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
    json_array_foreach(json_object_get(group, "tests"), ti, test) {
      const json_t *pairs = json_object_get(test, "fields");
      size_t n = json_array_size(pairs), i;
      struct wechatpay_field *fields = calloc(n ? n : 1, sizeof *fields);
      struct wechatpay_str key = jstr(json_object_get(test, "apiKey"));
      struct wechatpay_str st = jstr(json_object_get(test, "signType"));
      const char *result = json_string_value(json_object_get(test, "result"));
      struct wechatpay_string *sig = NULL;
      struct wechatpay_error *err;
      ran++;
      begin_case("%s tcId %lld: %s", file, (long long)json_integer_value(json_object_get(test, "tcId")),
                 json_string_value(json_object_get(test, "comment")));
      CHECK(fields != NULL && result != NULL);
      if (fields == NULL || result == NULL) {
        free(fields);
        end_case();
        continue;
      }
      for (i = 0; i < n; i++) {
        fields[i].name = jstr(json_array_get(json_array_get(pairs, i), 0));
        fields[i].value = jstr(json_array_get(json_array_get(pairs, i), 1));
      }
      err = wechatpay_sign(fields, n, key.data, key.len, st.data, st.len, &sig);
      if (strcmp(result, "valid") == 0) {
        const json_t *sts = json_object_get(test, "stringToSign");
        CHECK_OK(err);
        if (err == NULL) {
          const json_t *want = json_object_get(test, "signature");
          CHECK(json_is_string(want) && wechatpay_string_len(sig) == json_string_length(want) &&
                strcmp(wechatpay_string_data(sig), json_string_value(want)) == 0);
          wechatpay_string_free(sig);
        }
        if (json_is_string(sts)) {
          struct wechatpay_string *s = NULL;
          CHECK_OK(wechatpay_string_to_sign(fields, n, &s));
          CHECK(s != NULL && wechatpay_string_len(s) == json_string_length(sts) &&
                memcmp(wechatpay_string_data(s), json_string_value(sts), json_string_length(sts)) == 0);
          wechatpay_string_free(s);
        }
      } else {
        const char *code = json_string_value(json_object_get(test, "error"));
        CHECK(code != NULL);
        CHECK_ERROR(err, code ? code : "?");
        CHECK(sig == NULL);
      }
      free(fields);
      end_case();
    }
  }
  check_total(root, file, ran);
  json_decref(root);
}

static void run_reply(const char *dir) {
  const char *file = "reply.json";
  json_t *root = load_vectors(dir, file, "wechatpay-notify/reply/1");
  const json_t *group, *test;
  size_t gi, ti;
  json_int_t ran = 0;
  if (root == NULL) return;
  json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
    json_array_foreach(json_object_get(group, "tests"), ti, test) {
      const char *kind = json_string_value(json_object_get(test, "kind"));
      const json_t *expected = json_object_get(test, "expected");
      ran++;
      begin_case("%s tcId %lld: %s", file, (long long)json_integer_value(json_object_get(test, "tcId")),
                 json_string_value(json_object_get(test, "comment")));
      CHECK(json_is_string(expected) && kind != NULL);
      if (kind != NULL && strcmp(kind, "success") == 0) {
        const char *reply = wechatpay_reply_success();
        CHECK(strlen(reply) == json_string_length(expected) &&
              memcmp(reply, json_string_value(expected), json_string_length(expected)) == 0);
      } else if (kind != NULL && strcmp(kind, "fail") == 0) {
        struct wechatpay_str msg = jstr(json_object_get(test, "message"));
        struct wechatpay_string *reply = NULL;
        struct wechatpay_error *err = wechatpay_reply_fail(msg.data, msg.len, &reply);
        CHECK_OK(err);
        if (err == NULL) {
          CHECK(wechatpay_string_len(reply) == json_string_length(expected) &&
                memcmp(wechatpay_string_data(reply), json_string_value(expected),
                       json_string_length(expected)) == 0);
          CHECK(wechatpay_string_data(reply)[wechatpay_string_len(reply)] == '\0');
          wechatpay_string_free(reply);
        }
      } else {
        CHECK(!"unknown reply kind");
      }
      end_case();
    }
  }
  check_total(root, file, ran);
  json_decref(root);
}

void run_vector_tests(const char *dir) {
  run_sign(dir);
  run_notifications(dir, "v2_pay.json", "wechatpay-notify/v2-pay/1", false);
  run_notifications(dir, "v2_refund.json", "wechatpay-notify/v2-refund/1", true);
  run_reply(dir);
}

/* One view of typed_views.json against one C table, both directions. `name_at(i, &kind)` gives
 * row i of the table (NULL past the end). */
static void compare_view(const json_t *views, const char *view,
                         const char *(*name_at)(size_t, enum typed_kind *)) {
  const json_t *declared = json_object_get(views, view);
  const json_t *prop;
  size_t i, k;
  const char *name;
  enum typed_kind kind;
  char msg[200];
  begin_case("typed_views.json: the C %s table has every property of the core's view, and no other",
             view);
  CHECK(json_is_array(declared) && json_array_size(declared) > 0);
  /* The core's view -> the C table, with the same kind. */
  json_array_foreach(declared, i, prop) {
    const char *want = json_string_value(json_object_get(prop, "name"));
    const char *want_kind = json_string_value(json_object_get(prop, "kind"));
    bool found = false;
    CHECK(want != NULL && want_kind != NULL);
    if (want == NULL || want_kind == NULL) continue;
    for (k = 0; (name = name_at(k, &kind)) != NULL; k++) {
      if (strcmp(name, want) != 0) continue;
      found = true;
      if (strcmp(KIND_NAMES[kind], want_kind) != 0) {
        snprintf(msg, sizeof msg, "%s %s is %s in the core, %s in the C table", view, want,
                 want_kind, KIND_NAMES[kind]);
        check_failed(__FILE__, __LINE__, msg);
      }
    }
    if (!found) {
      snprintf(msg, sizeof msg, "the core's %s property %s (%s) has no C accessor", view, want,
               want_kind);
      check_failed(__FILE__, __LINE__, msg);
    }
  }
  /* The C table -> the core's view (each name once). */
  for (k = 0; (name = name_at(k, &kind)) != NULL; k++) {
    bool found = false;
    const char *other;
    enum typed_kind other_kind;
    for (i = 0; i < k && (other = name_at(i, &other_kind)) != NULL; i++) {
      if (strcmp(other, name) == 0) {
        snprintf(msg, sizeof msg, "the C %s table lists %s twice", view, name);
        check_failed(__FILE__, __LINE__, msg);
      }
    }
    json_array_foreach(declared, i, prop) {
      const char *want = json_string_value(json_object_get(prop, "name"));
      if (want != NULL && strcmp(want, name) == 0) found = true;
    }
    if (!found) {
      snprintf(msg, sizeof msg, "the C %s table has %s, which is not in the core's view", view,
               name);
      check_failed(__FILE__, __LINE__, msg);
    }
  }
  end_case();
}

static const char *payment_row(size_t i, enum typed_kind *kind) {
  if (i >= COUNT(PAYMENT_VIEW)) return NULL;
  *kind = PAYMENT_VIEW[i].kind;
  return PAYMENT_VIEW[i].name;
}

static const char *refund_row(size_t i, enum typed_kind *kind) {
  if (i >= COUNT(REFUND_VIEW)) return NULL;
  *kind = REFUND_VIEW[i].kind;
  return REFUND_VIEW[i].name;
}

void run_typed_view_tests(const char *dir) {
  char path[1024];
  json_error_t jerr;
  json_t *root;
  const json_t *views;
  snprintf(path, sizeof path, "%s/typed_views.json", dir);
  root = json_load_file(path, 0, &jerr);
  begin_case("typed_views.json: load");
  if (root == NULL) {
    fprintf(stderr, "cannot load %s: %s (it is written by `cargo run -p xtask -- vectors`)\n", path,
            jerr.text);
  }
  CHECK(root != NULL);
  views = json_object_get(root, "views");
  CHECK(json_is_string(json_object_get(root, "schema")) &&
        strcmp(json_string_value(json_object_get(root, "schema")), "wechatpay-notify/typed-views/1") == 0);
  CHECK(json_is_object(views) && json_object_size(views) > 0);
  {
    /* Every view of the core has a C runner: payment and refund here, the APIv3 views in v3.c. */
    static const char *const known[] = {"payment", "refund", "v3_transaction", "v3_refund"};
    const char *view;
    const json_t *props;
    json_object_foreach((json_t *)views, view, props) {
      size_t k;
      bool found = false;
      for (k = 0; k < COUNT(known); k++) found = found || strcmp(view, known[k]) == 0;
      if (!found) {
        char msg[160];
        snprintf(msg, sizeof msg, "typed_views.json has a view the C suite does not check: %s", view);
        check_failed(__FILE__, __LINE__, msg);
      }
    }
    CHECK(json_object_size(views) == COUNT(known));
  }
  end_case();
  compare_view(views, "payment", payment_row);
  compare_view(views, "refund", refund_row);
  json_decref(root);
}
