/* The C suite: every shared vector (v2, APIv3 and the endpoint), the typed views against the core's
 * declaration, misuse of the API, and multi-threaded runs.
 * Usage: wechatpay_notify_tests [VECTORS_DIR]   (default tests/vectors, run from the repo root)
 * Prints "N passed, M failed" and exits non-zero on any failure. */
#include <stdarg.h>
#include <stdlib.h>

#include "harness.h"

int tests_passed = 0;
int tests_failed = 0;
bool current_ok = true;
char current_name[256];

void begin_case(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(current_name, sizeof current_name, fmt, ap);
  va_end(ap);
  current_ok = true;
}

void end_case(void) {
  if (current_ok) {
    tests_passed++;
  } else {
    tests_failed++;
  }
}

void check_failed(const char *file, int line, const char *what) {
  if (current_ok) {
    fprintf(stderr, "FAIL %s\n", current_name);
  }
  fprintf(stderr, "  %s:%d: %s\n", file, line, what);
  current_ok = false;
}

void check_error(struct wechatpay_error *err, const char *code, const char *file, int line) {
  char what[512];
  if (err == NULL) {
    snprintf(what, sizeof what, "expected error %s, got success", code);
    check_failed(file, line, what);
    return;
  }
  if (strcmp(wechatpay_error_code(err), code) != 0) {
    snprintf(what, sizeof what, "expected error %s, got %s (%s)", code, wechatpay_error_code(err),
             wechatpay_error_message(err));
    check_failed(file, line, what);
  }
  {
    /* The number is the code's stable number: WECHATPAY_ERROR_KIND_INVALID_CONFIG (8201) + the
     * position of the code in SPEC §3 order. */
    static const char *const codes[] = {
        "invalid_config",  "invalid_argument",  "body_too_large",     "malformed_xml",
        "forbidden_doctype", "duplicate_field", "missing_field",      "return_code_fail",
        "missing_signature", "sign_type_mismatch", "signature_mismatch", "merchant_mismatch",
        "decrypt_failed",  "malformed_json",    "missing_header",     "unsupported_algorithm",
        "unknown_serial",  "signature_probe",   "timestamp_out_of_window", "internal"};
    uint32_t n = wechatpay_error_number(err);
    if (n < WECHATPAY_ERROR_KIND_INVALID_CONFIG || n > WECHATPAY_ERROR_KIND_INTERNAL ||
        strcmp(codes[n - WECHATPAY_ERROR_KIND_INVALID_CONFIG], wechatpay_error_code(err)) != 0) {
      snprintf(what, sizeof what, "error number %u does not match code %s", (unsigned)n,
               wechatpay_error_code(err));
      check_failed(file, line, what);
    }
  }
  {
    char why[160];
    if (!message_is_clean(wechatpay_error_message(err), why, sizeof why)) {
      snprintf(what, sizeof what, "error %s: %s", wechatpay_error_code(err), why);
      check_failed(file, line, what);
    }
  }
  wechatpay_error_free(err);
}

/* The message rule (issue 8.3): every message is at most 200 characters and contains no character
 * of Unicode categories Cc, Cf, Zl or Zp. The core promises more, printable ASCII, so this checks
 * that every byte is 0x20..0x7E: such bytes are whole UTF-8 characters, none of them Cc/Cf/Zl/Zp,
 * and a byte outside that range (a control byte, or any non-ASCII character such as U+2028 or
 * U+202E) fails, so the check is at least as strict as the rule. Characters = bytes here. */
bool message_is_clean(const char *message, char *why, size_t why_cap) {
  size_t i, len = strlen(message);
  if (len == 0) {
    snprintf(why, why_cap, "the message is empty");
    return false;
  }
  if (len > 200) {
    snprintf(why, why_cap, "the message is %zu characters long, over 200", len);
    return false;
  }
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)message[i];
    if (c < 0x20 || c > 0x7e) {
      snprintf(why, why_cap, "the message has byte 0x%02x at %zu (not printable ASCII)", c, i);
      return false;
    }
  }
  return true;
}

void check_ok(struct wechatpay_error *err, const char *file, int line) {
  if (err != NULL) {
    char what[512];
    snprintf(what, sizeof what, "unexpected error %s: %s", wechatpay_error_code(err),
             wechatpay_error_message(err));
    check_failed(file, line, what);
    wechatpay_error_free(err);
  }
}

bool str_eq(struct wechatpay_str got, const char *s, size_t len) {
  return got.len == len && (len == 0 || memcmp(got.data, s, len) == 0);
}

char *make_signed_body(const char *sign_type, const char *const *names, const char *const *values,
                       size_t n) {
  struct wechatpay_field *fields = calloc(n ? n : 1, sizeof *fields);
  struct wechatpay_string *sig = NULL;
  struct wechatpay_error *err;
  char *body;
  size_t i, cap = 64;
  if (fields == NULL) return NULL;
  for (i = 0; i < n; i++) {
    fields[i].name.data = names[i];
    fields[i].name.len = strlen(names[i]);
    fields[i].value.data = values[i];
    fields[i].value.len = strlen(values[i]);
    cap += 2 * strlen(names[i]) + strlen(values[i]) + 20;
  }
  err = wechatpay_sign(fields, n, LIT(TEST_KEY), sign_type, strlen(sign_type), &sig);
  free(fields);
  if (err != NULL) {
    wechatpay_error_free(err);
    return NULL;
  }
  cap += wechatpay_string_len(sig);
  body = malloc(cap);
  if (body == NULL) {
    wechatpay_string_free(sig);
    return NULL;
  }
  strcpy(body, "<xml>");
  for (i = 0; i < n; i++) {
    size_t used = strlen(body);
    snprintf(body + used, cap - used, "<%s><![CDATA[%s]]></%s>", names[i], values[i], names[i]);
  }
  {
    size_t used = strlen(body);
    snprintf(body + used, cap - used, "<sign>%s</sign></xml>", wechatpay_string_data(sig));
  }
  wechatpay_string_free(sig);
  return body;
}

char *make_payment_body(const char *sign_type, const char *transaction_id, const char *total_fee) {
  static const char *const names[7] = {"return_code", "result_code",    "appid",    "mch_id",
                                       "out_trade_no", "transaction_id", "total_fee"};
  const char *values[7];
  values[0] = "SUCCESS";
  values[1] = "SUCCESS";
  values[2] = "wx2421b1c4370ec43b";
  values[3] = "10000100";
  values[4] = "20261127ORDER0001";
  values[5] = transaction_id;
  values[6] = total_fee;
  return make_signed_body(sign_type, names, values, 7);
}

/* The message rule check itself can fail: it refuses what the rule forbids. */
static void message_rule_self_test(void) {
  char why[160], long_message[202];
  memset(long_message, 'a', 201);
  long_message[201] = '\0';
  begin_case("harness: the message rule check refuses controls, U+2028, U+202E, ANSI escapes, 201 chars");
  CHECK(message_is_clean("malformed_xml: an unexpected closing tag </a\\n>", why, sizeof why));
  CHECK(!message_is_clean("", why, sizeof why));
  CHECK(!message_is_clean("line\nbreak", why, sizeof why));
  CHECK(!message_is_clean("\x1b[31mred", why, sizeof why));
  CHECK(!message_is_clean("tab\there", why, sizeof why));
  CHECK(!message_is_clean("del\x7f", why, sizeof why));
  CHECK(!message_is_clean("ls\xe2\x80\xa8", why, sizeof why));
  CHECK(!message_is_clean("rlo\xe2\x80\xae", why, sizeof why));
  CHECK(!message_is_clean(long_message, why, sizeof why));
  long_message[200] = '\0';
  CHECK(message_is_clean(long_message, why, sizeof why));
  end_case();
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "tests/vectors";
  printf("wechatpay-notify C suite, library %s\n", wechatpay_version());
  message_rule_self_test();
  run_vector_tests(dir);
  run_typed_view_tests(dir);
  run_misuse_tests();
  run_thread_tests();
  run_v3_tests(dir);
  run_endpoint_tests(dir);
  run_rotation_tests(dir);
  printf("%d passed, %d failed\n", tests_passed, tests_failed);
  return tests_failed == 0 && tests_passed > 0 ? 0 : 1;
}
