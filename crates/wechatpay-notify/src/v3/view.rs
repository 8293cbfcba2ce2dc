//! The APIv3 typed views, declared once: which properties each resource type has and where in
//! the decrypted JSON each one is read.

use crate::view::json_view;

json_view! {
    /// A `TRANSACTION.*` resource: direct (`appid`/`mchid`) and service-provider
    /// (`sp_appid`/`sp_mchid`/`sub_appid`/`sub_mchid`) shapes.
    V3Transaction {
        /// `appid` (direct merchants).
        text appid = ["appid"],
        /// `mchid` (direct merchants).
        text mchid = ["mchid"],
        /// `sp_appid` (service provider).
        text sp_appid = ["sp_appid"],
        /// `sp_mchid` (service provider).
        text sp_mchid = ["sp_mchid"],
        /// `sub_appid` (sub-merchant).
        text sub_appid = ["sub_appid"],
        /// `sub_mchid` (sub-merchant).
        text sub_mchid = ["sub_mchid"],
        /// `out_trade_no`.
        text out_trade_no = ["out_trade_no"],
        /// `transaction_id`.
        text transaction_id = ["transaction_id"],
        /// `trade_type` (`JSAPI`, `NATIVE`, `APP`, …).
        text trade_type = ["trade_type"],
        /// `trade_state` (`SUCCESS`, …).
        text trade_state = ["trade_state"],
        /// `trade_state_desc`.
        text trade_state_desc = ["trade_state_desc"],
        /// `bank_type`.
        text bank_type = ["bank_type"],
        /// `attach`.
        text attach = ["attach"],
        /// `success_time` (RFC 3339 as sent).
        text success_time = ["success_time"],
        /// `payer.openid` (direct merchants).
        text payer_openid = ["payer", "openid"],
        /// `payer.sp_openid` (service provider).
        text payer_sp_openid = ["payer", "sp_openid"],
        /// `payer.sub_openid` (sub-merchant).
        text payer_sub_openid = ["payer", "sub_openid"],
        /// `amount.total` in fen: compare it with your order before fulfilling it.
        amount amount_total = ["amount", "total"],
        /// `amount.payer_total` in fen.
        amount amount_payer_total = ["amount", "payer_total"],
        /// `amount.currency`.
        text amount_currency = ["amount", "currency"],
        /// `amount.payer_currency`.
        text amount_payer_currency = ["amount", "payer_currency"],
    }
}

json_view! {
    /// A `REFUND.*` resource (`REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`).
    V3Refund {
        /// `mchid` (direct merchants).
        text mchid = ["mchid"],
        /// `sp_mchid` (service provider).
        text sp_mchid = ["sp_mchid"],
        /// `sub_mchid` (sub-merchant).
        text sub_mchid = ["sub_mchid"],
        /// `out_trade_no`.
        text out_trade_no = ["out_trade_no"],
        /// `transaction_id`.
        text transaction_id = ["transaction_id"],
        /// `out_refund_no`.
        text out_refund_no = ["out_refund_no"],
        /// `refund_id`.
        text refund_id = ["refund_id"],
        /// `refund_status` (`SUCCESS`, `CLOSED`, `ABNORMAL`).
        text refund_status = ["refund_status"],
        /// `success_time`.
        text success_time = ["success_time"],
        /// `user_received_account`.
        text user_received_account = ["user_received_account"],
        /// `amount.total` in fen.
        amount amount_total = ["amount", "total"],
        /// `amount.refund` in fen.
        amount amount_refund = ["amount", "refund"],
        /// `amount.payer_total` in fen.
        amount amount_payer_total = ["amount", "payer_total"],
        /// `amount.payer_refund` in fen.
        amount amount_payer_refund = ["amount", "payer_refund"],
    }
}
