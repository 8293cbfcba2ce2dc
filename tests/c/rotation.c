/* Key rotation through the C API: every case of tests/vectors/v3_key_dirs.json
 * (wechatpay_trusted_keys_load_dir: exact ids, or the exact code and the file named in the
 * message), swapping a verifier's and an endpoint's trusted keys, the refusals that leave them as
 * they were, NULL arguments, and swaps racing 4 verifying threads.
 *
 * The notifications are v3_notify.json tcId 2 (signed with the platform certificate
 * D7CE59D1F522D701: the old key) and tcId 1 (signed with the public key
 * PUB_KEY_ID_0114232134912410000000000000: the new key). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <jansson.h>

#include "harness.h"
#include "vectors.h"

#define PUB_ID "PUB_KEY_ID_0114232134912410000000000000"
#define CERT_SERIAL "D7CE59D1F522D701"
#define API_V3_KEY "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
#define ROTATION_THREADS 4
#define ROTATION_SWAPS 2000

/* A whole file, malloc'd and NUL-terminated (NULL on error). */
static char *read_text(const char *dir, const char *name, size_t *len) {
  char path[1024];
  FILE *f;
  char *buf;
  long size;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "rb");
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  buf = malloc((size_t)size + 1);
  if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf != NULL) {
    buf[size] = '\0';
    *len = (size_t)size;
  }
  return buf;
}

static void run_key_dir_vectors(const char *dir) {
  const char *file = "v3_key_dirs.json";
  json_t *root = load_vectors(dir, file, "wechatpay-notify/v3-key-dirs/1");
  const json_t *group, *test;
  size_t gi, ti;
  json_int_t ran = 0;
  if (root == NULL) return;
  json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
    json_array_foreach(json_object_get(group, "tests"), ti, test) {
      char path[1024];
      struct wechatpay_trusted_keys *keys = (struct wechatpay_trusted_keys *)&ran; /* sentinel */
      struct wechatpay_error *err;
      const json_t *ids = json_object_get(test, "ids");
      ran++;
      begin_case("%s tcId %d: %s", file, (int)json_integer_value(json_object_get(test, "tcId")),
                 json_string_value(json_object_get(test, "comment")));
      snprintf(path, sizeof path, "%s/%s", dir, json_string_value(json_object_get(test, "dir")));
      err = wechatpay_trusted_keys_load_dir(path, strlen(path), &keys);
      if (strcmp(json_string_value(json_object_get(test, "result")), "valid") == 0) {
        CHECK_OK(err);
        if (err == NULL) {
          size_t i;
          struct wechatpay_str id;
          CHECK(wechatpay_trusted_keys_count(keys) == json_array_size(ids));
          for (i = 0; i < json_array_size(ids); i++) {
            CHECK(wechatpay_trusted_keys_id(keys, i, &id) && jstr_eq(id, json_array_get(ids, i)));
          }
          CHECK(!wechatpay_trusted_keys_id(keys, json_array_size(ids), &id));
          wechatpay_trusted_keys_free(keys);
        }
      } else {
        const char *part = json_string_value(json_object_get(test, "messageIncludes"));
        CHECK(err != NULL && part != NULL && strstr(wechatpay_error_message(err), part) != NULL);
        CHECK_ERROR(err, json_string_value(json_object_get(test, "error")));
        CHECK(keys == (struct wechatpay_trusted_keys *)&ran); /* untouched on failure */
      }
      end_case();
    }
  }
  check_total(root, file, ran);
  json_decref(root);
}

/* A request of v3_notify.json, by tcId. */
struct rotation_case {
  struct wechatpay_field *headers;
  size_t headers_len;
  unsigned char *body;
  size_t body_len;
  uint64_t now;
};

static bool find_case(const json_t *root, json_int_t tc_id, struct rotation_case *c) {
  const json_t *group, *test;
  size_t gi, ti;
  json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
    json_array_foreach(json_object_get(group, "tests"), ti, test) {
      if (json_integer_value(json_object_get(test, "tcId")) == tc_id) {
        c->headers = test_headers(test, &c->headers_len);
        c->body = test_body(test, &c->body_len);
        c->now = (uint64_t)json_integer_value(json_object_get(test, "now"));
        return c->headers != NULL && c->body != NULL;
      }
    }
  }
  return false;
}

/* "ok" or the error's code (the error is freed). */
static const char *outcome(const struct wechatpay_v3_verifier *v, const struct rotation_case *c) {
  struct wechatpay_v3_notification *n = NULL;
  struct wechatpay_error *err =
      wechatpay_v3_verifier_verify(v, c->headers, c->headers_len, c->body, c->body_len, c->now, &n);
  const char *code;
  if (err == NULL) {
    wechatpay_v3_notification_free(n);
    return "ok";
  }
  code = strcmp(wechatpay_error_code(err), "unknown_serial") == 0 ? "unknown_serial" : "other";
  wechatpay_error_free(err);
  return code;
}

static const char *endpoint_outcome(const struct wechatpay_endpoint *e, const struct rotation_case *c) {
  struct wechatpay_endpoint_result *r = NULL;
  struct wechatpay_error *err =
      wechatpay_endpoint_handle(e, c->headers, c->headers_len, c->body, c->body_len, c->now, &r);
  if (err == NULL) {
    struct wechatpay_str label;
    bool shop = wechatpay_endpoint_result_label(r, &label) && STR_EQ(label, "shop");
    wechatpay_endpoint_result_free(r);
    return shop ? "shop" : "other";
  }
  {
    const char *code = strcmp(wechatpay_error_code(err), "unknown_serial") == 0 ? "unknown_serial" : "other";
    wechatpay_error_free(err);
    return code;
  }
}

struct rotation_job {
  const struct wechatpay_v3_verifier *verifier;
  const struct wechatpay_endpoint *endpoint;
  const struct rotation_case *c;
  atomic_int *stop;
  int runs;
  int failures;
};

static void *rotation_worker(void *arg) {
  struct rotation_job *job = arg;
  while (!atomic_load(job->stop) || job->runs == 0) {
    const char *got = job->verifier ? outcome(job->verifier, job->c) : endpoint_outcome(job->endpoint, job->c);
    /* The old set's verdict or the new set's: never another error (no empty set, no mix). */
    if (strcmp(got, job->verifier ? "ok" : "shop") != 0 && strcmp(got, "unknown_serial") != 0) job->failures++;
    job->runs++;
  }
  return NULL;
}

/* 4 threads verify the old and the new notification while this thread swaps the sets. */
static void race(const struct wechatpay_v3_verifier *v, const struct wechatpay_endpoint *e,
                 const struct rotation_case *old_case, const struct rotation_case *new_case,
                 const struct wechatpay_trusted_keys *old_keys, const struct wechatpay_trusted_keys *new_keys) {
  struct rotation_job jobs[ROTATION_THREADS];
  pthread_t threads[ROTATION_THREADS];
  atomic_int stop = 0;
  int i, started = 0, swaps_failed = 0;
  for (i = 0; i < ROTATION_THREADS; i++) {
    jobs[i].verifier = v;
    jobs[i].endpoint = e;
    jobs[i].c = i % 2 ? new_case : old_case;
    jobs[i].stop = &stop;
    jobs[i].runs = 0;
    jobs[i].failures = 0;
    if (pthread_create(&threads[i], NULL, rotation_worker, &jobs[i]) == 0) started++;
  }
  CHECK(started == ROTATION_THREADS);
  for (i = 0; i < ROTATION_SWAPS; i++) {
    const struct wechatpay_trusted_keys *set = i % 2 ? old_keys : new_keys;
    struct wechatpay_error *err = v ? wechatpay_v3_verifier_replace_trusted_keys(v, set)
                                    : wechatpay_endpoint_replace_trusted_keys(e, LIT("shop"), set);
    if (err != NULL) swaps_failed++;
    wechatpay_error_free(err);
  }
  atomic_store(&stop, 1);
  for (i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    CHECK(jobs[i].failures == 0 && jobs[i].runs > 0);
  }
  CHECK(swaps_failed == 0);
}

void run_rotation_tests(const char *dir) {
  char keys_dir[1024];
  json_t *root = load_vectors(dir, "v3_notify.json", "wechatpay-notify/v3-notify/1");
  struct rotation_case old_case, new_case;
  struct wechatpay_trusted_keys *old_keys = NULL, *new_keys = NULL, *empty = NULL, *taken = NULL;
  struct wechatpay_v3_verifier_builder *b = NULL;
  struct wechatpay_v3_verifier *v = NULL, *other = NULL;
  char *cert = NULL, *pub_a = NULL, *pub_b = NULL;
  size_t cert_len = 0, pub_a_len = 0, pub_b_len = 0;

  run_key_dir_vectors(dir);
  memset(&old_case, 0, sizeof old_case);
  memset(&new_case, 0, sizeof new_case);
  snprintf(keys_dir, sizeof keys_dir, "%s/keys", dir);

  begin_case("rotation: fixtures (v3_notify.json tcId 1 and 2, the certificate and public keys)");
  cert = read_text(keys_dir, "wechatpay-go-certificate.pem", &cert_len);
  pub_a = read_text(keys_dir, "pubkey-a-public.pem", &pub_a_len);
  pub_b = read_text(keys_dir, "pubkey-b-public.pem", &pub_b_len);
  CHECK(root != NULL && find_case(root, 2, &old_case) && find_case(root, 1, &new_case));
  CHECK(cert != NULL && pub_a != NULL && pub_b != NULL);
  end_case();
  if (root == NULL || old_case.body == NULL || new_case.body == NULL || !cert || !pub_a || !pub_b) goto done;

  begin_case("rotation: sets built from PEMs; a refused key leaves the set as it was");
  CHECK_OK(wechatpay_trusted_keys_new(&old_keys));
  CHECK_OK(wechatpay_trusted_keys_add_platform_certificate(old_keys, cert, cert_len));
  CHECK_OK(wechatpay_trusted_keys_new(&new_keys));
  CHECK_OK(wechatpay_trusted_keys_add_public_key(new_keys, LIT(PUB_ID), pub_a, pub_a_len));
  CHECK_ERROR(wechatpay_trusted_keys_add_public_key(new_keys, LIT(PUB_ID), pub_b, pub_b_len), "invalid_config");
  CHECK_ERROR(wechatpay_trusted_keys_add_trusted_key(new_keys, LIT("0A1B"), cert, cert_len), "invalid_config");
  CHECK(wechatpay_trusted_keys_count(new_keys) == 1);
  CHECK_OK(wechatpay_trusted_keys_new(&empty));
  CHECK(wechatpay_trusted_keys_count(empty) == 0);
  CHECK_OK(wechatpay_trusted_keys_new(&taken));
  CHECK_OK(wechatpay_trusted_keys_add_trusted_key(taken, LIT("PUB_KEY_ID_2"), pub_b, pub_b_len));
  end_case();

  begin_case("rotation: a swap changes which notifications verify; an empty set is refused");
  CHECK_OK(wechatpay_v3_verifier_builder_new(LIT(API_V3_KEY), &b));
  CHECK_OK(wechatpay_v3_verifier_builder_add_platform_certificate(b, cert, cert_len));
  CHECK_OK(wechatpay_v3_verifier_builder_build(b, &v));
  if (v != NULL) {
    struct wechatpay_str id;
    struct wechatpay_trusted_keys *snapshot = NULL;
    CHECK(strcmp(outcome(v, &old_case), "ok") == 0 && strcmp(outcome(v, &new_case), "unknown_serial") == 0);
    CHECK(wechatpay_v3_verifier_trusted_key_id(v, 0, &id) && STR_EQ(id, CERT_SERIAL));
    CHECK_OK(wechatpay_v3_verifier_replace_trusted_keys(v, new_keys));
    /* The id read before the swap is still readable (ids outlive the set they came from). */
    CHECK(STR_EQ(id, CERT_SERIAL));
    CHECK(strcmp(outcome(v, &old_case), "unknown_serial") == 0 && strcmp(outcome(v, &new_case), "ok") == 0);
    CHECK(wechatpay_v3_verifier_trusted_key_count(v) == 1 && wechatpay_v3_verifier_trusts(v, LIT(PUB_ID)));
    CHECK(wechatpay_v3_verifier_trusted_key_id(v, 0, &id) && STR_EQ(id, PUB_ID));
    CHECK_ERROR(wechatpay_v3_verifier_replace_trusted_keys(v, empty), "invalid_config");
    CHECK(strcmp(outcome(v, &new_case), "ok") == 0);
    CHECK_OK(wechatpay_v3_verifier_trusted_keys(v, &snapshot));
    CHECK(wechatpay_trusted_keys_count(snapshot) == 1);
    CHECK_OK(wechatpay_v3_verifier_replace_trusted_keys(v, old_keys));
    CHECK(wechatpay_trusted_keys_id(snapshot, 0, &id) && STR_EQ(id, PUB_ID)); /* a snapshot stays */
    /* Freeing the set does not take it from the verifier. */
    wechatpay_trusted_keys_free(snapshot);
    CHECK(strcmp(outcome(v, &old_case), "ok") == 0);
  }
  end_case();

  begin_case("rotation: a builder can trust a set (a verifier started from a directory)");
  {
    struct wechatpay_v3_verifier_builder *db = NULL;
    struct wechatpay_v3_verifier *dv = NULL;
    struct wechatpay_trusted_keys *dir_keys = NULL;
    char good[1024];
    snprintf(good, sizeof good, "%s/key-dirs/good", dir);
    CHECK_OK(wechatpay_trusted_keys_load_dir(good, strlen(good), &dir_keys));
    CHECK_OK(wechatpay_v3_verifier_builder_new(LIT(API_V3_KEY), &db));
    CHECK_ERROR(wechatpay_v3_verifier_builder_replace_trusted_keys(db, empty), "invalid_config");
    CHECK_ERROR(wechatpay_v3_verifier_builder_build(db, &dv), "invalid_config");
    CHECK_OK(wechatpay_v3_verifier_builder_replace_trusted_keys(db, dir_keys));
    wechatpay_trusted_keys_free(dir_keys);
    CHECK_OK(wechatpay_v3_verifier_builder_build(db, &dv));
    if (dv != NULL) {
      CHECK(wechatpay_v3_verifier_trusted_key_count(dv) == 2);
      CHECK(strcmp(outcome(dv, &old_case), "ok") == 0 && strcmp(outcome(dv, &new_case), "ok") == 0);
    }
    CHECK_ERROR(wechatpay_v3_verifier_builder_replace_trusted_keys(NULL, new_keys), "invalid_argument");
    wechatpay_v3_verifier_free(dv);
    wechatpay_v3_verifier_builder_free(db);
  }
  end_case();

  begin_case("rotation: NULL and misuse are invalid_argument, frees accept NULL");
  {
    struct wechatpay_trusted_keys *untouched = (struct wechatpay_trusted_keys *)&old_case;
    CHECK_ERROR(wechatpay_v3_verifier_replace_trusted_keys(NULL, new_keys), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_verifier_replace_trusted_keys(v, NULL), "invalid_argument");
    CHECK_ERROR(wechatpay_v3_verifier_trusted_keys(v, NULL), "invalid_argument");
    CHECK_ERROR(wechatpay_trusted_keys_new(NULL), "invalid_argument");
    CHECK_ERROR(wechatpay_trusted_keys_load_dir(NULL, 3, &untouched), "invalid_argument");
    CHECK_ERROR(wechatpay_trusted_keys_load_dir(LIT("tests/vectors/key-dirs/good"), NULL), "invalid_argument");
    CHECK_ERROR(wechatpay_trusted_keys_load_dir(NULL, 0, &untouched), "invalid_config");
    CHECK(untouched == (struct wechatpay_trusted_keys *)&old_case);
    CHECK_ERROR(wechatpay_trusted_keys_add_public_key(NULL, LIT(PUB_ID), pub_a, pub_a_len), "invalid_argument");
    CHECK_ERROR(wechatpay_trusted_keys_add_platform_certificate(old_keys, NULL, 5), "invalid_argument");
    CHECK_ERROR(wechatpay_trusted_keys_add_trusted_key(old_keys, LIT(PUB_ID), "\xff", 1), "invalid_config");
    CHECK_ERROR(wechatpay_endpoint_replace_trusted_keys(NULL, LIT("shop"), new_keys), "invalid_argument");
    CHECK(wechatpay_trusted_keys_count(NULL) == 0);
    CHECK(!wechatpay_trusted_keys_id(NULL, 0, NULL));
    wechatpay_trusted_keys_free(NULL);
  }
  end_case();

  begin_case("rotation: %d threads verify old and new notifications while %d swaps run", ROTATION_THREADS,
             ROTATION_SWAPS);
  if (v != NULL) race(v, NULL, &old_case, &new_case, old_keys, new_keys);
  end_case();

  begin_case("rotation: an endpoint swaps one merchant's keys and its routes");
  {
    struct wechatpay_endpoint_builder *eb = NULL;
    struct wechatpay_endpoint *e = NULL;
    struct wechatpay_v3_verifier_builder *ob = NULL;
    struct wechatpay_trusted_keys *current = NULL;
    struct wechatpay_str id;
    CHECK_OK(wechatpay_v3_verifier_builder_new(LIT(API_V3_KEY), &ob));
    CHECK_OK(wechatpay_v3_verifier_builder_add_trusted_key(ob, LIT("PUB_KEY_ID_2"), pub_b, pub_b_len));
    CHECK_OK(wechatpay_v3_verifier_builder_build(ob, &other));
    CHECK_OK(wechatpay_v3_verifier_replace_trusted_keys(v, old_keys));
    CHECK_OK(wechatpay_endpoint_builder_new(&eb));
    CHECK_OK(wechatpay_endpoint_builder_add_profile(eb, LIT("shop"), NULL, v));
    CHECK_OK(wechatpay_endpoint_builder_add_profile(eb, LIT("other"), NULL, other));
    CHECK_OK(wechatpay_endpoint_builder_build(eb, &e));
    if (e != NULL) {
      CHECK(strcmp(endpoint_outcome(e, &old_case), "shop") == 0);
      CHECK(strcmp(endpoint_outcome(e, &new_case), "unknown_serial") == 0);
      /* The endpoint took the verifier's keys when it was built. */
      CHECK_OK(wechatpay_v3_verifier_replace_trusted_keys(v, new_keys));
      CHECK(strcmp(endpoint_outcome(e, &new_case), "unknown_serial") == 0);
      CHECK_OK(wechatpay_endpoint_replace_trusted_keys(e, LIT("shop"), new_keys));
      CHECK(strcmp(endpoint_outcome(e, &old_case), "unknown_serial") == 0);
      CHECK(strcmp(endpoint_outcome(e, &new_case), "shop") == 0);
      CHECK_OK(wechatpay_endpoint_trusted_keys(e, LIT("shop"), &current));
      CHECK(wechatpay_trusted_keys_id(current, 0, &id) && STR_EQ(id, PUB_ID));
      wechatpay_trusted_keys_free(current);
      CHECK_ERROR(wechatpay_endpoint_trusted_keys(e, LIT("nobody"), &current), "invalid_config");
      CHECK_ERROR(wechatpay_endpoint_replace_trusted_keys(e, LIT("nobody"), new_keys), "invalid_config");
      CHECK_ERROR(wechatpay_endpoint_replace_trusted_keys(e, LIT("shop"), empty), "invalid_config");
      CHECK_ERROR(wechatpay_endpoint_replace_trusted_keys(e, LIT("shop"), taken), "invalid_config");
      CHECK(strcmp(endpoint_outcome(e, &new_case), "shop") == 0);
      race(NULL, e, &old_case, &new_case, old_keys, new_keys);
    }
    wechatpay_endpoint_free(e);
    wechatpay_endpoint_builder_free(eb);
    wechatpay_v3_verifier_builder_free(ob);
  }
  end_case();

done:
  wechatpay_v3_verifier_free(v);
  wechatpay_v3_verifier_free(other);
  wechatpay_v3_verifier_builder_free(b);
  wechatpay_trusted_keys_free(old_keys);
  wechatpay_trusted_keys_free(new_keys);
  wechatpay_trusted_keys_free(empty);
  wechatpay_trusted_keys_free(taken);
  free(cert);
  free(pub_a);
  free(pub_b);
  free(old_case.headers);
  free(old_case.body);
  free(new_case.headers);
  free(new_case.body);
  json_decref(root);
}
