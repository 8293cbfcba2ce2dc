/* A WeChat Pay v2 payment notify_url handler in C: reads the POST body from stdin, verifies it,
 * writes the reply WeChat Pay expects to stdout. Usable as a CGI program.
 *
 *   WECHATPAY_API_KEY=...  [WECHATPAY_SIGN_TYPE=MD5|HMAC-SHA256]  [WECHATPAY_MCH_ID=...]
 *   [WECHATPAY_APPID=...]  ./notify_cgi [MD5|HMAC-SHA256] < body.xml
 *
 * Build: cc notify_cgi.c $(pkg-config --cflags --libs wechatpay-notify) -o notify_cgi
 * Exit status: 0 verified (SUCCESS reply), 1 rejected (FAIL reply), 2 usage or configuration error.
 * Verified payments are logged to stderr; only then may an order be marked paid (idempotently,
 * keyed by the dedupe key, since WeChat Pay retries). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wechatpay_notify.h>

#define MAX_READ (1024 * 1024)

static void reply(const char *text, size_t len) {
  if (getenv("GATEWAY_INTERFACE") != NULL) {
    fputs("Content-Type: text/xml; charset=utf-8\r\n\r\n", stdout);
  }
  fwrite(text, 1, len, stdout);
  fputc('\n', stdout);
}

static int fail(struct wechatpay_error *err, int status) {
  struct wechatpay_string *fail_reply = NULL;
  const char *code = wechatpay_error_code(err);
  fprintf(stderr, "notify_cgi: rejected: %s: %s\n", code, wechatpay_error_message(err));
  /* The reply carries the code only, never details an attacker could learn from. */
  if (wechatpay_reply_fail(code, strlen(code), &fail_reply) == NULL) {
    reply(wechatpay_string_data(fail_reply), wechatpay_string_len(fail_reply));
    wechatpay_string_free(fail_reply);
  }
  wechatpay_error_free(err);
  return status;
}

static int setting(struct wechatpay_verifier_builder *b, const char *env,
                   struct wechatpay_error *(*set)(struct wechatpay_verifier_builder *,
                                                  const char *, size_t)) {
  const char *value = getenv(env);
  struct wechatpay_error *err;
  if (value == NULL || value[0] == '\0') return 0;
  err = set(b, value, strlen(value));
  if (err != NULL) return fail(err, 2);
  return 0;
}

int main(int argc, char **argv) {
  const char *key = getenv("WECHATPAY_API_KEY");
  const char *sign_type = argc > 1 ? argv[1] : getenv("WECHATPAY_SIGN_TYPE");
  struct wechatpay_verifier_builder *builder = NULL;
  struct wechatpay_verifier *verifier = NULL;
  struct wechatpay_payment *payment = NULL;
  struct wechatpay_error *err;
  unsigned char *body;
  size_t len = 0, n;
  int status;

  if (key == NULL || sign_type == NULL) {
    fprintf(stderr, "usage: WECHATPAY_API_KEY=... %s MD5|HMAC-SHA256 < body.xml\n"
                    "       (or WECHATPAY_SIGN_TYPE instead of the argument)\n", argv[0]);
    return 2;
  }
  err = wechatpay_verifier_builder_new(key, strlen(key), sign_type, strlen(sign_type), &builder);
  if (err != NULL) return fail(err, 2);
  status = setting(builder, "WECHATPAY_MCH_ID", wechatpay_verifier_builder_expect_mch_id);
  if (status == 0) status = setting(builder, "WECHATPAY_APPID", wechatpay_verifier_builder_expect_appid);
  if (status == 0 && (err = wechatpay_verifier_builder_build(builder, &verifier)) != NULL) {
    status = fail(err, 2);
  }
  wechatpay_verifier_builder_free(builder);
  if (status != 0) return status;

  /* Read the raw body (the verifier enforces its own, smaller, size limit). */
  body = malloc(MAX_READ);
  if (body == NULL) {
    wechatpay_verifier_free(verifier);
    return 2;
  }
  while (len < MAX_READ && (n = fread(body + len, 1, MAX_READ - len, stdin)) > 0) len += n;

  err = wechatpay_verifier_verify_payment(verifier, body, len, &payment);
  free(body);
  if (err != NULL) {
    status = fail(err, 1);
  } else {
    struct wechatpay_str id = {"", 0}, trade = {"", 0};
    uint64_t total = 0;
    bool has_total = wechatpay_payment_total_fee(payment, &total);
    wechatpay_payment_dedupe_key(payment, &id);
    wechatpay_payment_out_trade_no(payment, &trade);
    fprintf(stderr, "notify_cgi: verified %s payment transaction_id=%.*s out_trade_no=%.*s total_fee=",
            wechatpay_payment_is_success(payment) ? "successful" : "FAILED", (int)id.len, id.data,
            (int)trade.len, trade.data);
    if (has_total) {
      fprintf(stderr, "%llu\n", (unsigned long long)total);
    } else {
      fprintf(stderr, "(absent)\n");
    }
    /* Acknowledge every verified notification, also result_code=FAIL ones. */
    reply(wechatpay_reply_success(), strlen(wechatpay_reply_success()));
    wechatpay_payment_free(payment);
    status = 0;
  }
  wechatpay_verifier_free(verifier);
  return status;
}
