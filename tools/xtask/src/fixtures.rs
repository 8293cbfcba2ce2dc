//! The keys, field sets and public data the cases are built from.

use serde_json::Value;

use crate::body::{Pairs, pairs};

/// WeChat Pay's signing-doc key (public).
pub const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
/// A second key, for wrong-key cases.
pub const OTHER_KEY: &str = "0123456789abcdefghijklmnopqrstuv";
/// The real refund notification's key (Senparc test suite).
pub const REFUND_REAL_KEY: &str = "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv";

/// Public data gathered from WeChat Pay's docs and peer SDK test suites (with sources).
pub fn public_json() -> Value {
    serde_json::from_str(include_str!("../../../tests/vectors/sources/public.json")).unwrap()
}

/// A real refund notification's `req_info`, its plaintext and derived key (Senparc test suite).
pub fn refund_real() -> Value {
    serde_json::from_str(include_str!(
        "../../../tests/vectors/sources/refund-real.json"
    ))
    .unwrap()
}

/// A realistic, ~1 KB, 28-field payment notification (with two coupons).
pub fn full_pay() -> Pairs {
    pairs(&[
        ("appid", "wx2421b1c4370ec43b"),
        ("attach", "支付测试 & <附加数据>"),
        ("bank_type", "CMC"),
        ("cash_fee", "90"),
        ("cash_fee_type", "CNY"),
        ("coupon_count", "2"),
        ("coupon_fee", "11"),
        ("coupon_fee_0", "6"),
        ("coupon_fee_1", "5"),
        ("coupon_id_0", "10000"),
        ("coupon_id_1", "10001"),
        ("coupon_type_0", "CASH"),
        ("coupon_type_1", "NO_CASH"),
        ("device_info", "WEB"),
        ("fee_type", "CNY"),
        ("is_subscribe", "Y"),
        ("mch_id", "10000100"),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ("out_trade_no", "20261127ORDER0001"),
        ("result_code", "SUCCESS"),
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("settlement_total_fee", "101"),
        ("time_end", "20261127101530"),
        ("total_fee", "101"),
        ("trade_type", "JSAPI"),
        ("transaction_id", "4200001234202611270123456789"),
    ])
}

/// The sample notification fields of WeChat Pay's payment-notification doc.
pub fn docs_sample() -> Pairs {
    let public = public_json();
    public["sample_pay_notification_fields"]["fields"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// The fewest fields a successful payment notification carries.
pub fn minimal_pay() -> Pairs {
    pairs(&[
        ("return_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "ibuaiVcKdpRxkhJA"),
        ("result_code", "SUCCESS"),
        ("out_trade_no", "1409811653"),
        ("transaction_id", "1004400740201409030005092168"),
        ("total_fee", "1"),
    ])
}

/// The fields of a successful refund's decrypted `req_info`.
pub fn refund_inner() -> Pairs {
    pairs(&[
        ("out_refund_no", "20261127REFUND01"),
        ("out_trade_no", "20261127ORDER0001"),
        ("refund_account", "REFUND_SOURCE_UNSETTLED_FUNDS"),
        ("refund_fee", "101"),
        ("refund_id", "50000505542026112700000000001"),
        ("refund_recv_accout", "支付用户零钱"),
        ("refund_request_source", "API"),
        ("refund_status", "SUCCESS"),
        ("settlement_refund_fee", "101"),
        ("settlement_total_fee", "101"),
        ("success_time", "2026-11-27 10:31:24"),
        ("total_fee", "101"),
        ("transaction_id", "4200001234202611270123456789"),
    ])
}

/// The outer (unsigned) fields of a refund notification around `req_info`.
pub fn refund_outer(req_info: &str) -> Pairs {
    pairs(&[
        ("return_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "TeqClE3i0mvn3DrK"),
        ("req_info", req_info),
    ])
}
