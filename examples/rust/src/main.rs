//! Runs the example notify_url endpoint.
//!
//! Configuration (the API key only ever from the environment, never from argv):
//! - `WECHATPAY_API_KEY` (required): the 32-character v2 API key.
//! - `WECHATPAY_SIGN_TYPE`: `MD5` (default) or `HMAC-SHA256`.
//! - `WECHATPAY_MCH_ID`, `WECHATPAY_APPID` (optional): reject notifications for another merchant.
//! - `WECHATPAY_DB`: the SQLite file (default `payments.sqlite3`).
//! - listen address: the first argument, else `WECHATPAY_LISTEN`, else `127.0.0.1:8080`.
//!
//! `wechatpay-notify-example-axum add-order OUT_TRADE_NO AMOUNT_FEN` creates a pending order in
//! `WECHATPAY_DB` and exits: a stand-in for your checkout, so that the sample notifications have
//! an order to pay.

use std::process::ExitCode;

use wechatpay_notify::{SignType, Verifier};
use wechatpay_notify_example_axum::{AppState, Db, NOTIFY_PATH, app};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn config() -> Result<(AppState, String, String), String> {
    let key = env("WECHATPAY_API_KEY").ok_or("WECHATPAY_API_KEY is not set")?;
    let sign_type = env("WECHATPAY_SIGN_TYPE").unwrap_or_else(|| "MD5".to_owned());
    let sign_type =
        SignType::parse(&sign_type).map_err(|e| format!("WECHATPAY_SIGN_TYPE: {}", e.message()))?;
    // The core's errors never contain the key.
    let mut verifier = Verifier::new(&key, sign_type)
        .map_err(|e| format!("WECHATPAY_API_KEY: {}", e.message()))?;
    if let Some(mch_id) = env("WECHATPAY_MCH_ID") {
        verifier = verifier.expect_mch_id(mch_id);
    }
    if let Some(appid) = env("WECHATPAY_APPID") {
        verifier = verifier.expect_appid(appid);
    }
    let db_path = env("WECHATPAY_DB").unwrap_or_else(|| "payments.sqlite3".to_owned());
    let db = Db::open(&db_path).map_err(|e| format!("{db_path}: {e}"))?;
    let listen = std::env::args()
        .nth(1)
        .or_else(|| env("WECHATPAY_LISTEN"))
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    Ok((AppState::new(verifier, db), listen, db_path))
}

/// `add-order OUT_TRADE_NO AMOUNT_FEN`: what a real shop's checkout does before unifiedorder.
fn add_order(args: &[String]) -> ExitCode {
    let [out_trade_no, amount] = args else {
        eprintln!("usage: wechatpay-notify-example-axum add-order OUT_TRADE_NO AMOUNT_FEN");
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
    let db_path = env("WECHATPAY_DB").unwrap_or_else(|| "payments.sqlite3".to_owned());
    match Db::open(&db_path).and_then(|db| db.create_order(out_trade_no, amount)) {
        Ok(()) => {
            eprintln!("order {out_trade_no} ({amount} fen) created in {db_path}");
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
