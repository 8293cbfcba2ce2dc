/* The typed views through the C API, all nine alike: the library lists each view's properties
 * (the core's declaration) and reads each one by name with the getter of its kind. Nothing here
 * names a property: run_typed_view_tests compares every listing with tests/vectors/typed_views.json
 * in both directions, and check_typed reads every key of a vector's expected.typed through the
 * listing, so a property the core adds is checked here without a change to this file. */
#include <stdlib.h>

#include <jansson.h>

#include "harness.h"
#include "vectors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The by-name getters behind `const void *`, one set per handle type. */
static struct wechatpay_error *payment_text(const void *h, const char *name, size_t len,
                                            struct wechatpay_str *value, bool *present) {
  return wechatpay_payment_text(h, name, len, value, present);
}
static struct wechatpay_error *payment_amount(const void *h, const char *name, size_t len,
                                              uint64_t *value, bool *present) {
  return wechatpay_payment_amount(h, name, len, value, present);
}
static struct wechatpay_error *payment_bool(const void *h, const char *name, size_t len, bool *value) {
  return wechatpay_payment_bool(h, name, len, value);
}
static struct wechatpay_error *refund_text(const void *h, const char *name, size_t len,
                                           struct wechatpay_str *value, bool *present) {
  return wechatpay_refund_text(h, name, len, value, present);
}
static struct wechatpay_error *refund_amount(const void *h, const char *name, size_t len,
                                             uint64_t *value, bool *present) {
  return wechatpay_refund_amount(h, name, len, value, present);
}
static struct wechatpay_error *refund_bool(const void *h, const char *name, size_t len, bool *value) {
  return wechatpay_refund_bool(h, name, len, value);
}
static struct wechatpay_error *transaction_text(const void *h, const char *name, size_t len,
                                                struct wechatpay_str *value, bool *present) {
  return wechatpay_v3_transaction_text(h, name, len, value, present);
}
static struct wechatpay_error *transaction_amount(const void *h, const char *name, size_t len,
                                                  uint64_t *value, bool *present) {
  return wechatpay_v3_transaction_amount(h, name, len, value, present);
}
static struct wechatpay_error *v3_refund_text(const void *h, const char *name, size_t len,
                                              struct wechatpay_str *value, bool *present) {
  return wechatpay_v3_refund_text(h, name, len, value, present);
}
static struct wechatpay_error *v3_refund_amount(const void *h, const char *name, size_t len,
                                                uint64_t *value, bool *present) {
  return wechatpay_v3_refund_amount(h, name, len, value, present);
}
static struct wechatpay_error *profit_sharing_text(const void *h, const char *name, size_t len,
                                                   struct wechatpay_str *value, bool *present) {
  return wechatpay_v3_profit_sharing_text(h, name, len, value, present);
}
static struct wechatpay_error *profit_sharing_amount(const void *h, const char *name, size_t len,
                                                     uint64_t *value, bool *present) {
  return wechatpay_v3_profit_sharing_amount(h, name, len, value, present);
}
static struct wechatpay_error *transfer_text(const void *h, const char *name, size_t len,
                                             struct wechatpay_str *value, bool *present) {
  return wechatpay_v3_transfer_text(h, name, len, value, present);
}
static struct wechatpay_error *transfer_amount(const void *h, const char *name, size_t len,
                                               uint64_t *value, bool *present) {
  return wechatpay_v3_transfer_amount(h, name, len, value, present);
}
static struct wechatpay_error *complaint_text(const void *h, const char *name, size_t len,
                                              struct wechatpay_str *value, bool *present) {
  return wechatpay_v3_complaint_text(h, name, len, value, present);
}
static struct wechatpay_error *complaint_amount(const void *h, const char *name, size_t len,
                                                uint64_t *value, bool *present) {
  return wechatpay_v3_complaint_amount(h, name, len, value, present);
}
static struct wechatpay_error *v3_notification_text(const void *h, const char *name, size_t len,
                                                    struct wechatpay_str *value, bool *present) {
  return wechatpay_v3_notification_text(h, name, len, value, present);
}
static struct wechatpay_error *v3_notification_bool(const void *h, const char *name, size_t len,
                                                    bool *value) {
  return wechatpay_v3_notification_bool(h, name, len, value);
}
static struct wechatpay_error *endpoint_result_text(const void *h, const char *name, size_t len,
                                                    struct wechatpay_str *value, bool *present) {
  return wechatpay_endpoint_result_text(h, name, len, value, present);
}
static struct wechatpay_error *endpoint_result_bool(const void *h, const char *name, size_t len,
                                                    bool *value) {
  return wechatpay_endpoint_result_bool(h, name, len, value);
}

const struct typed_view PAYMENT_VIEW = {"payment", wechatpay_payment_property_count,
                                        wechatpay_payment_property, payment_text, payment_amount,
                                        payment_bool};
const struct typed_view REFUND_VIEW = {"refund", wechatpay_refund_property_count,
                                       wechatpay_refund_property, refund_text, refund_amount,
                                       refund_bool};
const struct typed_view V3_TRANSACTION_VIEW = {
    "v3_transaction", wechatpay_v3_transaction_property_count, wechatpay_v3_transaction_property,
    transaction_text, transaction_amount, NULL};
const struct typed_view V3_REFUND_VIEW = {"v3_refund", wechatpay_v3_refund_property_count,
                                          wechatpay_v3_refund_property, v3_refund_text,
                                          v3_refund_amount, NULL};
const struct typed_view V3_PROFIT_SHARING_VIEW = {
    "v3_profit_sharing", wechatpay_v3_profit_sharing_property_count,
    wechatpay_v3_profit_sharing_property, profit_sharing_text, profit_sharing_amount, NULL};
const struct typed_view V3_TRANSFER_VIEW = {"v3_transfer", wechatpay_v3_transfer_property_count,
                                            wechatpay_v3_transfer_property, transfer_text,
                                            transfer_amount, NULL};
const struct typed_view V3_COMPLAINT_VIEW = {"v3_complaint", wechatpay_v3_complaint_property_count,
                                             wechatpay_v3_complaint_property, complaint_text,
                                             complaint_amount, NULL};

const struct typed_view V3_NOTIFICATION_VIEW = {
    "v3_notification", wechatpay_v3_notification_property_count, wechatpay_v3_notification_property,
    v3_notification_text, NULL, v3_notification_bool};
const struct typed_view ENDPOINT_RESULT_VIEW = {
    "endpoint_result", wechatpay_endpoint_result_property_count, wechatpay_endpoint_result_property,
    endpoint_result_text, NULL, endpoint_result_bool};

static const struct typed_view *const VIEWS[] = {
    &PAYMENT_VIEW,      &REFUND_VIEW,          &V3_TRANSACTION_VIEW,
    &V3_REFUND_VIEW,    &V3_PROFIT_SHARING_VIEW, &V3_TRANSFER_VIEW,
    &V3_COMPLAINT_VIEW, &V3_NOTIFICATION_VIEW, &ENDPOINT_RESULT_VIEW};

bool find_property(const struct typed_view *view, const char *name, struct wechatpay_property *p) {
  size_t i, n = view->count();
  for (i = 0; i < n; i++) {
    if (view->at(i, p) && str_eq(p->name, name, strlen(name))) return true;
  }
  return false;
}

/* The coupons of a payment against `expected`: a list of {id, coupon_type, fee}, or {"error": CODE}
 * when they cannot be listed (a count or fee that is not an amount). */
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

void check_typed(const struct typed_view *view, const void *handle, const json_t *expected) {
  const char *key;
  const json_t *value;
  char msg[200];
  CHECK(json_is_object(expected));
  /* The vector holds every listed property (and, below, only listed ones). */
  CHECK(json_object_size(expected) == view->count());
  json_object_foreach((json_t *)expected, key, value) {
    struct wechatpay_property p;
    if (!find_property(view, key, &p)) {
      snprintf(msg, sizeof msg, "typed %s key %s is not a property the library lists", view->name, key);
      check_failed(__FILE__, __LINE__, msg);
      continue;
    }
    switch (p.kind) {
      case WECHATPAY_PROPERTY_KIND_TEXT:
      case WECHATPAY_PROPERTY_KIND_STRING:
      case WECHATPAY_PROPERTY_KIND_SIGN_TYPE: {
        /* present starts true: an absent value must write false. */
        struct wechatpay_str s = {NULL, 0};
        bool present = true;
        CHECK_OK(view->text(handle, key, strlen(key), &s, &present));
        check_text(present, s, value, key);
        if (p.kind == WECHATPAY_PROPERTY_KIND_STRING) CHECK(present);
        if (p.kind == WECHATPAY_PROPERTY_KIND_SIGN_TYPE) {
          CHECK(present && (STR_EQ(s, "MD5") || STR_EQ(s, "HMAC-SHA256")));
        }
        break;
      }
      case WECHATPAY_PROPERTY_KIND_AMOUNT: {
        /* A JSON integer, null (absent), or {"error": CODE}: present in another form. */
        uint64_t amount = 0;
        bool present = true;
        struct wechatpay_error *err;
        CHECK(view->amount != NULL);
        if (view->amount == NULL) break;
        err = view->amount(handle, key, strlen(key), &amount, &present);
        check_amount_result(err, present, amount, value, key);
        break;
      }
      case WECHATPAY_PROPERTY_KIND_BOOL: {
        bool b = !json_is_true(value);
        CHECK(view->flag != NULL);
        if (view->flag == NULL) break;
        CHECK_OK(view->flag(handle, key, strlen(key), &b));
        CHECK(json_is_boolean(value) && b == json_is_true(value));
        break;
      }
      case WECHATPAY_PROPERTY_KIND_COUPONS:
        CHECK(view == &PAYMENT_VIEW);
        if (view == &PAYMENT_VIEW) check_coupons(handle, value);
        break;
      default:
        snprintf(msg, sizeof msg, "typed %s property %s has kind %.*s, which the C API cannot read",
                 view->name, key, (int)p.kind_name.len, p.kind_name.data);
        check_failed(__FILE__, __LINE__, msg);
    }
  }
}

/* The kind constant of a kind name (typed_views.json). */
static bool kind_matches(const struct wechatpay_property *p) {
  static const struct {
    wechatpay_property_kind kind;
    const char *name;
  } kinds[] = {{WECHATPAY_PROPERTY_KIND_TEXT, "text"},
               {WECHATPAY_PROPERTY_KIND_STRING, "string"},
               {WECHATPAY_PROPERTY_KIND_AMOUNT, "amount"},
               {WECHATPAY_PROPERTY_KIND_BOOL, "bool"},
               {WECHATPAY_PROPERTY_KIND_SIGN_TYPE, "sign_type"},
               {WECHATPAY_PROPERTY_KIND_COUPONS, "coupons"}};
  size_t k;
  for (k = 0; k < COUNT(kinds); k++) {
    if (p->kind == kinds[k].kind) return str_eq(p->kind_name, kinds[k].name, strlen(kinds[k].name));
  }
  return false;
}

/* One view's listing against typed_views.json, both directions, in the same order, with the same
 * kinds; each name once; every kind one the C API reads; a view without a bool getter lists no
 * bool, and only the payment lists coupons. */
static void compare_listing(const json_t *views, const struct typed_view *view) {
  const json_t *declared = json_object_get(views, view->name);
  const json_t *prop;
  size_t i, j, n = view->count();
  char msg[200];
  begin_case("typed_views.json: the library's %s listing is the core's declaration, both directions",
             view->name);
  CHECK(json_is_array(declared) && json_array_size(declared) > 0);
  CHECK(n == json_array_size(declared));
  /* The file -> the library, same kind, in the same order. */
  json_array_foreach(declared, i, prop) {
    const char *want = json_string_value(json_object_get(prop, "name"));
    const char *want_kind = json_string_value(json_object_get(prop, "kind"));
    struct wechatpay_property p;
    CHECK(want != NULL && want_kind != NULL);
    if (want == NULL || want_kind == NULL) continue;
    if (!find_property(view, want, &p)) {
      snprintf(msg, sizeof msg, "the core's %s property %s is not listed by the library", view->name, want);
      check_failed(__FILE__, __LINE__, msg);
    } else if (!str_eq(p.kind_name, want_kind, strlen(want_kind))) {
      snprintf(msg, sizeof msg, "%s %s is %s in typed_views.json, %.*s in the library", view->name,
               want, want_kind, (int)p.kind_name.len, p.kind_name.data);
      check_failed(__FILE__, __LINE__, msg);
    }
    if (view->at(i, &p)) CHECK(str_eq(p.name, want, strlen(want)));
  }
  /* The library -> the file (each name once), a getter for each kind. */
  for (i = 0; i < n; i++) {
    struct wechatpay_property p, q;
    bool found = false;
    CHECK(view->at(i, &p));
    json_array_foreach(declared, j, prop) {
      if (jstr_eq(p.name, json_object_get(prop, "name"))) found = true;
    }
    if (!found) {
      snprintf(msg, sizeof msg, "the library's %s property %.*s is not in typed_views.json",
               view->name, (int)p.name.len, p.name.data);
      check_failed(__FILE__, __LINE__, msg);
    }
    for (j = 0; j < i; j++) {
      if (view->at(j, &q) && str_eq(q.name, p.name.data, p.name.len)) {
        snprintf(msg, sizeof msg, "the library lists %.*s twice", (int)p.name.len, p.name.data);
        check_failed(__FILE__, __LINE__, msg);
      }
    }
    CHECK(kind_matches(&p));
    CHECK(p.kind != WECHATPAY_PROPERTY_KIND_BOOL || view->flag != NULL);
    CHECK(p.kind != WECHATPAY_PROPERTY_KIND_AMOUNT || view->amount != NULL);
    CHECK(p.kind != WECHATPAY_PROPERTY_KIND_COUPONS || view == &PAYMENT_VIEW);
  }
  {
    struct wechatpay_property p = {{"sentinel", 8}, WECHATPAY_PROPERTY_KIND_BOOL, {"x", 1}};
    CHECK(!view->at(n, &p) && p.name.len == 8);
    CHECK(!view->at(0, NULL));
  }
  end_case();
}

void run_typed_view_tests(const char *dir) {
  char path[1024];
  json_error_t jerr;
  json_t *root;
  const json_t *views;
  size_t k;
  snprintf(path, sizeof path, "%s/typed_views.json", dir);
  root = json_load_file(path, 0, &jerr);
  begin_case("typed_views.json: load, every view of the core has a C listing");
  if (root == NULL) {
    fprintf(stderr, "cannot load %s: %s (it is written by `cargo run -p xtask -- vectors`)\n", path,
            jerr.text);
  }
  CHECK(root != NULL);
  views = json_object_get(root, "views");
  CHECK(json_is_string(json_object_get(root, "schema")) &&
        strcmp(json_string_value(json_object_get(root, "schema")), "wechatpay-notify/typed-views/1") == 0);
  CHECK(json_is_object(views) && json_object_size(views) == COUNT(VIEWS));
  {
    const char *view;
    const json_t *props;
    json_object_foreach((json_t *)views, view, props) {
      bool found = false;
      for (k = 0; k < COUNT(VIEWS); k++) found = found || strcmp(view, VIEWS[k]->name) == 0;
      if (!found) {
        char msg[160];
        snprintf(msg, sizeof msg, "typed_views.json has a view the C API does not list: %s", view);
        check_failed(__FILE__, __LINE__, msg);
      }
    }
  }
  end_case();
  for (k = 0; k < COUNT(VIEWS); k++) compare_listing(views, VIEWS[k]);
  json_decref(root);
}
