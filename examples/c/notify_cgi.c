/* A WeChat Pay v2 payment notify_url handler in C, as a CGI program: it reads the POST body from
 * stdin, verifies it, applies the payment to the merchant's order in SQLite and writes the reply
 * WeChat Pay expects to stdout.
 *
 *   WECHATPAY_API_KEY=...  [WECHATPAY_SIGN_TYPE=MD5|HMAC-SHA256]  [WECHATPAY_MCH_ID=...]
 *   [WECHATPAY_APPID=...]  [WECHATPAY_DB=payments.sqlite3]  ./notify_cgi [MD5|HMAC-SHA256] < body.xml
 *   WECHATPAY_DB=...  ./notify_cgi add-order OUT_TRADE_NO AMOUNT_FEN
 *
 * Build: cc notify_cgi.c $(pkg-config --cflags --libs wechatpay-notify sqlite3) -o notify_cgi
 *
 * A verified notification proves that WeChat Pay sent it, not that it pays *your* order: a
 * successful payment marks its order paid only if the order exists, is still pending and its
 * amount equals total_fee; anything else is recorded in `discrepancies` for a person to review and
 * is never fulfilled. WeChat Pay retries until it reads SUCCESS, so the same notification arrives
 * many times, even at once (one CGI process each): every one is applied in a single
 * BEGIN IMMEDIATE transaction keyed by its dedupe key (transaction_id), and a retry changes nothing.
 * Every verified notification gets the exact SUCCESS reply.
 *
 * Under a web server (GATEWAY_INTERFACE set) the reply has CGI headers: "Status:" (400 rejected,
 * 413 too large, 405 not POST, 500 database failure) and "Content-Type: text/xml".
 * Exit status: 0 verified (SUCCESS reply), 1 rejected (FAIL reply), 2 usage or configuration
 * error, 3 database failure (FAIL reply: WeChat Pay retries). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <wechatpay_notify.h>

/* The verifier's default limit; one byte more is read so that it sees a longer body as one. */
#define MAX_BODY_BYTES 65536
#define MAX_READ (MAX_BODY_BYTES + 1)

/* The same schema in every example of this repository (Rust, Python, Node, .NET, C). */
static const char SCHEMA[] =
    "-- The merchant's orders, created by the checkout before it calls unifiedorder.\n"
    "CREATE TABLE IF NOT EXISTS orders (\n"
    "    out_trade_no   TEXT PRIMARY KEY NOT NULL,\n"
    "    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),\n"
    "    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid')),\n"
    "    transaction_id TEXT\n"
    ");\n"
    "-- Every verified payment notification, once per dedupe_key (transaction_id), with what it did.\n"
    "CREATE TABLE IF NOT EXISTS payments (\n"
    "    dedupe_key   TEXT PRIMARY KEY NOT NULL,\n"
    "    out_trade_no TEXT,\n"
    "    total_fee    INTEGER,\n"
    "    result_code  TEXT,\n"
    "    outcome      TEXT NOT NULL CHECK (outcome IN ('paid', 'failed', 'discrepancy')),\n"
    "    received_at  TEXT NOT NULL DEFAULT (datetime('now'))\n"
    ");\n"
    "-- Verified successful payments that paid no order: for a person to review, never fulfilled.\n"
    "CREATE TABLE IF NOT EXISTS discrepancies (\n"
    "    dedupe_key       TEXT PRIMARY KEY NOT NULL REFERENCES payments (dedupe_key),\n"
    "    out_trade_no     TEXT,\n"
    "    total_fee        INTEGER,\n"
    "    order_amount_fen INTEGER,\n"
    "    reason           TEXT NOT NULL CHECK (reason IN ('unknown_order', 'amount_mismatch', "
    "'already_paid')),\n"
    "    received_at      TEXT NOT NULL DEFAULT (datetime('now'))\n"
    ");\n";

static bool is_cgi(void) { return getenv("GATEWAY_INTERFACE") != NULL; }

static void reply(const char *status, const char *text, size_t len) {
  if (is_cgi()) {
    if (status != NULL) printf("Status: %s\r\n", status);
    fputs("Content-Type: text/xml; charset=utf-8\r\n\r\n", stdout);
  }
  fwrite(text, 1, len, stdout);
  if (!is_cgi()) fputc('\n', stdout);
}

/* A FAIL reply carrying only a stable code (never details an attacker could learn from). */
static void reply_fail(const char *status, const char *code) {
  struct wechatpay_string *fail_reply = NULL;
  struct wechatpay_error *err = wechatpay_reply_fail(code, strlen(code), &fail_reply);
  if (err == NULL) {
    reply(status, wechatpay_string_data(fail_reply), wechatpay_string_len(fail_reply));
    wechatpay_string_free(fail_reply);
  } else {
    wechatpay_error_free(err);
  }
}

static int fail(struct wechatpay_error *err, int exit_status) {
  const char *code = wechatpay_error_code(err);
  /* The core's messages are bounded and carry no control characters: safe to log. */
  fprintf(stderr, "notify_cgi: rejected: %s: %s\n", code, wechatpay_error_message(err));
  reply_fail(strcmp(code, "body_too_large") == 0 ? "413 Payload Too Large" : "400 Bad Request", code);
  wechatpay_error_free(err);
  return exit_status;
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
  if (sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec(db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
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

/* What a verified payment is, as recorded. */
struct payment_row {
  struct wechatpay_str key;
  bool has_trade;
  struct wechatpay_str trade;
  bool has_result;
  struct wechatpay_str result;
  bool has_fee; /* false when absent or past INT64_MAX: then it matches no order */
  sqlite3_int64 fee;
};

static bool str_is(struct wechatpay_str s, const char *lit) {
  return s.len == strlen(lit) && (s.len == 0 || memcmp(s.data, lit, s.len) == 0);
}

/* Records a verified payment and applies it to its order, in one transaction. Sets `*outcome` to
 * "paid", "failed", "discrepancy: <reason>" or "duplicate". Returns false on a database error
 * (everything is rolled back). */
static bool record_payment(sqlite3 *db, const struct payment_row *p, const char **outcome) {
  sqlite3_stmt *st = NULL;
  bool ok = false, success = p->has_result && str_is(p->result, "SUCCESS");
  bool has_order = false;
  sqlite3_int64 order_amount = 0;
  const char *status = "failed", *reason = NULL;
  int rc;

  /* IMMEDIATE: the write lock first, so concurrent deliveries are applied one at a time. */
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return false;

  if (success) {
    if (p->has_trade) {
      if (prepare(db, "SELECT amount_fen, status FROM orders WHERE out_trade_no = ?1", &st) != SQLITE_OK) goto out;
      bind_str(st, 1, true, p->trade);
      rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        has_order = true;
        order_amount = sqlite3_column_int64(st, 0);
        if (strcmp((const char *)sqlite3_column_text(st, 1), "pending") != 0) reason = "already_paid";
      } else if (rc != SQLITE_DONE) {
        goto out;
      }
      sqlite3_finalize(st);
      st = NULL;
    }
    if (!has_order) {
      reason = "unknown_order";
    } else if (!p->has_fee || p->fee != order_amount) {
      reason = "amount_mismatch";
    }
    status = reason == NULL ? "paid" : "discrepancy";
  }

  if (prepare(db,
              "INSERT INTO payments (dedupe_key, out_trade_no, total_fee, result_code, outcome) "
              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dedupe_key) DO NOTHING",
              &st) != SQLITE_OK) {
    goto out;
  }
  bind_str(st, 1, true, p->key);
  bind_str(st, 2, p->has_trade, p->trade);
  if (p->has_fee) sqlite3_bind_int64(st, 3, p->fee);
  bind_str(st, 4, p->has_result, p->result);
  sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE) goto out;
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_changes(db) == 0) {
    *outcome = "duplicate"; /* a retry: the first delivery did everything */
    ok = true;
    goto out;
  }

  if (strcmp(status, "paid") == 0) {
    if (prepare(db,
                "UPDATE orders SET status = 'paid', transaction_id = ?1 "
                "WHERE out_trade_no = ?2 AND status = 'pending'",
                &st) != SQLITE_OK) {
      goto out;
    }
    bind_str(st, 1, true, p->key);
    bind_str(st, 2, true, p->trade);
  } else if (reason != NULL) {
    if (prepare(db,
                "INSERT INTO discrepancies (dedupe_key, out_trade_no, total_fee, order_amount_fen, reason) "
                "VALUES (?1, ?2, ?3, ?4, ?5)",
                &st) != SQLITE_OK) {
      goto out;
    }
    bind_str(st, 1, true, p->key);
    bind_str(st, 2, p->has_trade, p->trade);
    if (p->has_fee) sqlite3_bind_int64(st, 3, p->fee);
    if (has_order) sqlite3_bind_int64(st, 4, order_amount);
    sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
  }
  if (st != NULL) {
    if (sqlite3_step(st) != SQLITE_DONE) goto out;
    sqlite3_finalize(st);
    st = NULL;
  }
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto out;
  *outcome = strcmp(status, "discrepancy") != 0 ? status
             : strcmp(reason, "unknown_order") == 0 ? "discrepancy: unknown_order"
             : strcmp(reason, "amount_mismatch") == 0 ? "discrepancy: amount_mismatch"
                                                      : "discrepancy: already_paid";
  return true;

out:
  if (!ok) fprintf(stderr, "notify_cgi: database: %s\n", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return ok;
}

/* `add-order OUT_TRADE_NO AMOUNT_FEN`: a stand-in for your checkout, so that the sample
 * notifications have an order to pay. */
static int add_order(int argc, char **argv) {
  sqlite3 *db;
  sqlite3_stmt *st = NULL;
  char *end = NULL;
  long long amount;
  int status = 3;
  if (argc != 4) {
    fprintf(stderr, "usage: WECHATPAY_DB=... %s add-order OUT_TRADE_NO AMOUNT_FEN\n", argv[0]);
    return 2;
  }
  errno = 0;
  amount = strtoll(argv[3], &end, 10);
  if (argv[3][0] < '0' || argv[3][0] > '9' || *end != '\0' || errno != 0 || amount <= 0) {
    fprintf(stderr, "notify_cgi: AMOUNT_FEN must be a positive whole number of fen\n");
    return 2;
  }
  if ((db = open_db()) == NULL) return 3;
  if (prepare(db, "INSERT INTO orders (out_trade_no, amount_fen) VALUES (?1, ?2)", &st) == SQLITE_OK &&
      sqlite3_bind_text(st, 1, argv[2], -1, SQLITE_STATIC) == SQLITE_OK &&
      sqlite3_bind_int64(st, 2, amount) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE) {
    fprintf(stderr, "notify_cgi: order %s (%lld fen) created\n", argv[2], amount);
    status = 0;
  } else {
    fprintf(stderr, "notify_cgi: add-order: %s\n", sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return status;
}

/* ---- the request ---- */

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

int main(int argc, char **argv) {
  const char *key = getenv("WECHATPAY_API_KEY");
  const char *sign_type;
  const char *method = getenv("REQUEST_METHOD");
  struct wechatpay_verifier_builder *builder = NULL;
  struct wechatpay_verifier *verifier = NULL;
  struct wechatpay_payment *payment = NULL;
  struct wechatpay_error *err;
  unsigned char *body;
  size_t len;
  int status;

  if (argc > 1 && strcmp(argv[1], "add-order") == 0) return add_order(argc, argv);

  sign_type = argc > 1 ? argv[1] : getenv("WECHATPAY_SIGN_TYPE");
  if (key == NULL || sign_type == NULL) {
    fprintf(stderr, "usage: WECHATPAY_API_KEY=... %s MD5|HMAC-SHA256 < body.xml\n"
                    "       (or WECHATPAY_SIGN_TYPE instead of the argument)\n"
                    "       WECHATPAY_DB=... %s add-order OUT_TRADE_NO AMOUNT_FEN\n", argv[0], argv[0]);
    return 2;
  }
  if (is_cgi() && (method == NULL || strcmp(method, "POST") != 0)) {
    reply_fail("405 Method Not Allowed", "POST only");
    return 1;
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

  body = malloc(MAX_READ);
  if (body == NULL) {
    wechatpay_verifier_free(verifier);
    return 2;
  }
  len = read_body(body);
  err = wechatpay_verifier_verify_payment(verifier, body, len, &payment);
  free(body);
  wechatpay_verifier_free(verifier);
  if (err != NULL) return fail(err, 1);

  /* Verified: from here on the reply is SUCCESS, unless we fail to record it. */
  {
    struct payment_row row;
    uint64_t fee = 0;
    const char *outcome = NULL;
    sqlite3 *db;
    memset(&row, 0, sizeof row);
    if (!wechatpay_payment_dedupe_key(payment, &row.key)) {
      /* Only a failed payment can lack a transaction_id (the core requires one with
       * result_code=SUCCESS): nothing was paid and there is no key to record it under. */
      fprintf(stderr, "notify_cgi: verified failed payment without transaction_id: acknowledged\n");
      wechatpay_payment_free(payment);
      reply(NULL, wechatpay_reply_success(), strlen(wechatpay_reply_success()));
      return 0;
    }
    row.has_trade = wechatpay_payment_out_trade_no(payment, &row.trade);
    row.has_result = wechatpay_payment_result_code(payment, &row.result);
    row.has_fee = wechatpay_payment_total_fee(payment, &fee) && fee <= (uint64_t)INT64_MAX;
    row.fee = (sqlite3_int64)fee;
    db = open_db();
    if (db == NULL || !record_payment(db, &row, &outcome)) {
      /* Not acknowledged: WeChat Pay retries, and the retry is recorded then. */
      sqlite3_close(db);
      wechatpay_payment_free(payment);
      reply_fail("500 Internal Server Error", "internal");
      return 3;
    }
    sqlite3_close(db);
    fprintf(stderr, "notify_cgi: verified payment %.*s for order %.*s: %s\n", (int)row.key.len,
            row.key.data, (int)row.trade.len, row.trade.len > 0 ? row.trade.data : "", outcome);
    wechatpay_payment_free(payment);
  }
  /* Acknowledge every verified notification: paid, failed, discrepancy or retry. */
  reply(NULL, wechatpay_reply_success(), strlen(wechatpay_reply_success()));
  return 0;
}
