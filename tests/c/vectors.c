/* Runs the v2 vector files in tests/vectors through the C API (v3.c runs v3_notify.json):
 * identical verdicts and error codes to every other surface. Each file must run exactly
 * `numberOfTests` cases; every key of a valid case's `expected.typed` is read by name through the
 * library's listing of the core's declaration (check_typed, views.c); every invalid case's error
 * obeys the message rule (check_error in main.c). */
#include <stdlib.h>

#include <jansson.h>

#include "harness.h"
#include "vectors.h"

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

void check_reply(const struct wechatpay_http_reply *r, const json_t *want) {
  const json_t *ct = json_object_get(want, "contentType");
  CHECK(json_object_size(want) == 3);
  CHECK(json_is_integer(json_object_get(want, "status")) &&
        r->status == json_integer_value(json_object_get(want, "status")));
  if (json_is_null(ct)) {
    CHECK(r->content_type == NULL);
  } else {
    CHECK(json_is_string(ct) && r->content_type != NULL &&
          strcmp(r->content_type, json_string_value(ct)) == 0);
  }
  CHECK(jstr_eq(r->body, json_object_get(want, "body")));
  /* The documented NUL terminator after the body. */
  CHECK(r->body.data != NULL && r->body.data[r->body.len] == '\0');
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

static void check_payment(const struct wechatpay_payment *p, const json_t *expected) {
  const json_t *typed = json_object_get(expected, "typed");
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
  check_typed(&PAYMENT_VIEW, p, typed);
  /* The named getters of the two rules every handler reads agree with the view. */
  {
    bool success = false, present = false;
    struct wechatpay_str key = {NULL, 0}, named = {NULL, 0};
    CHECK_OK(wechatpay_payment_bool(p, LIT("is_success"), &success));
    CHECK(success == wechatpay_payment_is_success(p));
    CHECK_OK(wechatpay_payment_text(p, LIT("dedupe_key"), &key, &present));
    CHECK(present == wechatpay_payment_dedupe_key(p, &named));
    CHECK(!present || (named.data == key.data && named.len == key.len));
  }
}

static void check_refund(const struct wechatpay_refund *r, const json_t *expected) {
  const json_t *typed = json_object_get(expected, "typed");
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
  check_typed(&REFUND_VIEW, r, typed);
  /* The named getters of the two rules every handler reads agree with the view. */
  {
    bool success = false, present = false;
    struct wechatpay_str key = {NULL, 0}, named = {NULL, 0};
    CHECK_OK(wechatpay_refund_bool(r, LIT("is_success"), &success));
    CHECK(success == wechatpay_refund_is_success(r));
    CHECK_OK(wechatpay_refund_text(r, LIT("dedupe_key"), &key, &present));
    CHECK(present == wechatpay_refund_dedupe_key(r, &named));
    CHECK(!present || (named.data == key.data && named.len == key.len));
  }
}

/* True when `needle` (len bytes) occurs in the NUL-terminated `text`. */
static bool contains(const char *text, const char *needle, size_t len) {
  size_t n = strlen(text), i;
  for (i = 0; len <= n && i <= n - len; i++) {
    if (memcmp(text + i, needle, len) == 0) return true;
  }
  return false;
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
    const char *message = wechatpay_error_message(err);
    snprintf(code, code_cap, "%s", wechatpay_error_code(err));
    if (message_is_clean(message, why, why_cap)) why[0] = '\0';
    /* Whatever the configuration got wrong, the message never repeats the key. */
    if (why[0] == '\0' && key.len >= 8 && contains(message, key.data, key.len)) {
      snprintf(why, why_cap, "the message repeats the API key: %s", code);
    }
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

/* One HttpReply case: the reply over HTTP for success or for an error code, v2 or v3; a code that
 * is not one of ours is refused with the case's error. */
static void run_http_reply(const json_t *test) {
  const char *version = json_string_value(json_object_get(test, "version"));
  const char *kind = json_string_value(json_object_get(test, "kind"));
  const char *result = json_string_value(json_object_get(test, "result"));
  bool v2 = version != NULL && strcmp(version, "v2") == 0;
  struct wechatpay_http_reply reply;
  struct wechatpay_error *err;
  CHECK(version != NULL && kind != NULL && result != NULL);
  if (version == NULL || kind == NULL || result == NULL) return;
  if (strcmp(kind, "success") == 0) {
    err = v2 ? wechatpay_v2_reply_success(&reply) : wechatpay_v3_reply_success(&reply);
  } else {
    struct wechatpay_str code = jstr(json_object_get(test, "code"));
    err = v2 ? wechatpay_v2_reply_fail_code(code.data, code.len, &reply)
             : wechatpay_v3_reply_fail_code(code.data, code.len, &reply);
  }
  if (strcmp(result, "valid") == 0) {
    CHECK_OK(err);
    if (err == NULL) check_reply(&reply, json_object_get(test, "expected"));
  } else {
    CHECK_ERROR(err, json_string_value(json_object_get(test, "error")));
  }
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
      if (strcmp(json_string_value(json_object_get(group, "type")), "HttpReply") == 0) {
        run_http_reply(test);
        end_case();
        continue;
      }
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
