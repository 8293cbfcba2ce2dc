//! One WeChat Pay `notify_url` on axum for several merchants, v2 and APIv3: every request goes to a
//! [`wechatpay_notify::Endpoint`], which decides the version and the merchant and verifies the raw
//! request with that merchant's own keys; a verified payment is applied to that merchant's order in
//! SQLite (once per `dedupe_key`, however often WeChat Pay retries, and whichever version delivers
//! it), and the reply is the endpoint's own (status, content type and body).
//!
//! Every protocol rule (routing, size limits, XML hardening, signatures, the APIv3 clock window,
//! decryption, replies) is applied by the core crate. What this example adds is the merchant's half
//! of the contract, which WeChat Pay's documentation requires of every `notify_url`: a verified
//! notification proves that WeChat Pay sent it, not that it pays *your* order, so the order is
//! marked paid only when it exists for that merchant, is not paid yet and its amount equals the
//! notification's (v2 `total_fee`, APIv3 `amount.total`); anything else is kept as a discrepancy
//! for a person to review, and never fulfilled. Refunds are recorded, never acted upon.
//!
//! ```no_run
//! use wechatpay_notify_example_axum::{AppState, Db, app, load_endpoint};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Two merchants, v2 and v3 each: the profiles file names key files or environment variables.
//! let endpoint = load_endpoint("profiles.json")?;
//! let db = Db::open("payments.sqlite3")?;
//! // Your checkout creates the order (before asking WeChat Pay to pay it) with its amount in fen.
//! db.create_order("shop-a", "20261127ORDER0001", 101)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app(AppState::new(endpoint, db))).await?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod config;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http_body_util::BodyExt;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use wechatpay_notify::reply::{self, HttpReply};
use wechatpay_notify::{
    DEFAULT_MAX_BODY_BYTES, Endpoint, Error, ErrorKind, Handled, Notification, V3Headers,
};

pub use config::{ConfigError, load_endpoint};

/// The one path WeChat Pay posts every notification to (your `notify_url`, for every merchant and
/// both versions).
pub const NOTIFY_PATH: &str = "/wechatpay/notify";

/// How much of a body is read: the verifiers' default limit (the profiles use it) plus one byte, so
/// that the endpoint sees a longer body as one and refuses it (`body_too_large`) without the rest
/// ever being buffered.
pub const READ_LIMIT: usize = DEFAULT_MAX_BODY_BYTES + 1;

/// The schema, `examples/schema.sql`, shared by every example. `merchant` is the profile label the
/// endpoint reports.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// A verified payment, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The merchant's label.
    pub merchant: String,
    /// The idempotency key (`transaction_id`), the same for the v2 and v3 deliveries.
    pub dedupe_key: String,
    /// `"v2"` or `"v3"`.
    pub version: String,
    /// The merchant's order number.
    pub out_trade_no: Option<String>,
    /// The amount in fen (`None` when absent or too large for SQLite: it then matches no order).
    pub total_fee: Option<i64>,
    /// v2 `result_code` or v3 `trade_state`.
    pub result: Option<String>,
    /// The payment succeeded (the core's `is_success`): only then can it pay an order.
    pub success: bool,
}

/// A verified refund notification, as recorded (never acted upon).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The merchant's label.
    pub merchant: String,
    /// The idempotency key (`refund_id:STATUS`: each state of a refund is its own delivery).
    pub dedupe_key: String,
    /// `"v2"` or `"v3"`.
    pub version: String,
    /// WeChat Pay's refund id.
    pub refund_id: Option<String>,
    /// The order refunded.
    pub out_trade_no: Option<String>,
    /// The merchant's refund number.
    pub out_refund_no: Option<String>,
    /// The refunded amount in fen.
    pub refund_fee: Option<i64>,
    /// `refund_status`, in v3's words (v2 `CHANGE` is `ABNORMAL`, `REFUNDCLOSE` is `CLOSED`).
    pub refund_status: Option<String>,
}

/// What a verified notification is recorded as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A payment result (v2 payment, APIv3 `TRANSACTION.*`).
    Payment(Payment),
    /// A refund result (v2 refund, APIv3 `REFUND.*`).
    Refund(Refund),
    /// Acknowledged but not recorded, and why (a failed v2 payment without a `transaction_id`, an
    /// APIv3 event type this example does not handle).
    Unrecorded(String),
}

/// An amount as the database stores it. An amount the core refuses (present but not an amount) is
/// no amount here: a payment without one never pays an order (it is recorded as a discrepancy).
fn fen(amount: Result<Option<u64>, wechatpay_notify::Error>) -> Option<i64> {
    amount.ok().flatten().and_then(|a| i64::try_from(a).ok())
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

impl Record {
    /// What to record for a verified notification: every field is read through the core's typed
    /// views.
    pub fn from_handled(h: &Handled) -> Record {
        let merchant = h.label().to_owned();
        let n = h.notification();
        let version = n.version().as_str().to_owned();
        match n {
            Notification::V2Payment(p) => match p.dedupe_key() {
                Some(key) => Record::Payment(Payment {
                    merchant,
                    dedupe_key: key.to_owned(),
                    version,
                    out_trade_no: owned(p.out_trade_no()),
                    total_fee: fen(p.total_fee()),
                    result: owned(p.result_code()),
                    success: p.is_success(),
                }),
                // The core requires a transaction_id with result_code=SUCCESS: only a failed payment
                // can lack one, and there is no key to record it under.
                None => Record::Unrecorded("a failed payment without transaction_id".into()),
            },
            Notification::V2Refund(r) => match r.dedupe_key() {
                Some(key) => Record::Refund(Refund {
                    merchant,
                    dedupe_key: key.to_owned(),
                    version,
                    refund_id: owned(r.refund_id()),
                    out_trade_no: owned(r.out_trade_no()),
                    out_refund_no: owned(r.out_refund_no()),
                    refund_fee: fen(r.refund_fee()),
                    refund_status: r
                        .refund_status()
                        .map(|s| wechatpay_notify::refund_state(s).to_owned()),
                }),
                None => Record::Unrecorded("a refund without refund_id".into()),
            },
            Notification::V3(v3) => {
                if let Some(t) = v3.transaction() {
                    Record::Payment(Payment {
                        merchant,
                        dedupe_key: v3.dedupe_key().to_owned(),
                        version,
                        out_trade_no: owned(t.out_trade_no()),
                        total_fee: fen(t.amount_total()),
                        result: owned(t.trade_state()),
                        success: v3.is_success(),
                    })
                } else if let Some(r) = v3.refund() {
                    Record::Refund(Refund {
                        merchant,
                        dedupe_key: v3.dedupe_key().to_owned(),
                        version,
                        refund_id: owned(r.refund_id()),
                        out_trade_no: owned(r.out_trade_no()),
                        out_refund_no: owned(r.out_refund_no()),
                        refund_fee: fen(r.amount_refund()),
                        refund_status: owned(r.refund_status()),
                    })
                } else {
                    Record::Unrecorded(format!(
                        "event type {} is not handled here",
                        v3.event_type()
                    ))
                }
            }
        }
    }
}

/// Why a verified successful payment did not pay an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The merchant has no order with this `out_trade_no`.
    UnknownOrder,
    /// The amount is not the order's.
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

/// What recording a verified payment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The order is now paid: fulfil it (this happens once per order).
    Paid,
    /// A failed payment, logged; the order is left alone.
    Failed,
    /// Recorded for review; no order was touched.
    Discrepancy(Reason),
    /// Already recorded (a retry, or the other version's delivery): nothing changed.
    Duplicate,
}

impl Outcome {
    /// The value stored in `payments.outcome` (a duplicate stores nothing).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Paid => "paid",
            Outcome::Failed => "failed",
            Outcome::Discrepancy(_) => "discrepancy",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// An order, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The merchant's label.
    pub merchant: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The amount due, in fen.
    pub amount_fen: i64,
    /// `pending` or `paid`.
    pub status: String,
    /// The transaction that paid it.
    pub transaction_id: Option<String>,
}

/// A recorded payment and what it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    /// The merchant's label.
    pub merchant: String,
    /// `transaction_id`.
    pub dedupe_key: String,
    /// The version of the first delivery.
    pub version: String,
    /// The order number.
    pub out_trade_no: Option<String>,
    /// The amount in fen.
    pub total_fee: Option<i64>,
    /// v2 `result_code` or v3 `trade_state`.
    pub result: Option<String>,
    /// `paid`, `failed` or `discrepancy`.
    pub outcome: String,
}

/// A verified successful payment that paid no order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discrepancy {
    /// The merchant's label.
    pub merchant: String,
    /// `transaction_id`.
    pub dedupe_key: String,
    /// The order number the payment names.
    pub out_trade_no: Option<String>,
    /// The amount paid, in fen.
    pub total_fee: Option<i64>,
    /// The order's amount, when the order exists.
    pub order_amount_fen: Option<i64>,
    /// `unknown_order`, `amount_mismatch` or `already_paid`.
    pub reason: String,
}

/// The SQLite database: orders, payments, discrepancies, refunds.
pub struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (or creates) the database file. WAL mode and a busy timeout let several processes
    /// share it: each notification is one `BEGIN IMMEDIATE` transaction, applied one at a time.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Db::init(conn)
    }

    /// An in-memory database (tests).
    pub fn open_in_memory() -> rusqlite::Result<Db> {
        Db::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> rusqlite::Result<Db> {
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

    /// Creates a pending order for a merchant (in a real shop: the checkout, before it asks WeChat
    /// Pay to pay it).
    pub fn create_order(
        &self,
        merchant: &str,
        out_trade_no: &str,
        amount_fen: i64,
    ) -> rusqlite::Result<()> {
        self.conn().execute(
            "INSERT INTO orders (merchant, out_trade_no, amount_fen) VALUES (?1, ?2, ?3)",
            params![merchant, out_trade_no, amount_fen],
        )?;
        Ok(())
    }

    /// The merchant's order with this number, if any.
    pub fn order(&self, merchant: &str, out_trade_no: &str) -> rusqlite::Result<Option<Order>> {
        self.conn()
            .query_row(
                "SELECT merchant, out_trade_no, amount_fen, status, transaction_id
                 FROM orders WHERE merchant = ?1 AND out_trade_no = ?2",
                [merchant, out_trade_no],
                |r| {
                    Ok(Order {
                        merchant: r.get(0)?,
                        out_trade_no: r.get(1)?,
                        amount_fen: r.get(2)?,
                        status: r.get(3)?,
                        transaction_id: r.get(4)?,
                    })
                },
            )
            .optional()
    }

    /// Records a verified payment and applies it to its merchant's order, in one transaction:
    ///
    /// - a (merchant, `dedupe_key`) seen before changes nothing ([`Outcome::Duplicate`]): a
    ///   retry, or the same payment delivered by the other API version;
    /// - a failed payment is logged and leaves the order alone ([`Outcome::Failed`]);
    /// - a successful one marks the order paid only if the merchant has that order, it is still
    ///   pending and its amount equals the payment's ([`Outcome::Paid`]); otherwise it is logged in
    ///   `discrepancies` for review and nothing is fulfilled ([`Outcome::Discrepancy`]).
    ///
    /// `BEGIN IMMEDIATE` takes the write lock first, so concurrent deliveries of the same
    /// notification (from other threads or processes sharing the file) are applied one at a time.
    pub fn record_payment(&self, p: &Payment) -> rusqlite::Result<Outcome> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let order: Option<(i64, String)> = match (&p.out_trade_no, p.success) {
            (Some(no), true) => tx
                .query_row(
                    "SELECT amount_fen, status FROM orders WHERE merchant = ?1 AND out_trade_no = ?2",
                    [&p.merchant, no],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
            _ => None,
        };
        let outcome = if !p.success {
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
            "INSERT INTO payments (merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (merchant, dedupe_key) DO NOTHING",
            params![
                p.merchant,
                p.dedupe_key,
                p.version,
                p.out_trade_no,
                p.total_fee,
                p.result,
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
                     WHERE merchant = ?2 AND out_trade_no = ?3 AND status = 'pending'",
                    params![p.dedupe_key, p.merchant, p.out_trade_no],
                )?;
            }
            Outcome::Discrepancy(reason) => {
                tx.execute(
                    "INSERT INTO discrepancies
                         (merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        p.merchant,
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

    /// Records a refund notification once per (merchant, `dedupe_key`), i.e. once per state, and
    /// moves the refund's latest state forward (`refund_states`: ABNORMAL may become SUCCESS or
    /// CLOSED, never the reverse, whatever order retries arrive in); `true` when it is new. Only a
    /// record, never an action: a v2 refund's req_info is AES-256-ECB without integrity, so blocks
    /// of two genuine refund notifications of the same merchant can be cut and pasted into a third
    /// that passes every check. Treat a refund notification as a hint: confirm it with the refund
    /// query API before any irreversible action.
    pub fn record_refund(&self, r: &Refund) -> rusqlite::Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let inserted = tx.execute(
            "INSERT INTO refunds
                 (merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (merchant, dedupe_key) DO NOTHING",
            params![
                r.merchant,
                r.dedupe_key,
                r.version,
                r.out_trade_no,
                r.out_refund_no,
                r.refund_fee,
                r.refund_status
            ],
        )?;
        if let (Some(id), Some(status)) = (&r.refund_id, &r.refund_status) {
            tx.execute(
                "INSERT INTO refund_states (merchant, refund_id, status) VALUES (?1, ?2, ?3)
                 ON CONFLICT (merchant, refund_id) DO UPDATE
                 SET status = excluded.status, updated_at = datetime('now')
                 WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')",
                params![r.merchant, id, status],
            )?;
        }
        tx.commit()?;
        Ok(inserted == 1)
    }

    /// A refund's latest state (see [`Db::record_refund`]).
    pub fn refund_state(
        &self,
        merchant: &str,
        refund_id: &str,
    ) -> rusqlite::Result<Option<String>> {
        use rusqlite::OptionalExtension as _;
        self.conn()
            .query_row(
                "SELECT status FROM refund_states WHERE merchant = ?1 AND refund_id = ?2",
                params![merchant, refund_id],
                |r| r.get(0),
            )
            .optional()
    }

    /// The number of recorded payments.
    pub fn count(&self) -> rusqlite::Result<i64> {
        self.conn()
            .query_row("SELECT COUNT(*) FROM payments", [], |r| r.get(0))
    }

    /// Every recorded payment, oldest first.
    pub fn payments(&self) -> rusqlite::Result<Vec<PaymentRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome
             FROM payments ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(PaymentRow {
                merchant: r.get(0)?,
                dedupe_key: r.get(1)?,
                version: r.get(2)?,
                out_trade_no: r.get(3)?,
                total_fee: r.get(4)?,
                result: r.get(5)?,
                outcome: r.get(6)?,
            })
        })?;
        rows.collect()
    }

    /// Every discrepancy, oldest first.
    pub fn discrepancies(&self) -> rusqlite::Result<Vec<Discrepancy>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason
             FROM discrepancies ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Discrepancy {
                merchant: r.get(0)?,
                dedupe_key: r.get(1)?,
                out_trade_no: r.get(2)?,
                total_fee: r.get(3)?,
                order_amount_fen: r.get(4)?,
                reason: r.get(5)?,
            })
        })?;
        rows.collect()
    }

    /// Every recorded refund, oldest first.
    pub fn refunds(&self) -> rusqlite::Result<Vec<Refund>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status
             FROM refunds ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            let dedupe_key: String = r.get(1)?;
            Ok(Refund {
                merchant: r.get(0)?,
                refund_id: dedupe_key.split_once(':').map(|(id, _)| id.to_owned()),
                dedupe_key,
                version: r.get(2)?,
                out_trade_no: r.get(3)?,
                out_refund_no: r.get(4)?,
                refund_fee: r.get(5)?,
                refund_status: r.get(6)?,
            })
        })?;
        rows.collect()
    }
}

/// What the handler shares: the endpoint, the database, and the test-only failure switch.
#[derive(Clone)]
pub struct AppState {
    endpoint: Arc<Endpoint>,
    db: Arc<Db>,
    fail_first: Arc<AtomicUsize>,
}

impl AppState {
    /// The state for `endpoint` (see [`load_endpoint`]) recording into `db`.
    pub fn new(endpoint: Endpoint, db: Db) -> AppState {
        AppState {
            endpoint: Arc::new(endpoint),
            db: Arc::new(db),
            fail_first: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// TEST ONLY: the first `n` requests get `500` with the `internal` FAIL reply before anything
    /// is read, as a handler whose database is briefly down would (to exercise WeChat Pay's
    /// retries, e.g. `wechatpay-notify simulate --until-success`). Never set it in production.
    pub fn fail_first_requests_for_tests(self, n: usize) -> AppState {
        self.fail_first.store(n, Ordering::SeqCst);
        self
    }

    /// The database the handler records into.
    pub fn db(&self) -> &Db {
        &self.db
    }

    fn take_injected_failure(&self) -> bool {
        self.fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// The router: `POST` [`NOTIFY_PATH`] verifies, records and answers any notification of any
/// configured merchant.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route(NOTIFY_PATH, post(notify))
        .with_state(state)
}

/// The endpoint's reply as an HTTP response: its status, its content type (none for an empty
/// body) and its body, exactly.
fn respond(reply: HttpReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, reply.body).into_response();
    match reply.content_type {
        Some(t) => {
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
        }
        None => {
            response.headers_mut().remove(header::CONTENT_TYPE);
        }
    }
    response
}

/// Our own failure (the database, or the test-only switch): `500` and a FAIL reply in the
/// request's version, so that WeChat Pay retries later.
fn internal(v3: bool) -> Response {
    if v3 {
        respond(reply::v3_fail(&Error::new(
            ErrorKind::Internal,
            "could not record the notification",
        )))
    } else {
        respond(HttpReply {
            status: 500,
            ..reply::v2_http(reply::REFUSAL.to_owned())
        })
    }
}

/// The raw body, exactly as received, but never more than `limit` bytes of it.
async fn read_capped(mut body: Body, limit: usize) -> Result<Vec<u8>, axum::Error> {
    let mut buf = Vec::new();
    while buf.len() < limit {
        let Some(frame) = body.frame().await else {
            break;
        };
        if let Ok(data) = frame?.into_data() {
            let room = limit - buf.len();
            buf.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    Ok(buf)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn notify(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    // Every header, as received (the endpoint reads the Wechatpay-* ones; a value that is not
    // UTF-8 cannot verify and is passed on lossily, to be refused).
    let headers: V3Headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if state.take_injected_failure() {
        eprintln!("TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500");
        return internal(headers.contains("Wechatpay-Signature"));
    }
    // The raw bytes, exactly as received: never a typed extractor that parses and re-serialises.
    let body = match read_capped(body, READ_LIMIT).await {
        Ok(body) => body,
        Err(e) => {
            eprintln!("could not read the request body: {e}");
            return respond(HttpReply {
                status: 400,
                ..reply::v2_http(reply::REFUSAL.to_owned())
            });
        }
    };
    let handled = match state.endpoint.handle(&headers, &body, unix_now()) {
        Ok(handled) => handled,
        Err(rejection) => {
            // Nothing is recorded; the reply carries the code only. (The core's messages are
            // bounded and free of control characters: safe to log.)
            eprintln!(
                "rejected {} notification{}: {}: {}",
                rejection.version().map_or("undecided", |v| v.as_str()),
                rejection
                    .label()
                    .map(|l| format!(" for {l}"))
                    .unwrap_or_default(),
                rejection.error().code(),
                rejection.error().message()
            );
            return respond(rejection.reply());
        }
    };
    // Verified: from here on the reply is the success reply whatever the notification says (a
    // failed payment, a retry, an order that does not match): refusing it would only make WeChat
    // Pay send it again. The one exception is our own failure to record it.
    let v3 = handled.notification().version() == wechatpay_notify::ApiVersion::V3;
    let what = format!(
        "{} {} notification",
        handled.label(),
        handled.notification().kind()
    );
    let record = Record::from_handled(&handled);
    let db = state.db.clone();
    let recorded = tokio::task::spawn_blocking(move || match &record {
        Record::Payment(p) => db.record_payment(p).map(|o| match o {
            Outcome::Discrepancy(reason) => format!(
                "payment {}: DISCREPANCY {}, recorded for review",
                p.dedupe_key,
                reason.as_str()
            ),
            Outcome::Paid => format!("payment {}: order paid", p.dedupe_key),
            Outcome::Failed => format!("payment {}: failed payment recorded", p.dedupe_key),
            Outcome::Duplicate => format!("payment {}: already recorded", p.dedupe_key),
        }),
        Record::Refund(r) => db.record_refund(r).map(|new| {
            format!(
                "refund {}: {} (never acted upon: confirm with the refund query API)",
                r.dedupe_key,
                if new { "recorded" } else { "already recorded" }
            )
        }),
        Record::Unrecorded(why) => Ok(format!("acknowledged, not recorded: {why}")),
    })
    .await;
    match recorded {
        Ok(Ok(outcome)) => {
            eprintln!("verified {what}: {outcome}");
            respond(handled.reply())
        }
        Ok(Err(e)) => {
            // Not acknowledged: WeChat Pay retries, and the retry is recorded then.
            eprintln!("could not record the verified {what}: {e}");
            internal(v3)
        }
        Err(e) => {
            eprintln!("could not record the verified {what}: {e}");
            internal(v3)
        }
    }
}
