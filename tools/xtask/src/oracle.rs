//! The expected typed view of a valid case, computed from its fields by rules written out here.
//!
//! These restate the crate's typed accessors independently, so that a vector pins the rule rather
//! than whatever the crate happens to return; `render::Groups::push` then checks the crate's
//! fields against the case, so the two cannot silently drift apart.

use serde_json::{Value, json};

use crate::body::{Pairs, get};

/// An amount in fen, by the crate's rule (`wechatpay_notify::parse_amount`): ASCII digits only,
/// non-empty, and within `u64`; anything else (`"+2"`, `" 2"`, `"2.00"`, `""`, 2^64) is absent.
/// Rust's own `u64::from_str` is not that rule: it accepts a leading `+`.
pub fn fen(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// A text property: the field's value, or null when absent.
pub fn text(fields: &Pairs, name: &str) -> Value {
    get(fields, name).map_or(Value::Null, |v| json!(v))
}

/// An amount property: the field read by [`fen`], or null when absent or not an amount.
pub fn amount(fields: &Pairs, name: &str) -> Value {
    get(fields, name)
        .and_then(fen)
        .map_or(Value::Null, |v| json!(v))
}

/// The coupons `0..coupon_count` (`coupon_count` read by [`fen`], absent meaning 0); an index
/// without `coupon_id_$n` is skipped. Like the crate, the count is capped at the number of fields,
/// which bounds the work a hostile `coupon_count` can ask for.
fn coupons(fields: &Pairs) -> Vec<Value> {
    let count = get(fields, "coupon_count")
        .and_then(fen)
        .unwrap_or(0)
        .min(fields.len() as u64);
    (0..count)
        .filter_map(|n| {
            let id = get(fields, &format!("coupon_id_{n}"))?;
            Some(json!({
                "id": id,
                "coupon_type": text(fields, &format!("coupon_type_{n}")),
                "fee": amount(fields, &format!("coupon_fee_{n}")),
            }))
        })
        .collect()
}

/// The typed view of a verified payment notification.
pub fn pay_typed(fields: &Pairs, sign_type: &str) -> Value {
    json!({
        "sign_type": sign_type,
        "is_success": get(fields, "return_code") == Some("SUCCESS") && get(fields, "result_code") == Some("SUCCESS"),
        "dedupe_key": get(fields, "transaction_id").filter(|s| !s.is_empty()),
        "appid": text(fields, "appid"),
        "mch_id": text(fields, "mch_id"),
        "transaction_id": text(fields, "transaction_id"),
        "out_trade_no": text(fields, "out_trade_no"),
        "result_code": text(fields, "result_code"),
        "total_fee": amount(fields, "total_fee"),
        "cash_fee": amount(fields, "cash_fee"),
        "coupon_fee": amount(fields, "coupon_fee"),
        "coupon_count": amount(fields, "coupon_count"),
        "settlement_total_fee": amount(fields, "settlement_total_fee"),
        "coupons": coupons(fields),
    })
}

/// The typed view of a decrypted refund notification: `appid` and `mch_id` from the outer
/// document, everything else from `req_info`.
pub fn refund_typed(outer: &Pairs, inner: &Pairs) -> Value {
    json!({
        "is_success": get(inner, "refund_status") == Some("SUCCESS"),
        "dedupe_key": get(inner, "refund_id").filter(|s| !s.is_empty()),
        "appid": text(outer, "appid"),
        "mch_id": text(outer, "mch_id"),
        "transaction_id": text(inner, "transaction_id"),
        "out_trade_no": text(inner, "out_trade_no"),
        "refund_id": text(inner, "refund_id"),
        "out_refund_no": text(inner, "out_refund_no"),
        "refund_status": text(inner, "refund_status"),
        "total_fee": amount(inner, "total_fee"),
        "refund_fee": amount(inner, "refund_fee"),
        "settlement_total_fee": amount(inner, "settlement_total_fee"),
        "settlement_refund_fee": amount(inner, "settlement_refund_fee"),
        "success_time": text(inner, "success_time"),
        "refund_recv_accout": text(inner, "refund_recv_accout"),
        "refund_account": text(inner, "refund_account"),
        "refund_request_source": text(inner, "refund_request_source"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::pairs;

    #[test]
    fn fen_is_digits_only_within_u64() {
        assert_eq!(fen("0"), Some(0));
        assert_eq!(fen("101"), Some(101));
        assert_eq!(fen("007"), Some(7));
        assert_eq!(fen("18446744073709551615"), Some(u64::MAX));
        for not_fen in [
            "",
            "+2",
            "-2",
            " 2",
            "2 ",
            "2.00",
            "1e3",
            "０",
            "18446744073709551616",
        ] {
            assert_eq!(fen(not_fen), None, "{not_fen:?}");
        }
    }

    #[test]
    fn coupon_count_follows_the_amount_rule() {
        let f = pairs(&[("coupon_count", "+1"), ("coupon_id_0", "10000")]);
        assert_eq!(pay_typed(&f, "MD5")["coupons"], json!([]));
        assert_eq!(pay_typed(&f, "MD5")["coupon_count"], Value::Null);
        let f = pairs(&[("coupon_count", "1"), ("coupon_id_0", "10000")]);
        assert_eq!(
            pay_typed(&f, "MD5")["coupons"],
            json!([{"id": "10000", "coupon_type": null, "fee": null}])
        );
    }

    #[test]
    fn a_huge_coupon_count_is_bounded() {
        let f = pairs(&[
            ("coupon_count", "18446744073709551615"),
            ("coupon_id_1", "10001"),
        ]);
        assert_eq!(
            pay_typed(&f, "MD5")["coupons"],
            json!([{"id": "10001", "coupon_type": null, "fee": null}])
        );
    }
}
