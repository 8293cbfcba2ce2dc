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
 *          $(pkg-config --cflags --libs wechatpay-notify sqlite3) -o notify_cgi
 *
 * The profiles file (the same JSON as `wechatpay-notify verify-any --profiles`) is read by the
 * library's loader, wechatpay_endpoint_from_profiles_file, which holds every rule of its format. It
 * names each merchant's key files (relative to the profiles file; chmod 600, as the file itself) or
 * environment variables, never keys:
 *   {"profiles": [{"label": "shop-a", "mch_id": "10000100",
 *     "v2": {"api_key_file": "shop-a/api_key.txt", "sign_type": "MD5"},
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
 * code (that is for the log on stderr). Our own failures (database, configuration) get the
 * library's reply for them (wechatpay_internal_error_reply, or wechatpay_endpoint_result_internal_
 * error_reply once verified): 500 and the same FAIL in the request's version, so that WeChat Pay
 * retries. Under a web server
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

#include <sqlite3.h>
#include <wechatpay_notify.h>

extern char **environ;

/* The verifiers' default limit (the profiles use it); one byte more is read so that the endpoint
 * sees a longer body as one. */
#define MAX_BODY_BYTES 65536
#define MAX_READ (MAX_BODY_BYTES + 1)
/* The schema is small; anything larger is not it. */
#define MAX_SCHEMA_FILE 65536

/* The schema: examples/schema.sql, shared by every example, read when the database is opened.
 * `merchant` is the profile label the endpoint reports. Build with
 * -DWECHATPAY_SCHEMA_FILE='"/path/to/schema.sql"' (the default is schema.sql in the working
 * directory). */
#ifndef WECHATPAY_SCHEMA_FILE
#define WECHATPAY_SCHEMA_FILE "schema.sql"
#endif

static bool is_cgi(void) { return getenv("GATEWAY_INTERFACE") != NULL; }

/* Writes a reply: under CGI the library's CGI response of it (the status line, the content type
 * when there is one, the body exactly); run from a shell (the tests), the body and a newline. */
static void send_http_reply(const struct wechatpay_http_reply *r) {
  if (is_cgi()) {
    struct wechatpay_string *cgi = NULL;
    struct wechatpay_error *err = wechatpay_http_reply_cgi(r, &cgi);
    if (err != NULL) {
      wechatpay_error_free(err);
      fputs("Status: 500 Internal Server Error\r\n\r\n", stdout);
      return;
    }
    fwrite(wechatpay_string_data(cgi), 1, wechatpay_string_len(cgi), stdout);
    wechatpay_string_free(cgi);
    return;
  }
  fwrite(r->body.len > 0 ? r->body.data : "", 1, r->body.len, stdout);
  fputc('\n', stdout);
}

/* A reply of this program's own (a refusal before the endpoint looked at the request). */
static void send_reply(unsigned status, const char *content_type, const char *body, size_t len) {
  struct wechatpay_http_reply r;
  r.status = (uint16_t)status;
  r.content_type = content_type;
  r.body.data = body;
  r.body.len = len;
  send_http_reply(&r);
}

/* The constant v2 refusal with `status`, for a request refused before the endpoint looked at it
 * (not POST, a header that is not UTF-8). The reply never names the reason (that goes to stderr). */
static void send_refusal(unsigned status) {
  const char *xml = wechatpay_reply_refusal();
  send_reply(status, "text/xml", xml, strlen(xml));
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

/* The library's reply for a failure of our own (configuration, database) before or without a
 * verified notification: 500 and the constant refusal in the version the request's headers name,
 * so that WeChat Pay retries later. */
static void send_internal(const struct headers *h) {
  struct wechatpay_http_reply r;
  struct wechatpay_error *err = wechatpay_internal_error_reply(h->fields, h->len, &r);
  if (err != NULL) {
    /* A header that is not UTF-8: no version can be told from it; the v2 reply. */
    wechatpay_error_free(err);
    err = wechatpay_internal_error_reply(NULL, 0, &r);
  }
  if (err == NULL) {
    send_http_reply(&r);
  } else {
    wechatpay_error_free(err);
    send_reply(500, NULL, "", 0);
  }
}

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

/* The whole file, NUL-terminated (allocated), or NULL with errno set. */
static char *read_file(const char *path, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t len = 0, n;
  if (f == NULL) return NULL;
  buf = malloc(MAX_SCHEMA_FILE + 1);
  if (buf == NULL) {
    fclose(f);
    return NULL;
  }
  while (len < MAX_SCHEMA_FILE && (n = fread(buf + len, 1, MAX_SCHEMA_FILE - len, f)) > 0) len += n;
  if (ferror(f) || (len == MAX_SCHEMA_FILE && fgetc(f) != EOF)) {
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

/* Reads the profiles file with the library's loader and builds the endpoint, or NULL (the reason on
 * stderr). Every rule of the format is the library's: unknown settings, keys written inline, key
 * files others can read, a merchant id used twice are refused, and a message names the profile,
 * the setting or the file, never a key. Keys read from files are wiped once the verifiers hold
 * them. */
static struct wechatpay_endpoint *load_endpoint(const char *path) {
  struct wechatpay_endpoint *endpoint = NULL;
  struct wechatpay_error *err = wechatpay_endpoint_from_profiles_file(path, strlen(path), &endpoint);
  if (err != NULL) {
    fprintf(stderr, "notify_cgi: configuration error: %s: %s\n", wechatpay_error_code(err),
            wechatpay_error_message(err));
    wechatpay_error_free(err);
    return NULL;
  }
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

/* The typed views, each read by property name (the header's wechatpay_*_property functions list
 * every property of each). */
enum view { V2_PAYMENT, V2_REFUND, V3_TRANSACTION, V3_REFUND };

/* A text property of a view; absent when not sent. */
static struct opt_str text(const void *n, enum view view, const char *name) {
  struct opt_str o;
  struct wechatpay_error *err;
  size_t len = strlen(name);
  memset(&o, 0, sizeof o);
  switch (view) {
    case V2_PAYMENT: err = wechatpay_payment_text(n, name, len, &o.s, &o.present); break;
    case V2_REFUND: err = wechatpay_refund_text(n, name, len, &o.s, &o.present); break;
    case V3_TRANSACTION: err = wechatpay_v3_transaction_text(n, name, len, &o.s, &o.present); break;
    default: err = wechatpay_v3_refund_text(n, name, len, &o.s, &o.present); break;
  }
  if (err != NULL) { /* a name the view does not declare: a bug here */
    fprintf(stderr, "notify_cgi: %s: %s\n", name, wechatpay_error_code(err));
    wechatpay_error_free(err);
    o.present = false;
  }
  return o;
}

/* An amount property of a view in fen, or absent. A present amount that is not one (`1.00`, `1e2`,
 * `-1`: the library's missing_field) is logged and recorded as absent, so it pays no order. */
static struct opt_fen amount(const void *n, enum view view, const char *name) {
  uint64_t value = 0;
  bool present = false;
  struct wechatpay_error *err;
  size_t len = strlen(name);
  switch (view) {
    case V2_PAYMENT: err = wechatpay_payment_amount(n, name, len, &value, &present); break;
    case V2_REFUND: err = wechatpay_refund_amount(n, name, len, &value, &present); break;
    case V3_TRANSACTION: err = wechatpay_v3_transaction_amount(n, name, len, &value, &present); break;
    default: err = wechatpay_v3_refund_amount(n, name, len, &value, &present); break;
  }
  if (err != NULL) {
    fprintf(stderr, "notify_cgi: %s: %s: %s\n", name, wechatpay_error_code(err), wechatpay_error_message(err));
    wechatpay_error_free(err);
    return fen(false, 0);
  }
  return fen(present, value);
}

/* Records a verified notification; `*outcome` says what it did. False on a database failure. */
static bool record(const struct wechatpay_endpoint_result *result, const char **outcome) {
  const struct wechatpay_payment *pay = wechatpay_endpoint_result_payment(result);
  const struct wechatpay_refund *ref = wechatpay_endpoint_result_refund(result);
  const struct wechatpay_v3_notification *v3 = wechatpay_endpoint_result_v3(result);
  struct payment_row p;
  struct refund_row r;
  bool is_payment = false, is_refund = false, ok;
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
    p.trade = text(pay, V2_PAYMENT, "out_trade_no");
    p.result = text(pay, V2_PAYMENT, "result_code");
    p.transaction_id = text(pay, V2_PAYMENT, "transaction_id");
    p.fee = amount(pay, V2_PAYMENT, "total_fee");
    p.success = wechatpay_payment_is_success(pay);
    if (!is_payment) *outcome = "acknowledged, not recorded: a failed payment without transaction_id";
  } else if (ref != NULL) {
    r.version = "v2";
    is_refund = wechatpay_refund_dedupe_key(ref, &r.key);
    r.trade = text(ref, V2_REFUND, "out_trade_no");
    r.refund_no = text(ref, V2_REFUND, "out_refund_no");
    r.status = text(ref, V2_REFUND, "refund_status");
    r.refund_id = text(ref, V2_REFUND, "refund_id");
    r.fee = amount(ref, V2_REFUND, "refund_fee");
    if (!is_refund) *outcome = "acknowledged, not recorded: a refund without refund_id";
  } else if (v3 != NULL && wechatpay_v3_notification_has_transaction(v3)) {
    is_payment = true;
    p.version = "v3";
    wechatpay_v3_notification_dedupe_key(v3, &p.key);
    p.trade = text(v3, V3_TRANSACTION, "out_trade_no");
    p.result = text(v3, V3_TRANSACTION, "trade_state");
    p.transaction_id = text(v3, V3_TRANSACTION, "transaction_id");
    p.fee = amount(v3, V3_TRANSACTION, "amount_total");
    p.success = wechatpay_v3_notification_is_success(v3);
  } else if (v3 != NULL && wechatpay_v3_notification_has_refund(v3)) {
    is_refund = true;
    r.version = "v3";
    wechatpay_v3_notification_dedupe_key(v3, &r.key);
    r.trade = text(v3, V3_REFUND, "out_trade_no");
    r.refund_no = text(v3, V3_REFUND, "out_refund_no");
    r.status = text(v3, V3_REFUND, "refund_status");
    r.refund_id = text(v3, V3_REFUND, "refund_id");
    r.fee = amount(v3, V3_REFUND, "amount_refund");
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
  if (!collect_headers(&headers)) {
    send_reply(500, NULL, "", 0); /* out of memory */
    return 3;
  }
  if (is_cgi() && (method == NULL || strcmp(method, "POST") != 0)) {
    free_headers(&headers);
    send_refusal(405);
    return 1;
  }
  if (profiles == NULL || profiles[0] == '\0') profiles = "profiles.json";
  if ((endpoint = load_endpoint(profiles)) == NULL) {
    /* Our own problem: not acknowledged, so WeChat Pay retries once it is fixed. */
    send_internal(&headers);
    free_headers(&headers);
    return 2;
  }
  if (fail_first != NULL && injected_failure(fail_first)) {
    fprintf(stderr, "notify_cgi: TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500\n");
    wechatpay_endpoint_free(endpoint);
    send_internal(&headers);
    free_headers(&headers);
    return 3;
  }
  body = malloc(MAX_READ);
  if (body == NULL) {
    wechatpay_endpoint_free(endpoint);
    send_internal(&headers);
    free_headers(&headers);
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
      send_refusal(400);
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
    bool has_key = wechatpay_endpoint_result_dedupe_key(result, &key);
    wechatpay_endpoint_result_label(result, &label);
    wechatpay_endpoint_result_kind(result, &kind);
    if (!record(result, &outcome)) {
      /* Not acknowledged: the library's reply for our own failure in the result's version (500);
       * WeChat Pay retries, and the retry is recorded then. */
      wechatpay_endpoint_result_internal_error_reply(result, &reply);
      send_http_reply(&reply);
      wechatpay_endpoint_result_free(result);
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
