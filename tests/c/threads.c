/* One verifier shared by 8 threads: verifications run concurrently with identical results. */
#include <pthread.h>
#include <stdlib.h>

#include "harness.h"

#define THREADS 8
#define ROUNDS 200

struct job {
  const struct wechatpay_verifier *verifier;
  const char *good;
  const char *forged;
  int failures;
};

static void *worker(void *arg) {
  struct job *job = arg;
  int i;
  for (i = 0; i < ROUNDS; i++) {
    struct wechatpay_payment *p = NULL;
    struct wechatpay_error *err;
    struct wechatpay_str key;
    uint64_t fee = 0;
    bool present = false;
    err = wechatpay_verifier_verify_payment(job->verifier, (const uint8_t *)job->good,
                                            strlen(job->good), &p);
    if (err != NULL || !wechatpay_payment_dedupe_key(p, &key) || !STR_EQ(key, "4200000099")) {
      job->failures++;
    }
    wechatpay_error_free(err);
    err = wechatpay_payment_amount(p, LIT("total_fee"), &fee, &present);
    if (err != NULL || !present || fee != 888) job->failures++;
    wechatpay_error_free(err);
    wechatpay_payment_free(p);
    p = NULL;
    err = wechatpay_verifier_verify_payment(job->verifier, (const uint8_t *)job->forged,
                                            strlen(job->forged), &p);
    if (err == NULL || strcmp(wechatpay_error_code(err), "signature_mismatch") != 0 || p != NULL) {
      job->failures++;
    }
    wechatpay_error_free(err);
  }
  return NULL;
}

void run_thread_tests(void) {
  struct wechatpay_verifier *v = NULL;
  char *good = make_payment_body("HMAC-SHA256", "4200000099", "888");
  char *forged = good ? malloc(strlen(good) + 1) : NULL;
  struct job jobs[THREADS];
  pthread_t threads[THREADS];
  int i, started = 0;

  begin_case("threads: %d threads x %d rounds share one verifier", THREADS, ROUNDS);
  CHECK(good != NULL && forged != NULL);
  CHECK_OK(wechatpay_verifier_new(LIT(TEST_KEY), LIT("HMAC-SHA256"), &v));
  if (good != NULL && forged != NULL && v != NULL) {
    char *fee;
    strcpy(forged, good);
    fee = strstr(forged, "888");
    CHECK(fee != NULL);
    if (fee != NULL) fee[0] = '9'; /* an attacker raises the amount */
    for (i = 0; i < THREADS; i++) {
      jobs[i].verifier = v;
      jobs[i].good = good;
      jobs[i].forged = forged;
      jobs[i].failures = 0;
      if (pthread_create(&threads[i], NULL, worker, &jobs[i]) == 0) started++;
    }
    CHECK(started == THREADS);
    for (i = 0; i < started; i++) {
      pthread_join(threads[i], NULL);
      CHECK(jobs[i].failures == 0);
    }
  }
  wechatpay_verifier_free(v);
  free(good);
  free(forged);
  end_case();
}
