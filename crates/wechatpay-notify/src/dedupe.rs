//! The idempotency rule (`dedupe_key`), declared once for both API versions.
//!
//! An application records each verified notification once per key, so the key must name the
//! *state* a notification reports whenever one object can report several states:
//!
//! - a successful payment: its `transaction_id` (v2 and v3 deliveries of one payment share it; a
//!   successful payment is final, refunds are separate notifications);
//! - a payment that did not succeed (v2 `result_code=FAIL`, a v3 `trade_state` other than
//!   `SUCCESS`): `transaction_id:STATE`, so that a later success of the same transaction is not
//!   swallowed by the earlier failure;
//! - a refund: `refund_id:STATUS`, the status in v3's words (v2 `CHANGE` is v3 `ABNORMAL`, v2
//!   `REFUNDCLOSE` is v3 `CLOSED`), so an `ABNORMAL` delivery does not swallow the later
//!   `SUCCESS`, and the v2 and v3 deliveries of one state still share a key;
//! - any other APIv3 event: its event id.

/// A refund status in v3's words: v2 `CHANGE` → `ABNORMAL`, v2 `REFUNDCLOSE` → `CLOSED`, others
/// (`SUCCESS`, v3's own) unchanged.
pub fn refund_state(status: &str) -> &str {
    match status {
        "CHANGE" => "ABNORMAL",
        "REFUNDCLOSE" => "CLOSED",
        other => other,
    }
}

/// A payment's key: `transaction_id` when it succeeded, else `transaction_id:STATE`; `None`
/// without a `transaction_id`.
pub(crate) fn payment_key(
    transaction_id: Option<&str>,
    success: bool,
    state: &str,
) -> Option<String> {
    let id = transaction_id.filter(|s| !s.is_empty())?;
    Some(if success {
        id.to_owned()
    } else {
        format!("{id}:{state}")
    })
}

/// A refund's key: `refund_id:STATUS` (see [`refund_state`]); `None` without a `refund_id`.
pub(crate) fn refund_key(refund_id: Option<&str>, status: Option<&str>) -> Option<String> {
    let id = refund_id.filter(|s| !s.is_empty())?;
    Some(format!("{id}:{}", refund_state(status.unwrap_or(""))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_part_of_the_key_where_an_object_has_several() {
        assert_eq!(
            payment_key(Some("42"), true, "SUCCESS").as_deref(),
            Some("42")
        );
        assert_eq!(
            payment_key(Some("42"), false, "FAIL").as_deref(),
            Some("42:FAIL")
        );
        assert_eq!(payment_key(Some(""), true, "SUCCESS"), None);
        assert_eq!(payment_key(None, false, "FAIL"), None);
        assert_eq!(
            refund_key(Some("50"), Some("CHANGE")).as_deref(),
            Some("50:ABNORMAL")
        );
        assert_eq!(
            refund_key(Some("50"), Some("ABNORMAL")).as_deref(),
            Some("50:ABNORMAL")
        );
        assert_eq!(
            refund_key(Some("50"), Some("REFUNDCLOSE")).as_deref(),
            Some("50:CLOSED")
        );
        assert_eq!(
            refund_key(Some("50"), Some("SUCCESS")).as_deref(),
            Some("50:SUCCESS")
        );
        assert_eq!(refund_key(None, Some("SUCCESS")), None);
    }
}
