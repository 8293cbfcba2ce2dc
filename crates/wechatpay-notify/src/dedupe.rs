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
//! - a merchant transfer bill (`MCHTRANSFER.BILL.*`): `transfer_bill_no:STATE`, like a refund
//!   (the notification reports the bill's final state; the state in the key keeps a later state
//!   of the same bill from being swallowed);
//! - funds shared to a receiver (`PROFITSHARING.SUCCESS`): `order_id:receiver.account:SUCCESS`,
//!   as one profit-sharing order shares to each of its receivers once; a return
//!   (`PROFITSHARING.RETURN`) keeps its event id, since one order can be returned from one
//!   receiver several times (partial returns) and the resource names no return order;
//! - any other APIv3 event (complaints included: one complaint reports the same `action_type`
//!   again, e.g. every `USER_RESPONSE`, so only the event identifies one of them): its event id.

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

/// A merchant transfer bill's key: `transfer_bill_no:STATE`; `None` without a `transfer_bill_no`.
pub(crate) fn transfer_key(transfer_bill_no: Option<&str>, state: Option<&str>) -> Option<String> {
    let id = transfer_bill_no.filter(|s| !s.is_empty())?;
    Some(format!("{id}:{}", state.unwrap_or("")))
}

/// Funds shared to a receiver: `order_id:account:SUCCESS`; `None` without an `order_id` or a
/// receiver `account`.
pub(crate) fn profit_sharing_key(order_id: Option<&str>, account: Option<&str>) -> Option<String> {
    let id = order_id.filter(|s| !s.is_empty())?;
    let account = account.filter(|s| !s.is_empty())?;
    Some(format!("{id}:{account}:SUCCESS"))
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
        assert_eq!(
            transfer_key(
                Some("1330000071100999991182020050700019480001"),
                Some("FAIL")
            )
            .as_deref(),
            Some("1330000071100999991182020050700019480001:FAIL")
        );
        assert_eq!(transfer_key(Some(""), Some("SUCCESS")), None);
        assert_eq!(
            profit_sharing_key(Some("30000"), Some("1900000100")).as_deref(),
            Some("30000:1900000100:SUCCESS")
        );
        assert_eq!(profit_sharing_key(Some("30000"), None), None);
        assert_eq!(profit_sharing_key(None, Some("1900000100")), None);
    }
}
