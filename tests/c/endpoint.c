/* One notify endpoint for many merchants and both API versions, through the C API: every case of
 * tests/vectors/endpoint.json (exact verdicts and codes, the message rule, label / kind /
 * is_success / dedupe key / reply of valid cases, version / label / reply of refusals, built
 * refusals, the internal-failure reply of every request), the same profiles read from a profiles
 * file by the core's loader, misuse of the endpoint functions, and one endpoint shared by 8
 * threads. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, chmod */
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "harness.h"
#include "vectors.h"

#ifdef _WIN32
#include <direct.h>
#include <io.h>
/* mkdtemp for Windows (the suite runs there under wine: scripts/test-platforms.sh). */
static char *mkdtemp(char *template_path) {
  return _mktemp(template_path) != NULL && _mkdir(template_path) == 0 ? template_path : NULL;
}
#endif

#define MISALIGNED(type, ptr) ((type)(uintptr_t)((uintptr_t)(ptr) + 1))

/* A request kept for the misuse and thread tests: its headers, body and time. */
struct ep_case {
  struct wechatpay_field *headers;
  size_t headers_len;
  unsigned char *body;
  size_t body_len;
  uint64_t now;
  const char *label; /* the expected label (owned by the JSON), NULL for none */
};

static void keep_case(struct ep_case *slot, const json_t *test) {
  if (slot->body != NULL) return;
  slot->headers = test_headers(test, &slot->headers_len);
  slot->body = test_body(test, &slot->body_len);
  slot->now = (uint64_t)json_integer_value(json_object_get(test, "now"));
  slot->label = json_string_value(json_object_get(json_object_get(test, "expected"), "label"));
}

static void free_case(struct ep_case *c) {
  free(c->headers);
  free(c->body);
}

/* What the vector run leaves for the other tests: group 0's profiles and a few of its cases. */
struct ep_fixture {
  json_t *root;
  const json_t *profiles;
  struct ep_case v2_payment; /* shop-a */
  struct ep_case v2_refund;  /* shop-a or shop-b */
  struct ep_case v3;         /* shop-a or shop-b */
  struct ep_case forged;     /* a cross-merchant v2 forgery: signature_mismatch */
};

/* Builds an endpoint from `config.profiles` with the builder: each profile's v2 and v3 parts are
 * built as the v2_pay / v3_notify runners build theirs (the v3 part's optional `mchIds` too), added
 * (with the profile's optional `mchId` through add_profile_with_mch_id), and freed at once (the
 * builder keeps its own copies). On failure returns NULL, copies the code to `code` and says in `why` whether
 * its message breaks the message rule (`why` stays "" if not). */
static struct wechatpay_endpoint *build_endpoint(const json_t *profiles, char *code,
                                                 size_t code_cap, char *why, size_t why_cap) {
  struct wechatpay_endpoint_builder *builder = NULL;
  struct wechatpay_endpoint *endpoint = NULL;
  struct wechatpay_error *err = wechatpay_endpoint_builder_new(&builder);
  const json_t *profile;
  size_t i;
  json_array_foreach(profiles, i, profile) {
    const json_t *v2_config = json_object_get(profile, "v2");
    const json_t *v3_config = json_object_get(profile, "v3");
    struct wechatpay_verifier *v2 = NULL;
    struct wechatpay_v3_verifier *v3 = NULL;
    struct wechatpay_str label = jstr(json_object_get(profile, "label"));
    const json_t *mch_id = json_object_get(profile, "mchId");
    if (err != NULL) break;
    CHECK(mch_id == NULL || json_is_null(mch_id) || json_is_string(mch_id));
    if (json_is_object(v2_config)) {
      v2 = group_verifier(v2_config, code, code_cap, why, why_cap);
      if (v2 == NULL) {
        wechatpay_endpoint_builder_free(builder);
        return NULL;
      }
    }
    if (json_is_object(v3_config)) {
      v3 = v3_group_verifier(v3_config, code, code_cap, why, why_cap);
      if (v3 == NULL) {
        wechatpay_verifier_free(v2);
        wechatpay_endpoint_builder_free(builder);
        return NULL;
      }
    }
    if (json_is_string(mch_id)) {
      struct wechatpay_str id = jstr(mch_id);
      err = wechatpay_endpoint_builder_add_profile_with_mch_id(builder, label.data, label.len, id.data,
                                                               id.len, v2, v3);
    } else {
      err = wechatpay_endpoint_builder_add_profile(builder, label.data, label.len, v2, v3);
    }
    wechatpay_verifier_free(v2);
    wechatpay_v3_verifier_free(v3);
  }
  if (err == NULL) err = wechatpay_endpoint_builder_build(builder, &endpoint);
  wechatpay_endpoint_builder_free(builder);
  if (err != NULL) {
    snprintf(code, code_cap, "%s", wechatpay_error_code(err));
    if (message_is_clean(wechatpay_error_message(err), why, why_cap)) why[0] = '\0';
    wechatpay_error_free(err);
    return NULL;
  }
  return endpoint;
}

static bool key_is_one_of(const char *key, const char *const *keys, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    if (strcmp(key, keys[i]) == 0) return true;
  }
  return false;
}

/* Every key of `expected` is one this runner checks: a key added to the vectors fails here until
 * the C surface reads it. */
static void check_known_keys(const json_t *expected, const char *const *keys, size_t n) {
  const char *key;
  const json_t *value;
  CHECK(json_is_object(expected));
  json_object_foreach((json_t *)expected, key, value) {
    char msg[160];
    (void)value;
    if (!key_is_one_of(key, keys, n)) {
      snprintf(msg, sizeof msg, "expected key %s is not checked by the C runner", key);
      check_failed(__FILE__, __LINE__, msg);
    }
  }
}

static void check_result(const struct wechatpay_endpoint_result *res, const json_t *want) {
  static const char *const keys[] = {"label", "kind", "isSuccess", "dedupeKey", "reply"};
  const json_t *dedupe = json_object_get(want, "dedupeKey");
  const json_t *success = json_object_get(want, "isSuccess");
  struct wechatpay_str label = {NULL, 0}, kind = {NULL, 0}, key = {NULL, 0}, inner = {NULL, 0};
  struct wechatpay_http_reply reply;
  const struct wechatpay_payment *payment = wechatpay_endpoint_result_payment(res);
  const struct wechatpay_refund *refund = wechatpay_endpoint_result_refund(res);
  const struct wechatpay_v3_notification *v3 = wechatpay_endpoint_result_v3(res);
  bool has_key;

  check_known_keys(want, keys, sizeof keys / sizeof keys[0]);
  CHECK(wechatpay_endpoint_result_label(res, &label) && jstr_eq(label, json_object_get(want, "label")));
  CHECK(wechatpay_endpoint_result_kind(res, &kind) && jstr_eq(kind, json_object_get(want, "kind")));
  CHECK(json_is_boolean(success) && wechatpay_endpoint_result_is_success(res) == json_is_true(success));
  {
    /* The result's view, through the listing (endpoint.json writes its names in camelCase). */
    json_t *rules = json_pack("{sOsO}", "is_success", success, "dedupe_key", dedupe);
    check_typed(&ENDPOINT_RESULT_VIEW, res, rules);
    json_decref(rules);
  }
  has_key = wechatpay_endpoint_result_dedupe_key(res, &key);
  if (json_is_null(dedupe)) {
    CHECK(!has_key);
  } else {
    CHECK(has_key && jstr_eq(key, dedupe));
  }
  CHECK(wechatpay_endpoint_result_reply(res, &reply));
  check_reply(&reply, json_object_get(want, "reply"));

  /* Exactly the borrowed handle of its kind, of the matching version, carrying the same key. */
  if (STR_EQ(kind, "v2_payment")) {
    CHECK(payment != NULL && refund == NULL && v3 == NULL);
    CHECK(wechatpay_endpoint_result_version(res) == WECHATPAY_API_VERSION_V2);
    CHECK(wechatpay_payment_dedupe_key(payment, &inner) == has_key);
    CHECK(wechatpay_payment_field_count(payment) > 0);
  } else if (STR_EQ(kind, "v2_refund")) {
    CHECK(payment == NULL && refund != NULL && v3 == NULL);
    CHECK(wechatpay_endpoint_result_version(res) == WECHATPAY_API_VERSION_V2);
    CHECK(wechatpay_refund_dedupe_key(refund, &inner) == has_key);
    CHECK(wechatpay_refund_req_info_count(refund) > 0);
  } else {
    CHECK(STR_EQ(kind, "v3"));
    CHECK(payment == NULL && refund == NULL && v3 != NULL);
    CHECK(wechatpay_endpoint_result_version(res) == WECHATPAY_API_VERSION_V3);
    CHECK(wechatpay_v3_notification_dedupe_key(v3, &inner) == has_key);
  }
  if (has_key) CHECK(inner.len == key.len && memcmp(inner.data, key.data, key.len) == 0);
}

/* A refusal: the exact code, its number and the message rule (CHECK_ERROR, which frees it), and
 * what the endpoint decided: version, label and reply. */
static void check_rejection(struct wechatpay_error *err, const char *code, const json_t *want) {
  static const char *const keys[] = {"version", "label", "reply"};
  const json_t *version = json_object_get(want, "version");
  const json_t *label = json_object_get(want, "label");
  struct wechatpay_str got_label = {NULL, 0};
  struct wechatpay_http_reply reply;
  wechatpay_api_version want_version = WECHATPAY_API_VERSION_NONE;
  bool has_label;
  check_known_keys(want, keys, sizeof keys / sizeof keys[0]);
  if (err == NULL) {
    CHECK_ERROR(err, code);
    return;
  }
  if (json_is_string(version) && strcmp(json_string_value(version), "v2") == 0) {
    want_version = WECHATPAY_API_VERSION_V2;
  } else if (json_is_string(version) && strcmp(json_string_value(version), "v3") == 0) {
    want_version = WECHATPAY_API_VERSION_V3;
  } else {
    CHECK(json_is_null(version));
  }
  CHECK(wechatpay_error_endpoint_version(err) == want_version);
  has_label = wechatpay_error_endpoint_label(err, &got_label);
  if (json_is_null(label)) {
    CHECK(!has_label);
  } else {
    CHECK(has_label && jstr_eq(got_label, label));
  }
  CHECK(wechatpay_error_endpoint_reply(err, &reply));
  check_reply(&reply, json_object_get(want, "reply"));
  CHECK_ERROR(err, code);
}

/* The reply for the application's own failure in a version: 500 and that version's constant
 * refusal (v2 the XML FAIL `wechatpay_reply_refusal` gives, APIv3 the JSON FAIL). */
static void check_internal_reply(const struct wechatpay_http_reply *r, bool v3) {
  CHECK(r->status == 500);
  if (v3) {
    CHECK(r->content_type != NULL && strcmp(r->content_type, "application/json") == 0);
    CHECK(STR_EQ(r->body, "{\"code\":\"FAIL\",\"message\":\"rejected\"}"));
  } else {
    CHECK(r->content_type != NULL && strcmp(r->content_type, "text/xml") == 0);
    CHECK(str_eq(r->body, wechatpay_reply_refusal(), strlen(wechatpay_reply_refusal())));
  }
}

/* The internal-failure reply for a request's headers, and its version as wechatpay_request_version
 * gives it: the version the endpoint decides for it. */
static void check_request_internal_reply(const struct request_case *c, bool v3) {
  struct wechatpay_http_reply r;
  wechatpay_api_version version = WECHATPAY_API_VERSION_NONE;
  CHECK_OK(wechatpay_internal_error_reply(c->headers, c->headers_len, &r));
  check_internal_reply(&r, v3);
  CHECK_OK(wechatpay_request_version(c->headers, c->headers_len, &version));
  CHECK(version == (v3 ? WECHATPAY_API_VERSION_V3 : WECHATPAY_API_VERSION_V2));
}

static void run_endpoint_vectors(const char *dir, struct ep_fixture *fx) {
  const char *file = "endpoint.json";
  json_t *root = load_vectors(dir, file, "wechatpay-notify/endpoint/1");
  const json_t *group, *test;
  size_t gi, ti;
  json_int_t ran = 0;
  fx->root = root;
  if (root == NULL) return;
  json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
    char build_code[64] = "", build_why[160] = "";
    const json_t *profiles = json_object_get(json_object_get(group, "config"), "profiles");
    struct wechatpay_endpoint *endpoint =
        build_endpoint(profiles, build_code, sizeof build_code, build_why, sizeof build_why);
    if (gi == 0) fx->profiles = profiles;
    json_array_foreach(json_object_get(group, "tests"), ti, test) {
      struct request_case c;
      bool sendable = request_case_begin(&c, file, test);
      const char *expected_code = c.expected_code;
      ran++;
      if (endpoint == NULL) {
        request_case_refused(&c, build_code, build_why);
      } else if (sendable) {
        struct wechatpay_endpoint_result *res = (struct wechatpay_endpoint_result *)&ran; /* sentinel */
        struct wechatpay_error *err = wechatpay_endpoint_handle(endpoint, c.headers, c.headers_len,
                                                                c.body, c.body_len, c.now, &res);
        if (c.valid) {
          CHECK_OK(err);
          if (err == NULL) {
            struct wechatpay_str kind;
            struct wechatpay_http_reply internal;
            bool v3 = wechatpay_endpoint_result_version(res) == WECHATPAY_API_VERSION_V3;
            check_result(res, json_object_get(test, "expected"));
            /* The application's own failure after verification: the result's version. */
            CHECK(wechatpay_endpoint_result_internal_error_reply(res, &internal));
            check_internal_reply(&internal, v3);
            check_request_internal_reply(&c, v3);
            if (gi == 0 && wechatpay_endpoint_result_kind(res, &kind)) {
              struct wechatpay_str label;
              if (STR_EQ(kind, "v2_payment") && wechatpay_endpoint_result_label(res, &label) &&
                  STR_EQ(label, "shop-a"))
                keep_case(&fx->v2_payment, test);
              else if (STR_EQ(kind, "v2_refund")) keep_case(&fx->v2_refund, test);
              else if (STR_EQ(kind, "v3")) keep_case(&fx->v3, test);
            }
            wechatpay_endpoint_result_free(res);
          }
        } else {
          const char *code = expected_code ? expected_code : "?";
          bool forged = err != NULL && strcmp(code, "signature_mismatch") == 0 && c.headers_len == 0;
          const json_t *version = json_object_get(json_object_get(test, "expected"), "version");
          if (gi == 0 && forged) keep_case(&fx->forged, test);
          /* A request refused as APIv3 gets the APIv3 internal reply; v2 and undecided the v2 one. */
          check_request_internal_reply(&c, json_is_string(version) &&
                                               strcmp(json_string_value(version), "v3") == 0);
          check_rejection(err, code, json_object_get(test, "expected"));
          CHECK(res == (struct wechatpay_endpoint_result *)&ran); /* untouched on failure */
        }
      }
      request_case_end(&c);
    }
    wechatpay_endpoint_free(endpoint);
  }
  check_total(root, file, ran);
}

/* Group 0's endpoint, built again for the tests below. */
static struct wechatpay_endpoint *fixture_endpoint(const struct ep_fixture *fx) {
  char code[64] = "", why[160] = "";
  struct wechatpay_endpoint *e = build_endpoint(fx->profiles, code, sizeof code, why, sizeof why);
  CHECK(e != NULL);
  return e;
}

static struct wechatpay_verifier *v2_verifier(const char *key, const char *sign_type,
                                              const char *mch_id) {
  struct wechatpay_verifier_builder *b = NULL;
  struct wechatpay_verifier *v = NULL;
  CHECK_OK(wechatpay_verifier_builder_new(key, strlen(key), sign_type, strlen(sign_type), &b));
  if (mch_id != NULL) CHECK_OK(wechatpay_verifier_builder_expect_mch_id(b, mch_id, strlen(mch_id)));
  CHECK_OK(wechatpay_verifier_builder_build(b, &v));
  wechatpay_verifier_builder_free(b);
  return v;
}

static int sentinel;

static void builder_misuse(void) {
  struct wechatpay_endpoint_builder *b = NULL;
  struct wechatpay_endpoint_builder *nb = (struct wechatpay_endpoint_builder *)&sentinel;
  struct wechatpay_endpoint *e = (struct wechatpay_endpoint *)&sentinel;
  struct wechatpay_endpoint *e1 = NULL, *e2 = NULL;
  struct wechatpay_verifier *with_mch = v2_verifier(TEST_KEY, "MD5", "10000100");
  struct wechatpay_verifier *without_mch = v2_verifier(TEST_KEY, "MD5", NULL);
  struct wechatpay_str label;
  union {
    void *pointers[4];
    uint64_t words[4];
  } storage;
  memset(&storage, 0xab, sizeof storage);

  begin_case("endpoint misuse: NULL builder, output, label; misaligned verifiers (invalid_argument)");
  CHECK(with_mch != NULL && without_mch != NULL);
  CHECK_ERROR(wechatpay_endpoint_builder_new(NULL), "invalid_argument");
  CHECK_OK(wechatpay_endpoint_builder_new(&b));
  CHECK_ERROR(wechatpay_endpoint_builder_add_profile(NULL, LIT("a"), with_mch, NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_endpoint_builder_add_profile(b, NULL, 1, with_mch, NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_endpoint_builder_add_profile(
                  b, LIT("a"), MISALIGNED(const struct wechatpay_verifier *, storage.pointers), NULL),
              "invalid_argument");
  CHECK_ERROR(wechatpay_endpoint_builder_add_profile(
                  b, LIT("a"), NULL, MISALIGNED(const struct wechatpay_v3_verifier *, storage.pointers)),
              "invalid_argument");
  CHECK_ERROR(wechatpay_endpoint_builder_add_profile(
                  MISALIGNED(struct wechatpay_endpoint_builder *, storage.pointers), LIT("a"), with_mch, NULL),
              "invalid_argument");
  CHECK_ERROR(wechatpay_endpoint_builder_build(NULL, &e), "invalid_argument");
  CHECK_ERROR(wechatpay_endpoint_builder_build(b, NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_endpoint_builder_build(b, MISALIGNED(struct wechatpay_endpoint **, storage.pointers)),
              "invalid_argument");
  CHECK(nb == (struct wechatpay_endpoint_builder *)&sentinel && e == (struct wechatpay_endpoint *)&sentinel);
  end_case();

  begin_case("endpoint: values the core refuses are invalid_config; a refused profile leaves the builder as it was");
  /* Nothing was added by the misuse above: no profile. */
  CHECK_ERROR(wechatpay_endpoint_builder_build(b, &e), "invalid_config");
  /* A label that is not UTF-8 (a configuration value). */
  CHECK_ERROR(wechatpay_endpoint_builder_add_profile(b, LIT("shop-\xff"), with_mch, NULL), "invalid_config");
  /* A v2 verifier that does not expect an mch_id cannot route v2 notifications. */
  CHECK_ERROR(wechatpay_endpoint_builder_add_profile(b, LIT("a"), without_mch, NULL), "invalid_config");
  CHECK_ERROR(wechatpay_endpoint_builder_build(b, &e), "invalid_config");
  CHECK(e == (struct wechatpay_endpoint *)&sentinel);
  CHECK_OK(wechatpay_endpoint_builder_add_profile(b, LIT("a"), with_mch, NULL));
  /* The builder keeps its own copy: the caller's verifier may go now. */
  wechatpay_verifier_free(with_mch);
  with_mch = NULL;
  CHECK_OK(wechatpay_endpoint_builder_build(b, &e1));
  /* Neither part: refused when the endpoint is built, and the earlier build is unaffected. */
  CHECK_OK(wechatpay_endpoint_builder_add_profile(b, LIT("empty"), NULL, NULL));
  CHECK_ERROR(wechatpay_endpoint_builder_build(b, &e2), "invalid_config");
  CHECK(e2 == NULL);
  wechatpay_endpoint_builder_free(b);
  b = NULL;
  /* The endpoint outlives its builder. */
  CHECK(wechatpay_endpoint_profile_count(e1) == 1);
  CHECK(wechatpay_endpoint_label(e1, 0, &label) && STR_EQ(label, "a"));
  CHECK(!wechatpay_endpoint_label(e1, 1, &label));
  end_case();

  begin_case("endpoint: a builder may build more than once; each endpoint is independent");
  CHECK_OK(wechatpay_endpoint_builder_new(&b));
  with_mch = v2_verifier(TEST_KEY, "MD5", "10000100");
  CHECK_OK(wechatpay_endpoint_builder_add_profile(b, LIT("a"), with_mch, NULL));
  CHECK_OK(wechatpay_endpoint_builder_build(b, &e2));
  CHECK(e2 != NULL && e2 != e1);
  /* The same mch_id twice. */
  CHECK_OK(wechatpay_endpoint_builder_add_profile(b, LIT("b"), with_mch, NULL));
  e = (struct wechatpay_endpoint *)&sentinel;
  CHECK_ERROR(wechatpay_endpoint_builder_build(b, &e), "invalid_config");
  CHECK(e == (struct wechatpay_endpoint *)&sentinel);
  wechatpay_endpoint_builder_free(b);
  wechatpay_endpoint_free(e2);
  {
    /* The endpoint that survived its builder and its source verifier still verifies. */
    char *body = make_payment_body("MD5", "4200000077", "100");
    struct wechatpay_endpoint_result *res = NULL;
    CHECK(body != NULL);
    if (body != NULL) {
      CHECK_OK(wechatpay_endpoint_handle(e1, NULL, 0, (const uint8_t *)body, strlen(body), 0, &res));
      CHECK(res != NULL && wechatpay_endpoint_result_label(res, &label) && STR_EQ(label, "a"));
      wechatpay_endpoint_result_free(res);
    }
    free(body);
  }
  end_case();

  begin_case("endpoint: NULL-safe frees and getters on NULL");
  wechatpay_endpoint_builder_free(NULL);
  wechatpay_endpoint_free(NULL);
  wechatpay_endpoint_result_free(NULL);
  CHECK(wechatpay_endpoint_profile_count(NULL) == 0);
  CHECK(!wechatpay_endpoint_label(NULL, 0, &label));
  CHECK(!wechatpay_endpoint_label(e1, 0, NULL));
  end_case();

  wechatpay_endpoint_free(e1);
  wechatpay_verifier_free(with_mch);
  wechatpay_verifier_free(without_mch);
}

static void handle_misuse(const struct ep_fixture *fx) {
  struct wechatpay_endpoint *e = fixture_endpoint(fx);
  const struct ep_case *pay = &fx->v2_payment;
  const struct ep_case *v3 = &fx->v3;
  struct wechatpay_endpoint_result *res = (struct wechatpay_endpoint_result *)&sentinel;
  struct wechatpay_error *err;
  struct wechatpay_http_reply reply;
  struct wechatpay_str s;
  uint16_t untouched = 7;

  begin_case("endpoint misuse: NULL endpoint, output, body, headers are invalid_argument with no reply");
  CHECK(e != NULL && pay->body != NULL && v3->body != NULL);
  if (e != NULL && pay->body != NULL && v3->body != NULL) {
    err = wechatpay_endpoint_handle(NULL, NULL, 0, pay->body, pay->body_len, pay->now, &res);
    reply.status = untouched;
    /* Misuse found before the request was looked at: not an endpoint's decision. */
    CHECK(err != NULL && !wechatpay_error_endpoint_reply(err, &reply) && reply.status == untouched);
    CHECK(wechatpay_error_endpoint_version(err) == WECHATPAY_API_VERSION_NONE);
    CHECK(!wechatpay_error_endpoint_label(err, &s));
    CHECK_ERROR(err, "invalid_argument");
    CHECK_ERROR(wechatpay_endpoint_handle(e, NULL, 0, pay->body, pay->body_len, pay->now, NULL),
                "invalid_argument");
    CHECK_ERROR(wechatpay_endpoint_handle(e, NULL, 0, NULL, 3, pay->now, &res), "invalid_argument");
    CHECK_ERROR(wechatpay_endpoint_handle(e, NULL, 2, pay->body, pay->body_len, pay->now, &res),
                "invalid_argument");
    CHECK_ERROR(wechatpay_endpoint_handle(MISALIGNED(const struct wechatpay_endpoint *, e), NULL, 0,
                                          pay->body, pay->body_len, pay->now, &res),
                "invalid_argument");
    CHECK(res == (struct wechatpay_endpoint_result *)&sentinel);
  }
  end_case();

  begin_case("endpoint misuse: a header that is not UTF-8 is invalid_argument with no reply");
  if (e != NULL && v3->body != NULL) {
    struct wechatpay_field *h = calloc(v3->headers_len + 1, sizeof *h);
    CHECK(h != NULL);
    if (h != NULL) {
      memcpy(h, v3->headers, v3->headers_len * sizeof *h);
      h[v3->headers_len].name.data = "X-Latin1";
      h[v3->headers_len].name.len = 8;
      h[v3->headers_len].value.data = "caf\xe9";
      h[v3->headers_len].value.len = 4;
      err = wechatpay_endpoint_handle(e, h, v3->headers_len + 1, v3->body, v3->body_len, v3->now, &res);
      CHECK(err != NULL && !wechatpay_error_endpoint_reply(err, &reply));
      CHECK_ERROR(err, "invalid_argument");
      /* The same request without that header verifies. */
      CHECK_OK(wechatpay_endpoint_handle(e, h, v3->headers_len, v3->body, v3->body_len, v3->now, &res));
      wechatpay_endpoint_result_free(res);
      res = (struct wechatpay_endpoint_result *)&sentinel;
      free(h);
    }
  }
  end_case();

  begin_case("endpoint: a Wechatpay-Signature header given twice is the core's invalid_argument, with the v3 reply and no merchant");
  if (e != NULL && v3->body != NULL) {
    struct wechatpay_field *h = calloc(v3->headers_len + 1, sizeof *h);
    size_t i;
    CHECK(h != NULL);
    if (h != NULL) {
      memcpy(h, v3->headers, v3->headers_len * sizeof *h);
      for (i = 0; i < v3->headers_len; i++) {
        if (STR_EQ(h[i].name, "Wechatpay-Signature")) h[v3->headers_len] = h[i];
      }
      h[v3->headers_len].name.data = "wechatpay-signature";
      err = wechatpay_endpoint_handle(e, h, v3->headers_len + 1, v3->body, v3->body_len, v3->now, &res);
      CHECK(err != NULL && wechatpay_error_endpoint_reply(err, &reply));
      CHECK(reply.status == 400 && reply.content_type != NULL &&
            strcmp(reply.content_type, "application/json") == 0 &&
            STR_EQ(reply.body, "{\"code\":\"FAIL\",\"message\":\"rejected\"}"));
      CHECK(wechatpay_error_endpoint_version(err) == WECHATPAY_API_VERSION_V3);
      /* The headers are read once, before routing: no merchant was chosen. */
      CHECK(!wechatpay_error_endpoint_label(err, &s));
      CHECK_ERROR(err, "invalid_argument");
      CHECK(res == (struct wechatpay_endpoint_result *)&sentinel);
      free(h);
    }
  }
  end_case();

  begin_case("endpoint: an APIv3 body over its merchant's max_body_bytes is body_too_large (400) before anything is verified");
  if (e != NULL && v3->body != NULL) {
    /* The genuine request followed by spaces up to one byte over the default 65536. */
    size_t big_len = 65537;
    unsigned char *big = malloc(big_len);
    CHECK(big != NULL && v3->body_len < big_len);
    if (big != NULL && v3->body_len < big_len) {
      memcpy(big, v3->body, v3->body_len);
      memset(big + v3->body_len, ' ', big_len - v3->body_len);
      err = wechatpay_endpoint_handle(e, v3->headers, v3->headers_len, big, big_len, v3->now, &res);
      CHECK(err != NULL && wechatpay_error_endpoint_reply(err, &reply) && reply.status == 400);
      CHECK(wechatpay_error_endpoint_version(err) == WECHATPAY_API_VERSION_V3);
      CHECK_ERROR(err, "body_too_large");
      CHECK(res == (struct wechatpay_endpoint_result *)&sentinel);
      /* At the limit exactly it is read (and its signature, over other bytes, does not verify). */
      err = wechatpay_endpoint_handle(e, v3->headers, v3->headers_len, big, big_len - 1, v3->now, &res);
      CHECK_ERROR(err, "signature_mismatch");
    }
    free(big);
  }
  end_case();

  begin_case("endpoint: an empty request (NULL body, length 0, no headers) is undecidable: 400 with the v2 FAIL");
  if (e != NULL) {
    err = wechatpay_endpoint_handle(e, NULL, 0, NULL, 0, 0, &res);
    CHECK(err != NULL && wechatpay_error_endpoint_reply(err, &reply) && reply.status == 400);
    /* The one constant refusal, never the code. */
    CHECK(err != NULL && str_eq(reply.body, wechatpay_reply_refusal(), strlen(wechatpay_reply_refusal())));
    CHECK(wechatpay_error_endpoint_version(err) == WECHATPAY_API_VERSION_NONE);
    CHECK(!wechatpay_error_endpoint_label(err, &s));
    CHECK_ERROR(err, "malformed_xml");
  }
  end_case();

  begin_case("endpoint: result getters on NULL or with NULL outputs, error getters on other errors");
  reply.status = untouched;
  s.data = NULL;
  s.len = 99;
  CHECK(!wechatpay_endpoint_result_label(NULL, &s));
  CHECK(!wechatpay_endpoint_result_kind(NULL, &s));
  CHECK(!wechatpay_endpoint_result_dedupe_key(NULL, &s));
  CHECK(!wechatpay_endpoint_result_reply(NULL, &reply));
  CHECK(!wechatpay_endpoint_result_is_success(NULL));
  CHECK(wechatpay_endpoint_result_version(NULL) == WECHATPAY_API_VERSION_NONE);
  CHECK(wechatpay_endpoint_result_payment(NULL) == NULL);
  CHECK(wechatpay_endpoint_result_refund(NULL) == NULL);
  CHECK(wechatpay_endpoint_result_v3(NULL) == NULL);
  CHECK(!wechatpay_error_endpoint_reply(NULL, &reply));
  CHECK(!wechatpay_error_endpoint_label(NULL, &s));
  CHECK(wechatpay_error_endpoint_version(NULL) == WECHATPAY_API_VERSION_NONE);
  CHECK(s.len == 99 && reply.status == untouched);
  {
    /* An error from another function carries no endpoint decision. */
    struct wechatpay_verifier *v = NULL;
    err = wechatpay_verifier_new(LIT("short"), LIT("MD5"), &v);
    CHECK(err != NULL && !wechatpay_error_endpoint_reply(err, &reply) && reply.status == untouched);
    CHECK(!wechatpay_error_endpoint_label(err, &s) && s.len == 99);
    CHECK(wechatpay_error_endpoint_version(err) == WECHATPAY_API_VERSION_NONE);
    CHECK_ERROR(err, "invalid_config");
  }
  if (e != NULL && pay->body != NULL) {
    res = NULL;
    CHECK_OK(wechatpay_endpoint_handle(e, NULL, 0, pay->body, pay->body_len, pay->now, &res));
    CHECK(!wechatpay_endpoint_result_label(res, NULL));
    CHECK(!wechatpay_endpoint_result_reply(res, NULL));
    CHECK(!wechatpay_endpoint_result_label(res, MISALIGNED(struct wechatpay_str *, &sentinel)));
    wechatpay_endpoint_result_free(res);
  }
  end_case();

  begin_case("endpoint: borrowed notifications are read with the existing getters (v2 payment, v3 transaction)");
  if (e != NULL && pay->body != NULL && v3->body != NULL) {
    const struct wechatpay_payment *p;
    const struct wechatpay_v3_notification *n;
    uint64_t amount = 0;
    bool present = false;
    res = NULL;
    CHECK_OK(wechatpay_endpoint_handle(e, NULL, 0, pay->body, pay->body_len, pay->now, &res));
    p = wechatpay_endpoint_result_payment(res);
    CHECK(p != NULL);
    CHECK_OK(wechatpay_payment_amount(p, LIT("total_fee"), &amount, &present));
    CHECK(present && amount > 0);
    CHECK_OK(wechatpay_payment_text(p, LIT("mch_id"), &s, &present));
    CHECK(present && STR_EQ(s, "10000100"));
    wechatpay_endpoint_result_free(res);
    res = NULL;
    CHECK_OK(wechatpay_endpoint_handle(e, v3->headers, v3->headers_len, v3->body, v3->body_len, v3->now, &res));
    n = wechatpay_endpoint_result_v3(res);
    CHECK(n != NULL && wechatpay_v3_notification_plaintext(n, &s) && s.len > 0);
    if (n != NULL && wechatpay_v3_notification_has_transaction(n)) {
      CHECK_OK(wechatpay_v3_transaction_amount(n, LIT("amount_total"), &amount, &present));
      CHECK(present);
    }
    wechatpay_endpoint_result_free(res);
  }
  end_case();

  wechatpay_endpoint_free(e);
}

/* The JSON profile of group 0 labelled `label` (NULL when there is none). */
static const json_t *fixture_profile(const struct ep_fixture *fx, const char *label) {
  const json_t *profile;
  size_t i;
  if (label == NULL) return NULL;
  json_array_foreach(fx->profiles, i, profile) {
    const char *l = json_string_value(json_object_get(profile, "label"));
    if (l != NULL && strcmp(l, label) == 0) return profile;
  }
  return NULL;
}

/* Builds a one-profile endpoint (`mch_id` NULL: add_profile, else add_profile_with_mch_id) and
 * handles `c` with it; returns NULL when it verified, else the error code (static). `build_code`
 * gets the build's code when the endpoint was refused ("" otherwise). */
static const char *one_profile(const char *mch_id, const struct wechatpay_verifier *v2,
                               const struct wechatpay_v3_verifier *v3, const struct ep_case *c,
                               char *build_code, size_t cap) {
  static char code[64];
  struct wechatpay_endpoint_builder *b = NULL;
  struct wechatpay_endpoint *e = NULL;
  struct wechatpay_endpoint_result *res = NULL;
  struct wechatpay_error *err;
  build_code[0] = '\0';
  CHECK_OK(wechatpay_endpoint_builder_new(&b));
  err = mch_id == NULL ? wechatpay_endpoint_builder_add_profile(b, LIT("only"), v2, v3)
                       : wechatpay_endpoint_builder_add_profile_with_mch_id(b, LIT("only"), mch_id,
                                                                            strlen(mch_id), v2, v3);
  if (err == NULL) err = wechatpay_endpoint_builder_build(b, &e);
  wechatpay_endpoint_builder_free(b);
  if (err != NULL) {
    snprintf(build_code, cap, "%s", wechatpay_error_code(err));
    wechatpay_error_free(err);
    return "refused";
  }
  err = wechatpay_endpoint_handle(e, c->headers, c->headers_len, c->body, c->body_len, c->now, &res);
  wechatpay_endpoint_free(e);
  if (err == NULL) {
    struct wechatpay_str label;
    CHECK(wechatpay_endpoint_result_label(res, &label) && STR_EQ(label, "only"));
    wechatpay_endpoint_result_free(res);
    return NULL;
  }
  snprintf(code, sizeof code, "%s", wechatpay_error_code(err));
  {
    /* A decided refusal: the merchant's label and the one constant reply body. */
    struct wechatpay_http_reply reply;
    struct wechatpay_str label;
    CHECK(wechatpay_error_endpoint_reply(err, &reply));
    CHECK(strstr(reply.body.data, code) == NULL && strstr(reply.body.data, "rejected") != NULL);
    if (strcmp(code, "merchant_mismatch") == 0 && c->headers_len > 0)
      CHECK(wechatpay_error_endpoint_label(err, &label) && STR_EQ(label, "only"));
  }
  wechatpay_error_free(err);
  return code;
}

/* SPEC §2: a profile's merchant id binds both versions; two v2 parts with one API key are refused. */
static void merchant_ids(const struct ep_fixture *fx) {
  struct wechatpay_verifier *with_mch = v2_verifier(TEST_KEY, "MD5", "10000100");
  struct wechatpay_verifier *without_mch = v2_verifier(TEST_KEY, "MD5", NULL);
  struct wechatpay_verifier *other_mch = v2_verifier(TEST_KEY, "MD5", "10000200");
  struct wechatpay_verifier *other_key = v2_verifier("0123456789abcdef0123456789abcdef", "MD5", "10000200");
  char *body = make_payment_body("MD5", "4200000088", "100"); /* mch_id 10000100 */
  struct ep_case pay;
  char build[64];
  const char *code;
  memset(&pay, 0, sizeof pay);
  pay.body = (unsigned char *)body;
  pay.body_len = body != NULL ? strlen(body) : 0;

  begin_case("endpoint profile mch_id: it routes v2 for a verifier that expects none; it must agree with one that does");
  CHECK(body != NULL && with_mch != NULL && without_mch != NULL && other_mch != NULL && other_key != NULL);
  if (body != NULL) {
    CHECK(one_profile("10000100", without_mch, NULL, &pay, build, sizeof build) == NULL);
    CHECK(one_profile("10000100", with_mch, NULL, &pay, build, sizeof build) == NULL);
    /* Without a merchant id anywhere, the v2 part cannot be routed. */
    code = one_profile(NULL, without_mch, NULL, &pay, build, sizeof build);
    CHECK(code != NULL && strcmp(build, "invalid_config") == 0);
    /* Two different ids for one merchant. */
    code = one_profile("10000100", other_mch, NULL, &pay, build, sizeof build);
    CHECK(code != NULL && strcmp(build, "invalid_config") == 0);
    code = one_profile("", with_mch, NULL, &pay, build, sizeof build);
    CHECK(code != NULL && strcmp(build, "invalid_config") == 0);
    /* A payment of another merchant id routes nowhere. */
    code = one_profile("10000200", other_key, NULL, &pay, build, sizeof build);
    CHECK(code != NULL && strcmp(code, "merchant_mismatch") == 0 && build[0] == '\0');
  }
  end_case();

  begin_case("endpoint profile mch_id: misuse is invalid_argument, an id that is not UTF-8 invalid_config");
  {
    struct wechatpay_endpoint_builder *b = NULL;
    CHECK_ERROR(wechatpay_endpoint_builder_add_profile_with_mch_id(NULL, LIT("a"), LIT("1"), with_mch, NULL),
                "invalid_argument");
    CHECK_OK(wechatpay_endpoint_builder_new(&b));
    CHECK_ERROR(wechatpay_endpoint_builder_add_profile_with_mch_id(b, LIT("a"), NULL, 2, with_mch, NULL),
                "invalid_argument");
    CHECK_ERROR(wechatpay_endpoint_builder_add_profile_with_mch_id(b, NULL, 1, LIT("1"), with_mch, NULL),
                "invalid_argument");
    CHECK_ERROR(wechatpay_endpoint_builder_add_profile_with_mch_id(b, LIT("a"), LIT("10\xff"), with_mch, NULL),
                "invalid_config");
    /* Nothing was added. */
    CHECK_ERROR(wechatpay_endpoint_builder_build(b, NULL), "invalid_argument");
    {
      struct wechatpay_endpoint *e = NULL;
      CHECK_ERROR(wechatpay_endpoint_builder_build(b, &e), "invalid_config");
      CHECK(e == NULL);
    }
    wechatpay_endpoint_builder_free(b);
  }
  end_case();

  begin_case("endpoint: two v2 parts with the same API key are invalid_config, whatever their mch_ids");
  {
    struct wechatpay_endpoint_builder *b = NULL;
    struct wechatpay_endpoint *e = NULL;
    CHECK_OK(wechatpay_endpoint_builder_new(&b));
    CHECK_OK(wechatpay_endpoint_builder_add_profile(b, LIT("a"), with_mch, NULL));
    CHECK_OK(wechatpay_endpoint_builder_add_profile(b, LIT("b"), other_mch, NULL));
    CHECK_ERROR(wechatpay_endpoint_builder_build(b, &e), "invalid_config");
    CHECK(e == NULL);
    wechatpay_endpoint_builder_free(b);
    b = NULL;
    /* Different keys, different ids: fine. */
    CHECK_OK(wechatpay_endpoint_builder_new(&b));
    CHECK_OK(wechatpay_endpoint_builder_add_profile(b, LIT("a"), with_mch, NULL));
    CHECK_OK(wechatpay_endpoint_builder_add_profile_with_mch_id(b, LIT("b"), LIT("10000200"), other_key, NULL));
    CHECK_OK(wechatpay_endpoint_builder_build(b, &e));
    CHECK(wechatpay_endpoint_profile_count(e) == 2);
    wechatpay_endpoint_free(e);
    wechatpay_endpoint_builder_free(b);
  }
  end_case();

  begin_case("endpoint profile mch_id: an APIv3 resource must name the profile's merchant (mchid or sp_mchid)");
  {
    const json_t *profile = fixture_profile(fx, fx->v3.label);
    const json_t *v3_config = json_object_get(profile, "v3");
    char cbuild[64] = "", why[160] = "", mchid[64] = "";
    struct wechatpay_v3_verifier *v3 = v3_config != NULL ? v3_group_verifier(v3_config, cbuild, sizeof cbuild, why, sizeof why) : NULL;
    CHECK(v3 != NULL && fx->v3.body != NULL);
    if (v3 != NULL && fx->v3.body != NULL) {
      /* The kept notification's merchant, as its resource names it. */
      struct wechatpay_v3_notification *n = NULL;
      CHECK_OK(wechatpay_v3_verifier_verify(v3, fx->v3.headers, fx->v3.headers_len, fx->v3.body, fx->v3.body_len,
                                            fx->v3.now, &n));
      if (n != NULL) {
        struct wechatpay_str s;
        bool present = false;
        struct wechatpay_error *err = wechatpay_v3_notification_has_transaction(n)
                                          ? wechatpay_v3_transaction_text(n, LIT("mchid"), &s, &present)
                                          : wechatpay_v3_refund_text(n, LIT("mchid"), &s, &present);
        CHECK_OK(err);
        if (err == NULL && present) snprintf(mchid, sizeof mchid, "%.*s", (int)s.len, s.data);
        wechatpay_v3_notification_free(n);
      }
      CHECK(mchid[0] != '\0' && strcmp(mchid, "1900000999") != 0);
      /* The profile's id: that merchant only. */
      CHECK(one_profile(mchid, NULL, v3, &fx->v3, build, sizeof build) == NULL);
      code = one_profile("1900000999", NULL, v3, &fx->v3, build, sizeof build);
      CHECK(code != NULL && strcmp(code, "merchant_mismatch") == 0);
      {
        /* A v3 verifier that names its own ids (a service provider) keeps them. */
        struct wechatpay_v3_verifier_builder *b = NULL;
        struct wechatpay_v3_verifier *own = NULL;
        const json_t *keys = json_object_get(v3_config, "platformKeys");
        struct wechatpay_str key = jstr(json_object_get(v3_config, "apiV3Key"));
        size_t i;
        CHECK_OK(wechatpay_v3_verifier_builder_new(key.data, key.len, &b));
        for (i = 0; i < json_array_size(keys); i++) {
          struct wechatpay_str id = jstr(json_array_get(json_array_get(keys, i), 0));
          struct wechatpay_str pem = jstr(json_array_get(json_array_get(keys, i), 1));
          CHECK_OK(wechatpay_v3_verifier_builder_add_trusted_key(b, id.data, id.len, pem.data, pem.len));
        }
        CHECK_OK(wechatpay_v3_verifier_builder_expect_mch_id(b, mchid, strlen(mchid)));
        CHECK_OK(wechatpay_v3_verifier_builder_build(b, &own));
        wechatpay_v3_verifier_builder_free(b);
        CHECK(one_profile("1900000999", NULL, own, &fx->v3, build, sizeof build) == NULL);
        wechatpay_v3_verifier_free(own);
      }
    }
    end_case();

    begin_case("endpoint: an APIv3-only profile without any merchant id serves every merchant (its v3 part is kept)");
    if (v3 != NULL && fx->v3.body != NULL) {
      code = one_profile(NULL, NULL, v3, &fx->v3, build, sizeof build);
      if (code != NULL) {
        char msg[160];
        snprintf(msg, sizeof msg, "refused with %s (build: %s)", code, build);
        check_failed(__FILE__, __LINE__, msg);
      }
    }
    wechatpay_v3_verifier_free(v3);
  }
  end_case();

  free(body);
  wechatpay_verifier_free(with_mch);
  wechatpay_verifier_free(without_mch);
  wechatpay_verifier_free(other_mch);
  wechatpay_verifier_free(other_key);
}

#define EP_THREADS 8
#define EP_ROUNDS 10

struct ep_job {
  const struct wechatpay_endpoint *endpoint;
  const struct ep_fixture *fx;
  int failures;
};

/* Handles one request; counts a failure unless it is accepted for its merchant (want_code NULL)
 * or refused with `want_code` (and its merchant). */
static void handle_one(struct ep_job *job, const struct ep_case *c, const char *want_code) {
  struct wechatpay_endpoint_result *res = NULL;
  struct wechatpay_error *err =
      wechatpay_endpoint_handle(job->endpoint, c->headers, c->headers_len, c->body, c->body_len, c->now, &res);
  struct wechatpay_str got;
  struct wechatpay_http_reply reply;
  if (c->label == NULL) {
    job->failures++;
  } else if (want_code == NULL) {
    if (err != NULL || !wechatpay_endpoint_result_label(res, &got) ||
        !str_eq(got, c->label, strlen(c->label)) || !wechatpay_endpoint_result_reply(res, &reply))
      job->failures++;
  } else if (err == NULL || strcmp(wechatpay_error_code(err), want_code) != 0 ||
             !wechatpay_error_endpoint_reply(err, &reply) || res != NULL ||
             !wechatpay_error_endpoint_label(err, &got) || !str_eq(got, c->label, strlen(c->label))) {
    job->failures++;
  }
  wechatpay_error_free(err);
  wechatpay_endpoint_result_free(res);
}

static void *ep_worker(void *arg) {
  struct ep_job *job = arg;
  int i;
  for (i = 0; i < EP_ROUNDS; i++) {
    handle_one(job, &job->fx->v2_payment, NULL);
    handle_one(job, &job->fx->v3, NULL);
    handle_one(job, &job->fx->v2_refund, NULL);
    handle_one(job, &job->fx->forged, "signature_mismatch");
  }
  return NULL;
}

static void ep_threads(const struct ep_fixture *fx) {
  struct wechatpay_endpoint *e = fixture_endpoint(fx);
  struct ep_job jobs[EP_THREADS];
  pthread_t threads[EP_THREADS];
  int i, started = 0;
  begin_case("endpoint threads: %d threads x %d rounds share one endpoint (v2 payment, v2 refund, v3, forgery)",
             EP_THREADS, EP_ROUNDS);
  CHECK(e != NULL && fx->v2_payment.body != NULL && fx->v3.body != NULL && fx->v2_refund.body != NULL &&
        fx->forged.body != NULL);
  if (e != NULL && fx->v2_payment.body != NULL && fx->v3.body != NULL && fx->v2_refund.body != NULL &&
      fx->forged.body != NULL) {
    for (i = 0; i < EP_THREADS; i++) {
      jobs[i].endpoint = e;
      jobs[i].fx = fx;
      jobs[i].failures = 0;
      if (pthread_create(&threads[i], NULL, ep_worker, &jobs[i]) == 0) started++;
    }
    CHECK(started == EP_THREADS);
    for (i = 0; i < started; i++) {
      pthread_join(threads[i], NULL);
      CHECK(jobs[i].failures == 0);
    }
  }
  wechatpay_endpoint_free(e);
  end_case();
}

/* ---- the profiles file (the core's loader) ---- */

/* The files written for one profiles file, removed afterwards. */
struct temp_files {
  char dir[256];
  char names[32][48];
  size_t n;
};

/* Writes DIR/NAME (`len` bytes) with `mode`. */
static bool write_file(struct temp_files *t, const char *name, const char *data, size_t len, mode_t mode) {
  char path[512];
  FILE *f;
  bool ok;
  if (t->n == sizeof t->names / sizeof t->names[0]) return false;
  snprintf(path, sizeof path, "%s/%s", t->dir, name);
  f = fopen(path, "wb");
  if (f == NULL) return false;
  ok = fwrite(data, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  snprintf(t->names[t->n++], sizeof t->names[0], "%s", name);
  return ok && chmod(path, mode) == 0;
}

static void remove_files(struct temp_files *t) {
  size_t i;
  for (i = 0; i < t->n; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", t->dir, t->names[i]);
    unlink(path);
  }
  rmdir(t->dir);
}

/* Sets `key` of `obj` to a copy of `value` when it is a string / a non-empty array / an integer. */
static void copy_if(json_t *obj, const char *key, const json_t *value) {
  if (json_is_string(value) || json_is_integer(value) ||
      (json_is_array(value) && json_array_size(value) > 0)) {
    json_object_set_new(obj, key, json_deep_copy(value));
  }
}

/* The vectors' profiles (`config.profiles`) as a profiles file, `profiles.json` in t->dir: every
 * key in a file of its own with mode 0600 (never in the profiles file), every PEM in a file. */
static bool write_profiles_file(struct temp_files *t, const json_t *profiles) {
  json_t *doc = json_object(), *list = json_array();
  const json_t *profile;
  size_t i;
  bool ok = true;
  char *text;
  json_object_set_new(doc, "profiles", list);
  json_array_foreach(profiles, i, profile) {
    const json_t *v2 = json_object_get(profile, "v2"), *v3 = json_object_get(profile, "v3");
    json_t *out = json_object();
    char name[48];
    json_object_set_new(out, "label", json_deep_copy(json_object_get(profile, "label")));
    copy_if(out, "mch_id", json_object_get(profile, "mchId"));
    if (json_is_object(v2)) {
      json_t *part = json_object();
      const json_t *key = json_object_get(v2, "apiKey");
      snprintf(name, sizeof name, "p%zu-v2.key", i);
      ok = ok && json_is_string(key) && write_file(t, name, json_string_value(key), json_string_length(key), 0600);
      json_object_set_new(part, "api_key_file", json_string(name));
      copy_if(part, "sign_type", json_object_get(v2, "signType"));
      copy_if(part, "mch_id", json_object_get(v2, "mchId"));
      copy_if(part, "appid", json_object_get(v2, "appid"));
      copy_if(part, "also_accept", json_object_get(v2, "alsoAccept"));
      copy_if(part, "max_body_bytes", json_object_get(v2, "maxBodyBytes"));
      json_object_set_new(out, "v2", part);
    }
    if (json_is_object(v3)) {
      json_t *part = json_object(), *keys = json_object();
      const json_t *key = json_object_get(v3, "apiV3Key"), *pair;
      size_t k;
      snprintf(name, sizeof name, "p%zu-v3.key", i);
      ok = ok && json_is_string(key) && write_file(t, name, json_string_value(key), json_string_length(key), 0600);
      json_object_set_new(part, "api_v3_key_file", json_string(name));
      json_array_foreach(json_object_get(v3, "platformKeys"), k, pair) {
        const json_t *pem = json_array_get(pair, 1);
        snprintf(name, sizeof name, "p%zu-k%zu.pem", i, k);
        ok = ok && json_is_string(pem) && write_file(t, name, json_string_value(pem), json_string_length(pem), 0644);
        json_object_set_new(keys, json_string_value(json_array_get(pair, 0)), json_string(name));
      }
      json_object_set_new(part, "platform_keys", keys);
      copy_if(part, "mch_ids", json_object_get(v3, "mchIds"));
      copy_if(part, "max_clock_skew", json_object_get(v3, "maxClockSkew"));
      copy_if(part, "max_body_bytes", json_object_get(v3, "maxBodyBytes"));
      json_object_set_new(out, "v3", part);
    }
    json_array_append_new(list, out);
  }
  text = json_dumps(doc, JSON_INDENT(1));
  ok = ok && text != NULL && write_file(t, "profiles.json", text, strlen(text), 0600);
  free(text);
  json_decref(doc);
  return ok;
}

/* One request through two endpoints: the same verdict, code, label, kind and dedupe key. */
static void same_outcome(const struct wechatpay_endpoint *a, const struct wechatpay_endpoint *b,
                         const struct ep_case *c) {
  struct wechatpay_endpoint_result *ra = NULL, *rb = NULL;
  struct wechatpay_error *ea, *eb;
  if (c->body == NULL) return;
  ea = wechatpay_endpoint_handle(a, c->headers, c->headers_len, c->body, c->body_len, c->now, &ra);
  eb = wechatpay_endpoint_handle(b, c->headers, c->headers_len, c->body, c->body_len, c->now, &rb);
  CHECK((ea == NULL) == (eb == NULL));
  if (ea != NULL && eb != NULL) {
    CHECK(strcmp(wechatpay_error_code(ea), wechatpay_error_code(eb)) == 0);
  } else if (ra != NULL && rb != NULL) {
    struct wechatpay_str la, lb, ka, kb, da = {NULL, 0}, db = {NULL, 0};
    CHECK(wechatpay_endpoint_result_label(ra, &la) && wechatpay_endpoint_result_label(rb, &lb) &&
          str_eq(la, lb.data, lb.len));
    CHECK(wechatpay_endpoint_result_kind(ra, &ka) && wechatpay_endpoint_result_kind(rb, &kb) &&
          str_eq(ka, kb.data, kb.len));
    CHECK(wechatpay_endpoint_result_dedupe_key(ra, &da) == wechatpay_endpoint_result_dedupe_key(rb, &db));
    CHECK(str_eq(da, db.data, db.len));
  }
  wechatpay_error_free(ea);
  wechatpay_error_free(eb);
  wechatpay_endpoint_result_free(ra);
  wechatpay_endpoint_result_free(rb);
}

static void profiles_file(const struct ep_fixture *fx) {
  struct temp_files t;
  struct wechatpay_endpoint *built = fixture_endpoint(fx), *loaded = NULL;
  struct wechatpay_endpoint *untouched = (struct wechatpay_endpoint *)&sentinel;
  struct wechatpay_error *err;
  char path[512];
  memset(&t, 0, sizeof t);
#ifdef _WIN32
  snprintf(t.dir, sizeof t.dir, "%s\\wechatpay-c-profiles-XXXXXX", getenv("TEMP") ? getenv("TEMP") : ".");
#else
  snprintf(t.dir, sizeof t.dir, "%s", "/tmp/wechatpay-c-profiles-XXXXXX");
#endif

  begin_case("profiles file: the core's loader builds the endpoint the builder does from the same profiles");
  CHECK(mkdtemp(t.dir) != NULL && write_profiles_file(&t, fx->profiles));
  snprintf(path, sizeof path, "%s/profiles.json", t.dir);
  CHECK_OK(wechatpay_endpoint_from_profiles_file(path, strlen(path), &loaded));
  if (loaded != NULL && built != NULL) {
    size_t i, n = wechatpay_endpoint_profile_count(built);
    CHECK(n > 0 && wechatpay_endpoint_profile_count(loaded) == n);
    for (i = 0; i < n; i++) {
      struct wechatpay_str a, b;
      CHECK(wechatpay_endpoint_label(built, i, &a) && wechatpay_endpoint_label(loaded, i, &b) &&
            str_eq(a, b.data, b.len));
    }
    same_outcome(built, loaded, &fx->v2_payment);
    same_outcome(built, loaded, &fx->v2_refund);
    same_outcome(built, loaded, &fx->v3);
    same_outcome(built, loaded, &fx->forged);
  }
  wechatpay_endpoint_free(loaded);
  end_case();

  begin_case("profiles file: refused files are invalid_config, naming no key; misuse is invalid_argument");
#ifndef _WIN32
  /* Readable by others: refused (chmod 600), then accepted again. The core applies this Unix file-mode
     rule on Unix only (crates/wechatpay-notify/src/profiles.rs, cfg(unix)). */
  CHECK(chmod(path, 0644) == 0);
  err = wechatpay_endpoint_from_profiles_file(path, strlen(path), &untouched);
  CHECK(err != NULL && strstr(wechatpay_error_message(err), "profiles.json") != NULL);
  CHECK_ERROR(err, "invalid_config");
  CHECK(chmod(path, 0600) == 0);
#endif
  {
    /* A key written inline, and an unknown setting. */
    static const char inline_key[] =
        "{\"profiles\": [{\"label\": \"x\", \"v2\": {\"api_key\": \"" TEST_KEY "\", \"sign_type\": \"MD5\", "
        "\"mch_id\": \"1\"}}]}";
    static const char unknown[] =
        "{\"profiles\": [{\"label\": \"x\", \"v2\": {\"api_key_file\": \"p0-v2.key\", \"signType\": \"MD5\", "
        "\"mch_id\": \"1\"}}]}";
    char other[512];
    CHECK(write_file(&t, "inline.json", inline_key, strlen(inline_key), 0600));
    snprintf(other, sizeof other, "%s/inline.json", t.dir);
    err = wechatpay_endpoint_from_profiles_file(other, strlen(other), &untouched);
    CHECK(err != NULL && strstr(wechatpay_error_message(err), TEST_KEY) == NULL);
    CHECK_ERROR(err, "invalid_config");
    CHECK(write_file(&t, "unknown.json", unknown, strlen(unknown), 0600));
    snprintf(other, sizeof other, "%s/unknown.json", t.dir);
    CHECK_ERROR(wechatpay_endpoint_from_profiles_file(other, strlen(other), &untouched), "invalid_config");
    snprintf(other, sizeof other, "%s/missing.json", t.dir);
    CHECK_ERROR(wechatpay_endpoint_from_profiles_file(other, strlen(other), &untouched), "invalid_config");
    /* The path is pointer + length: a NUL-terminated prefix is not read past `path_len`. */
    CHECK_ERROR(wechatpay_endpoint_from_profiles_file(path, strlen(path) - 1, &untouched), "invalid_config");
    CHECK_ERROR(wechatpay_endpoint_from_profiles_file(NULL, 0, &untouched), "invalid_config");
  }
  CHECK_ERROR(wechatpay_endpoint_from_profiles_file(NULL, 5, &untouched), "invalid_argument");
  CHECK_ERROR(wechatpay_endpoint_from_profiles_file(path, strlen(path), NULL), "invalid_argument");
  CHECK(untouched == (struct wechatpay_endpoint *)&sentinel);
  end_case();
  remove_files(&t);
  wechatpay_endpoint_free(built);
}

/* The internal-failure reply: a request's version from its headers, and misuse. */
static void internal_reply_misuse(const struct ep_fixture *fx) {
  struct wechatpay_http_reply r, untouched;
  struct wechatpay_field bad[1];
  wechatpay_api_version version = WECHATPAY_API_VERSION_NONE, kept = WECHATPAY_API_VERSION_NONE;
  begin_case("internal reply and request version: by the request's headers (Wechatpay-Signature, any case), and misuse");
  CHECK_OK(wechatpay_internal_error_reply(NULL, 0, &r));
  check_internal_reply(&r, false);
  CHECK_OK(wechatpay_request_version(NULL, 0, &version));
  CHECK(version == WECHATPAY_API_VERSION_V2);
  bad[0].name.data = "wechatpay-SIGNATURE";
  bad[0].name.len = 19;
  bad[0].value.data = "";
  bad[0].value.len = 0;
  CHECK_OK(wechatpay_internal_error_reply(bad, 1, &r));
  check_internal_reply(&r, true);
  CHECK_OK(wechatpay_request_version(bad, 1, &version));
  CHECK(version == WECHATPAY_API_VERSION_V3);
  if (fx->v3.body != NULL) {
    CHECK_OK(wechatpay_internal_error_reply(fx->v3.headers, fx->v3.headers_len, &r));
    check_internal_reply(&r, true);
  }
  untouched.status = 7;
  bad[0].name.data = "\xff";
  bad[0].name.len = 1;
  CHECK_ERROR(wechatpay_internal_error_reply(bad, 1, &untouched), "invalid_argument");
  CHECK_ERROR(wechatpay_internal_error_reply(NULL, 1, &untouched), "invalid_argument");
  CHECK_ERROR(wechatpay_internal_error_reply(NULL, 0, NULL), "invalid_argument");
  CHECK(untouched.status == 7);
  bad[0].name.data = "\xff";
  CHECK_ERROR(wechatpay_request_version(bad, 1, &kept), "invalid_argument");
  CHECK_ERROR(wechatpay_request_version(NULL, 1, &kept), "invalid_argument");
  CHECK_ERROR(wechatpay_request_version(NULL, 0, NULL), "invalid_argument");
  CHECK(kept == WECHATPAY_API_VERSION_NONE);
  CHECK(!wechatpay_endpoint_result_internal_error_reply(NULL, &untouched) && untouched.status == 7);
  end_case();
}

void run_endpoint_tests(const char *dir) {
  struct ep_fixture fx;
  memset(&fx, 0, sizeof fx);
  run_endpoint_vectors(dir, &fx);
  begin_case("endpoint: the vectors gave a v2 payment, a v2 refund, a v3 event and a forgery to reuse");
  CHECK(fx.profiles != NULL && fx.v2_payment.body != NULL && fx.v2_refund.body != NULL &&
        fx.v3.body != NULL && fx.forged.body != NULL);
  end_case();
  builder_misuse();
  internal_reply_misuse(&fx);
  if (fx.profiles != NULL) {
    handle_misuse(&fx);
    merchant_ids(&fx);
    profiles_file(&fx);
    ep_threads(&fx);
  }
  free_case(&fx.v2_payment);
  free_case(&fx.v2_refund);
  free_case(&fx.v3);
  free_case(&fx.forged);
  json_decref(fx.root);
}
