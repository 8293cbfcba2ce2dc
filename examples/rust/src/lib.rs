//! A WeChat Pay v2 `notify_url` endpoint on axum: it verifies the raw POST body with
//! [`wechatpay_notify::Verifier::verify_payment`], applies the payment to the merchant's order in
//! SQLite (once per `dedupe_key`, however often WeChat Pay retries) and answers with the exact reply
//! WeChat Pay expects.
//!
//! Every protocol rule (size limit, XML hardening, signature, merchant checks) is applied by the
//! core crate. What this example adds is the merchant's half of the contract, which WeChat Pay's
//! documentation requires of every `notify_url`: a verified notification proves that WeChat Pay
//! sent it, not that it pays *your* order, so the order is marked paid only when it exists, is not
//! paid yet and its amount equals `total_fee`; anything else is kept as a discrepancy for a person
//! to review, and never fulfilled.
//!
//! ```no_run
//! use wechatpay_notify::{SignType, Verifier};
//! use wechatpay_notify_example_axum::{AppState, Db, app};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new("192006250b4c09247ec02edce69f6a2d", SignType::Md5)?;
//! let db = Db::open("payments.sqlite3")?;
//! // Your checkout creates the order (before calling unifiedorder) with its amount in fen.
//! db.create_order("20261127ORDER0001", 101)?;
//! let state = AppState::new(verifier, db);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app(state)).await?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use wechatpay_notify::{DEFAULT_MAX_BODY_BYTES, ErrorKind, PaymentNotification, Verifier, reply};

/// The path WeChat Pay posts payment result notifications to (your `notify_url`).
pub const NOTIFY_PATH: &str = "/wechatpay/notify/pay";

/// The schema, the same in every example of this repository (Rust, Python, Node, .NET, C).
pub const SCHEMA: &str = "
-- The merchant's orders, created by the checkout before it calls unifiedorder.
CREATE TABLE IF NOT EXISTS orders (
    out_trade_no   TEXT PRIMARY KEY NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid')),
    transaction_id TEXT
);
-- Every verified payment notification, once per dedupe_key (transaction_id), with what it did.
CREATE TABLE IF NOT EXISTS payments (
    dedupe_key   TEXT PRIMARY KEY NOT NULL,
    out_trade_no TEXT,
    total_fee    INTEGER,
    result_code  TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('paid', 'failed', 'discrepancy')),
    received_at  TEXT NOT NULL DEFAULT (datetime('now'))
);
-- Verified successful payments that paid no order: for a person to review, never fulfilled.
CREATE TABLE IF NOT EXISTS discrepancies (
    dedupe_key       TEXT PRIMARY KEY NOT NULL REFERENCES payments (dedupe_key),
    out_trade_no     TEXT,
    total_fee        INTEGER,
    order_amount_fen INTEGER,
    reason           TEXT NOT NULL CHECK (reason IN ('unknown_order', 'amount_mismatch', 'already_paid')),
    received_at      TEXT NOT NULL DEFAULT (datetime('now'))
);
";

/// What a verified payment notification is recorded as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The idempotency key ([`PaymentNotification::dedupe_key`], i.e. `transaction_id`).
    pub dedupe_key: String,
    /// The merchant's order number.
    pub out_trade_no: Option<String>,
    /// The amount in fen (`None` when absent or too large for SQLite: it then matches no order).
    pub total_fee: Option<i64>,
    /// `SUCCESS` for a completed payment, `FAIL` for a failed one.
    pub result_code: Option<String>,
}

impl Payment {
    /// The row to record for a verified notification, or `None` when it has no dedupe key (the
    /// core requires `transaction_id` when `result_code` is `SUCCESS`, so only a failed payment
    /// can lack one).
    pub fn from_notification(n: &PaymentNotification) -> Option<Payment> {
        Some(Payment {
            dedupe_key: n.dedupe_key()?.to_owned(),
            out_trade_no: n.out_trade_no().map(str::to_owned),
            total_fee: n.total_fee().and_then(|fee| i64::try_from(fee).ok()),
            result_code: n.result_code().map(str::to_owned),
        })
    }

    fn is_success(&self) -> bool {
        self.result_code.as_deref() == Some("SUCCESS")
    }
}

/// Why a verified successful payment did not pay an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// No order has this `out_trade_no`.
    UnknownOrder,
    /// `total_fee` is not the order's amount.
    AmountMismatch,
    /// The order was already paid by another transaction (a double payment: refund it by hand).
    AlreadyPaid,
}

impl Reason {
    /// The value stored in `discrepancies.reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UnknownOrder => "unknown_order",
            Reason::AmountMismatch => "amount_mismatch",
            Reason::AlreadyPaid => "already_paid",
        }
    }
}

/// What recording a verified payment notification did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The order was pending, the amount matched: it is now paid (fulfil it).
    Paid,
    /// A failed payment (`result_code` is not `SUCCESS`): recorded, the order is left as it was.
    Failed,
    /// Recorded in `discrepancies` for review; no order was touched.
    Discrepancy(Reason),
    /// This `dedupe_key` was recorded before (a retry): nothing changed.
    Duplicate,
}

impl Outcome {
    /// The value stored in `payments.outcome` (`None` for [`Outcome::Duplicate`], which stores nothing).
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Outcome::Paid => Some("paid"),
            Outcome::Failed => Some("failed"),
            Outcome::Discrepancy(_) => Some("discrepancy"),
            Outcome::Duplicate => None,
        }
    }
}

/// One row of `orders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The amount to be paid, in fen.
    pub amount_fen: i64,
    /// `pending` or `paid`.
    pub status: String,
    /// The transaction that paid it.
    pub transaction_id: Option<String>,
}

/// One row of `discrepancies`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discrepancy {
    /// The payment's `dedupe_key` (`transaction_id`).
    pub dedupe_key: String,
    /// The order number the payment named.
    pub out_trade_no: Option<String>,
    /// The amount paid, in fen.
    pub total_fee: Option<i64>,
    /// The order's amount, when the order exists.
    pub order_amount_fen: Option<i64>,
    /// `unknown_order`, `amount_mismatch` or `already_paid`.
    pub reason: String,
}

/// The orders, the payments log and the discrepancies, in one SQLite database.
pub struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (or creates) the database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        // Readers do not block the writer; each notification is one short write transaction.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        Db::init(conn)
    }

    /// A private in-memory database (for tests).
    pub fn open_in_memory() -> rusqlite::Result<Db> {
        Db::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> rusqlite::Result<Db> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-applied change behind (an open
        // transaction rolls back when it is dropped), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates a pending order (in a real shop: the checkout, before it calls unifiedorder).
    pub fn create_order(&self, out_trade_no: &str, amount_fen: i64) -> rusqlite::Result<()> {
        self.conn().execute(
            "INSERT INTO orders (out_trade_no, amount_fen) VALUES (?1, ?2)",
            params![out_trade_no, amount_fen],
        )?;
        Ok(())
    }

    /// The order with this number, if any.
    pub fn order(&self, out_trade_no: &str) -> rusqlite::Result<Option<Order>> {
        self.conn()
            .query_row(
                "SELECT out_trade_no, amount_fen, status, transaction_id
                 FROM orders WHERE out_trade_no = ?1",
                [out_trade_no],
                |r| {
                    Ok(Order {
                        out_trade_no: r.get(0)?,
                        amount_fen: r.get(1)?,
                        status: r.get(2)?,
                        transaction_id: r.get(3)?,
                    })
                },
            )
            .optional()
    }

    /// Records a verified payment and applies it to its order, in one transaction:
    ///
    /// - a `dedupe_key` seen before changes nothing ([`Outcome::Duplicate`]);
    /// - a failed payment is logged and leaves the order alone ([`Outcome::Failed`]);
    /// - a successful one marks the order paid only if the order exists, is still pending and
    ///   its amount equals `total_fee` ([`Outcome::Paid`]); otherwise it is logged in
    ///   `discrepancies` for review and nothing is fulfilled ([`Outcome::Discrepancy`]).
    ///
    /// `BEGIN IMMEDIATE` takes the write lock first, so concurrent deliveries of the same
    /// notification (from other threads or processes sharing the file) are applied one at a time.
    pub fn record_payment(&self, p: &Payment) -> rusqlite::Result<Outcome> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let order: Option<(i64, String)> = match (&p.out_trade_no, p.is_success()) {
            (Some(no), true) => tx
                .query_row(
                    "SELECT amount_fen, status FROM orders WHERE out_trade_no = ?1",
                    [no],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
            _ => None,
        };
        let outcome = if !p.is_success() {
            Outcome::Failed
        } else {
            match &order {
                None => Outcome::Discrepancy(Reason::UnknownOrder),
                Some((amount, _)) if p.total_fee != Some(*amount) => {
                    Outcome::Discrepancy(Reason::AmountMismatch)
                }
                Some((_, status)) if status != "pending" => {
                    Outcome::Discrepancy(Reason::AlreadyPaid)
                }
                Some(_) => Outcome::Paid,
            }
        };
        let inserted = tx.execute(
            "INSERT INTO payments (dedupe_key, out_trade_no, total_fee, result_code, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (dedupe_key) DO NOTHING",
            params![
                p.dedupe_key,
                p.out_trade_no,
                p.total_fee,
                p.result_code,
                outcome.as_str()
            ],
        )?;
        if inserted == 0 {
            // A retry: the first delivery already did everything (dropping `tx` rolls back).
            return Ok(Outcome::Duplicate);
        }
        match outcome {
            Outcome::Paid => {
                tx.execute(
                    "UPDATE orders SET status = 'paid', transaction_id = ?1
                     WHERE out_trade_no = ?2 AND status = 'pending'",
                    params![p.dedupe_key, p.out_trade_no],
                )?;
            }
            Outcome::Discrepancy(reason) => {
                tx.execute(
                    "INSERT INTO discrepancies
                         (dedupe_key, out_trade_no, total_fee, order_amount_fen, reason)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        p.dedupe_key,
                        p.out_trade_no,
                        p.total_fee,
                        order.map(|(amount, _)| amount),
                        reason.as_str()
                    ],
                )?;
            }
            Outcome::Failed | Outcome::Duplicate => {}
        }
        tx.commit()?;
        Ok(outcome)
    }

    /// The number of recorded payments.
    pub fn count(&self) -> rusqlite::Result<i64> {
        self.conn()
            .query_row("SELECT COUNT(*) FROM payments", [], |r| r.get(0))
    }

    /// The recorded payment with this `dedupe_key` and its `outcome`, if any.
    pub fn get(&self, dedupe_key: &str) -> rusqlite::Result<Option<(Payment, String)>> {
        self.conn()
            .query_row(
                "SELECT dedupe_key, out_trade_no, total_fee, result_code, outcome
                 FROM payments WHERE dedupe_key = ?1",
                [dedupe_key],
                |r| {
                    Ok((
                        Payment {
                            dedupe_key: r.get(0)?,
                            out_trade_no: r.get(1)?,
                            total_fee: r.get(2)?,
                            result_code: r.get(3)?,
                        },
                        r.get(4)?,
                    ))
                },
            )
            .optional()
    }

    /// Every discrepancy, oldest first.
    pub fn discrepancies(&self) -> rusqlite::Result<Vec<Discrepancy>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT dedupe_key, out_trade_no, total_fee, order_amount_fen, reason
             FROM discrepancies ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Discrepancy {
                dedupe_key: r.get(0)?,
                out_trade_no: r.get(1)?,
                total_fee: r.get(2)?,
                order_amount_fen: r.get(3)?,
                reason: r.get(4)?,
            })
        })?;
        rows.collect()
    }
}

/// What the handler shares: the verifier, the database and the body limit.
#[derive(Clone)]
pub struct AppState {
    verifier: Arc<Verifier>,
    db: Arc<Db>,
    max_body_bytes: usize,
}

impl AppState {
    /// State with the default body limit ([`DEFAULT_MAX_BODY_BYTES`]).
    pub fn new(verifier: Verifier, db: Db) -> AppState {
        AppState::with_max_body_bytes(verifier, db, DEFAULT_MAX_BODY_BYTES)
    }

    /// State with a body limit of `limit` bytes, applied both by the verifier and by the HTTP
    /// layer (so a larger body is never buffered).
    pub fn with_max_body_bytes(verifier: Verifier, db: Db, limit: usize) -> AppState {
        AppState {
            verifier: Arc::new(verifier.max_body_bytes(limit)),
            db: Arc::new(db),
            max_body_bytes: limit,
        }
    }

    /// The database the handler records into.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// The router: `POST` [`NOTIFY_PATH`] verifies and records a payment notification.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route(NOTIFY_PATH, post(notify_pay))
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .with_state(state)
}

fn xml(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// A FAIL reply carrying only a stable error code (never anything from the request).
fn fail(status: StatusCode, kind: ErrorKind) -> Response {
    xml(status, reply::fail(kind.code()))
}

async fn notify_pay(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // The raw bytes, exactly as received: never a typed extractor that parses and re-serialises.
    let body = match body {
        Ok(body) => body,
        // The HTTP layer stops reading at the same limit the verifier enforces.
        Err(BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_))) => {
            eprintln!("rejected notification: {}", ErrorKind::BodyTooLarge.code());
            return fail(StatusCode::PAYLOAD_TOO_LARGE, ErrorKind::BodyTooLarge);
        }
        Err(_) => return fail(StatusCode::BAD_REQUEST, ErrorKind::InvalidArgument),
    };
    let notification = match state.verifier.verify_payment(&body) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("rejected notification: {}", e.code());
            return fail(StatusCode::BAD_REQUEST, e.kind());
        }
    };
    // Verified: from here on the reply is SUCCESS whatever the notification says (a failed
    // payment, a retry, an order that does not match): replying FAIL would only make WeChat Pay
    // send the same message again. The one exception is our own failure to record it.
    let Some(payment) = Payment::from_notification(&notification) else {
        // Only a failed payment can lack a transaction_id (the core requires one with
        // result_code=SUCCESS): nothing was paid and there is no key to record it under.
        eprintln!(
            "verified notification without a transaction_id (a failed payment): acknowledged"
        );
        return xml(StatusCode::OK, reply::success());
    };
    let db = state.db.clone();
    let key = payment.dedupe_key.clone();
    match tokio::task::spawn_blocking(move || db.record_payment(&payment)).await {
        Ok(Ok(outcome)) => {
            match outcome {
                Outcome::Paid => eprintln!("verified notification {key}: order paid"),
                Outcome::Failed => {
                    eprintln!("verified notification {key}: failed payment recorded")
                }
                Outcome::Discrepancy(reason) => eprintln!(
                    "verified notification {key}: DISCREPANCY {}, recorded for review",
                    reason.as_str()
                ),
                Outcome::Duplicate => eprintln!("verified notification {key}: already recorded"),
            }
            xml(StatusCode::OK, reply::success())
        }
        Ok(Err(e)) => {
            // Not acknowledged: WeChat Pay retries, and the retry is recorded then.
            eprintln!("could not record notification {key}: {e}");
            fail(StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal)
        }
        Err(e) => {
            eprintln!("could not record notification {key}: {e}");
            fail(StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::Internal)
        }
    }
}
