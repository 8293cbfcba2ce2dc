//! A WeChat Pay v2 `notify_url` endpoint on axum: it verifies the raw POST body with
//! [`wechatpay_notify::Verifier::verify_payment`], records the payment idempotently in SQLite and
//! answers with the exact reply WeChat Pay expects.
//!
//! Every protocol rule (size limit, XML hardening, signature, merchant checks) is applied by the
//! core crate; this example only moves bytes in and out and stores the result.
//!
//! ```no_run
//! use wechatpay_notify::{SignType, Verifier};
//! use wechatpay_notify_example_axum::{AppState, Db, app};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new("192006250b4c09247ec02edce69f6a2d", SignType::Md5)?;
//! let state = AppState::new(verifier, Db::open("payments.sqlite3")?);
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
use rusqlite::{Connection, OptionalExtension, params};
use wechatpay_notify::{DEFAULT_MAX_BODY_BYTES, ErrorKind, PaymentNotification, Verifier, reply};

/// The path WeChat Pay posts payment result notifications to (your `notify_url`).
pub const NOTIFY_PATH: &str = "/wechatpay/notify/pay";

/// One recorded payment notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The idempotency key ([`PaymentNotification::dedupe_key`], i.e. `transaction_id`).
    pub dedupe_key: String,
    /// The merchant's order number.
    pub out_trade_no: Option<String>,
    /// The amount in fen.
    pub total_fee: Option<i64>,
    /// `SUCCESS` for a completed payment, `FAIL` for a failed one.
    pub result_code: Option<String>,
}

impl Payment {
    /// The row to record for a verified notification, or `None` when it has no dedupe key (or an
    /// amount SQLite cannot hold).
    pub fn from_notification(n: &PaymentNotification) -> Option<Payment> {
        Some(Payment {
            dedupe_key: n.dedupe_key()?.to_owned(),
            out_trade_no: n.out_trade_no().map(str::to_owned),
            total_fee: n.total_fee().map(i64::try_from).transpose().ok()?,
            result_code: n.result_code().map(str::to_owned),
        })
    }
}

/// The payments table: one row per `dedupe_key`, whatever the number of retries.
pub struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (or creates) the database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Db> {
        Db::init(Connection::open(path)?)
    }

    /// A private in-memory database (for tests).
    pub fn open_in_memory() -> rusqlite::Result<Db> {
        Db::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> rusqlite::Result<Db> {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS payments (
                 dedupe_key   TEXT PRIMARY KEY NOT NULL,
                 out_trade_no TEXT,
                 total_fee    INTEGER,
                 result_code  TEXT,
                 received_at  INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
             )",
        )?;
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-applied statement behind (each write
        // is one statement), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records `p` unless a row with its `dedupe_key` exists. Returns whether a row was inserted
    /// (`false` for a retried notification).
    pub fn record(&self, p: &Payment) -> rusqlite::Result<bool> {
        let inserted = self.conn().execute(
            "INSERT INTO payments (dedupe_key, out_trade_no, total_fee, result_code)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (dedupe_key) DO NOTHING",
            params![p.dedupe_key, p.out_trade_no, p.total_fee, p.result_code],
        )?;
        Ok(inserted == 1)
    }

    /// The number of recorded payments.
    pub fn count(&self) -> rusqlite::Result<i64> {
        self.conn()
            .query_row("SELECT COUNT(*) FROM payments", [], |r| r.get(0))
    }

    /// The recorded payment with this `dedupe_key`, if any.
    pub fn get(&self, dedupe_key: &str) -> rusqlite::Result<Option<Payment>> {
        self.conn()
            .query_row(
                "SELECT dedupe_key, out_trade_no, total_fee, result_code
                 FROM payments WHERE dedupe_key = ?1",
                [dedupe_key],
                |r| {
                    Ok(Payment {
                        dedupe_key: r.get(0)?,
                        out_trade_no: r.get(1)?,
                        total_fee: r.get(2)?,
                        result_code: r.get(3)?,
                    })
                },
            )
            .optional()
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
    // Verified. Record it once (WeChat Pay retries until it sees SUCCESS), then acknowledge it,
    // also when result_code is FAIL: that is a failed payment, and replying FAIL would only make
    // WeChat Pay send it again.
    let Some(payment) = Payment::from_notification(&notification) else {
        eprintln!("verified notification without a usable transaction_id/total_fee");
        return fail(StatusCode::UNPROCESSABLE_ENTITY, ErrorKind::MissingField);
    };
    let db = state.db.clone();
    let key = payment.dedupe_key.clone();
    match tokio::task::spawn_blocking(move || db.record(&payment)).await {
        Ok(Ok(inserted)) => {
            eprintln!(
                "verified notification {key}: {}",
                if inserted {
                    "recorded"
                } else {
                    "already recorded"
                }
            );
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
