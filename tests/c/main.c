/* The C suite: every shared vector, misuse of the API, and a multi-threaded run.
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
    /* The number is the code's stable number: 7001.. in SPEC §3 order. */
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
  if (wechatpay_error_message(err)[0] == '\0') {
    check_failed(file, line, "error message is empty");
  }
  wechatpay_error_free(err);
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

char *make_payment_body(const char *sign_type, const char *transaction_id, const char *total_fee) {
  struct wechatpay_field fields[6];
  const char *names[6] = {"return_code", "result_code", "appid", "mch_id", "transaction_id",
                          "total_fee"};
  const char *values[6];
  struct wechatpay_string *sig = NULL;
  struct wechatpay_error *err;
  char *body;
  size_t i, cap = 1024;
  values[0] = "SUCCESS";
  values[1] = "SUCCESS";
  values[2] = "wx2421b1c4370ec43b";
  values[3] = "10000100";
  values[4] = transaction_id;
  values[5] = total_fee;
  for (i = 0; i < 6; i++) {
    fields[i].name.data = names[i];
    fields[i].name.len = strlen(names[i]);
    fields[i].value.data = values[i];
    fields[i].value.len = strlen(values[i]);
  }
  err = wechatpay_sign(fields, 6, LIT(TEST_KEY), sign_type, strlen(sign_type), &sig);
  if (err != NULL) {
    wechatpay_error_free(err);
    return NULL;
  }
  body = malloc(cap);
  if (body == NULL) {
    wechatpay_string_free(sig);
    return NULL;
  }
  strcpy(body, "<xml>");
  for (i = 0; i < 6; i++) {
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

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "tests/vectors";
  printf("wechatpay-notify C suite, library %s\n", wechatpay_version());
  run_vector_tests(dir);
  run_misuse_tests();
  run_thread_tests();
  printf("%d passed, %d failed\n", tests_passed, tests_failed);
  return tests_failed == 0 && tests_passed > 0 ? 0 : 1;
}
