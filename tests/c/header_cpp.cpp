// The generated header must compile as C++ (cpp_compat): g++ -fsyntax-only.
#include "wechatpay_notify.h"

static_assert(WECHATPAY_ERROR_KIND_INVALID_CONFIG == 8201, "stable error numbers");
static_assert(WECHATPAY_ERROR_KIND_INTERNAL == 8220, "stable error numbers");

int header_compiles_as_cpp(const wechatpay_verifier *v, const uint8_t *body, size_t len) {
  wechatpay_payment *payment = nullptr;
  wechatpay_error *err = wechatpay_verifier_verify_payment(v, body, len, &payment);
  int ok = err == nullptr;
  wechatpay_error_free(err);
  wechatpay_payment_free(payment);
  return ok;
}

int v3_header_compiles_as_cpp(const wechatpay_v3_verifier *v, const wechatpay_field *headers,
                              size_t headers_len, const uint8_t *body, size_t len) {
  wechatpay_v3_notification *n = nullptr;
  wechatpay_http_reply reply;
  wechatpay_error *err =
      wechatpay_v3_verifier_verify(v, headers, headers_len, body, len, wechatpay_unix_now(), &n);
  int status;
  if (err == nullptr) {
    wechatpay_error_free(wechatpay_v3_reply_success(&reply));
  } else {
    wechatpay_error_free(wechatpay_v3_reply_fail(err, &reply));
  }
  status = reply.status;
  wechatpay_property p;
  if (wechatpay_v3_transaction_property(0, &p) && p.kind == WECHATPAY_PROPERTY_KIND_TEXT) status++;
  wechatpay_error_free(err);
  wechatpay_v3_notification_free(n);
  return status;
}

int endpoint_header_compiles_as_cpp(const wechatpay_endpoint *e, const wechatpay_field *headers,
                                    size_t headers_len, const uint8_t *body, size_t len) {
  wechatpay_endpoint_result *result = nullptr;
  wechatpay_http_reply reply;
  wechatpay_error *err =
      wechatpay_endpoint_handle(e, headers, headers_len, body, len, wechatpay_unix_now(), &result);
  int status = 0;
  if (err == nullptr) {
    if (wechatpay_endpoint_result_reply(result, &reply)) status = reply.status;
    if (wechatpay_endpoint_result_payment(result) != nullptr) status++;
  } else if (wechatpay_error_endpoint_reply(err, &reply)) {
    status = reply.status;
    if (wechatpay_error_endpoint_version(err) == WECHATPAY_API_VERSION_NONE) status++;
  }
  wechatpay_error_free(err);
  wechatpay_endpoint_result_free(result);
  return status;
}
