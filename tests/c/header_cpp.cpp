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
