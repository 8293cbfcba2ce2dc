//! The compact transport from Rust to JS: one string `data` plus a `Uint32Array` `meta`.
//!
//! Creating one JS string and one typed array is far cheaper than creating ~80 JS values through
//! Node-API one by one; `notify.js` slices `data` and builds the plain result objects. Offsets are
//! in UTF-16 code units (JS string indices). Layout of `meta` (every value a u32):
//!
//! - a *segment* is `start, end` (`data.slice(start, end)`), or `NONE, NONE` for `null`;
//! - an *amount* is `present, high, low` (`present` 0 for `null`; value `high * 2^32 + low`);
//! - a *field list* is `count` followed by `count` pairs of segments (name, value).
//!
//! Payment: `flags` (bit 0: `is_success`), field list, the segments of [`PAYMENT_TEXT`], the
//! amounts of [`PAYMENT_AMOUNTS`], then `count` coupons of (segment id, segment type, amount fee).
//!
//! Refund: `flags` (bit 0: `is_success`), field list (outer document), field list (`req_info`),
//! the segments of [`REFUND_TEXT`], the amounts of [`REFUND_AMOUNTS`].
//!
//! The name lists below are mirrored, in the same order, by `notify.js`.

use wechatpay_notify::{Fields, PaymentNotification, RefundNotification};

/// Marks a `null` segment.
pub const NONE: u32 = u32::MAX;

/// Text properties of a payment result, in transport order (snake_case core accessor names).
pub const PAYMENT_TEXT: [&str; 21] = [
    "sign_type",
    "dedupe_key",
    "appid",
    "mch_id",
    "sub_appid",
    "sub_mch_id",
    "device_info",
    "nonce_str",
    "result_code",
    "err_code",
    "err_code_des",
    "openid",
    "is_subscribe",
    "trade_type",
    "bank_type",
    "fee_type",
    "cash_fee_type",
    "transaction_id",
    "out_trade_no",
    "attach",
    "time_end",
];

/// Amount properties of a payment result, in transport order.
pub const PAYMENT_AMOUNTS: [&str; 5] = [
    "total_fee",
    "settlement_total_fee",
    "cash_fee",
    "coupon_fee",
    "coupon_count",
];

/// Text properties of a refund result, in transport order.
pub const REFUND_TEXT: [&str; 12] = [
    "dedupe_key",
    "appid",
    "mch_id",
    "transaction_id",
    "out_trade_no",
    "refund_id",
    "out_refund_no",
    "refund_status",
    "success_time",
    "refund_recv_accout",
    "refund_account",
    "refund_request_source",
];

/// Amount properties of a refund result, in transport order.
pub const REFUND_AMOUNTS: [&str; 4] = [
    "total_fee",
    "refund_fee",
    "settlement_total_fee",
    "settlement_refund_fee",
];

/// A result ready to cross into JS.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Encoded {
    /// Every string of the result, back to back.
    pub data: String,
    /// Offsets and numbers (see the module documentation).
    pub meta: Vec<u32>,
    /// `data`'s length in UTF-16 code units.
    utf16_len: usize,
}

impl Encoded {
    fn with_capacity(bytes: usize, words: usize) -> Encoded {
        Encoded {
            data: String::with_capacity(bytes),
            meta: Vec::with_capacity(words),
            utf16_len: 0,
        }
    }

    fn offset(&self) -> u32 {
        // Lengths beyond u32 cannot be JS strings anyway; saturate and let JS string creation
        // refuse them.
        u32::try_from(self.utf16_len).unwrap_or(NONE - 1)
    }

    fn segment(&mut self, value: Option<&str>) {
        match value {
            None => self.meta.extend([NONE, NONE]),
            Some(s) => {
                let start = self.offset();
                self.data.push_str(s);
                self.utf16_len += if s.is_ascii() {
                    s.len()
                } else {
                    s.encode_utf16().count()
                };
                let end = self.offset();
                self.meta.extend([start, end]);
            }
        }
    }

    fn amount(&mut self, value: Option<u64>) {
        match value {
            None => self.meta.extend([0, 0, 0]),
            Some(v) => self.meta.extend([1, (v >> 32) as u32, v as u32]),
        }
    }

    fn count(&mut self, n: usize) {
        self.meta.push(u32::try_from(n).unwrap_or(NONE));
    }

    fn fields(&mut self, fields: &Fields) {
        self.count(fields.len());
        for (name, value) in fields.iter() {
            self.segment(Some(name));
            self.segment(Some(value));
        }
    }
}

/// Encodes a verified payment notification.
pub fn payment(n: &PaymentNotification) -> Encoded {
    let fields = n.fields();
    let mut out = Encoded::with_capacity(2048, 8 + 4 * fields.len() + 2 * 21 + 3 * 5 + 16);
    out.meta.push(u32::from(n.is_success()));
    out.fields(fields);
    let text: [Option<&str>; 21] = [
        Some(n.sign_type().as_str()),
        n.dedupe_key(),
        n.appid(),
        n.mch_id(),
        n.sub_appid(),
        n.sub_mch_id(),
        n.device_info(),
        n.nonce_str(),
        n.result_code(),
        n.err_code(),
        n.err_code_des(),
        n.openid(),
        n.is_subscribe(),
        n.trade_type(),
        n.bank_type(),
        n.fee_type(),
        n.cash_fee_type(),
        n.transaction_id(),
        n.out_trade_no(),
        n.attach(),
        n.time_end(),
    ];
    for value in text {
        out.segment(value);
    }
    for value in [
        n.total_fee(),
        n.settlement_total_fee(),
        n.cash_fee(),
        n.coupon_fee(),
        n.coupon_count(),
    ] {
        out.amount(value);
    }
    let coupons = n.coupons();
    out.count(coupons.len());
    for c in &coupons {
        out.segment(Some(&c.id));
        out.segment(c.coupon_type.as_deref());
        out.amount(c.fee);
    }
    out
}

/// Encodes a decrypted refund notification.
pub fn refund(n: &RefundNotification) -> Encoded {
    let mut out = Encoded::with_capacity(
        2048,
        8 + 4 * (n.fields().len() + n.req_info().len()) + 2 * 12 + 3 * 4,
    );
    out.meta.push(u32::from(n.is_success()));
    out.fields(n.fields());
    out.fields(n.req_info());
    let text: [Option<&str>; 12] = [
        n.dedupe_key(),
        n.appid(),
        n.mch_id(),
        n.transaction_id(),
        n.out_trade_no(),
        n.refund_id(),
        n.out_refund_no(),
        n.refund_status(),
        n.success_time(),
        n.refund_recv_accout(),
        n.refund_account(),
        n.refund_request_source(),
    ];
    for value in text {
        out.segment(value);
    }
    for value in [
        n.total_fee(),
        n.refund_fee(),
        n.settlement_total_fee(),
        n.settlement_refund_fee(),
    ] {
        out.amount(value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_count_utf16_units() {
        let mut e = Encoded::default();
        e.segment(Some("ab"));
        e.segment(None);
        e.segment(Some("支付😀"));
        e.segment(Some(""));
        assert_eq!(e.data, "ab支付😀");
        assert_eq!(e.meta, vec![0, 2, NONE, NONE, 2, 6, 6, 6]);
    }

    #[test]
    fn amounts_split_into_words() {
        let mut e = Encoded::default();
        e.amount(Some(u64::MAX));
        e.amount(Some(1));
        e.amount(None);
        assert_eq!(e.meta, vec![1, u32::MAX, u32::MAX, 1, 0, 1, 0, 0, 0]);
    }
}
