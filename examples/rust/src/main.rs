//! Runs the example notify_url: one route for every configured merchant, v2 and APIv3.
//!
//! Configuration (keys only ever from files or the environment, never from argv or code):
//! - `WECHATPAY_PROFILES`: the profiles file (default `profiles.json`; see `src/config.rs`), naming
//!   each merchant's key files or environment variables.
//! - `WECHATPAY_DB`: the SQLite file (default `payments.sqlite3`).
//! - listen address: the first argument, else `WECHATPAY_LISTEN`, else `127.0.0.1:8080`.
//! - `WECHATPAY_EXAMPLE_FAIL_FIRST=N`: TEST ONLY. The first N requests get `500` (as if the
//!   database were down) so that WeChat Pay's retries can be exercised with
//!   `wechatpay-notify simulate --until-success`. Never set it in production.
//!
//! `wechatpay-notify-example-axum add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN` creates a pending
//! order in `WECHATPAY_DB` and exits: a stand-in for your checkout, so that simulated notifications
//! have an order to pay. MERCHANT is a profile label.

use std::process::ExitCode;

use wechatpay_notify::Endpoint;
use wechatpay_notify_example_axum::{AppState, Db, NOTIFY_PATH, app};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn db_path() -> String {
    env("WECHATPAY_DB").unwrap_or_else(|| "payments.sqlite3".to_owned())
}

fn config() -> Result<(AppState, String, String), String> {
    let profiles = env("WECHATPAY_PROFILES").unwrap_or_else(|| "profiles.json".to_owned());
    // The core's profiles loader (the format of `wechatpay-notify verify-any --profiles`).
    let endpoint =
        Endpoint::from_profiles_file(&profiles).map_err(|e| format!("{profiles}: {e}"))?;
    let db_path = db_path();
    let db = Db::open(&db_path).map_err(|e| format!("{db_path}: {e}"))?;
    let mut state = AppState::new(endpoint, db);
    if let Some(n) = env("WECHATPAY_EXAMPLE_FAIL_FIRST") {
        let n: usize = n
            .parse()
            .map_err(|_| format!("WECHATPAY_EXAMPLE_FAIL_FIRST: not a number: {n:?}"))?;
        eprintln!("TEST ONLY: the first {n} requests will get 500 (WECHATPAY_EXAMPLE_FAIL_FIRST)");
        state = state.fail_first_requests_for_tests(n);
    }
    let listen = std::env::args()
        .nth(1)
        .or_else(|| env("WECHATPAY_LISTEN"))
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    Ok((state, listen, db_path))
}

/// `add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN`: what a real shop's checkout does first.
fn add_order(args: &[String]) -> ExitCode {
    let [merchant, out_trade_no, amount] = args else {
        eprintln!(
            "usage: wechatpay-notify-example-axum add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN"
        );
        return ExitCode::from(2);
    };
    let Some(amount) = amount
        .parse::<i64>()
        .ok()
        .filter(|a| *a > 0 && amount.bytes().all(|b| b.is_ascii_digit()))
    else {
        eprintln!("AMOUNT_FEN must be a positive whole number of fen, got {amount:?}");
        return ExitCode::from(2);
    };
    let db_path = db_path();
    match Db::open(&db_path).and_then(|db| db.create_order(merchant, out_trade_no, amount)) {
        Ok(()) => {
            eprintln!("order {merchant}/{out_trade_no} ({amount} fen) created in {db_path}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{db_path}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("add-order") {
        return add_order(&args[1..]);
    }
    let (state, listen, db_path) = match config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            return ExitCode::from(2);
        }
    };
    match listener.local_addr() {
        Ok(addr) => eprintln!("listening on http://{addr}{NOTIFY_PATH} (recording into {db_path})"),
        Err(_) => eprintln!("listening on {listen}"),
    }
    if let Err(e) = axum::serve(listener, app(state)).await {
        eprintln!("server error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
