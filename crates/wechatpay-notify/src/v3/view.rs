//! The APIv3 typed views, declared once: which properties each resource type has and where in
//! the decrypted JSON each one is read.

use crate::view::json_view;

json_view! {
    /// A `TRANSACTION.*` resource: direct (`appid`/`mchid`) and service-provider
    /// (`sp_appid`/`sp_mchid`/`sub_appid`/`sub_mchid`) shapes.
    V3Transaction {
        shown [out_trade_no, transaction_id, amount_total, trade_state];
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
        shown [out_refund_no, refund_id, amount_refund, refund_status];
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

json_view! {
    /// A `PROFITSHARING.*` resource (`PROFITSHARING.SUCCESS`: funds shared to a receiver;
    /// `PROFITSHARING.RETURN`: shared funds returned), sent to the receiver of the movement, for
    /// direct merchants (`mchid`) and service providers (`sp_mchid`/`sub_mchid`).
    V3ProfitSharing {
        shown [order_id, receiver_account, receiver_amount];
        /// `mchid` (direct merchants).
        text mchid = ["mchid"],
        /// `sp_mchid` (service provider).
        text sp_mchid = ["sp_mchid"],
        /// `sub_mchid` (sub-merchant).
        text sub_mchid = ["sub_mchid"],
        /// `transaction_id` of the payment whose funds were shared.
        text transaction_id = ["transaction_id"],
        /// `order_id`, WeChat Pay's profit-sharing order number.
        text order_id = ["order_id"],
        /// `out_order_no`, the merchant's profit-sharing order number.
        text out_order_no = ["out_order_no"],
        /// `receiver.type` (`MERCHANT_ID`, `PERSONAL_OPENID`, …).
        text receiver_type = ["receiver", "type"],
        /// `receiver.account` (a merchant id or an openid).
        text receiver_account = ["receiver", "account"],
        /// `receiver.amount` in fen: the amount moved to (or returned from) the receiver.
        amount receiver_amount = ["receiver", "amount"],
        /// `receiver.description`.
        text receiver_description = ["receiver", "description"],
        /// `success_time`.
        text success_time = ["success_time"],
    }
}

json_view! {
    /// A `MCHTRANSFER.BILL.*` resource (`MCHTRANSFER.BILL.FINISHED`: a merchant transfer bill
    /// reached a final state, `SUCCESS`, `FAIL` or `CANCELLED`).
    V3Transfer {
        shown [out_bill_no, transfer_bill_no, transfer_amount, state];
        /// `mch_id`, the merchant id as WeChat Pay's reference names it.
        text mch_id = ["mch_id"],
        /// `mchid`, the merchant id as some published samples name it.
        text mchid = ["mchid"],
        /// `out_bill_no`, the merchant's bill number.
        text out_bill_no = ["out_bill_no"],
        /// `transfer_bill_no`, WeChat Pay's transfer bill number.
        text transfer_bill_no = ["transfer_bill_no"],
        /// `state` (`SUCCESS`, `FAIL`, `CANCELLED`).
        text state = ["state"],
        /// `transfer_amount` in fen: compare it with your bill before recording it.
        amount transfer_amount = ["transfer_amount"],
        /// `openid` of the payee.
        text openid = ["openid"],
        /// `fail_reason`, when the transfer failed.
        text fail_reason = ["fail_reason"],
        /// `create_time` of the bill.
        text create_time = ["create_time"],
        /// `update_time` of the bill's last state change.
        text update_time = ["update_time"],
    }
}

json_view! {
    /// A `COMPLAINT.*` resource (`COMPLAINT.CREATE`, `COMPLAINT.STATE_CHANGE`): which complaint
    /// changed and how; query the complaint API for its details.
    V3Complaint {
        shown [complaint_id, action_type];
        /// `complaint_id`.
        text complaint_id = ["complaint_id"],
        /// `action_type` (`CREATE_COMPLAINT`, `CONTINUE_COMPLAINT`, `USER_RESPONSE`, …).
        text action_type = ["action_type"],
    }
}
