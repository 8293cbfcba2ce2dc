/* APIv3 through the C API: every case of tests/vectors/v3_notify.json (exact verdicts, codes, the
 * message rule, every expected field, every property of the typed views read by name through the
 * library's listing, views.c), misuse of the v3 functions, the replies, and one v3 verifier shared
 * by 8 threads. */
#include <pthread.h>
#include <stdlib.h>

#include <jansson.h>

#include "harness.h"
#include "vectors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The APIv3 views (views.c) and their presence tests; the key of each in expected.typed. */
static const struct {
  const char *key;
  const struct typed_view *view;
  bool (*has)(const struct wechatpay_v3_notification *);
} VIEWS[] = {
    {"transaction", &V3_TRANSACTION_VIEW, wechatpay_v3_notification_has_transaction},
    {"refund", &V3_REFUND_VIEW, wechatpay_v3_notification_has_refund},
    {"profit_sharing", &V3_PROFIT_SHARING_VIEW, wechatpay_v3_notification_has_profit_sharing},
    {"transfer", &V3_TRANSFER_VIEW, wechatpay_v3_notification_has_transfer},
    {"complaint", &V3_COMPLAINT_VIEW, wechatpay_v3_notification_has_complaint},
};

/* json_equal, except that numbers are compared by value (an integer equals a real of the same
 * value): the vectors write an integer beyond 2^63 as a real. */
static bool same_json(const json_t *a, const json_t *b) {
  if (json_is_number(a) && json_is_number(b)) {
    if (json_is_integer(a) && json_is_integer(b)) return json_integer_value(a) == json_integer_value(b);
    return json_number_value(a) == json_number_value(b);
  }
  if (json_is_object(a) && json_is_object(b)) {
    const char *key;
    json_t *value;
    if (json_object_size(a) != json_object_size(b)) return false;
    json_object_foreach((json_t *)a, key, value) {
      const json_t *other = json_object_get(b, key);
      if (other == NULL || !same_json(value, other)) return false;
    }
    return true;
  }
  if (json_is_array(a) && json_is_array(b)) {
    size_t i;
    if (json_array_size(a) != json_array_size(b)) return false;
    for (i = 0; i < json_array_size(a); i++) {
      if (!same_json(json_array_get(a, i), json_array_get(b, i))) return false;
    }
    return true;
  }
  return json_equal(a, b);
}

typedef bool (*v3_text_getter)(const struct wechatpay_v3_notification *, struct wechatpay_str *);

static void check_string(const struct wechatpay_v3_notification *n, v3_text_getter get,
                         const json_t *expected, const char *what) {
  struct wechatpay_str s = {NULL, 0};
  char msg[160];
  if (!get(n, &s) || !jstr_eq(s, expected)) {
    snprintf(msg, sizeof msg, "%s differs", what);
    check_failed(__FILE__, __LINE__, msg);
  }
}

/* The notification's own string properties and the named getter C handlers use for each. */
static const struct {
  const char *key;
  v3_text_getter get;
} NAMED_STRINGS[] = {
    {"id", wechatpay_v3_notification_id},
    {"create_time", wechatpay_v3_notification_create_time},
    {"event_type", wechatpay_v3_notification_event_type},
    {"resource_type", wechatpay_v3_notification_resource_type},
    {"summary", wechatpay_v3_notification_summary},
    {"plaintext", wechatpay_v3_notification_plaintext},
    {"dedupe_key", wechatpay_v3_notification_dedupe_key},
};

static void check_notification(const struct wechatpay_v3_notification *n, const json_t *expected) {
  const json_t *typed = json_object_get(expected, "typed");
  const char *key;
  const json_t *value;
  struct wechatpay_str plaintext = {NULL, 0};
  check_string(n, wechatpay_v3_notification_id, json_object_get(expected, "id"), "id");
  check_string(n, wechatpay_v3_notification_create_time, json_object_get(expected, "create_time"),
               "create_time");
  check_string(n, wechatpay_v3_notification_event_type, json_object_get(expected, "event_type"),
               "event_type");
  check_string(n, wechatpay_v3_notification_resource_type,
               json_object_get(expected, "resource_type"), "resource_type");
  check_string(n, wechatpay_v3_notification_summary, json_object_get(expected, "summary"),
               "summary");
  check_string(n, wechatpay_v3_notification_plaintext, json_object_get(expected, "plaintext"),
               "plaintext");
  /* The plaintext parses to the expected resource. */
  CHECK(wechatpay_v3_notification_plaintext(n, &plaintext));
  {
    json_error_t jerr;
    json_t *resource = json_loadb(plaintext.data, plaintext.len, JSON_ALLOW_NUL, &jerr);
    if (resource == NULL) {
      /* An integer beyond jansson's json_int_t (an amount of 2^64): the vector's resource holds it
       * as a number, so read every integer as a real and compare numbers by value. */
      resource = json_loadb(plaintext.data, plaintext.len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &jerr);
    }
    CHECK(resource != NULL && same_json(resource, json_object_get(expected, "resource")));
    json_decref(resource);
  }
  CHECK(json_is_object(typed));
  {
    /* The notification's own view: every key of expected.typed but the resource views', through
     * the listing; and the named getters C handlers use. */
    json_t *rules = json_deep_copy((json_t *)typed);
    size_t k;
    for (k = 0; k < COUNT(VIEWS); k++) json_object_del(rules, VIEWS[k].key);
    check_typed(&V3_NOTIFICATION_VIEW, n, rules);
    json_decref(rules);
  }
  json_object_foreach((json_t *)typed, key, value) {
    size_t named = COUNT(NAMED_STRINGS);
    size_t k;
    for (k = 0; k < COUNT(NAMED_STRINGS); k++) {
      if (strcmp(key, NAMED_STRINGS[k].key) == 0) named = k;
    }
    if (strcmp(key, "is_success") == 0) {
      CHECK(json_is_boolean(value) && wechatpay_v3_notification_is_success(n) == json_is_true(value));
    } else if (named < COUNT(NAMED_STRINGS)) {
      check_string(n, NAMED_STRINGS[named].get, value, key);
    } else {
      size_t found = COUNT(VIEWS);
      for (k = 0; k < COUNT(VIEWS); k++) {
        if (strcmp(key, VIEWS[k].key) == 0) found = k;
      }
      if (found == COUNT(VIEWS)) {
        char msg[160];
        snprintf(msg, sizeof msg, "typed key %s has no counterpart in the C API", key);
        check_failed(__FILE__, __LINE__, msg);
      } else if (json_is_null(value)) {
        CHECK(!VIEWS[found].has(n));
      } else {
        CHECK(VIEWS[found].has(n));
        check_typed(VIEWS[found].view, n, value);
      }
    }
  }
}

/* Builds a verifier from a group config with the builder (apiV3Key as its UTF-8 bytes, each
 * [id, PEM] of platformKeys through add_trusted_key, each of the optional mchIds through
 * expect_mch_id, the optional limits). On failure returns
 * NULL, copies the code to `code` and says in `why` whether its message breaks the message rule. */
struct wechatpay_v3_verifier *v3_group_verifier(const json_t *config, char *code,
                                                size_t code_cap, char *why, size_t why_cap) {
  struct wechatpay_v3_verifier_builder *builder = NULL;
  struct wechatpay_v3_verifier *verifier = NULL;
  struct wechatpay_error *err;
  struct wechatpay_str key = jstr(json_object_get(config, "apiV3Key"));
  const json_t *keys = json_object_get(config, "platformKeys");
  const json_t *mch_ids = json_object_get(config, "mchIds");
  const json_t *skew = json_object_get(config, "maxClockSkew");
  const json_t *max = json_object_get(config, "maxBodyBytes");
  size_t i;

  err = wechatpay_v3_verifier_builder_new(key.data, key.len, &builder);
  for (i = 0; err == NULL && i < json_array_size(keys); i++) {
    struct wechatpay_str id = jstr(json_array_get(json_array_get(keys, i), 0));
    struct wechatpay_str pem = jstr(json_array_get(json_array_get(keys, i), 1));
    err = wechatpay_v3_verifier_builder_add_trusted_key(builder, id.data, id.len, pem.data, pem.len);
  }
  /* Optional: the merchant ids the verifier serves (absent or null: any). */
  CHECK(mch_ids == NULL || json_is_null(mch_ids) || json_is_array(mch_ids));
  for (i = 0; err == NULL && i < json_array_size(mch_ids); i++) {
    struct wechatpay_str id = jstr(json_array_get(mch_ids, i));
    CHECK(json_is_string(json_array_get(mch_ids, i)));
    err = wechatpay_v3_verifier_builder_expect_mch_id(builder, id.data, id.len);
  }
  if (err == NULL && json_is_integer(skew)) {
    err = wechatpay_v3_verifier_builder_max_clock_skew(builder, (uint64_t)json_integer_value(skew));
  }
  if (err == NULL && json_is_integer(max)) {
    err = wechatpay_v3_verifier_builder_max_body_bytes(builder, (size_t)json_integer_value(max));
  }
  if (err == NULL) err = wechatpay_v3_verifier_builder_build(builder, &verifier);
  wechatpay_v3_verifier_builder_free(builder);
  if (err != NULL) {
    snprintf(code, code_cap, "%s", wechatpay_error_code(err));
    if (message_is_clean(wechatpay_error_message(err), why, why_cap)) why[0] = '\0';
    wechatpay_error_free(err);
    return NULL;
  }
  return verifier;
}

/* A test's headers as a malloc'd array of name/value pairs borrowing the JSON strings. */
struct wechatpay_field *test_headers(const json_t *test, size_t *len) {
  const json_t *pairs = json_object_get(test, "headers");
  struct wechatpay_field *fields;
  size_t i;
  *len = json_array_size(pairs);
  fields = calloc(*len ? *len : 1, sizeof *fields);
  if (fields == NULL) return NULL;
  for (i = 0; i < *len; i++) {
    fields[i].name = jstr(json_array_get(json_array_get(pairs, i), 0));
    fields[i].value = jstr(json_array_get(json_array_get(pairs, i), 1));
  }
  return fields;
}

/* A case kept for the misuse and thread tests: its headers, body and time. */
struct v3_case {
  struct wechatpay_field *headers;
  size_t headers_len;
  unsigned char *body;
  size_t body_len;
  uint64_t now;
};

static void keep_case(struct v3_case *slot, const json_t *test) {
  if (slot->body != NULL) return;
  slot->headers = test_headers(test, &slot->headers_len);
  slot->body = test_body(test, &slot->body_len);
  slot->now = (uint64_t)json_integer_value(json_object_get(test, "now"));
}

static void free_case(struct v3_case *c) {
  free(c->headers);
  free(c->body);
}

/* What the vector run leaves for the other v3 tests: group 0's configuration and three cases. */
struct v3_fixture {
  json_t *root;
  const json_t *config; /* the first group's (a verifier that builds) */
  struct v3_case payment; /* a valid TRANSACTION.SUCCESS (of a direct merchant: mchid) */
  struct v3_case partner; /* a valid TRANSACTION.SUCCESS of a partner (sp_mchid, no mchid) */
  struct v3_case refund;  /* a valid REFUND.SUCCESS */
  struct v3_case other;   /* a valid event with no typed view */
  struct v3_case forged;  /* signature_mismatch */
};

static void run_v3_vectors(const char *dir, struct v3_fixture *fx) {
  const char *file = "v3_notify.json";
  json_t *root = load_vectors(dir, file, "wechatpay-notify/v3-notify/1");
  const json_t *group, *test;
  size_t gi, ti;
  json_int_t ran = 0;
  fx->root = root;
  if (root == NULL) return;
  json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
    char build_code[64] = "", build_why[160] = "";
    const json_t *config = json_object_get(group, "config");
    struct wechatpay_v3_verifier *v = v3_group_verifier(config, build_code, sizeof build_code,
                                                        build_why, sizeof build_why);
    if (gi == 0) fx->config = config;
    json_array_foreach(json_object_get(group, "tests"), ti, test) {
      struct request_case c;
      bool sendable = request_case_begin(&c, file, test);
      const char *expected_code = c.expected_code;
      ran++;
      if (v == NULL) {
        request_case_refused(&c, build_code, build_why);
      } else if (sendable) {
        struct wechatpay_v3_notification *n = (struct wechatpay_v3_notification *)&ran; /* sentinel */
        struct wechatpay_error *err = wechatpay_v3_verifier_verify(v, c.headers, c.headers_len,
                                                                   c.body, c.body_len, c.now, &n);
        if (c.valid) {
          CHECK_OK(err);
          if (err == NULL) {
            check_notification(n, json_object_get(test, "expected"));
            if (gi == 0) {
              struct wechatpay_str event;
              if (wechatpay_v3_notification_event_type(n, &event)) {
                struct wechatpay_str id;
                bool direct = false, partner = false;
                if (wechatpay_v3_notification_has_transaction(n)) {
                  wechatpay_error_free(wechatpay_v3_transaction_text(n, LIT("mchid"), &id, &direct));
                  wechatpay_error_free(wechatpay_v3_transaction_text(n, LIT("sp_mchid"), &id, &partner));
                }
                if (STR_EQ(event, "TRANSACTION.SUCCESS") && direct) keep_case(&fx->payment, test);
                else if (STR_EQ(event, "TRANSACTION.SUCCESS") && partner) keep_case(&fx->partner, test);
                else if (STR_EQ(event, "REFUND.SUCCESS")) keep_case(&fx->refund, test);
                else if (!wechatpay_v3_notification_has_transaction(n) &&
                         !wechatpay_v3_notification_has_refund(n))
                  keep_case(&fx->other, test);
              }
            }
            wechatpay_v3_notification_free(n);
          }
        } else {
          /* The exact code, its number, and the message rule. */
          CHECK_ERROR(err, expected_code ? expected_code : "?");
          CHECK(n == (struct wechatpay_v3_notification *)&ran); /* untouched on failure */
          if (gi == 0 && expected_code != NULL && strcmp(expected_code, "signature_mismatch") == 0)
            keep_case(&fx->forged, test);
        }
      }
      request_case_end(&c);
    }
    wechatpay_v3_verifier_free(v);
  }
  check_total(root, file, ran);
}

static struct wechatpay_v3_verifier *fixture_verifier(const struct v3_fixture *fx) {
  char code[64] = "", why[160] = "";
  struct wechatpay_v3_verifier *v = v3_group_verifier(fx->config, code, sizeof code, why, sizeof why);
  CHECK(v != NULL);
  return v;
}

static struct wechatpay_v3_notification *verify_case(const struct wechatpay_v3_verifier *v,
                                                     const struct v3_case *c) {
  struct wechatpay_v3_notification *n = NULL;
  CHECK(c->body != NULL);
  if (c->body == NULL) return NULL;
  CHECK_OK(wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, c->body, c->body_len, c->now, &n));
  return n;
}

static int sentinel;

static void v3_misuse(const struct v3_fixture *fx) {
  struct wechatpay_v3_verifier *v = fixture_verifier(fx);
  const struct v3_case *c = &fx->payment;
  struct wechatpay_v3_notification *n = (struct wechatpay_v3_notification *)&sentinel;
  struct wechatpay_v3_verifier_builder *b = (struct wechatpay_v3_verifier_builder *)&sentinel;
  struct wechatpay_v3_verifier *nv = (struct wechatpay_v3_verifier *)&sentinel;

  begin_case("v3 misuse: NULL verifier, headers, body and output are invalid_argument");
  CHECK(v != NULL && c->body != NULL);
  if (v != NULL && c->body != NULL) {
    CHECK_ERROR(wechatpay_v3_verifier_verify(NULL, c->headers, c->headers_len, c->body, c->body_len, c->now, &n),
                "invalid_argument");
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, NULL, c->headers_len, c->body, c->body_len, c->now, &n),
                "invalid_argument");
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, NULL, c->body_len, c->now, &n),
                "invalid_argument");
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, c->body, c->body_len, c->now, NULL),
                "invalid_argument");
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, c->headers, SIZE_MAX / 2, c->body, c->body_len, c->now, &n),
                "invalid_argument");
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, c->body, SIZE_MAX, c->now, &n),
                "invalid_argument");
    /* NULL with length 0 is an empty input, which the core refuses with its own code. */
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, NULL, 0, c->body, c->body_len, c->now, &n), "missing_header");
    CHECK(n == (struct wechatpay_v3_notification *)&sentinel);
  }
  end_case();

  begin_case("v3 misuse: a header name or value that is not UTF-8 is invalid_argument");
  if (c->body != NULL && c->headers_len > 0) {
    struct wechatpay_field *copy = malloc((c->headers_len + 1) * sizeof *copy);
    CHECK(copy != NULL);
    if (copy != NULL) {
      memcpy(copy, c->headers, c->headers_len * sizeof *copy);
      copy[c->headers_len].name.data = "X-Other";
      copy[c->headers_len].name.len = 7;
      copy[c->headers_len].value.data = "caf\xe9";
      copy[c->headers_len].value.len = 4;
      CHECK_ERROR(wechatpay_v3_verifier_verify(v, copy, c->headers_len + 1, c->body, c->body_len, c->now, &n),
                  "invalid_argument");
      copy[c->headers_len].name.data = "X-\xff";
      copy[c->headers_len].name.len = 3;
      copy[c->headers_len].value.data = "1";
      copy[c->headers_len].value.len = 1;
      CHECK_ERROR(wechatpay_v3_verifier_verify(v, copy, c->headers_len + 1, c->body, c->body_len, c->now, &n),
                  "invalid_argument");
      /* A NULL value with a length is misuse; other headers are ignored. */
      copy[c->headers_len].name.data = "X-Other";
      copy[c->headers_len].name.len = 7;
      copy[c->headers_len].value.data = NULL;
      copy[c->headers_len].value.len = 3;
      CHECK_ERROR(wechatpay_v3_verifier_verify(v, copy, c->headers_len + 1, c->body, c->body_len, c->now, &n),
                  "invalid_argument");
      copy[c->headers_len].value.data = "ok";
      copy[c->headers_len].value.len = 2;
      n = NULL;
      CHECK_OK(wechatpay_v3_verifier_verify(v, copy, c->headers_len + 1, c->body, c->body_len, c->now, &n));
      wechatpay_v3_notification_free(n);
      n = (struct wechatpay_v3_notification *)&sentinel;
    }
    free(copy);
  }
  end_case();

  begin_case("v3 misuse: NULL configuration arguments; a refused value keeps the core's code");
  CHECK_ERROR(wechatpay_v3_verifier_builder_new(NULL, 32, &b), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_new(LIT("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"), NULL),
              "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_new(NULL, 0, &b), "invalid_config");
  CHECK_ERROR(wechatpay_v3_verifier_builder_new(LIT("a7cde1ZJB1kG2e7VfTs3jQzaWizur8G"), &b), "invalid_config");
  /* The 16-byte key of the published wechatpay-go fixture: APIv3 keys are 32 bytes. */
  CHECK_ERROR(wechatpay_v3_verifier_builder_new(LIT("0123456789abcdef"), &b), "invalid_config");
  CHECK(b == (struct wechatpay_v3_verifier_builder *)&sentinel);
  CHECK_ERROR(wechatpay_v3_verifier_builder_add_trusted_key(NULL, LIT("X"), LIT("pem")), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_add_platform_certificate(NULL, LIT("pem")), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_add_public_key(NULL, LIT("X"), LIT("pem")), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_max_clock_skew(NULL, 1), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_max_body_bytes(NULL, 1), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_build(NULL, &nv), "invalid_argument");
  CHECK(nv == (struct wechatpay_v3_verifier *)&sentinel);
  b = NULL;
  CHECK_OK(wechatpay_v3_verifier_builder_new(LIT("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"), &b));
  CHECK_ERROR(wechatpay_v3_verifier_builder_add_trusted_key(b, NULL, 3, LIT("pem")), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_build(b, NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_verifier_builder_add_trusted_key(b, LIT("PUB_KEY_ID_1"), LIT("not a PEM")),
              "invalid_config");
  CHECK_ERROR(wechatpay_v3_verifier_builder_add_trusted_key(b, LIT("PUB_KEY_ID_1"), LIT("\xff\xfe")),
              "invalid_config");
  CHECK_ERROR(wechatpay_v3_verifier_builder_add_platform_certificate(b, LIT("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")),
              "invalid_config");
  CHECK_ERROR(wechatpay_v3_verifier_builder_add_public_key(b, LIT(""), LIT("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")),
              "invalid_config");
  end_case();

  begin_case("v3 builder: keys of both kinds, a refused key leaves the builder as it was, options read back");
  if (b != NULL) {
    const json_t *keys = json_object_get(fx->config, "platformKeys");
    struct wechatpay_str id0 = jstr(json_array_get(json_array_get(keys, 0), 0));
    struct wechatpay_str pem0 = jstr(json_array_get(json_array_get(keys, 0), 1));
    struct wechatpay_str id1 = jstr(json_array_get(json_array_get(keys, 1), 0));
    struct wechatpay_str pem1 = jstr(json_array_get(json_array_get(keys, 1), 1));
    struct wechatpay_v3_verifier *built = NULL;
    struct wechatpay_str id;
    CHECK(json_array_size(keys) >= 2);
    CHECK_OK(wechatpay_v3_verifier_builder_add_trusted_key(b, id0.data, id0.len, pem0.data, pem0.len));
    CHECK_OK(wechatpay_v3_verifier_builder_max_clock_skew(b, 42));
    /* The same id again (any kind) is refused; the builder keeps its key and options. */
    CHECK_ERROR(wechatpay_v3_verifier_builder_add_trusted_key(b, id0.data, id0.len, pem0.data, pem0.len),
                "invalid_config");
    CHECK_ERROR(wechatpay_v3_verifier_builder_add_platform_certificate(b, pem0.data, pem0.len),
                "invalid_config");
    /* A certificate under an id that is not its serial is refused. */
    CHECK_ERROR(wechatpay_v3_verifier_builder_add_trusted_key(b, LIT("0123"), pem0.data, pem0.len),
                "invalid_config");
    CHECK_OK(wechatpay_v3_verifier_builder_add_public_key(b, id1.data, id1.len, pem1.data, pem1.len));
    CHECK_OK(wechatpay_v3_verifier_builder_max_body_bytes(b, 4096));
    CHECK_OK(wechatpay_v3_verifier_builder_build(b, &built));
    CHECK(wechatpay_v3_verifier_trusted_key_count(built) == 2);
    /* A certificate is listed by its uppercase hex serial, as the vectors name it. */
    CHECK(wechatpay_v3_verifier_trusted_key_id(built, 0, &id) && str_eq(id, id0.data, id0.len));
    CHECK(wechatpay_v3_verifier_trusted_key_id(built, 1, &id) && str_eq(id, id1.data, id1.len));
    CHECK(!wechatpay_v3_verifier_trusted_key_id(built, 2, &id));
    CHECK(wechatpay_v3_verifier_trusts(built, id1.data, id1.len));
    CHECK(wechatpay_v3_verifier_trusts(built, id0.data, id0.len));
    CHECK(!wechatpay_v3_verifier_trusts(built, LIT("PUB_KEY_ID_0")));
    CHECK(!wechatpay_v3_verifier_trusts(built, LIT("\xff")));
    CHECK(!wechatpay_v3_verifier_trusts(NULL, id1.data, id1.len));
    CHECK(wechatpay_v3_verifier_max_clock_skew(built) == 42);
    CHECK(wechatpay_v3_verifier_max_body_bytes(built) == 4096);
    CHECK(wechatpay_v3_verifier_max_clock_skew(NULL) == 0 && wechatpay_v3_verifier_max_body_bytes(NULL) == 0);
    CHECK(wechatpay_v3_verifier_trusted_key_count(NULL) == 0);
    wechatpay_v3_verifier_free(built);
  }
  wechatpay_v3_verifier_builder_free(b);
  end_case();

  begin_case("v3 misuse: getters on NULL handles return false and write nothing");
  {
    struct wechatpay_str s = {"sentinel", 8};
    uint64_t amount = 42;
    bool present = true;
    CHECK(!wechatpay_v3_notification_id(NULL, &s) && s.len == 8);
    CHECK(!wechatpay_v3_notification_create_time(NULL, &s) && s.len == 8);
    CHECK(!wechatpay_v3_notification_event_type(NULL, &s) && s.len == 8);
    CHECK(!wechatpay_v3_notification_resource_type(NULL, &s) && s.len == 8);
    CHECK(!wechatpay_v3_notification_summary(NULL, &s) && s.len == 8);
    CHECK(!wechatpay_v3_notification_plaintext(NULL, &s) && s.len == 8);
    CHECK(!wechatpay_v3_notification_dedupe_key(NULL, &s) && s.len == 8);
    CHECK(!wechatpay_v3_notification_is_success(NULL));
    CHECK(!wechatpay_v3_notification_has_transaction(NULL));
    CHECK(!wechatpay_v3_notification_has_refund(NULL));
    CHECK(!wechatpay_v3_notification_has_profit_sharing(NULL));
    CHECK(!wechatpay_v3_notification_has_transfer(NULL));
    CHECK(!wechatpay_v3_notification_has_complaint(NULL));
    CHECK_ERROR(wechatpay_v3_transfer_amount(NULL, LIT("transfer_amount"), &amount, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_text(NULL, LIT("out_trade_no"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_refund_amount(NULL, LIT("amount_refund"), &amount, &present), "invalid_argument");
    CHECK(s.len == 8 && amount == 42 && present);
  }
  end_case();

  begin_case("v3 misuse: typed views by name: unknown names, wrong kinds, wrong views are invalid_argument");
  n = verify_case(v, &fx->payment);
  if (n != NULL) {
    struct wechatpay_str s = {"sentinel", 8};
    uint64_t amount = 42;
    bool present = false;
    CHECK(wechatpay_v3_notification_has_transaction(n) && !wechatpay_v3_notification_has_refund(n));
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("no_such_property"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("OUT_TRADE_NO"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("out_trade_no\0"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("\xff"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_text(n, NULL, 0, &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_amount(n, LIT("no_such_property"), &amount, &present),
                "invalid_argument");
    /* The kind is the core's: an amount is not read as text, nor text as an amount. */
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("amount_total"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_amount(n, LIT("out_trade_no"), &amount, &present), "invalid_argument");
    /* A transaction has no refund view. */
    CHECK_ERROR(wechatpay_v3_refund_text(n, LIT("refund_id"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_refund_amount(n, LIT("amount_refund"), &amount, &present), "invalid_argument");
    /* Nor the other families' views; the complaint view declares no amount at all. */
    CHECK(!wechatpay_v3_notification_has_profit_sharing(n) && !wechatpay_v3_notification_has_transfer(n) &&
          !wechatpay_v3_notification_has_complaint(n));
    CHECK_ERROR(wechatpay_v3_profit_sharing_amount(n, LIT("receiver_amount"), &amount, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transfer_text(n, LIT("transfer_bill_no"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_complaint_text(n, LIT("complaint_id"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_complaint_amount(n, LIT("complaint_id"), &amount, &present), "invalid_argument");
    /* NULL outputs. */
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("out_trade_no"), NULL, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("out_trade_no"), &s, NULL), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_transaction_amount(n, LIT("amount_total"), NULL, &present), "invalid_argument");
    CHECK(!wechatpay_v3_notification_id(n, NULL));
    CHECK(s.len == 8 && amount == 42 && !present);
    /* The same names read correctly. */
    CHECK_OK(wechatpay_v3_transaction_text(n, LIT("out_trade_no"), &s, &present));
    CHECK(present && s.len > 0);
    CHECK_OK(wechatpay_v3_transaction_amount(n, LIT("amount_total"), &amount, &present));
    CHECK(present && amount != 42);
    /* An absent property: present = false, the value untouched. */
    s.data = "sentinel";
    s.len = 8;
    CHECK_OK(wechatpay_v3_transaction_text(n, LIT("sub_mchid"), &s, &present));
    CHECK(!present && s.len == 8);
    {
      /* The strings borrow from the notification: the same bytes on every call. */
      struct wechatpay_str a, b2;
      CHECK(wechatpay_v3_notification_plaintext(n, &a) && wechatpay_v3_notification_plaintext(n, &b2) &&
            a.data == b2.data && a.len == b2.len);
      /* A successful transaction's key is its transaction_id. */
      CHECK(wechatpay_v3_notification_dedupe_key(n, &a) && wechatpay_v3_transaction_text(n, LIT("transaction_id"), &b2, &present) == NULL &&
            present && a.len == b2.len && memcmp(a.data, b2.data, a.len) == 0);
    }
  }
  wechatpay_v3_notification_free(n);
  n = verify_case(v, &fx->refund);
  if (n != NULL) {
    struct wechatpay_str s;
    uint64_t amount;
    bool present = false;
    CHECK(wechatpay_v3_notification_has_refund(n) && !wechatpay_v3_notification_has_transaction(n));
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("out_trade_no"), &s, &present), "invalid_argument");
    CHECK_OK(wechatpay_v3_refund_amount(n, LIT("amount_refund"), &amount, &present));
    CHECK(present);
    CHECK_OK(wechatpay_v3_refund_text(n, LIT("refund_status"), &s, &present));
    CHECK(present && STR_EQ(s, "SUCCESS") && wechatpay_v3_notification_is_success(n));
    {
      /* A refund's key names its state: refund_id:SUCCESS. */
      struct wechatpay_str key, id;
      CHECK_OK(wechatpay_v3_refund_text(n, LIT("refund_id"), &id, &present));
      CHECK(present && wechatpay_v3_notification_dedupe_key(n, &key) && key.len == id.len + 8 &&
            memcmp(key.data, id.data, id.len) == 0 && memcmp(key.data + id.len, ":SUCCESS", 8) == 0);
    }
  }
  wechatpay_v3_notification_free(n);
  n = verify_case(v, &fx->other);
  if (n != NULL) {
    struct wechatpay_str s, id;
    bool present = false;
    CHECK(!wechatpay_v3_notification_has_refund(n) && !wechatpay_v3_notification_has_transaction(n));
    CHECK_ERROR(wechatpay_v3_transaction_text(n, LIT("out_trade_no"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_refund_text(n, LIT("refund_id"), &s, &present), "invalid_argument");
    CHECK(wechatpay_v3_notification_dedupe_key(n, &s) && wechatpay_v3_notification_id(n, &id) &&
          s.len == id.len && memcmp(s.data, id.data, s.len) == 0);
    CHECK(!wechatpay_v3_notification_is_success(n));
  }
  wechatpay_v3_notification_free(n);
  end_case();

  begin_case("v3 misuse: every free accepts NULL; the clock helper reads the system clock");
  wechatpay_v3_verifier_free(NULL);
  wechatpay_v3_verifier_builder_free(NULL);
  wechatpay_v3_notification_free(NULL);
  CHECK(wechatpay_unix_now() > 1700000000u);
  CHECK(wechatpay_unix_now() < 10000000000u);
  end_case();

  begin_case("v3: now is the caller's: the same notification at other times is out of window");
  if (c->body != NULL) {
    n = (struct wechatpay_v3_notification *)&sentinel;
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, c->body, c->body_len, c->now + 301, &n),
                "timestamp_out_of_window");
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, c->body, c->body_len, c->now - 301, &n),
                "timestamp_out_of_window");
    CHECK_ERROR(wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, c->body, c->body_len, UINT64_MAX, &n),
                "timestamp_out_of_window");
    CHECK(n == (struct wechatpay_v3_notification *)&sentinel);
  }
  end_case();

  wechatpay_v3_verifier_free(v);
}

/* A verifier of the fixture's configuration that also serves `ids` (NULL-terminated). */
static struct wechatpay_v3_verifier *merchant_verifier(const struct v3_fixture *fx,
                                                       const char *const *ids) {
  struct wechatpay_v3_verifier_builder *b = NULL;
  struct wechatpay_v3_verifier *v = NULL;
  const json_t *keys = json_object_get(fx->config, "platformKeys");
  struct wechatpay_str key = jstr(json_object_get(fx->config, "apiV3Key"));
  size_t i;
  CHECK_OK(wechatpay_v3_verifier_builder_new(key.data, key.len, &b));
  for (i = 0; i < json_array_size(keys); i++) {
    struct wechatpay_str id = jstr(json_array_get(json_array_get(keys, i), 0));
    struct wechatpay_str pem = jstr(json_array_get(json_array_get(keys, i), 1));
    CHECK_OK(wechatpay_v3_verifier_builder_add_trusted_key(b, id.data, id.len, pem.data, pem.len));
  }
  for (i = 0; ids[i] != NULL; i++) {
    CHECK_OK(wechatpay_v3_verifier_builder_expect_mch_id(b, ids[i], strlen(ids[i])));
  }
  CHECK_OK(wechatpay_v3_verifier_builder_build(b, &v));
  wechatpay_v3_verifier_builder_free(b);
  return v;
}

/* The outcome of verifying `c` with `v`: NULL when it verified, else the error code (static). */
static const char *verdict(const struct wechatpay_v3_verifier *v, const struct v3_case *c) {
  static char code[64];
  struct wechatpay_v3_notification *n = NULL;
  struct wechatpay_error *err;
  if (v == NULL || c->body == NULL) return "no fixture";
  err = wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, c->body, c->body_len, c->now, &n);
  wechatpay_v3_notification_free(n);
  if (err == NULL) return NULL;
  snprintf(code, sizeof code, "%s", wechatpay_error_code(err));
  {
    char why[160];
    if (!message_is_clean(wechatpay_error_message(err), why, sizeof why)) check_failed(__FILE__, __LINE__, why);
  }
  wechatpay_error_free(err);
  return code;
}

/* SPEC §2 merchant binding: after decryption mchid (or, for a partner, sp_mchid) must be one of
 * the expected merchant ids. */
static void v3_merchant_binding(const struct v3_fixture *fx) {
  char mchid[64] = "", sp_mchid[64] = "";
  struct wechatpay_v3_verifier *any = fixture_verifier(fx);
  struct wechatpay_v3_notification *n;
  struct wechatpay_str s;
  bool present = false;
  const char *code;

  begin_case("v3 expect_mch_id: the fixtures name their merchants (mchid, partner sp_mchid)");
  n = verify_case(any, &fx->payment);
  if (n != NULL && wechatpay_v3_transaction_text(n, LIT("mchid"), &s, &present) == NULL && present)
    snprintf(mchid, sizeof mchid, "%.*s", (int)s.len, s.data);
  wechatpay_v3_notification_free(n);
  n = verify_case(any, &fx->partner);
  present = false;
  if (n != NULL && wechatpay_v3_transaction_text(n, LIT("sp_mchid"), &s, &present) == NULL && present)
    snprintf(sp_mchid, sizeof sp_mchid, "%.*s", (int)s.len, s.data);
  wechatpay_v3_notification_free(n);
  CHECK(mchid[0] != '\0' && sp_mchid[0] != '\0' && strcmp(mchid, "1900000999") != 0 &&
        strcmp(sp_mchid, "1900000999") != 0);
  /* Without expected ids every merchant passes. */
  CHECK(wechatpay_v3_verifier_expected_mch_id_count(any) == 0);
  CHECK(verdict(any, &fx->payment) == NULL && verdict(any, &fx->partner) == NULL);
  end_case();

  begin_case("v3 expect_mch_id: the expected merchant is accepted, another is merchant_mismatch");
  {
    const char *const own[] = {mchid, NULL};
    const char *const other[] = {"1900000999", NULL};
    const char *const both[] = {"1900000999", sp_mchid, mchid, mchid, NULL};
    struct wechatpay_v3_verifier *v = merchant_verifier(fx, own);
    CHECK(verdict(v, &fx->payment) == NULL);
    /* The refund fixture is the same merchant's. */
    CHECK(verdict(v, &fx->refund) == NULL);
    /* A partner notification has no mchid: its sp_mchid is not this merchant. */
    code = verdict(v, &fx->partner);
    CHECK(code != NULL && strcmp(code, "merchant_mismatch") == 0);
    wechatpay_v3_verifier_free(v);
    v = merchant_verifier(fx, other);
    code = verdict(v, &fx->payment);
    CHECK(code != NULL && strcmp(code, "merchant_mismatch") == 0);
    code = verdict(v, &fx->refund);
    CHECK(code != NULL && strcmp(code, "merchant_mismatch") == 0);
    /* A forgery is still a forgery: the signature is checked before anything is decrypted. */
    code = verdict(v, &fx->forged);
    CHECK(code != NULL && strcmp(code, "signature_mismatch") == 0);
    wechatpay_v3_verifier_free(v);
    /* Several ids (a service provider): any one of them; a repeated id is kept once, in order. */
    v = merchant_verifier(fx, both);
    CHECK(verdict(v, &fx->payment) == NULL && verdict(v, &fx->partner) == NULL);
    CHECK(wechatpay_v3_verifier_expected_mch_id_count(v) == 3);
    CHECK(wechatpay_v3_verifier_expected_mch_id(v, 0, &s) && STR_EQ(s, "1900000999"));
    CHECK(wechatpay_v3_verifier_expected_mch_id(v, 1, &s) && str_eq(s, sp_mchid, strlen(sp_mchid)));
    CHECK(wechatpay_v3_verifier_expected_mch_id(v, 2, &s) && str_eq(s, mchid, strlen(mchid)));
    CHECK(!wechatpay_v3_verifier_expected_mch_id(v, 3, &s));
    wechatpay_v3_verifier_free(v);
  }
  end_case();

  begin_case("v3 expect_mch_id: misuse is invalid_argument, a refused id invalid_config and the builder unchanged");
  {
    struct wechatpay_v3_verifier_builder *b = NULL;
    struct wechatpay_v3_verifier *v = NULL;
    struct wechatpay_str key = jstr(json_object_get(fx->config, "apiV3Key"));
    s.data = "sentinel";
    s.len = 8;
    CHECK_ERROR(wechatpay_v3_verifier_builder_expect_mch_id(NULL, LIT("1900000100")), "invalid_argument");
    CHECK_OK(wechatpay_v3_verifier_builder_new(key.data, key.len, &b));
    CHECK_ERROR(wechatpay_v3_verifier_builder_expect_mch_id(b, NULL, 3), "invalid_argument");
    CHECK_OK(wechatpay_v3_verifier_builder_expect_mch_id(b, LIT("1900000100")));
    CHECK_ERROR(wechatpay_v3_verifier_builder_expect_mch_id(b, LIT("")), "invalid_config");
    CHECK_ERROR(wechatpay_v3_verifier_builder_expect_mch_id(b, NULL, 0), "invalid_config");
    CHECK_ERROR(wechatpay_v3_verifier_builder_expect_mch_id(b, LIT("19\xff")), "invalid_config");
    /* A builder trusting no key is refused; with one it builds. */
    CHECK_ERROR(wechatpay_v3_verifier_builder_build(b, &v), "invalid_config");
    CHECK(v == NULL);
    {
      const json_t *key0 = json_array_get(json_object_get(fx->config, "platformKeys"), 0);
      struct wechatpay_str id0 = jstr(json_array_get(key0, 0));
      struct wechatpay_str pem0 = jstr(json_array_get(key0, 1));
      CHECK_OK(wechatpay_v3_verifier_builder_add_trusted_key(b, id0.data, id0.len, pem0.data, pem0.len));
    }
    CHECK_OK(wechatpay_v3_verifier_builder_build(b, &v));
    CHECK(wechatpay_v3_verifier_expected_mch_id_count(v) == 1);
    CHECK(wechatpay_v3_verifier_expected_mch_id(v, 0, &s) && STR_EQ(s, "1900000100"));
    CHECK(!wechatpay_v3_verifier_expected_mch_id(v, 0, NULL));
    CHECK(!wechatpay_v3_verifier_expected_mch_id(NULL, 0, &s) && STR_EQ(s, "1900000100"));
    CHECK(wechatpay_v3_verifier_expected_mch_id_count(NULL) == 0);
    wechatpay_v3_verifier_free(v);
    wechatpay_v3_verifier_builder_free(b);
  }
  end_case();
  wechatpay_v3_verifier_free(any);
}

static void v3_replies(void) {
  struct wechatpay_http_reply r;

  begin_case("v3 replies: success is 204 with no body; failures carry the core's status and one constant JSON body");
  memset(&r, 0xab, sizeof r);
  CHECK_OK(wechatpay_v3_reply_success(&r));
  CHECK(r.status == 204 && r.content_type == NULL && r.body.len == 0);
  {
    struct wechatpay_v3_verifier_builder *b = NULL;
    struct wechatpay_error *err = wechatpay_v3_verifier_builder_new(LIT("short"), &b);
    CHECK(err != NULL);
    if (err != NULL) {
      CHECK_OK(wechatpay_v3_reply_fail(err, &r));
      CHECK(r.status == 500 && r.content_type != NULL && strcmp(r.content_type, "application/json") == 0);
      CHECK(STR_EQ(r.body, "{\"code\":\"FAIL\",\"message\":\"rejected\"}"));
      CHECK(r.body.data[r.body.len] == '\0');
      wechatpay_error_free(err);
    }
  }
  {
    /* The status tells WeChat Pay (and a monitor) the class of failure; the body never names the
     * code. unsupported_algorithm is 400: it also arises after the signature verified. */
    static const struct {
      const char *code;
      uint16_t status;
    } cases[] = {
        {"signature_mismatch", 401}, {"unknown_serial", 401}, {"timestamp_out_of_window", 401},
        {"missing_header", 401},     {"signature_probe", 401}, {"merchant_mismatch", 401},
        {"unsupported_algorithm", 400}, {"malformed_json", 400}, {"missing_field", 400},
        {"decrypt_failed", 400},     {"body_too_large", 400}, {"invalid_argument", 400},
        {"invalid_config", 500},     {"internal", 500},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
      CHECK_OK(wechatpay_v3_reply_fail_code(cases[i].code, strlen(cases[i].code), &r));
      CHECK(r.status == cases[i].status && strcmp(r.content_type, "application/json") == 0 &&
            STR_EQ(r.body, "{\"code\":\"FAIL\",\"message\":\"rejected\"}"));
      CHECK(strstr(r.body.data, cases[i].code) == NULL);
    }
  }
  end_case();

  begin_case("v2 replies over HTTP: SUCCESS is 200 text/xml; a refusal 200 with the constant FAIL, your own failure 500");
  memset(&r, 0xab, sizeof r);
  CHECK_OK(wechatpay_v2_reply_success(&r));
  CHECK(r.status == 200 && r.content_type != NULL && strcmp(r.content_type, "text/xml") == 0);
  CHECK(STR_EQ(r.body, "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"));
  CHECK(strcmp(r.body.data, wechatpay_reply_success()) == 0);
  {
    static const struct {
      const char *code;
      uint16_t status;
    } cases[] = {
        {"signature_mismatch", 200}, {"malformed_xml", 200}, {"missing_field", 200},
        {"decrypt_failed", 200},     {"body_too_large", 200}, {"invalid_argument", 200},
        {"invalid_config", 500},     {"internal", 500},
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++) {
      CHECK_OK(wechatpay_v2_reply_fail_code(cases[i].code, strlen(cases[i].code), &r));
      CHECK(r.status == cases[i].status && strcmp(r.content_type, "text/xml") == 0);
      CHECK(strcmp(r.body.data, wechatpay_reply_refusal()) == 0);
    }
  }
  end_case();

  begin_case("CGI: wechatpay_http_reply_cgi writes the status line, the content type and the body exactly");
  {
    struct wechatpay_string *cgi = NULL;
    static const char v3_fail[] =
        "Status: 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n{\"code\":\"FAIL\",\"message\":\"rejected\"}";
    static const char v3_ok[] = "Status: 204 No Content\r\n\r\n";
    CHECK_OK(wechatpay_v3_reply_fail_code(LIT("signature_mismatch"), &r));
    CHECK_OK(wechatpay_http_reply_cgi(&r, &cgi));
    CHECK(wechatpay_string_len(cgi) == strlen(v3_fail) && strcmp(wechatpay_string_data(cgi), v3_fail) == 0);
    wechatpay_string_free(cgi);
    CHECK_OK(wechatpay_v3_reply_success(&r));
    CHECK_OK(wechatpay_http_reply_cgi(&r, &cgi));
    CHECK(strcmp(wechatpay_string_data(cgi), v3_ok) == 0);
    wechatpay_string_free(cgi);
    CHECK_OK(wechatpay_v2_reply_success(&r));
    CHECK_OK(wechatpay_http_reply_cgi(&r, &cgi));
    CHECK(strncmp(wechatpay_string_data(cgi), "Status: 200 OK\r\nContent-Type: text/xml\r\n\r\n<xml>", 46) == 0);
    wechatpay_string_free(cgi);
    {
      /* A reply of the caller's own: a content type that would split the header is refused. */
      struct wechatpay_http_reply own = {200, "text/xml\r\nSet-Cookie: x=1", {"", 0}};
      cgi = NULL;
      CHECK_ERROR(wechatpay_http_reply_cgi(&own, &cgi), "invalid_argument");
      CHECK(cgi == NULL);
      own.content_type = NULL;
      own.status = 99;
      CHECK_ERROR(wechatpay_http_reply_cgi(&own, &cgi), "invalid_argument");
      CHECK_ERROR(wechatpay_http_reply_cgi(NULL, &cgi), "invalid_argument");
      CHECK_ERROR(wechatpay_http_reply_cgi(&r, NULL), "invalid_argument");
    }
  }
  end_case();

  begin_case("v3 replies: misuse is invalid_argument and writes nothing");
  memset(&r, 0, sizeof r);
  r.status = 7;
  CHECK_ERROR(wechatpay_v3_reply_success(NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_reply_fail(NULL, &r), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_reply_fail_code(LIT("no_such_code"), &r), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_reply_fail_code(LIT("SIGNATURE_MISMATCH"), &r), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_reply_fail_code(NULL, 3, &r), "invalid_argument");
  CHECK_ERROR(wechatpay_v3_reply_fail_code(LIT("internal"), NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_v2_reply_success(NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_v2_reply_fail_code(LIT("no_such_code"), &r), "invalid_argument");
  CHECK_ERROR(wechatpay_v2_reply_fail_code(NULL, 3, &r), "invalid_argument");
  CHECK_ERROR(wechatpay_v2_reply_fail_code(LIT("internal"), NULL), "invalid_argument");
  CHECK(r.status == 7);
  end_case();
}

#define V3_THREADS 8
#define V3_ROUNDS 20

struct v3_job {
  const struct wechatpay_v3_verifier *verifier;
  const struct v3_case *good;
  const struct v3_case *forged;
  int failures;
};

static void *v3_worker(void *arg) {
  struct v3_job *job = arg;
  int i;
  for (i = 0; i < V3_ROUNDS; i++) {
    struct wechatpay_v3_notification *n = NULL;
    struct wechatpay_error *err;
    struct wechatpay_str key;
    uint64_t total = 0;
    bool present = false;
    const struct v3_case *g = job->good, *f = job->forged;
    err = wechatpay_v3_verifier_verify(job->verifier, g->headers, g->headers_len, g->body, g->body_len, g->now, &n);
    if (err != NULL || !wechatpay_v3_notification_dedupe_key(n, &key) || key.len == 0) job->failures++;
    wechatpay_error_free(err);
    err = wechatpay_v3_transaction_amount(n, LIT("amount_total"), &total, &present);
    if (err != NULL || !present || total == 0) job->failures++;
    wechatpay_error_free(err);
    wechatpay_v3_notification_free(n);
    n = NULL;
    err = wechatpay_v3_verifier_verify(job->verifier, f->headers, f->headers_len, f->body, f->body_len, f->now, &n);
    if (err == NULL || strcmp(wechatpay_error_code(err), "signature_mismatch") != 0 || n != NULL) job->failures++;
    wechatpay_error_free(err);
  }
  return NULL;
}

static void v3_threads(const struct v3_fixture *fx) {
  struct wechatpay_v3_verifier *v = fixture_verifier(fx);
  struct v3_job jobs[V3_THREADS];
  pthread_t threads[V3_THREADS];
  int i, started = 0;
  begin_case("v3 threads: %d threads x %d rounds share one v3 verifier", V3_THREADS, V3_ROUNDS);
  CHECK(v != NULL && fx->payment.body != NULL && fx->forged.body != NULL);
  if (v != NULL && fx->payment.body != NULL && fx->forged.body != NULL) {
    for (i = 0; i < V3_THREADS; i++) {
      jobs[i].verifier = v;
      jobs[i].good = &fx->payment;
      jobs[i].forged = &fx->forged;
      jobs[i].failures = 0;
      if (pthread_create(&threads[i], NULL, v3_worker, &jobs[i]) == 0) started++;
    }
    CHECK(started == V3_THREADS);
    for (i = 0; i < started; i++) {
      pthread_join(threads[i], NULL);
      CHECK(jobs[i].failures == 0);
    }
  }
  wechatpay_v3_verifier_free(v);
  end_case();
}

void run_v3_tests(const char *dir) {
  struct v3_fixture fx;
  memset(&fx, 0, sizeof fx);
  run_v3_vectors(dir, &fx);
  begin_case("v3: the vectors gave a payment, a partner's payment, a refund, another event and a forgery to reuse");
  CHECK(fx.config != NULL && fx.payment.body != NULL && fx.partner.body != NULL &&
        fx.refund.body != NULL && fx.other.body != NULL && fx.forged.body != NULL);
  end_case();
  if (fx.config != NULL) {
    v3_misuse(&fx);
    v3_merchant_binding(&fx);
    v3_threads(&fx);
  }
  v3_replies();
  free_case(&fx.payment);
  free_case(&fx.partner);
  free_case(&fx.refund);
  free_case(&fx.other);
  free_case(&fx.forged);
  json_decref(fx.root);
}
