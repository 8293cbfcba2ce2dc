/* Misuse of the API: NULL arguments, impossible lengths, bytes that are not UTF-8, outputs left
 * untouched on failure, NULL-safe frees. Nothing may crash, leak or write through a bad pointer. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

static struct wechatpay_verifier *md5_verifier(void) {
  struct wechatpay_verifier *v = NULL;
  struct wechatpay_error *err = wechatpay_verifier_new(LIT(TEST_KEY), LIT("MD5"), &v);
  CHECK_OK(err);
  return v;
}

static void null_arguments(void) {
  struct wechatpay_verifier *v = md5_verifier();
  char *body = make_payment_body("MD5", "4200000001", "100");
  size_t len = body ? strlen(body) : 0;
  struct wechatpay_payment *p = (struct wechatpay_payment *)&len; /* sentinel */
  struct wechatpay_refund *r = (struct wechatpay_refund *)&len;
  struct wechatpay_verifier *nv = (struct wechatpay_verifier *)&len;
  struct wechatpay_verifier_builder *nb = (struct wechatpay_verifier_builder *)&len;
  struct wechatpay_string *ns = (struct wechatpay_string *)&len;

  begin_case("misuse: NULL verifier, body and outputs are invalid_argument");
  CHECK(body != NULL && v != NULL);
  CHECK_ERROR(wechatpay_verifier_verify_payment(NULL, (const uint8_t *)body, len, &p),
              "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_verify_payment(v, NULL, len, &p), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, len, NULL),
              "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_decrypt_refund(NULL, (const uint8_t *)body, len, &r),
              "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_decrypt_refund(v, NULL, 5, &r), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_decrypt_refund(v, (const uint8_t *)body, len, NULL),
              "invalid_argument");
  /* NULL with length 0 is the empty body, which the core rejects as XML. */
  CHECK_ERROR(wechatpay_verifier_verify_payment(v, NULL, 0, &p), "malformed_xml");
  CHECK(p == (struct wechatpay_payment *)&len && r == (struct wechatpay_refund *)&len);
  end_case();

  begin_case("misuse: NULL configuration arguments");
  CHECK_ERROR(wechatpay_verifier_new(NULL, 32, LIT("MD5"), &nv), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_new(LIT(TEST_KEY), NULL, 3, &nv), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_new(LIT(TEST_KEY), LIT("MD5"), NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_new(NULL, 0, LIT("MD5"), &nv), "invalid_config");
  CHECK_ERROR(wechatpay_verifier_new(LIT(TEST_KEY), NULL, 0, &nv), "invalid_config");
  CHECK_ERROR(wechatpay_verifier_builder_new(NULL, 32, LIT("MD5"), &nb), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_builder_new(LIT(TEST_KEY), LIT("MD5"), NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_builder_expect_appid(NULL, LIT("wx")), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_builder_expect_mch_id(NULL, LIT("1")), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_builder_also_accept(NULL, LIT("MD5")), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_builder_max_body_bytes(NULL, 10), "invalid_argument");
  CHECK_ERROR(wechatpay_verifier_builder_build(NULL, &nv), "invalid_argument");
  CHECK(nv == (struct wechatpay_verifier *)&len && nb == (struct wechatpay_verifier_builder *)&len);
  end_case();

  begin_case("misuse: NULL arguments to sign and the replies");
  CHECK_ERROR(wechatpay_sign(NULL, 2, LIT(TEST_KEY), LIT("MD5"), &ns), "invalid_argument");
  CHECK_ERROR(wechatpay_sign(NULL, 0, NULL, 32, LIT("MD5"), &ns), "invalid_argument");
  CHECK_ERROR(wechatpay_sign(NULL, 0, LIT(TEST_KEY), LIT("MD5"), NULL), "invalid_argument");
  CHECK_ERROR(wechatpay_string_to_sign(NULL, 1, &ns), "invalid_argument");
  CHECK_ERROR(wechatpay_reply_fail(NULL, 4, &ns), "invalid_argument");
  CHECK_ERROR(wechatpay_reply_fail(LIT("x"), NULL), "invalid_argument");
  CHECK(ns == (struct wechatpay_string *)&len);
  {
    /* No fields at all is a valid (if useless) input. */
    struct wechatpay_string *s = NULL;
    CHECK_OK(wechatpay_sign(NULL, 0, LIT(TEST_KEY), LIT("MD5"), &s));
    CHECK(s != NULL && wechatpay_string_len(s) == 32);
    wechatpay_string_free(s);
    s = NULL;
    CHECK_OK(wechatpay_reply_fail(NULL, 0, &s));
    CHECK(s != NULL && strstr(wechatpay_string_data(s), "FAIL") != NULL);
    wechatpay_string_free(s);
  }
  end_case();

  begin_case("misuse: getters on NULL handles return false / 0 / \"\" and write nothing");
  {
    struct wechatpay_str s = {"sentinel", 8};
    struct wechatpay_field f;
    struct wechatpay_coupon c;
    uint64_t n = 42;
    size_t len = 42;
    bool present = true;
    f.name = s;
    c.id = s;
    CHECK(wechatpay_payment_field_count(NULL) == 0);
    CHECK(!wechatpay_payment_field(NULL, 0, &f) && f.name.data == s.data);
    CHECK(!wechatpay_payment_get(NULL, LIT("appid"), &s) && s.len == 8);
    CHECK_ERROR(wechatpay_payment_text(NULL, LIT("appid"), &s, &present), "invalid_argument");
    CHECK(s.len == 8 && present);
    CHECK_ERROR(wechatpay_payment_amount(NULL, LIT("total_fee"), &n, &present), "invalid_argument");
    CHECK(!wechatpay_payment_is_success(NULL));
    CHECK(!wechatpay_payment_dedupe_key(NULL, &s) && s.len == 8);
    CHECK_ERROR(wechatpay_payment_bool(NULL, LIT("is_success"), &present), "invalid_argument");
    CHECK(present);
    CHECK_ERROR(wechatpay_payment_coupons_len(NULL, &len), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_coupon(NULL, 0, &c), "invalid_argument");
    CHECK(c.id.len == 8 && len == 42);
    CHECK(wechatpay_refund_field_count(NULL) == 0 && wechatpay_refund_req_info_count(NULL) == 0);
    CHECK(!wechatpay_refund_req_info_get(NULL, LIT("refund_id"), &s) && s.len == 8);
    CHECK_ERROR(wechatpay_refund_amount(NULL, LIT("refund_fee"), &n, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_refund_text(NULL, LIT("refund_id"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_refund_bool(NULL, LIT("is_success"), &present), "invalid_argument");
    CHECK(n == 42 && present && s.len == 8);
    CHECK(!wechatpay_refund_is_success(NULL));
    CHECK(!wechatpay_refund_dedupe_key(NULL, &s) && s.len == 8);
    CHECK(strcmp(wechatpay_error_code(NULL), "") == 0);
    CHECK(strcmp(wechatpay_error_message(NULL), "") == 0);
    CHECK(wechatpay_error_number(NULL) == 0);
    CHECK(strcmp(wechatpay_string_data(NULL), "") == 0 && wechatpay_string_len(NULL) == 0);
  }
  end_case();

  begin_case("misuse: every free accepts NULL");
  wechatpay_verifier_free(NULL);
  wechatpay_verifier_builder_free(NULL);
  wechatpay_payment_free(NULL);
  wechatpay_refund_free(NULL);
  wechatpay_error_free(NULL);
  wechatpay_string_free(NULL);
  end_case();

  begin_case("misuse: NULL output arguments of getters on a live payment");
  {
    struct wechatpay_payment *live = NULL;
    CHECK_OK(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, len, &live));
    {
      uint64_t n = 42;
      bool present = false;
      size_t count = 42;
      struct wechatpay_str s = {"sentinel", 8};
      CHECK_ERROR(wechatpay_payment_text(live, LIT("appid"), NULL, &present), "invalid_argument");
      CHECK_ERROR(wechatpay_payment_text(live, LIT("appid"), &s, NULL), "invalid_argument");
      CHECK_ERROR(wechatpay_payment_amount(live, LIT("total_fee"), NULL, &present), "invalid_argument");
      CHECK_ERROR(wechatpay_payment_amount(live, LIT("total_fee"), &n, NULL), "invalid_argument");
      CHECK_ERROR(wechatpay_payment_bool(live, LIT("is_success"), NULL), "invalid_argument");
      CHECK(!wechatpay_payment_dedupe_key(live, NULL));
      CHECK(s.len == 8);
      CHECK_ERROR(wechatpay_payment_coupons_len(live, NULL), "invalid_argument");
      CHECK(n == 42 && !present);
      CHECK_OK(wechatpay_payment_coupons_len(live, &count));
      CHECK(count == 0);
    }
    CHECK(!wechatpay_payment_field(live, 0, NULL));
    CHECK(!wechatpay_payment_get(live, NULL, 5, NULL));
    CHECK_ERROR(wechatpay_payment_coupon(live, 0, NULL), "invalid_argument");
    {
      /* A name that is not UTF-8 is simply absent; out-of-range indices too. */
      struct wechatpay_str s;
      struct wechatpay_field f;
      CHECK(!wechatpay_payment_get(live, "\xff\xfe", 2, &s));
      CHECK(!wechatpay_payment_get(live, NULL, 0, &s));
      CHECK(!wechatpay_payment_field(live, (size_t)-1, &f));
      CHECK(wechatpay_payment_get(live, LIT("total_fee"), &s) && STR_EQ(s, "100"));
    }
    wechatpay_payment_free(live);
  }
  end_case();

  begin_case("misuse: the v2 by-name getters refuse names the view does not declare and other kinds");
  {
    struct wechatpay_payment *live = NULL;
    struct wechatpay_str s = {"sentinel", 8};
    uint64_t n = 42;
    bool present = false, b = false;
    CHECK_OK(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, len, &live));
    /* Unknown (a field that is no typed property, another case, a NUL, not UTF-8, none). */
    CHECK_ERROR(wechatpay_payment_text(live, LIT("return_code"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_text(live, LIT("OUT_TRADE_NO"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_text(live, "out_trade_no\0", 13, &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_text(live, LIT("\xff"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_text(live, NULL, 0, &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_text(live, NULL, 3, &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_amount(live, LIT("refund_fee"), &n, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_bool(live, LIT("is_succes"), &b), "invalid_argument");
    /* Another kind: each getter reads only its own (coupons: the coupon getters). */
    CHECK_ERROR(wechatpay_payment_text(live, LIT("total_fee"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_text(live, LIT("is_success"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_text(live, LIT("coupons"), &s, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_amount(live, LIT("out_trade_no"), &n, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_amount(live, LIT("coupons"), &n, &present), "invalid_argument");
    CHECK_ERROR(wechatpay_payment_bool(live, LIT("dedupe_key"), &b), "invalid_argument");
    CHECK(s.len == 8 && n == 42 && !present && !b);
    /* Read by name: text, sign_type, amount, bool. */
    CHECK_OK(wechatpay_payment_text(live, LIT("out_trade_no"), &s, &present));
    CHECK(present && STR_EQ(s, "20261127ORDER0001"));
    CHECK_OK(wechatpay_payment_text(live, LIT("sign_type"), &s, &present));
    CHECK(present && STR_EQ(s, "MD5"));
    CHECK_OK(wechatpay_payment_amount(live, LIT("total_fee"), &n, &present));
    CHECK(present && n == 100);
    CHECK_OK(wechatpay_payment_bool(live, LIT("is_success"), &b));
    CHECK(b);
    wechatpay_payment_free(live);
  }
  {
    /* The refund view by name: the outer mch_id is a refund property, total_fee an amount. A
     * payment handle is never a refund: the refund getters only take refund handles. */
    struct wechatpay_property p = {{"sentinel", 8}, WECHATPAY_PROPERTY_KIND_BOOL, {"x", 1}};
    size_t i, count = wechatpay_refund_property_count();
    bool text = false, amount = false, flag = false;
    for (i = 0; i < count; i++) {
      CHECK(wechatpay_refund_property(i, &p));
      text = text || (STR_EQ(p.name, "refund_id") && p.kind == WECHATPAY_PROPERTY_KIND_TEXT);
      amount = amount || (STR_EQ(p.name, "refund_fee") && p.kind == WECHATPAY_PROPERTY_KIND_AMOUNT);
      flag = flag || (STR_EQ(p.name, "is_success") && p.kind == WECHATPAY_PROPERTY_KIND_BOOL);
    }
    CHECK(count > 0 && text && amount && flag);
    CHECK(!wechatpay_refund_property(count, &p) && !wechatpay_payment_property(0, NULL));
  }
  end_case();

  wechatpay_verifier_free(v);
  free(body);
}

static void lengths(void) {
  struct wechatpay_verifier_builder *b = NULL;
  struct wechatpay_verifier *v = NULL;
  char *body = make_payment_body("MD5", "4200000002", "1");
  size_t len = body ? strlen(body) : 0;
  struct wechatpay_payment *p = NULL;

  begin_case("lengths: a body one byte over max_body_bytes is body_too_large, at the limit it verifies");
  CHECK(body != NULL);
  CHECK_OK(wechatpay_verifier_builder_new(LIT(TEST_KEY), LIT("MD5"), &b));
  CHECK_OK(wechatpay_verifier_builder_max_body_bytes(b, len));
  CHECK_OK(wechatpay_verifier_builder_build(b, &v));
  CHECK_OK(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, len, &p));
  wechatpay_payment_free(p);
  p = NULL;
  wechatpay_verifier_free(v);
  v = NULL;
  CHECK_OK(wechatpay_verifier_builder_max_body_bytes(b, len - 1));
  CHECK_OK(wechatpay_verifier_builder_build(b, &v));
  CHECK_ERROR(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, len, &p),
              "body_too_large");
  CHECK(p == NULL);
  wechatpay_verifier_free(v);
  v = NULL;
  end_case();

  begin_case("lengths: lengths no object can have are invalid_argument, never read");
  CHECK_OK(wechatpay_verifier_builder_max_body_bytes(b, SIZE_MAX));
  CHECK_OK(wechatpay_verifier_builder_build(b, &v));
  CHECK_ERROR(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, SIZE_MAX, &p),
              "invalid_argument");
  {
    struct wechatpay_refund *r = NULL;
    CHECK_ERROR(wechatpay_verifier_decrypt_refund(v, (const uint8_t *)body, (size_t)PTRDIFF_MAX + 1,
                                                  &r),
                "invalid_argument");
    CHECK(r == NULL);
  }
  CHECK_ERROR(wechatpay_verifier_new(TEST_KEY, SIZE_MAX, LIT("MD5"), &v), "invalid_argument");
  {
    struct wechatpay_field f;
    struct wechatpay_string *s = NULL;
    f.name.data = "a";
    f.name.len = SIZE_MAX;
    f.value.data = "b";
    f.value.len = 1;
    CHECK_ERROR(wechatpay_sign(&f, 1, LIT(TEST_KEY), LIT("MD5"), &s), "invalid_argument");
    CHECK_ERROR(wechatpay_sign(&f, SIZE_MAX / 2, LIT(TEST_KEY), LIT("MD5"), &s), "invalid_argument");
    CHECK(s == NULL);
  }
  CHECK(p == NULL);
  end_case();

  begin_case("lengths: the length is used, not NUL termination (bodies may contain NUL)");
  {
    char *with_nul = malloc(len + 2);
    CHECK(with_nul != NULL);
    if (with_nul != NULL && body != NULL) {
      memcpy(with_nul, body, len);
      with_nul[len] = '\0';
      with_nul[len + 1] = 'x';
      /* A NUL after the document is trailing content: rejected, not silently truncated. */
      CHECK_ERROR(wechatpay_verifier_verify_payment(v, (const uint8_t *)with_nul, len + 1, &p),
                  "malformed_xml");
      /* A prefix is not the document. */
      CHECK_ERROR(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, len - 6, &p),
                  "malformed_xml");
      CHECK(p == NULL);
    }
    free(with_nul);
  }
  end_case();

  wechatpay_verifier_free(v);
  wechatpay_verifier_builder_free(b);
  free(body);
}

static int sentinel;

static void utf8(void) {
  struct wechatpay_verifier *v = (struct wechatpay_verifier *)&sentinel;
  struct wechatpay_verifier_builder *b = NULL;

  begin_case("utf8: keys, sign types and merchant ids that are not UTF-8 are configuration errors");
  CHECK_ERROR(wechatpay_verifier_new(LIT("192006250b4c09247ec02edce69f6a2\xff"), LIT("MD5"), &v),
              "invalid_config");
  CHECK_ERROR(wechatpay_verifier_new(LIT(TEST_KEY), LIT("MD\xff"), &v), "invalid_config");
  CHECK(v == (struct wechatpay_verifier *)&sentinel);
  CHECK_OK(wechatpay_verifier_builder_new(LIT(TEST_KEY), LIT("MD5"), &b));
  CHECK_ERROR(wechatpay_verifier_builder_expect_appid(b, LIT("wx\xc3\x28")), "invalid_config");
  CHECK_ERROR(wechatpay_verifier_builder_expect_mch_id(b, LIT("\x80")), "invalid_config");
  CHECK_ERROR(wechatpay_verifier_builder_also_accept(b, LIT("HMAC-SHA256\xff")), "invalid_config");
  CHECK_ERROR(wechatpay_verifier_builder_also_accept(b, LIT("md5")), "invalid_config");
  wechatpay_verifier_builder_free(b);
  end_case();

  begin_case("utf8: sign refuses bad keys (invalid_config) and non-UTF-8 fields (invalid_argument)");
  {
    struct wechatpay_field f[2];
    struct wechatpay_string *s = NULL;
    f[0].name.data = "appid";
    f[0].name.len = 5;
    f[0].value.data = "wx\xff";
    f[0].value.len = 3;
    f[1].name.data = "a";
    f[1].name.len = 1;
    f[1].value.data = "1";
    f[1].value.len = 1;
    CHECK_ERROR(wechatpay_sign(f, 2, LIT(TEST_KEY), LIT("MD5"), &s), "invalid_argument");
    CHECK_ERROR(wechatpay_sign(f + 1, 1, LIT("192006250b4c09247ec02edce69f6a2\xff"), LIT("MD5"), &s),
                "invalid_config");
    CHECK_ERROR(wechatpay_sign(f + 1, 1, LIT(TEST_KEY), LIT("SHA1"), &s), "invalid_config");
    CHECK_ERROR(wechatpay_string_to_sign(f, 2, &s), "invalid_argument");
    f[0] = f[1];
    CHECK_ERROR(wechatpay_sign(f, 2, LIT(TEST_KEY), LIT("MD5"), &s), "invalid_argument");
    CHECK_ERROR(wechatpay_string_to_sign(f, 2, &s), "duplicate_field");
    CHECK(s == NULL);
    /* A FAIL reply replaces invalid UTF-8 instead of failing. */
    CHECK_OK(wechatpay_reply_fail(LIT("bad \xff byte"), &s));
    CHECK(s != NULL && strstr(wechatpay_string_data(s), "bad \xef\xbf\xbd byte") != NULL);
    wechatpay_string_free(s);
  }
  end_case();

  begin_case("utf8: a body that is not UTF-8 is malformed_xml");
  v = NULL;
  CHECK_OK(wechatpay_verifier_new(LIT(TEST_KEY), LIT("MD5"), &v));
  {
    struct wechatpay_payment *p = NULL;
    static const uint8_t bad[] = "<xml><return_code>SUCC\xff</return_code></xml>";
    CHECK_ERROR(wechatpay_verifier_verify_payment(v, bad, sizeof bad - 1, &p), "malformed_xml");
    CHECK(p == NULL);
  }
  wechatpay_verifier_free(v);
  end_case();
}

static void api_shape(void) {
  struct wechatpay_verifier_builder *b = NULL;
  struct wechatpay_verifier *v1 = NULL, *v2 = NULL;
  char *md5 = make_payment_body("MD5", "4200000003", "0");
  char *hmac = make_payment_body("HMAC-SHA256", "4200000004", "9999999999999999999");

  begin_case("api: a builder builds several independent verifiers; also_accept and merchant checks");
  CHECK(md5 != NULL && hmac != NULL);
  CHECK_OK(wechatpay_verifier_builder_new(LIT(TEST_KEY), LIT("HMAC-SHA256"), &b));
  CHECK_OK(wechatpay_verifier_builder_build(b, &v1));
  CHECK_OK(wechatpay_verifier_builder_also_accept(b, LIT("MD5")));
  CHECK_OK(wechatpay_verifier_builder_expect_mch_id(b, LIT("10000100")));
  CHECK_OK(wechatpay_verifier_builder_build(b, &v2));
  wechatpay_verifier_builder_free(b);
  if (v1 != NULL && v2 != NULL && md5 != NULL && hmac != NULL) {
    struct wechatpay_payment *p = NULL;
    struct wechatpay_str s;
    uint64_t n = 0;
    bool present = false;
    CHECK_ERROR(wechatpay_verifier_verify_payment(v1, (const uint8_t *)md5, strlen(md5), &p),
                "signature_mismatch");
    CHECK_OK(wechatpay_verifier_verify_payment(v2, (const uint8_t *)md5, strlen(md5), &p));
    CHECK_OK(wechatpay_payment_text(p, LIT("sign_type"), &s, &present));
    CHECK(present && STR_EQ(s, "MD5"));
    n = 42;
    CHECK_OK(wechatpay_payment_amount(p, LIT("total_fee"), &n, &present));
    CHECK(present && n == 0);
    CHECK(wechatpay_payment_is_success(p));
    CHECK(wechatpay_payment_dedupe_key(p, &s) && STR_EQ(s, "4200000003"));
    /* Absent: no error, present = false, the value untouched. */
    CHECK_OK(wechatpay_payment_amount(p, LIT("cash_fee"), &n, &present));
    CHECK(!present && n == 0);
    s.len = 42;
    present = true;
    CHECK_OK(wechatpay_payment_text(p, LIT("attach"), &s, &present));
    CHECK(!present && s.len == 42);
    wechatpay_payment_free(p);
    p = NULL;
    CHECK_OK(wechatpay_verifier_verify_payment(v1, (const uint8_t *)hmac, strlen(hmac), &p));
    CHECK_OK(wechatpay_payment_text(p, LIT("sign_type"), &s, &present));
    CHECK(present && STR_EQ(s, "HMAC-SHA256"));
    CHECK_OK(wechatpay_payment_amount(p, LIT("total_fee"), &n, &present));
    CHECK(present && n == 9999999999999999999ULL);
    CHECK(wechatpay_payment_field_count(p) == 8);
    wechatpay_payment_free(p);
    p = NULL;
    {
      struct wechatpay_error *err;
      struct wechatpay_verifier *v3 = NULL;
      CHECK_OK(wechatpay_verifier_builder_new(LIT(TEST_KEY), LIT("MD5"), &b));
      CHECK_OK(wechatpay_verifier_builder_expect_appid(b, LIT("wx0000000000000000")));
      CHECK_OK(wechatpay_verifier_builder_build(b, &v3));
      wechatpay_verifier_builder_free(b);
      err = wechatpay_verifier_verify_payment(v3, (const uint8_t *)md5, strlen(md5), &p);
      CHECK(wechatpay_error_number(err) == WECHATPAY_ERROR_KIND_MERCHANT_MISMATCH);
      CHECK_ERROR(err, "merchant_mismatch");
      wechatpay_verifier_free(v3);
    }
  }
  wechatpay_verifier_free(v1);
  wechatpay_verifier_free(v2);
  end_case();

  begin_case("api: version, success reply, and error messages without key material");
  {
    const char *version = wechatpay_version();
    struct wechatpay_verifier *v = NULL;
    struct wechatpay_error *err;
    CHECK(version != NULL && version[0] >= '0' && version[0] <= '9' && strchr(version, '.') != NULL);
    CHECK(strcmp(wechatpay_reply_success(),
                 "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]>"
                 "</return_msg></xml>") == 0);
    CHECK(wechatpay_reply_success() == wechatpay_reply_success()); /* static storage */
    err = wechatpay_verifier_new(LIT("192006250b4c09247ec02edce69f6a2"), LIT("MD5"), &v);
    CHECK(err != NULL && strstr(wechatpay_error_message(err), "192006250b4c") == NULL);
    CHECK_ERROR(err, "invalid_config");
    CHECK(v == NULL);
  }
  end_case();
  free(md5);
  free(hmac);
}

/* A pointer one byte past an aligned object: no object of an aligned type can live there. Made
 * through uintptr_t (implementation-defined, not undefined) and never dereferenced by anyone. */
#define MISALIGNED(type, ptr) ((type)(uintptr_t)((uintptr_t)(ptr) + 1))

static void misaligned_pointers(void) {
  struct wechatpay_verifier *v = md5_verifier();
  char *body = make_payment_body("MD5", "4200000005", "100");
  size_t len = body ? strlen(body) : 0;
  struct wechatpay_payment *p = NULL;
  /* Storage for pointers and fields, aligned for both. */
  union {
    struct wechatpay_field fields[2];
    void *pointers[4];
    uint64_t words[8];
  } storage;
  memset(&storage, 0xab, sizeof storage);

  begin_case("misuse: misaligned handles, outputs and arrays are invalid_argument, never used");
  CHECK(v != NULL && body != NULL);
  if (v != NULL && body != NULL) {
    struct wechatpay_payment **bad_out = MISALIGNED(struct wechatpay_payment **, storage.pointers);
    struct wechatpay_string **bad_string_out = MISALIGNED(struct wechatpay_string **, storage.pointers);
    const struct wechatpay_field *bad_fields = MISALIGNED(const struct wechatpay_field *, storage.fields);
    unsigned char before[sizeof storage];
    memcpy(before, &storage, sizeof storage);
    CHECK_ERROR(wechatpay_verifier_verify_payment(MISALIGNED(const struct wechatpay_verifier *, v),
                                                  (const uint8_t *)body, len, &p),
                "invalid_argument");
    CHECK_ERROR(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, len, bad_out),
                "invalid_argument");
    CHECK_ERROR(wechatpay_sign(bad_fields, 1, LIT(TEST_KEY), LIT("MD5"), bad_string_out),
                "invalid_argument");
    CHECK_ERROR(wechatpay_string_to_sign(bad_fields, 1, bad_string_out), "invalid_argument");
    CHECK_ERROR(wechatpay_verifier_builder_max_body_bytes(
                    MISALIGNED(struct wechatpay_verifier_builder *, storage.pointers), 1),
                "invalid_argument");
    CHECK(p == NULL);
    CHECK_OK(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, len, &p));
    {
      struct wechatpay_str *bad_str = MISALIGNED(struct wechatpay_str *, storage.words);
      uint64_t *bad_u64 = MISALIGNED(uint64_t *, storage.words);
      bool present = false;
      CHECK_ERROR(wechatpay_payment_text(p, LIT("appid"), bad_str, &present), "invalid_argument");
      CHECK_ERROR(wechatpay_payment_amount(p, LIT("total_fee"), bad_u64, &present), "invalid_argument");
      CHECK_ERROR(wechatpay_payment_amount(MISALIGNED(const struct wechatpay_payment *, p), LIT("total_fee"),
                                           &storage.words[0], &present),
                  "invalid_argument");
      CHECK(!present);
      CHECK(wechatpay_payment_field_count(MISALIGNED(const struct wechatpay_payment *, p)) == 0);
    }
    /* Nothing was written through any of them. */
    CHECK(memcmp(before, &storage, sizeof storage) == 0);
    wechatpay_payment_free(p);
  }
  end_case();
  wechatpay_verifier_free(v);
  free(body);
}

/* The misuse rule (issue 9.6), C's side: misuse of the API (NULL, misaligned, impossible lengths,
 * above) is `invalid_argument`; a well-formed value that the core refuses carries the core's code. */
static void core_refusals(void) {
  struct wechatpay_verifier *v = (struct wechatpay_verifier *)&sentinel;
  struct wechatpay_verifier_builder *b = NULL;
  struct wechatpay_string *s = NULL;
  struct wechatpay_field f[2];
  f[0].name.data = "a";
  f[0].name.len = 1;
  f[0].value.data = "1";
  f[0].value.len = 1;
  f[1] = f[0];

  begin_case("misuse rule: well-formed values the core refuses carry the core's code");
  CHECK_ERROR(wechatpay_verifier_new(LIT("short"), LIT("MD5"), &v), "invalid_config");
  CHECK_ERROR(wechatpay_verifier_new(LIT(TEST_KEY "x"), LIT("MD5"), &v), "invalid_config");
  CHECK_ERROR(wechatpay_verifier_new(LIT("192006250b4c09247ec02edce69f6a2 "), LIT("MD5"), &v),
              "invalid_config");
  CHECK_ERROR(wechatpay_verifier_new(LIT(TEST_KEY), LIT("SHA1"), &v), "invalid_config");
  CHECK_ERROR(wechatpay_verifier_new(LIT(TEST_KEY), LIT("HMAC-SHA256 "), &v), "invalid_config");
  CHECK(v == (struct wechatpay_verifier *)&sentinel);
  CHECK_OK(wechatpay_verifier_builder_new(LIT(TEST_KEY), LIT("MD5"), &b));
  CHECK_ERROR(wechatpay_verifier_builder_also_accept(b, LIT("sha256")), "invalid_config");
  /* A refused option leaves the builder usable. */
  CHECK_OK(wechatpay_verifier_builder_build(b, &v));
  CHECK(v != (struct wechatpay_verifier *)&sentinel);
  if (v != (struct wechatpay_verifier *)&sentinel) wechatpay_verifier_free(v);
  wechatpay_verifier_builder_free(b);
  CHECK_ERROR(wechatpay_sign(f, 1, LIT("short"), LIT("MD5"), &s), "invalid_config");
  CHECK_ERROR(wechatpay_sign(f, 1, LIT(TEST_KEY), LIT(""), &s), "invalid_config");
  CHECK_ERROR(wechatpay_sign(f, 2, LIT(TEST_KEY), LIT("MD5"), &s), "invalid_argument");
  CHECK(s == NULL);
  end_case();
}

/* SPEC §2: a typed amount present in another form than digits is the getter's missing_field,
 * never "absent"; the dedupe key names the state of an unsuccessful payment; a refusal reply is
 * one constant message. */
static void typed_amounts_and_states(void) {
  struct wechatpay_verifier *v = md5_verifier();
  static const char *const names[] = {"return_code", "result_code", "mch_id", "out_trade_no",
                                      "transaction_id", "total_fee", "cash_fee",
                                      "settlement_total_fee", "coupon_fee", "coupon_count",
                                      "coupon_id_0", "coupon_fee_0"};
  const char *values[] = {"SUCCESS", "SUCCESS", "10000100", "20261127ORDER0005", "4200000005",
                          "100", "1.00", "-1", "", "1", "C0", "x5"};
  char *body;
  struct wechatpay_payment *p = NULL;

  begin_case("typed amounts: present in another form is missing_field, empty or absent is absent, digits are read");
  body = make_signed_body("MD5", names, values, sizeof names / sizeof names[0]);
  CHECK(v != NULL && body != NULL);
  if (v != NULL && body != NULL) {
    CHECK_OK(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, strlen(body), &p));
  }
  if (p != NULL) {
    uint64_t n = 42;
    bool present = false;
    size_t len = 42;
    struct wechatpay_coupon c;
    struct wechatpay_str s;
    struct wechatpay_error *err;
    CHECK_OK(wechatpay_payment_amount(p, LIT("total_fee"), &n, &present));
    CHECK(present && n == 100);
    /* "1.00" and "-1": errors, the outputs untouched. */
    n = 42;
    present = false;
    err = wechatpay_payment_amount(p, LIT("cash_fee"), &n, &present);
    CHECK(err != NULL && wechatpay_error_number(err) == WECHATPAY_ERROR_KIND_MISSING_FIELD);
    CHECK(err != NULL && strstr(wechatpay_error_message(err), "cash_fee") != NULL);
    CHECK_ERROR(err, "missing_field");
    CHECK_ERROR(wechatpay_payment_amount(p, LIT("settlement_total_fee"), &n, &present), "missing_field");
    CHECK(n == 42 && !present);
    /* An empty element is absent. */
    present = true;
    CHECK_OK(wechatpay_payment_amount(p, LIT("coupon_fee"), &n, &present));
    CHECK(!present && n == 42);
    /* The coupons: coupon_fee_0 "x5" is not an amount, so there is no coupon list. */
    CHECK_OK(wechatpay_payment_amount(p, LIT("coupon_count"), &n, &present));
    CHECK(present && n == 1);
    CHECK_ERROR(wechatpay_payment_coupons_len(p, &len), "missing_field");
    CHECK(len == 42);
    c.id.len = 42;
    CHECK_ERROR(wechatpay_payment_coupon(p, 0, &c), "missing_field");
    CHECK(c.id.len == 42);
    /* The field itself is kept exactly as received. */
    CHECK(wechatpay_payment_get(p, LIT("cash_fee"), &s) && STR_EQ(s, "1.00"));
    /* Each call gives a fresh error handle. */
    err = wechatpay_payment_amount(p, LIT("cash_fee"), &n, &present);
    CHECK_ERROR(err, "missing_field");
    wechatpay_payment_free(p);
    p = NULL;
  }
  free(body);
  end_case();

  begin_case("typed amounts: coupon_count that is not an amount makes the count and the coupon list errors");
  values[9] = "one";
  values[11] = "5";
  body = make_signed_body("MD5", names, values, sizeof names / sizeof names[0]);
  CHECK(body != NULL);
  if (v != NULL && body != NULL) {
    CHECK_OK(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, strlen(body), &p));
  }
  if (p != NULL) {
    uint64_t n = 0;
    bool present = false;
    size_t len = 0;
    CHECK_ERROR(wechatpay_payment_amount(p, LIT("coupon_count"), &n, &present), "missing_field");
    CHECK_ERROR(wechatpay_payment_coupons_len(p, &len), "missing_field");
    wechatpay_payment_free(p);
    p = NULL;
  }
  free(body);
  values[9] = "1";
  values[6] = "80";
  values[7] = "100";
  body = make_signed_body("MD5", names, values, sizeof names / sizeof names[0]);
  if (v != NULL && body != NULL) {
    CHECK_OK(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, strlen(body), &p));
  }
  if (p != NULL) {
    size_t len = 0;
    struct wechatpay_coupon c;
    CHECK_OK(wechatpay_payment_coupons_len(p, &len));
    CHECK(len == 1);
    CHECK_OK(wechatpay_payment_coupon(p, 0, &c));
    CHECK(STR_EQ(c.id, "C0") && c.has_fee && c.fee == 5 && !c.has_coupon_type);
    CHECK_ERROR(wechatpay_payment_coupon(p, 1, &c), "invalid_argument");
    wechatpay_payment_free(p);
    p = NULL;
  }
  free(body);
  end_case();

  begin_case("dedupe key: an unsuccessful payment's key names its state (transaction_id:RESULT_CODE)");
  {
    static const char *const fail_names[] = {"return_code", "result_code", "err_code", "mch_id",
                                             "out_trade_no", "transaction_id"};
    static const char *const fail_values[] = {"SUCCESS", "FAIL", "NOTENOUGH", "10000100",
                                              "20261127ORDER0006", "4200000006"};
    body = make_signed_body("MD5", fail_names, fail_values, 6);
    CHECK(body != NULL);
    if (v != NULL && body != NULL) {
      CHECK_OK(wechatpay_verifier_verify_payment(v, (const uint8_t *)body, strlen(body), &p));
    }
    if (p != NULL) {
      struct wechatpay_str s;
      CHECK(!wechatpay_payment_is_success(p));
      CHECK(wechatpay_payment_dedupe_key(p, &s) && STR_EQ(s, "4200000006:FAIL"));
      bool present = false;
      CHECK_OK(wechatpay_payment_text(p, LIT("transaction_id"), &s, &present));
      CHECK(present && STR_EQ(s, "4200000006"));
      wechatpay_payment_free(p);
      p = NULL;
    }
    free(body);
  }
  end_case();

  begin_case("replies: the v2 refusal is one constant FAIL reply (`rejected`), never a code");
  {
    struct wechatpay_string *fail = NULL;
    const char *refusal = wechatpay_reply_refusal();
    CHECK(strcmp(refusal,
                 "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]>"
                 "</return_msg></xml>") == 0);
    CHECK(wechatpay_reply_refusal() == refusal); /* static storage */
    CHECK_OK(wechatpay_reply_fail(LIT("rejected"), &fail));
    CHECK(fail != NULL && strcmp(wechatpay_string_data(fail), refusal) == 0);
    wechatpay_string_free(fail);
  }
  end_case();
  wechatpay_verifier_free(v);
}

void run_misuse_tests(void) {
  typed_amounts_and_states();
  null_arguments();
  lengths();
  utf8();
  misaligned_pointers();
  core_refusals();
  api_shape();
}
