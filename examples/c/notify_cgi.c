/* One WeChat Pay notify_url for several merchants, v2 and APIv3, in C, as a CGI program: it reads
 * the POST body from stdin and the request headers from the CGI environment (HTTP_*), hands both
 * to the library's endpoint (wechatpay_endpoint_handle), which decides the version and the
 * merchant and verifies the request with that merchant's own keys, records a verified
 * notification for its merchant in SQLite, and writes the endpoint's reply to stdout.
 *
 *   WECHATPAY_PROFILES=profiles.json  [WECHATPAY_DB=payments.sqlite3]  ./notify_cgi < body
 *   WECHATPAY_DB=...  ./notify_cgi add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN
 *
 * Build: cc notify_cgi.c -DWECHATPAY_SCHEMA_FILE='"/path/to/examples/schema.sql"' \
 *          $(pkg-config --cflags --libs wechatpay-notify sqlite3 jansson) -o notify_cgi
 *
 * The profiles file (the same JSON as `wechatpay-notify verify-any --profiles`) names each
 * merchant's key files (relative to the profiles file) or environment variables, never keys:
 *   {"profiles": [{"label": "shop-a",
 *     "v2": {"api_key_file": "shop-a/api_key.txt", "sign_type": "MD5", "mch_id": "10000100"},
 *     "v3": {"api_v3_key_env": "SHOP_A_API_V3_KEY",
 *            "platform_keys": {"PUB_KEY_ID_...": "shop-a/wechatpay_public_key.pem"}}}, ...]}
 *
 * A verified notification proves that WeChat Pay sent it, not that it pays *your* order: a
 * successful payment marks its merchant's order paid only if that merchant has the order, it is
 * still pending and its amount equals the payment's (v2 total_fee, APIv3 amount.total); anything
 * else is recorded in `discrepancies` for a person to review and is never fulfilled. WeChat Pay
 * retries until it is acknowledged, so the same notification arrives many times, even at once (one
 * CGI process each), and a merchant migrating to APIv3 receives each payment in both versions:
 * every one is applied in a single BEGIN IMMEDIATE transaction keyed by (merchant, dedupe key),
 * and a repeat changes nothing. The library's dedupe key names what a notification reports: a
 * successful payment's transaction_id (the same in both versions), transaction_id:STATE for one
 * that failed (a later success is another key), refund_id:STATUS for a refund (v2 CHANGE reads as
 * ABNORMAL, REFUNDCLOSE as CLOSED). Refunds are recorded once per key, and each refund's latest
 * state is kept in refund_states, moved forward only (ABNORMAL may become SUCCESS or CLOSED, never
 * the reverse, whatever order retries arrive in); they are never acted upon (a v2 req_info is
 * AES-256-ECB without integrity: confirm a refund with the refund query API first). A typed amount
 * the library refuses (present, but not an amount in fen) is logged and recorded as absent, so a
 * payment carrying one pays no order (a discrepancy).
 *
 * The reply is the endpoint's, for success and refusal alike: v2 -> 200, text/xml, the exact XML
 * SUCCESS or the FAIL reply; APIv3 -> 204 (no body) or 401/400 with {"code":"FAIL","message":
 * "rejected"}; a body neither version can read -> 400 with the v2 FAIL. A refusal never names its
 * code (that is for the log on stderr). Our own failures (database, configuration) get 500 and the
 * same FAIL in the request's version, so that WeChat Pay retries. Under a web server
 * (GATEWAY_INTERFACE set) the reply has CGI headers ("Status:", "Content-Type:" when there is a
 * body); run directly, only the body is written, followed by a newline.
 *
 * TEST ONLY: WECHATPAY_EXAMPLE_FAIL_FIRST=N makes the first N requests get 500 (as if the database
 * were down; counted in the table test_only_injected_failures of WECHATPAY_DB), to exercise WeChat
 * Pay's retries with `wechatpay-notify simulate --until-success`. Never set it in production.
 *
 * Exit status: 0 verified (success reply), 1 refused, 2 usage or configuration error, 3 database
 * failure or injected failure (FAIL reply: WeChat Pay retries). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>
#include <wechatpay_notify.h>

extern char **environ;

/* The verifiers' default limit (the profiles use it); one byte more is read so that the endpoint
 * sees a longer body as one. */
#define MAX_BODY_BYTES 65536
#define MAX_READ (MAX_BODY_BYTES + 1)
/* Key and PEM files are small; anything larger is not one. */
#define MAX_KEY_FILE 65536

/* The schema: examples/schema.sql, shared by every example, read when the database is opened.
 * `merchant` is the profile label the endpoint reports. Build with
 * -DWECHATPAY_SCHEMA_FILE='"/path/to/schema.sql"' (the default is schema.sql in the working
 * directory). */
#ifndef WECHATPAY_SCHEMA_FILE
#define WECHATPAY_SCHEMA_FILE "schema.sql"
#endif

static bool is_cgi(void) { return getenv("GATEWAY_INTERFACE") != NULL; }

static const char *reason_phrase(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 405: return "Method Not Allowed";
    case 500: return "Internal Server Error";
    default: return "Unknown";
  }
}

/* Writes a reply: under CGI its status and content type as headers, then the body exactly. */
static void send_reply(unsigned status, const char *content_type, const char *body, size_t len) {
  if (is_cgi()) {
    printf("Status: %u %s\r\n", status, reason_phrase(status));
    if (content_type != NULL) printf("Content-Type: %s\r\n", content_type);
    fputs("\r\n", stdout);
  }
  fwrite(len > 0 ? body : "", 1, len, stdout);
  if (!is_cgi()) fputc('\n', stdout);
}

static void send_http_reply(const struct wechatpay_http_reply *r) {
  send_reply(r->status, r->content_type, r->body.data, r->body.len);
}

/* The library's refusal in the request's version, for a failure of our own or a request refused
 * before the endpoint looked at it: the APIv3 reply for the error code `code` (its status, e.g. 500
 * for `internal`, and the one constant JSON body) or the constant v2 FAIL reply with `v2_status`.
 * The reply never names the code (that goes to stderr). */
static void send_fail(bool v3, unsigned v2_status, const char *code) {
  if (v3) {
    struct wechatpay_http_reply r;
    struct wechatpay_error *err = wechatpay_v3_reply_fail_code(code, strlen(code), &r);
    if (err == NULL) {
      send_http_reply(&r);
      return;
    }
    wechatpay_error_free(err);
    send_reply(500, NULL, "", 0);
    return;
  }
  {
    const char *xml = wechatpay_reply_refusal();
    send_reply(v2_status, "text/xml", xml, strlen(xml));
  }
}

/* ---- the request ---- */

/* The request headers from the CGI environment: HTTP_WECHATPAY_SIGNATURE becomes the header
 * WECHATPAY-SIGNATURE (names are case-insensitive to the endpoint, which reads the Wechatpay-*
 * ones). The strings are allocated; free them with free_headers. */
struct headers {
  struct wechatpay_field *fields;
  size_t len;
};

static void free_headers(struct headers *h) {
  for (size_t i = 0; i < h->len; i++) {
    free((char *)h->fields[i].name.data);
    free((char *)h->fields[i].value.data);
  }
  free(h->fields);
  h->fields = NULL;
  h->len = 0;
}

static bool collect_headers(struct headers *h) {
  size_t n = 0;
  h->fields = NULL;
  h->len = 0;
  for (char **e = environ; *e != NULL; e++) {
    if (strncmp(*e, "HTTP_", 5) == 0 && strchr(*e, '=') != NULL) n++;
  }
  if (n == 0) return true;
  h->fields = calloc(n, sizeof *h->fields);
  if (h->fields == NULL) return false;
  for (char **e = environ; *e != NULL && h->len < n; e++) {
    const char *eq = strchr(*e, '=');
    char *name, *value;
    size_t name_len;
    if (strncmp(*e, "HTTP_", 5) != 0 || eq == NULL) continue;
    name_len = (size_t)(eq - (*e + 5));
    name = malloc(name_len + 1);
    value = malloc(strlen(eq + 1) + 1);
    if (name == NULL || value == NULL) {
      free(name);
      free(value);
      return false;
    }
    for (size_t i = 0; i < name_len; i++) name[i] = (*e)[5 + i] == '_' ? '-' : (*e)[5 + i];
    name[name_len] = '\0';
    strcpy(value, eq + 1);
    h->fields[h->len].name.data = name;
    h->fields[h->len].name.len = name_len;
    h->fields[h->len].value.data = value;
    h->fields[h->len].value.len = strlen(value);
    h->len++;
  }
  return true;
}

/* An APIv3 request (as the endpoint decides it): a Wechatpay-Signature header is present. Used
 * only to answer our own failures in the request's version. */
static bool looks_v3(void) { return getenv("HTTP_WECHATPAY_SIGNATURE") != NULL; }

/* Reads the raw body: CONTENT_LENGTH bytes under CGI (the server need not close stdin), else until
 * EOF; never more than MAX_READ. Returns the length. */
static size_t read_body(unsigned char *body) {
  const char *cl = getenv("CONTENT_LENGTH");
  size_t want = MAX_READ, len = 0, n;
  if (cl != NULL && cl[0] != '\0') {
    char *end = NULL;
    unsigned long long v = strtoull(cl, &end, 10);
    if (*end == '\0' && v < MAX_READ) want = (size_t)v;
  }
  while (len < want && (n = fread(body + len, 1, want - len, stdin)) > 0) len += n;
  return len;
}

/* ---- the profiles file ---- */

/* Overwrites a secret before its memory is released. */
static void wipe(char *s, size_t len) {
  volatile char *p = s;
  while (len-- > 0) *p++ = 0;
}

/* The whole file, NUL-terminated (allocated), or NULL with errno set. */
static char *read_file(const char *path, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t len = 0, n;
  if (f == NULL) return NULL;
  buf = malloc(MAX_KEY_FILE + 1);
  if (buf == NULL) {
    fclose(f);
    return NULL;
  }
  while (len < MAX_KEY_FILE && (n = fread(buf + len, 1, MAX_KEY_FILE - len, f)) > 0) len += n;
  if (ferror(f) || (len == MAX_KEY_FILE && fgetc(f) != EOF)) {
    wipe(buf, len);
    free(buf);
    fclose(f);
    errno = EFBIG;
    return NULL;
  }
  fclose(f);
  buf[len] = '\0';
  *len_out = len;
  return buf;
}

/* `file` relative to the directory `dir` ("" for the working directory); absolute paths stay. */
static char *join_path(const char *dir, const char *file) {
  size_t dl = strlen(dir), fl = strlen(file);
  char *p = malloc(dl + fl + 2);
  if (p == NULL) return NULL;
  if (file[0] == '/' || dl == 0) {
    memcpy(p, file, fl + 1);
  } else {
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, file, fl + 1);
  }
  return p;
}

static void config_error(const char *what, const char *detail) {
  fprintf(stderr, "notify_cgi: configuration error: %s%s%s\n", what, detail[0] ? ": " : "", detail);
}

static void config_error_lib(const char *what, struct wechatpay_error *err) {
  /* The core's messages never contain a key. */
  fprintf(stderr, "notify_cgi: configuration error: %s: %s: %s\n", what, wechatpay_error_code(err),
          wechatpay_error_message(err));
  wechatpay_error_free(err);
}

static const char *string_member(json_t *obj, const char *name, bool *bad) {
  json_t *v = json_object_get(obj, name);
  if (v == NULL || json_is_null(v)) return NULL;
  if (!json_is_string(v)) {
    config_error(name, "must be a string");
    *bad = true;
    return NULL;
  }
  return json_string_value(v);
}

/* A key named by `<name>_file` (relative to the profiles file; surrounding whitespace trimmed) or
 * `<name>_env`; a key written inline under `<name>` is refused. Returns it allocated, or NULL. */
static char *secret(json_t *part, const char *name, const char *dir, size_t *len_out) {
  char file_member[64], env_member[64];
  const char *file, *var;
  bool bad = false;
  char *key = NULL;
  size_t len = 0, start = 0;
  if (json_object_get(part, name) != NULL) {
    config_error(name, "keys are never written into the profiles file; name a file or a variable");
    return NULL;
  }
  snprintf(file_member, sizeof file_member, "%s_file", name);
  snprintf(env_member, sizeof env_member, "%s_env", name);
  file = string_member(part, file_member, &bad);
  var = string_member(part, env_member, &bad);
  if (bad) return NULL;
  if ((file == NULL) == (var == NULL)) {
    fprintf(stderr, "notify_cgi: configuration error: give exactly one of %s and %s\n", file_member,
            env_member);
    return NULL;
  }
  if (file != NULL) {
    char *path = join_path(dir, file);
    if (path == NULL) return NULL;
    key = read_file(path, &len);
    if (key == NULL) config_error(path, strerror(errno));
    free(path);
    if (key == NULL) return NULL;
  } else {
    const char *value = getenv(var);
    if (value == NULL) {
      fprintf(stderr, "notify_cgi: configuration error: $%s (named by %s) is not set\n", var, env_member);
      return NULL;
    }
    len = strlen(value);
    key = malloc(len + 1);
    if (key == NULL) return NULL;
    memcpy(key, value, len + 1);
  }
  while (start < len && strchr(" \t\r\n", key[start]) != NULL) start++;
  while (len > start && strchr(" \t\r\n", key[len - 1]) != NULL) len--;
  memmove(key, key + start, len - start);
  len -= start;
  key[len] = '\0';
  *len_out = len;
  return key;
}

/* The v2 part: the merchant's verifier, or NULL (the reason on stderr). */
static struct wechatpay_verifier *v2_part(json_t *part, const char *dir) {
  struct wechatpay_verifier_builder *b = NULL;
  struct wechatpay_verifier *v = NULL;
  struct wechatpay_error *err;
  bool bad = false;
  const char *sign_type = string_member(part, "sign_type", &bad);
  const char *mch_id = string_member(part, "mch_id", &bad);
  const char *appid = string_member(part, "appid", &bad);
  json_t *also = json_object_get(part, "also_accept");
  size_t key_len = 0;
  char *key;
  if (bad) return NULL;
  if (sign_type == NULL) sign_type = "MD5";
  key = secret(part, "api_key", dir, &key_len);
  if (key == NULL) return NULL;
  err = wechatpay_verifier_builder_new(key, key_len, sign_type, strlen(sign_type), &b);
  wipe(key, key_len);
  free(key);
  if (err != NULL) {
    config_error_lib("v2", err);
    return NULL;
  }
  /* Required: the endpoint finds a v2 notification's merchant by it (refused without). */
  if (mch_id != NULL && (err = wechatpay_verifier_builder_expect_mch_id(b, mch_id, strlen(mch_id))) != NULL) {
    config_error_lib("v2 mch_id", err);
    goto out;
  }
  if (appid != NULL && (err = wechatpay_verifier_builder_expect_appid(b, appid, strlen(appid))) != NULL) {
    config_error_lib("v2 appid", err);
    goto out;
  }
  if (also != NULL && !json_is_null(also)) {
    size_t i;
    json_t *t;
    if (!json_is_array(also)) {
      config_error("also_accept", "must be a list");
      goto out;
    }
    json_array_foreach(also, i, t) {
      if (!json_is_string(t)) {
        config_error("also_accept", "holds sign type names");
        goto out;
      }
      err = wechatpay_verifier_builder_also_accept(b, json_string_value(t), json_string_length(t));
      if (err != NULL) {
        config_error_lib("v2 also_accept", err);
        goto out;
      }
    }
  }
  if ((err = wechatpay_verifier_builder_build(b, &v)) != NULL) config_error_lib("v2", err);
out:
  wechatpay_verifier_builder_free(b);
  return v;
}

/* The v3 part: the merchant's APIv3 verifier, or NULL (the reason on stderr). */
static struct wechatpay_v3_verifier *v3_part(json_t *part, const char *dir) {
  struct wechatpay_v3_verifier_builder *b = NULL;
  struct wechatpay_v3_verifier *v = NULL;
  struct wechatpay_error *err;
  json_t *keys = json_object_get(part, "platform_keys"), *file;
  const char *id;
  size_t key_len = 0;
  char *key;
  if (!json_is_object(keys)) {
    config_error("platform_keys", "must map key ids to PEM files");
    return NULL;
  }
  key = secret(part, "api_v3_key", dir, &key_len);
  if (key == NULL) return NULL;
  err = wechatpay_v3_verifier_builder_new(key, key_len, &b);
  wipe(key, key_len);
  free(key);
  if (err != NULL) {
    config_error_lib("v3", err);
    return NULL;
  }
  json_object_foreach(keys, id, file) {
    char *path, *pem;
    size_t pem_len = 0;
    if (!json_is_string(file)) {
      config_error("platform_keys", "must map key ids to PEM files");
      goto out;
    }
    path = join_path(dir, json_string_value(file));
    if (path == NULL) goto out;
    pem = read_file(path, &pem_len);
    if (pem == NULL) {
      config_error(path, strerror(errno));
      free(path);
      goto out;
    }
    err = wechatpay_v3_verifier_builder_add_trusted_key(b, id, strlen(id), pem, pem_len);
    free(pem);
    if (err != NULL) {
      config_error_lib(path, err);
      free(path);
      goto out;
    }
    free(path);
  }
  if ((err = wechatpay_v3_verifier_builder_build(b, &v)) != NULL) config_error_lib("v3", err);
out:
  wechatpay_v3_verifier_builder_free(b);
  return v;
}

/* Reads the profiles file and builds the endpoint, or NULL (the reason on stderr). */
static struct wechatpay_endpoint *load_endpoint(const char *path) {
  json_error_t jerr;
  json_t *doc = json_load_file(path, 0, &jerr), *list, *p;
  struct wechatpay_endpoint_builder *b = NULL;
  struct wechatpay_endpoint *endpoint = NULL;
  struct wechatpay_error *err;
  const char *slash = strrchr(path, '/');
  char *dir = NULL;
  size_t i;
  if (doc == NULL) {
    fprintf(stderr, "notify_cgi: configuration error: %s: %s\n", path, jerr.text);
    return NULL;
  }
  list = json_object_get(doc, "profiles");
  if (!json_is_array(list)) {
    config_error(path, "needs a \"profiles\" list");
    goto out;
  }
  /* Paths in the file are relative to its directory. */
  dir = malloc(slash == NULL ? 1 : (size_t)(slash - path) + 2);
  if (dir == NULL) goto out;
  if (slash == NULL) {
    dir[0] = '\0';
  } else if (slash == path) {
    strcpy(dir, "/");
  } else {
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
  }
  if ((err = wechatpay_endpoint_builder_new(&b)) != NULL) {
    config_error_lib("endpoint", err);
    goto out;
  }
  json_array_foreach(list, i, p) {
    json_t *v2 = json_object_get(p, "v2"), *v3 = json_object_get(p, "v3");
    struct wechatpay_verifier *v2v = NULL;
    struct wechatpay_v3_verifier *v3v = NULL;
    bool bad = false;
    const char *label = json_is_object(p) ? string_member(p, "label", &bad) : NULL;
    if (label == NULL) {
      config_error("profiles", "each profile is an object with a label");
      goto out;
    }
    if (v2 != NULL && !json_is_null(v2) && (!json_is_object(v2) || (v2v = v2_part(v2, dir)) == NULL)) {
      fprintf(stderr, "notify_cgi: configuration error: in the v2 part of profile %s\n", label);
      goto out;
    }
    if (v3 != NULL && !json_is_null(v3) && (!json_is_object(v3) || (v3v = v3_part(v3, dir)) == NULL)) {
      fprintf(stderr, "notify_cgi: configuration error: in the v3 part of profile %s\n", label);
      wechatpay_verifier_free(v2v);
      goto out;
    }
    /* The builder keeps its own copies of the verifiers. */
    err = wechatpay_endpoint_builder_add_profile(b, label, strlen(label), v2v, v3v);
    wechatpay_verifier_free(v2v);
    wechatpay_v3_verifier_free(v3v);
    if (err != NULL) {
      config_error_lib(label, err);
      goto out;
    }
  }
  /* The rules between profiles: labels, mch_ids and key ids must be distinct. */
  if ((err = wechatpay_endpoint_builder_build(b, &endpoint)) != NULL) config_error_lib(path, err);
out:
  wechatpay_endpoint_builder_free(b);
  free(dir);
  json_decref(doc);
  return endpoint;
}

/* ---- the database ---- */

static sqlite3 *open_db(void) {
  const char *path = getenv("WECHATPAY_DB");
  sqlite3 *db = NULL;
  if (path == NULL || path[0] == '\0') path = "payments.sqlite3";
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    fprintf(stderr, "notify_cgi: %s: %s\n", path, db != NULL ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
  }
  /* Each request is its own process: writers wait up to 10 s for SQLite's lock. WAL lets readers
   * run alongside the writer. */
  sqlite3_busy_timeout(db, 10000);
  size_t schema_len = 0;
  char *schema = read_file(WECHATPAY_SCHEMA_FILE, &schema_len);
  if (schema == NULL) {
    fprintf(stderr, "notify_cgi: %s: %s\n", WECHATPAY_SCHEMA_FILE, strerror(errno));
    sqlite3_close(db);
    return NULL;
  }
  bool ok = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) == SQLITE_OK &&
            sqlite3_exec(db, schema, NULL, NULL, NULL) == SQLITE_OK;
  free(schema);
  if (!ok) {
    fprintf(stderr, "notify_cgi: %s: %s\n", path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return NULL;
  }
  return db;
}

/* Binds text that may be absent (NULL) or empty (whose data pointer must not be read). */
static int bind_str(sqlite3_stmt *stmt, int i, bool present, struct wechatpay_str s) {
  if (!present) return sqlite3_bind_null(stmt, i);
  return sqlite3_bind_text(stmt, i, s.len > 0 ? s.data : "", (int)s.len, SQLITE_TRANSIENT);
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out) {
  return sqlite3_prepare_v2(db, sql, -1, out, NULL);
}

/* An optional text value. */
struct opt_str {
  bool present;
  struct wechatpay_str s;
};

/* An optional amount in fen: absent, or past INT64_MAX (then it matches no order). */
struct opt_fen {
  bool present;
  sqlite3_int64 fen;
};

static struct opt_fen fen(bool present, uint64_t value) {
  struct opt_fen f;
  f.present = present && value <= (uint64_t)INT64_MAX;
  f.fen = f.present ? (sqlite3_int64)value : 0;
  return f;
}

/* A verified payment, as recorded. */
struct payment_row {
  struct wechatpay_str merchant, key;
  const char *version;
  struct opt_str trade, result, transaction_id;
  struct opt_fen fee;
  bool success; /* the core's is_success: only then can it pay an order */
};

/* A verified refund, as recorded (never acted upon). */
struct refund_row {
  struct wechatpay_str merchant, key;
  const char *version;
  struct opt_str trade, refund_no, status, refund_id;
  struct opt_fen fee;
};

/* Records a verified payment and applies it to its merchant's order, in one transaction. Sets
 * `*outcome` to "order paid", "failed payment recorded", "DISCREPANCY <reason>, recorded for
 * review" or "already recorded". Returns false on a database error (everything is rolled back). */
static bool record_payment(sqlite3 *db, const struct payment_row *p, const char **outcome) {
  sqlite3_stmt *st = NULL;
  bool has_order = false;
  sqlite3_int64 order_amount = 0;
  const char *status = "failed", *reason = NULL;
  int rc;

  /* IMMEDIATE: the write lock first, so concurrent deliveries are applied one at a time. */
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) goto fail;

  if (p->success) {
    if (p->trade.present) {
      if (prepare(db, "SELECT amount_fen, status FROM orders WHERE merchant = ?1 AND out_trade_no = ?2", &st) !=
          SQLITE_OK) {
        goto fail;
      }
      bind_str(st, 1, true, p->merchant);
      bind_str(st, 2, true, p->trade.s);
      rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        has_order = true;
        order_amount = sqlite3_column_int64(st, 0);
        if (strcmp((const char *)sqlite3_column_text(st, 1), "pending") != 0) reason = "already_paid";
      } else if (rc != SQLITE_DONE) {
        goto fail;
      }
      sqlite3_finalize(st);
      st = NULL;
    }
    if (!has_order) {
      reason = "unknown_order";
    } else if (!p->fee.present || p->fee.fen != order_amount) {
      reason = "amount_mismatch";
    }
    status = reason == NULL ? "paid" : "discrepancy";
  }

  if (prepare(db,
              "INSERT INTO payments (merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (merchant, dedupe_key) DO NOTHING",
              &st) != SQLITE_OK) {
    goto fail;
  }
  bind_str(st, 1, true, p->merchant);
  bind_str(st, 2, true, p->key);
  sqlite3_bind_text(st, 3, p->version, -1, SQLITE_STATIC);
  bind_str(st, 4, p->trade.present, p->trade.s);
  if (p->fee.present) sqlite3_bind_int64(st, 5, p->fee.fen);
  bind_str(st, 6, p->result.present, p->result.s);
  sqlite3_bind_text(st, 7, status, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE) goto fail;
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_changes(db) == 0) {
    /* A retry, or the other version's delivery: the first one did everything. */
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    *outcome = "already recorded";
    return true;
  }

  if (strcmp(status, "paid") == 0) {
    if (prepare(db,
                "UPDATE orders SET status = 'paid', transaction_id = ?1 "
                "WHERE merchant = ?2 AND out_trade_no = ?3 AND status = 'pending'",
                &st) != SQLITE_OK) {
      goto fail;
    }
    /* A successful payment always has its transaction_id (the core requires it). */
    bind_str(st, 1, p->transaction_id.present, p->transaction_id.s);
    bind_str(st, 2, true, p->merchant);
    bind_str(st, 3, true, p->trade.s);
  } else if (reason != NULL) {
    if (prepare(db,
                "INSERT INTO discrepancies (merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &st) != SQLITE_OK) {
      goto fail;
    }
    bind_str(st, 1, true, p->merchant);
    bind_str(st, 2, true, p->key);
    bind_str(st, 3, p->trade.present, p->trade.s);
    if (p->fee.present) sqlite3_bind_int64(st, 4, p->fee.fen);
    if (has_order) sqlite3_bind_int64(st, 5, order_amount);
    sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
  }
  if (st != NULL) {
    if (sqlite3_step(st) != SQLITE_DONE) goto fail;
    sqlite3_finalize(st);
    st = NULL;
  }
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto fail;
  *outcome = strcmp(status, "paid") == 0     ? "order paid"
             : strcmp(status, "failed") == 0 ? "failed payment recorded"
             : strcmp(reason, "unknown_order") == 0 ? "DISCREPANCY unknown_order, recorded for review"
             : strcmp(reason, "amount_mismatch") == 0 ? "DISCREPANCY amount_mismatch, recorded for review"
                                                      : "DISCREPANCY already_paid, recorded for review";
  return true;

fail:
  fprintf(stderr, "notify_cgi: database: %s\n", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return false;
}

/* The state a refund's dedupe key names: the key is refund_id:STATUS, the status in APIv3's words
 * (the library reads v2 CHANGE as ABNORMAL and REFUNDCLOSE as CLOSED), so it is taken from the key
 * rather than mapped again here. False when the key is not of that form. */
static bool refund_state(const struct refund_row *r, struct wechatpay_str *state) {
  if (!r->refund_id.present || r->key.len <= r->refund_id.s.len + 1 ||
      memcmp(r->key.data, r->refund_id.s.data, r->refund_id.s.len) != 0 || r->key.data[r->refund_id.s.len] != ':') {
    return false;
  }
  state->data = r->key.data + r->refund_id.s.len + 1;
  state->len = r->key.len - r->refund_id.s.len - 1;
  return true;
}

/* Records a refund notification once per (merchant, dedupe key), each state of a refund being its
 * own delivery, and moves the refund's state in refund_states forward (the schema's one upsert:
 * ABNORMAL or PROCESSING may become SUCCESS or CLOSED, never the reverse), in one transaction. Sets
 * `*outcome` to say which state the refund is now in. Only a record, never an action: a v2
 * req_info is AES-256-ECB without integrity, so blocks of two genuine refund notifications of the
 * same merchant can be cut and pasted into a third that passes every check. Treat a refund
 * notification as a hint: confirm it with the refund query API before any irreversible action. */
static bool record_refund(sqlite3 *db, const struct refund_row *r, const char **outcome) {
  static char described[160];
  sqlite3_stmt *st = NULL;
  struct wechatpay_str state;
  if (!refund_state(r, &state)) {
    *outcome = "acknowledged, not recorded: a refund whose key names no state";
    return true;
  }
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) goto fail;
  if (prepare(db,
              "INSERT INTO refunds (merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, "
              "refund_status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (merchant, dedupe_key) DO NOTHING",
              &st) != SQLITE_OK) {
    goto fail;
  }
  bind_str(st, 1, true, r->merchant);
  bind_str(st, 2, true, r->key);
  sqlite3_bind_text(st, 3, r->version, -1, SQLITE_STATIC);
  bind_str(st, 4, r->trade.present, r->trade.s);
  bind_str(st, 5, r->refund_no.present, r->refund_no.s);
  if (r->fee.present) sqlite3_bind_int64(st, 6, r->fee.fen);
  bind_str(st, 7, r->status.present, r->status.s);
  if (sqlite3_step(st) != SQLITE_DONE) goto fail;
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_changes(db) == 0) {
    /* A retry of this state: the first delivery did everything. */
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    *outcome = "already recorded";
    return true;
  }
  if (prepare(db,
              "INSERT INTO refund_states (merchant, refund_id, status) VALUES (?1, ?2, ?3) "
              "ON CONFLICT (merchant, refund_id) DO UPDATE SET status = excluded.status, updated_at = datetime('now') "
              "WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')",
              &st) != SQLITE_OK) {
    goto fail;
  }
  bind_str(st, 1, true, r->merchant);
  bind_str(st, 2, true, r->refund_id.s);
  bind_str(st, 3, true, state);
  if (sqlite3_step(st) != SQLITE_DONE) goto fail;
  sqlite3_finalize(st);
  st = NULL;
  /* What the refund's state is now (this one, or a final state that came first). */
  if (prepare(db, "SELECT status FROM refund_states WHERE merchant = ?1 AND refund_id = ?2", &st) != SQLITE_OK) goto fail;
  bind_str(st, 1, true, r->merchant);
  bind_str(st, 2, true, r->refund_id.s);
  if (sqlite3_step(st) != SQLITE_ROW) goto fail;
  snprintf(described, sizeof described,
           "refund recorded, its state now %.40s (never acted upon: confirm with the refund query API)",
           (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto fail;
  *outcome = described;
  return true;

fail:
  fprintf(stderr, "notify_cgi: database: %s\n", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return false;
}

/* TEST ONLY (WECHATPAY_EXAMPLE_FAIL_FIRST=N): true for the first N requests. The count is kept in
 * the database, since every request is its own process. */
static bool injected_failure(const char *setting) {
  char *end = NULL;
  long long n;
  sqlite3 *db;
  sqlite3_stmt *st = NULL;
  sqlite3_int64 done = 0;
  bool fail = false;
  errno = 0;
  n = strtoll(setting, &end, 10);
  if (setting[0] == '\0' || *end != '\0' || errno != 0 || n <= 0) return false;
  if ((db = open_db()) == NULL) return true;
  if (sqlite3_exec(db,
                   "CREATE TABLE IF NOT EXISTS test_only_injected_failures (id INTEGER PRIMARY KEY);"
                   "BEGIN IMMEDIATE",
                   NULL, NULL, NULL) == SQLITE_OK &&
      prepare(db, "SELECT COUNT(*) FROM test_only_injected_failures", &st) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    done = sqlite3_column_int64(st, 0);
    fail = done < n;
  }
  sqlite3_finalize(st);
  if (fail) sqlite3_exec(db, "INSERT INTO test_only_injected_failures DEFAULT VALUES", NULL, NULL, NULL);
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(db);
  return fail;
}

/* `add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN`: a stand-in for your checkout, so that simulated
 * notifications have an order to pay. MERCHANT is a profile label. */
static int add_order(int argc, char **argv) {
  sqlite3 *db;
  sqlite3_stmt *st = NULL;
  char *end = NULL;
  long long amount;
  int status = 3;
  if (argc != 5) {
    fprintf(stderr, "usage: WECHATPAY_DB=... %s add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN\n", argv[0]);
    return 2;
  }
  errno = 0;
  amount = strtoll(argv[4], &end, 10);
  if (argv[4][0] < '0' || argv[4][0] > '9' || *end != '\0' || errno != 0 || amount <= 0) {
    fprintf(stderr, "notify_cgi: AMOUNT_FEN must be a positive whole number of fen\n");
    return 2;
  }
  if ((db = open_db()) == NULL) return 3;
  if (prepare(db, "INSERT INTO orders (merchant, out_trade_no, amount_fen) VALUES (?1, ?2, ?3)", &st) == SQLITE_OK &&
      sqlite3_bind_text(st, 1, argv[2], -1, SQLITE_STATIC) == SQLITE_OK &&
      sqlite3_bind_text(st, 2, argv[3], -1, SQLITE_STATIC) == SQLITE_OK &&
      sqlite3_bind_int64(st, 3, amount) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE) {
    fprintf(stderr, "notify_cgi: order %s/%s (%lld fen) created\n", argv[2], argv[3], amount);
    status = 0;
  } else {
    fprintf(stderr, "notify_cgi: add-order: %s\n", sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return status;
}

/* ---- reading a verified notification through the library's typed views ---- */

static struct opt_str v3_text(const struct wechatpay_v3_notification *n, bool transaction, const char *name) {
  struct opt_str o;
  struct wechatpay_error *err;
  memset(&o, 0, sizeof o);
  err = transaction ? wechatpay_v3_transaction_text(n, name, strlen(name), &o.s, &o.present)
                    : wechatpay_v3_refund_text(n, name, strlen(name), &o.s, &o.present);
  if (err != NULL) { /* a name the view does not declare: a bug here */
    fprintf(stderr, "notify_cgi: %s: %s\n", name, wechatpay_error_code(err));
    wechatpay_error_free(err);
    o.present = false;
  }
  return o;
}

/* An amount getter's outcome: the amount, or absent. A present amount that is not one (`1.00`,
 * `1e2`, `-1`: the library's missing_field) is logged and recorded as absent, so it pays no order. */
static struct opt_fen amount(struct wechatpay_error *err, bool present, uint64_t value, const char *name) {
  if (err != NULL) {
    fprintf(stderr, "notify_cgi: %s: %s: %s\n", name, wechatpay_error_code(err), wechatpay_error_message(err));
    wechatpay_error_free(err);
    return fen(false, 0);
  }
  return fen(present, value);
}

static struct opt_fen v3_amount(const struct wechatpay_v3_notification *n, bool transaction, const char *name) {
  uint64_t v = 0;
  bool present = false;
  struct wechatpay_error *err = transaction ? wechatpay_v3_transaction_amount(n, name, strlen(name), &v, &present)
                                            : wechatpay_v3_refund_amount(n, name, strlen(name), &v, &present);
  return amount(err, present, v, name);
}

/* Records a verified notification; `*outcome` says what it did. False on a database failure. */
static bool record(const struct wechatpay_endpoint_result *result, const char **outcome) {
  const struct wechatpay_payment *pay = wechatpay_endpoint_result_payment(result);
  const struct wechatpay_refund *ref = wechatpay_endpoint_result_refund(result);
  const struct wechatpay_v3_notification *v3 = wechatpay_endpoint_result_v3(result);
  struct payment_row p;
  struct refund_row r;
  bool is_payment = false, is_refund = false, present = false, ok;
  uint64_t value = 0;
  struct wechatpay_error *err;
  sqlite3 *db;

  memset(&p, 0, sizeof p);
  memset(&r, 0, sizeof r);
  wechatpay_endpoint_result_label(result, &p.merchant);
  r.merchant = p.merchant;
  if (pay != NULL) {
    p.version = "v2";
    /* The core requires a transaction_id with result_code=SUCCESS: only a failed payment can lack
     * one, and there is no key to record it under. */
    is_payment = wechatpay_payment_dedupe_key(pay, &p.key);
    p.trade.present = wechatpay_payment_out_trade_no(pay, &p.trade.s);
    p.result.present = wechatpay_payment_result_code(pay, &p.result.s);
    p.transaction_id.present = wechatpay_payment_transaction_id(pay, &p.transaction_id.s);
    err = wechatpay_payment_total_fee(pay, &value, &present);
    p.fee = amount(err, present, value, "total_fee");
    p.success = wechatpay_payment_is_success(pay);
    if (!is_payment) *outcome = "acknowledged, not recorded: a failed payment without transaction_id";
  } else if (ref != NULL) {
    r.version = "v2";
    is_refund = wechatpay_refund_dedupe_key(ref, &r.key);
    r.trade.present = wechatpay_refund_out_trade_no(ref, &r.trade.s);
    r.refund_no.present = wechatpay_refund_out_refund_no(ref, &r.refund_no.s);
    r.status.present = wechatpay_refund_refund_status(ref, &r.status.s);
    r.refund_id.present = wechatpay_refund_refund_id(ref, &r.refund_id.s);
    err = wechatpay_refund_refund_fee(ref, &value, &present);
    r.fee = amount(err, present, value, "refund_fee");
    if (!is_refund) *outcome = "acknowledged, not recorded: a refund without refund_id";
  } else if (v3 != NULL && wechatpay_v3_notification_has_transaction(v3)) {
    is_payment = true;
    p.version = "v3";
    wechatpay_v3_notification_dedupe_key(v3, &p.key);
    p.trade = v3_text(v3, true, "out_trade_no");
    p.result = v3_text(v3, true, "trade_state");
    p.transaction_id = v3_text(v3, true, "transaction_id");
    p.fee = v3_amount(v3, true, "amount_total");
    p.success = wechatpay_v3_notification_is_success(v3);
  } else if (v3 != NULL && wechatpay_v3_notification_has_refund(v3)) {
    is_refund = true;
    r.version = "v3";
    wechatpay_v3_notification_dedupe_key(v3, &r.key);
    r.trade = v3_text(v3, false, "out_trade_no");
    r.refund_no = v3_text(v3, false, "out_refund_no");
    r.status = v3_text(v3, false, "refund_status");
    r.refund_id = v3_text(v3, false, "refund_id");
    r.fee = v3_amount(v3, false, "amount_refund");
  } else {
    *outcome = "acknowledged, not recorded: an event type this example does not handle";
  }
  if (!is_payment && !is_refund) return true;
  if ((db = open_db()) == NULL) return false;
  ok = is_payment ? record_payment(db, &p, outcome) : record_refund(db, &r, outcome);
  sqlite3_close(db);
  return ok;
}

int main(int argc, char **argv) {
  const char *profiles = getenv("WECHATPAY_PROFILES");
  const char *method = getenv("REQUEST_METHOD");
  const char *fail_first = getenv("WECHATPAY_EXAMPLE_FAIL_FIRST");
  struct wechatpay_endpoint *endpoint;
  struct wechatpay_endpoint_result *result = NULL;
  struct wechatpay_error *err;
  struct headers headers;
  unsigned char *body;
  size_t len;

  if (argc > 1 && strcmp(argv[1], "add-order") == 0) return add_order(argc, argv);
  if (argc > 1) {
    fprintf(stderr, "usage: WECHATPAY_PROFILES=profiles.json [WECHATPAY_DB=...] %s < body\n"
                    "       WECHATPAY_DB=... %s add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN\n", argv[0], argv[0]);
    return 2;
  }
  if (is_cgi() && (method == NULL || strcmp(method, "POST") != 0)) {
    send_fail(false, 405, "invalid_argument");
    return 1;
  }
  if (profiles == NULL || profiles[0] == '\0') profiles = "profiles.json";
  if ((endpoint = load_endpoint(profiles)) == NULL) {
    /* Our own problem: not acknowledged, so WeChat Pay retries once it is fixed. */
    send_fail(looks_v3(), 500, "invalid_config");
    return 2;
  }
  if (fail_first != NULL && injected_failure(fail_first)) {
    fprintf(stderr, "notify_cgi: TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500\n");
    wechatpay_endpoint_free(endpoint);
    send_fail(looks_v3(), 500, "internal");
    return 3;
  }
  body = malloc(MAX_READ);
  if (body == NULL || !collect_headers(&headers)) {
    free(body);
    wechatpay_endpoint_free(endpoint);
    send_fail(looks_v3(), 500, "internal");
    return 3;
  }
  len = read_body(body);
  err = wechatpay_endpoint_handle(endpoint, headers.fields, headers.len, body, len, wechatpay_unix_now(), &result);
  free(body);
  free_headers(&headers);
  wechatpay_endpoint_free(endpoint);
  if (err != NULL) {
    struct wechatpay_http_reply reply;
    struct wechatpay_str label;
    wechatpay_api_version version = wechatpay_error_endpoint_version(err);
    bool has_label = wechatpay_error_endpoint_label(err, &label);
    /* The core's messages are bounded and carry no control characters: safe to log. */
    fprintf(stderr, "notify_cgi: rejected %s notification%s%.*s: %s: %s\n",
            version == WECHATPAY_API_VERSION_V3 ? "v3" : version == WECHATPAY_API_VERSION_V2 ? "v2" : "undecided",
            has_label ? " for " : "", has_label ? (int)label.len : 0, has_label && label.len > 0 ? label.data : "",
            wechatpay_error_code(err), wechatpay_error_message(err));
    if (wechatpay_error_endpoint_reply(err, &reply)) {
      send_http_reply(&reply);
    } else {
      /* Refused before the endpoint looked at it (a header that is not UTF-8). */
      send_fail(false, 400, "invalid_argument");
    }
    wechatpay_error_free(err);
    return 1;
  }

  /* Verified: from here on the reply is the success reply whatever the notification says (a failed
   * payment, a retry, an order that does not match), unless we fail to record it. */
  {
    const char *outcome = NULL;
    struct wechatpay_str label, kind, key;
    struct wechatpay_http_reply reply;
    bool v3 = wechatpay_endpoint_result_version(result) == WECHATPAY_API_VERSION_V3;
    bool has_key = wechatpay_endpoint_result_dedupe_key(result, &key);
    wechatpay_endpoint_result_label(result, &label);
    wechatpay_endpoint_result_kind(result, &kind);
    if (!record(result, &outcome)) {
      /* Not acknowledged: WeChat Pay retries, and the retry is recorded then. */
      wechatpay_endpoint_result_free(result);
      send_fail(v3, 500, "internal");
      return 3;
    }
    fprintf(stderr, "notify_cgi: verified %.*s %.*s notification %.*s: %s\n", (int)label.len,
            label.len > 0 ? label.data : "", (int)kind.len, kind.data, has_key ? (int)key.len : 0,
            has_key && key.len > 0 ? key.data : "", outcome);
    wechatpay_endpoint_result_reply(result, &reply);
    send_http_reply(&reply);
    wechatpay_endpoint_result_free(result);
  }
  return 0;
}
