/* The C surface of the soak (scripts/soak.sh): ROUNDS rounds of the five cases written by
 * soak/extract.py (valid payment, forged payment, malformed payment, valid refund, valid APIv3
 * notification) through include/wechatpay_notify.h, each verdict checked every round and every
 * handle and error freed. Memory is sampled after WARMUP rounds and at the end: VmRSS from
 * /proc/self/status and glibc's in-use heap bytes (mallinfo2: uordblks + hblkhd).
 *
 * Usage: soak CASES_DIR ROUNDS WARMUP
 * Prints "RESULT c <verifications> <seconds> <rss_start_kb> <rss_end_kb> heap_in_use_bytes <start>
 * <end>" for scripts/soak.sh to judge; exits 1 on a wrong verdict, 2 on a usage or setup error. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "wechatpay_notify.h"

enum kind { KIND_PAY, KIND_REFUND, KIND_V3 };

struct soak_case {
  char name[32];
  enum kind kind;
  struct wechatpay_verifier *v2;
  struct wechatpay_v3_verifier *v3;
  struct wechatpay_field *headers;
  size_t headers_len;
  uint64_t now;
  unsigned char *body;
  size_t body_len;
  bool expect_ok;
  const char *expect; /* the dedupe key or the error code; borrowed from the JSON document */
};

static void die(const char *what, const char *detail) {
  fprintf(stderr, "soak c: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(2);
}

/* Exits on an error from the setup (building a verifier). */
static void setup(struct wechatpay_error *err, const char *what) {
  if (err != NULL) {
    fprintf(stderr, "soak c: %s: %s: %s\n", what, wechatpay_error_code(err), wechatpay_error_message(err));
    wechatpay_error_free(err);
    exit(2);
  }
}

static long rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  if (f == NULL) die("cannot open /proc/self/status", NULL);
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "VmRSS:", 6) == 0) {
      kb = strtol(line + 6, NULL, 10);
      break;
    }
  }
  fclose(f);
  if (kb < 0) die("no VmRSS in /proc/self/status", NULL);
  return kb;
}

static size_t heap_in_use(void) {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

static unsigned char *read_file(const char *dir, const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) die("cannot open", path);
  if (fseek(f, 0, SEEK_END) != 0) die("cannot seek", path);
  long size = ftell(f);
  if (size < 0 || fseek(f, 0, SEEK_SET) != 0) die("cannot size", path);
  unsigned char *buf = malloc(size > 0 ? (size_t)size : 1);
  if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) die("cannot read", path);
  fclose(f);
  *len = (size_t)size;
  return buf;
}

static const char *str(const json_t *v, const char *key) {
  const char *s = json_string_value(json_object_get(v, key));
  if (s == NULL) die("cases.json: missing string", key);
  return s;
}

static struct wechatpay_verifier *v2_verifier(const json_t *cfg) {
  struct wechatpay_verifier_builder *b = NULL;
  struct wechatpay_verifier *v = NULL;
  const char *key = str(cfg, "apiKey"), *type = str(cfg, "signType");
  setup(wechatpay_verifier_builder_new(key, strlen(key), type, strlen(type), &b), "v2 builder");
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(cfg, "alsoAccept"), i, t) {
    const char *s = json_string_value(t);
    setup(wechatpay_verifier_builder_also_accept(b, s, strlen(s)), "alsoAccept");
  }
  const char *appid = json_string_value(json_object_get(cfg, "appid"));
  if (appid != NULL) setup(wechatpay_verifier_builder_expect_appid(b, appid, strlen(appid)), "appid");
  const char *mch = json_string_value(json_object_get(cfg, "mchId"));
  if (mch != NULL) setup(wechatpay_verifier_builder_expect_mch_id(b, mch, strlen(mch)), "mchId");
  json_t *max = json_object_get(cfg, "maxBodyBytes");
  if (json_is_integer(max)) {
    setup(wechatpay_verifier_builder_max_body_bytes(b, (size_t)json_integer_value(max)), "maxBodyBytes");
  }
  setup(wechatpay_verifier_builder_build(b, &v), "v2 build");
  wechatpay_verifier_builder_free(b);
  return v;
}

static struct wechatpay_v3_verifier *v3_verifier(const json_t *cfg) {
  struct wechatpay_v3_verifier_builder *b = NULL;
  struct wechatpay_v3_verifier *v = NULL;
  const char *key = str(cfg, "apiV3Key");
  setup(wechatpay_v3_verifier_builder_new(key, strlen(key), &b), "v3 builder");
  size_t i;
  json_t *pair;
  json_array_foreach(json_object_get(cfg, "platformKeys"), i, pair) {
    const char *id = json_string_value(json_array_get(pair, 0));
    const char *pem = json_string_value(json_array_get(pair, 1));
    if (id == NULL || pem == NULL) die("cases.json: platformKeys", NULL);
    setup(wechatpay_v3_verifier_builder_add_trusted_key(b, id, strlen(id), pem, strlen(pem)), "platform key");
  }
  json_t *skew = json_object_get(cfg, "maxClockSkew");
  if (json_is_integer(skew)) {
    setup(wechatpay_v3_verifier_builder_max_clock_skew(b, (uint64_t)json_integer_value(skew)), "maxClockSkew");
  }
  json_t *max = json_object_get(cfg, "maxBodyBytes");
  if (json_is_integer(max)) {
    setup(wechatpay_v3_verifier_builder_max_body_bytes(b, (size_t)json_integer_value(max)), "maxBodyBytes");
  }
  setup(wechatpay_v3_verifier_builder_build(b, &v), "v3 build");
  wechatpay_v3_verifier_builder_free(b);
  return v;
}

static bool str_eq(struct wechatpay_str got, const char *want) {
  size_t n = strlen(want);
  return got.len == n && (n == 0 || memcmp(got.data, want, n) == 0);
}

/* One verification; prints why and returns false on a wrong verdict. */
static bool run(const struct soak_case *c, long round) {
  struct wechatpay_error *err = NULL;
  struct wechatpay_str key = {NULL, 0};
  bool ok = false;
  switch (c->kind) {
    case KIND_PAY: {
      struct wechatpay_payment *p = NULL;
      err = wechatpay_verifier_verify_payment(c->v2, c->body, c->body_len, &p);
      if (err == NULL) {
        ok = c->expect_ok && wechatpay_payment_dedupe_key(p, &key) && str_eq(key, c->expect);
        wechatpay_payment_free(p);
      }
      break;
    }
    case KIND_REFUND: {
      struct wechatpay_refund *r = NULL;
      err = wechatpay_verifier_decrypt_refund(c->v2, c->body, c->body_len, &r);
      if (err == NULL) {
        ok = c->expect_ok && wechatpay_refund_dedupe_key(r, &key) && str_eq(key, c->expect);
        wechatpay_refund_free(r);
      }
      break;
    }
    case KIND_V3: {
      struct wechatpay_v3_notification *n = NULL;
      err = wechatpay_v3_verifier_verify(c->v3, c->headers, c->headers_len, c->body, c->body_len, c->now, &n);
      if (err == NULL) {
        ok = c->expect_ok && wechatpay_v3_notification_dedupe_key(n, &key) && str_eq(key, c->expect);
        wechatpay_v3_notification_free(n);
      }
      break;
    }
  }
  if (err != NULL) {
    ok = !c->expect_ok && strcmp(wechatpay_error_code(err), c->expect) == 0;
    if (!ok) {
      fprintf(stderr, "soak c: round %ld: %s: got %s (%s), want %s\n", round, c->name, wechatpay_error_code(err),
              wechatpay_error_message(err), c->expect);
    }
    wechatpay_error_free(err);
  } else if (!ok) {
    fprintf(stderr, "soak c: round %ld: %s: verified, want %s %s\n", round, c->name,
            c->expect_ok ? "dedupe key" : "error", c->expect);
  }
  return ok;
}

static double seconds_since(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: soak CASES_DIR ROUNDS WARMUP\n");
    return 2;
  }
  const char *dir = argv[1];
  long rounds = strtol(argv[2], NULL, 10), warmup = strtol(argv[3], NULL, 10);
  char path[4096];
  snprintf(path, sizeof path, "%s/cases.json", dir);
  json_error_t jerr;
  json_t *doc = json_load_file(path, 0, &jerr);
  if (doc == NULL) die("cannot parse cases.json", jerr.text);
  json_t *list = json_object_get(doc, "cases");
  size_t ncases = json_array_size(list);
  struct soak_case *cases = calloc(ncases, sizeof *cases);
  if (ncases == 0 || cases == NULL) die("cases.json: no cases", NULL);

  for (size_t i = 0; i < ncases; i++) {
    const json_t *j = json_array_get(list, i);
    struct soak_case *c = &cases[i];
    const json_t *cfg = json_object_get(j, "config");
    const char *kind = str(j, "kind");
    snprintf(c->name, sizeof c->name, "%s", str(j, "name"));
    if (strcmp(kind, "pay") == 0 || strcmp(kind, "refund") == 0) {
      c->kind = strcmp(kind, "pay") == 0 ? KIND_PAY : KIND_REFUND;
      c->v2 = v2_verifier(cfg);
    } else if (strcmp(kind, "v3") == 0) {
      c->kind = KIND_V3;
      c->v3 = v3_verifier(cfg);
      const json_t *hs = json_object_get(j, "headers");
      c->headers_len = json_array_size(hs);
      c->headers = calloc(c->headers_len, sizeof *c->headers);
      if (c->headers == NULL) die("out of memory", NULL);
      for (size_t h = 0; h < c->headers_len; h++) {
        const char *name = json_string_value(json_array_get(json_array_get(hs, h), 0));
        const char *value = json_string_value(json_array_get(json_array_get(hs, h), 1));
        if (name == NULL || value == NULL) die("cases.json: headers", NULL);
        c->headers[h].name = (struct wechatpay_str){name, strlen(name)};
        c->headers[h].value = (struct wechatpay_str){value, strlen(value)};
      }
      c->now = (uint64_t)json_integer_value(json_object_get(j, "now"));
    } else {
      die("cases.json: unknown kind", kind);
    }
    c->body = read_file(dir, str(j, "bodyFile"), &c->body_len);
    const json_t *expect = json_object_get(j, "expect");
    c->expect_ok = json_is_true(json_object_get(expect, "ok"));
    c->expect = str(expect, c->expect_ok ? "dedupeKey" : "error");
  }

  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long rss_start = 0;
  size_t heap_start = 0;
  for (long round = 0; round < rounds; round++) {
    if (round == warmup) {
      rss_start = rss_kb();
      heap_start = heap_in_use();
    }
    for (size_t i = 0; i < ncases; i++) {
      if (!run(&cases[i], round)) return 1;
    }
  }
  double seconds = seconds_since(&t0);
  long rss_end = rss_kb();
  size_t heap_end = heap_in_use();
  printf("RESULT c %ld %.1f %ld %ld heap_in_use_bytes %zu %zu\n", rounds * (long)ncases, seconds, rss_start, rss_end,
         heap_start, heap_end);

  for (size_t i = 0; i < ncases; i++) {
    wechatpay_verifier_free(cases[i].v2);
    wechatpay_v3_verifier_free(cases[i].v3);
    free(cases[i].headers);
    free(cases[i].body);
  }
  free(cases);
  json_decref(doc);
  return 0;
}
