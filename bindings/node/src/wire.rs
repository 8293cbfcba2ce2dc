//! The compact transport from Rust to JS: one JS string of UTF-16 code units.
//!
//! Creating one JS string is far cheaper than creating ~80 JS values through Node-API one by one;
//! `notify.js` reads it front to back and builds the plain result objects. Every item is inline,
//! in order, so the reader never seeks:
//!
//! - a *number* (counts, lengths, tags) is a little-endian varint of 15-bit groups: each code unit
//!   carries 15 bits, and a unit of `0x8000` or more means another unit follows (one unit below
//!   32768);
//! - a *string* is its length in code units (a number) followed by its code units;
//! - a *name* is a number `t`: `t == 0` is followed by a string, `t > 0` is the name
//!   `KNOWN_NAMES[t - 1]` (the JS side keeps those strings, so the common field names are neither
//!   copied nor re-hashed as property keys on every call);
//! - a *text* is a number `t`: `0` for `null`, `1` followed by a string, or `t >= 2` for the
//!   `(t - 2)`-th field value sent so far (counting across field lists), when a typed property is
//!   exactly that field's text (no second copy);
//! - an *amount* is a unit `t`: `0` for `null`, `1` followed by one unit (values below 65536), `2`
//!   followed by four units (16 bits each, most significant first);
//! - a *field list* is a count followed by that many (name, string) pairs.
//!
//! Payment: one unit of flags (bit 0: `is_success`), field list, the texts of [`PAYMENT_TEXT`],
//! the amounts of [`PAYMENT_AMOUNTS`], then a count of coupons, each (text id, text type, amount
//! fee).
//!
//! Refund: flags, field list (outer document), field list (`req_info`), the texts of
//! [`REFUND_TEXT`], the amounts of [`REFUND_AMOUNTS`].
//!
//! The name lists below are mirrored, in the same order, by `notify.js`.

use wechatpay_notify::{Fields, PaymentNotification, RefundNotification};

/// Marks a name absent from a field list in [`Positions`].
pub const NONE: u32 = u32::MAX;

/// Field names of v2 notifications sent by index rather than as text (sorted by bytes). This is a
/// transport optimisation only: any other name is sent as text and treated the same way.
pub const KNOWN_NAMES: [&str; 55] = [
    "appid",
    "attach",
    "bank_type",
    "cash_fee",
    "cash_fee_type",
    "coupon_count",
    "coupon_fee",
    "coupon_fee_0",
    "coupon_fee_1",
    "coupon_fee_2",
    "coupon_fee_3",
    "coupon_fee_4",
    "coupon_id_0",
    "coupon_id_1",
    "coupon_id_2",
    "coupon_id_3",
    "coupon_id_4",
    "coupon_type_0",
    "coupon_type_1",
    "coupon_type_2",
    "coupon_type_3",
    "coupon_type_4",
    "device_info",
    "err_code",
    "err_code_des",
    "fee_type",
    "is_subscribe",
    "mch_id",
    "nonce_str",
    "openid",
    "out_refund_no",
    "out_trade_no",
    "refund_account",
    "refund_fee",
    "refund_id",
    "refund_recv_accout",
    "refund_request_source",
    "refund_status",
    "req_info",
    "result_code",
    "return_code",
    "return_msg",
    "settlement_refund_fee",
    "settlement_total_fee",
    "sign",
    "sign_type",
    "sub_appid",
    "sub_is_subscribe",
    "sub_mch_id",
    "sub_openid",
    "success_time",
    "time_end",
    "total_fee",
    "trade_type",
    "transaction_id",
];

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

/// Open-addressing table from a name's [`key`] to its [`KNOWN_NAMES`] index (`u8::MAX` = empty).
const TABLE_SIZE: usize = 256;

/// A name's first and last eight bytes (zero-padded) and its length: equal keys mean equal names
/// up to 16 bytes; longer names also compare their middle bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    head: u64,
    tail: u64,
    len: usize,
}

fn key(name: &[u8]) -> Key {
    let mut head = [0u8; 8];
    let mut tail = [0u8; 8];
    if name.len() >= 8 {
        head.copy_from_slice(&name[..8]);
        tail.copy_from_slice(&name[name.len() - 8..]);
    } else {
        head[..name.len()].copy_from_slice(name);
    }
    Key {
        head: u64::from_le_bytes(head),
        tail: u64::from_le_bytes(tail),
        len: name.len(),
    }
}

impl Key {
    fn slot(&self) -> usize {
        let mixed = (self.head ^ self.tail.rotate_left(29) ^ self.len as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (mixed >> 56) as usize % TABLE_SIZE
    }
}

fn known_table() -> &'static [(Key, u8); TABLE_SIZE] {
    static TABLE: std::sync::OnceLock<[(Key, u8); TABLE_SIZE]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let empty = Key {
            head: 0,
            tail: 0,
            len: usize::MAX,
        };
        let mut table = [(empty, u8::MAX); TABLE_SIZE];
        for (i, name) in KNOWN_NAMES.iter().enumerate() {
            let k = key(name.as_bytes());
            let mut slot = k.slot();
            while table[slot].1 != u8::MAX {
                slot = (slot + 1) % TABLE_SIZE;
            }
            table[slot] = (k, i as u8);
        }
        table
    })
}

/// The index of `name` in [`KNOWN_NAMES`].
pub fn known_index(name: &str) -> Option<u32> {
    let table = known_table();
    let name = name.as_bytes();
    let k = key(name);
    let mut slot = k.slot();
    loop {
        let (candidate, i) = table[slot];
        if i == u8::MAX {
            return None;
        }
        if candidate == k && (name.len() <= 16 || KNOWN_NAMES[i as usize].as_bytes() == name) {
            return Some(u32::from(i));
        }
        slot = (slot + 1) % TABLE_SIZE;
    }
}

/// Where each name of [`KNOWN_NAMES`] is in the field lists sent so far: the index of its value
/// among all values sent, or [`NONE`].
pub type Positions = [u32; KNOWN_NAMES.len()];

/// The index of `name` in [`KNOWN_NAMES`], at compile time (fails the build when it is missing).
const fn known(name: &str) -> usize {
    let name = name.as_bytes();
    let mut i = 0;
    while i < KNOWN_NAMES.len() {
        let k = KNOWN_NAMES[i].as_bytes();
        if k.len() == name.len() {
            let mut j = 0;
            while j < k.len() && k[j] == name[j] {
                j += 1;
            }
            if j == k.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("not a known name")
}

/// The [`KNOWN_NAMES`] indices of `names`.
const fn known_all<const N: usize>(names: [&str; N]) -> [usize; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = known(names[i]);
        i += 1;
    }
    out
}

/// A result ready to cross into JS.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Encoded {
    /// The code units of the JS string (see the module documentation).
    pub units: Vec<u16>,
    /// Address, length and index (among all values sent) of every field value sent so far.
    values: Vec<(usize, usize)>,
}

impl Encoded {
    fn with_capacity(units: usize) -> Encoded {
        Encoded {
            units: Vec::with_capacity(units),
            values: Vec::new(),
        }
    }

    fn number(&mut self, mut n: usize) {
        while n >= 0x8000 {
            self.units.push(0x8000 | (n & 0x7fff) as u16);
            n >>= 15;
        }
        self.units.push(n as u16);
    }

    fn string(&mut self, s: &str) {
        if s.is_ascii() {
            self.number(s.len());
            self.units.extend(s.bytes().map(u16::from));
        } else {
            self.number(s.encode_utf16().count());
            self.units.extend(s.encode_utf16());
        }
    }

    fn text(&mut self, value: Option<&str>) {
        match value {
            None => self.units.push(0),
            Some(s) => {
                self.units.push(1);
                self.string(s);
            }
        }
    }

    fn amount(&mut self, value: Option<u64>) {
        match value {
            None => self.units.push(0),
            Some(v) if v < 0x1_0000 => self.units.extend([1, v as u16]),
            Some(v) => self.units.extend([
                2,
                (v >> 48) as u16,
                (v >> 32) as u16,
                (v >> 16) as u16,
                v as u16,
            ]),
        }
    }

    /// A typed text property: a reference when it is one of the field values sent, else text.
    fn property(&mut self, value: Option<&str>) {
        if let Some(s) = value {
            let key = (s.as_ptr() as usize, s.len());
            if let Some(i) = self.values.iter().position(|&v| v == key) {
                self.number(i + 2);
                return;
            }
        }
        self.text(value);
    }

    /// The typed text property that is the value of the field `KNOWN_NAMES[name]` (`null` when
    /// absent), by its position recorded in `at`.
    fn field_value(&mut self, at: &Positions, name: usize) {
        match at[name] {
            NONE => self.units.push(0),
            i => self.number(i as usize + 2),
        }
    }

    /// Sends a field list and records in `at` where each known name is.
    fn fields(&mut self, fields: &Fields, at: &mut Positions) {
        self.number(fields.len());
        self.values.reserve(fields.len());
        for (name, value) in fields.iter() {
            let index = u32::try_from(self.values.len()).unwrap_or(NONE);
            self.values.push((value.as_ptr() as usize, value.len()));
            match known_index(name) {
                Some(k) => {
                    at[k as usize] = index;
                    self.number(k as usize + 1);
                }
                None => {
                    self.units.push(0);
                    self.string(name);
                }
            }
            self.string(value);
        }
    }
}

/// [`KNOWN_NAMES`] indices of the fields behind [`PAYMENT_TEXT`] (from `appid` on: each is exactly
/// the core accessor of the same name, `fields().get(name)`).
const PAYMENT_FIELDS: [usize; 19] = {
    let mut names = [""; 19];
    let mut i = 0;
    while i < 19 {
        names[i] = PAYMENT_TEXT[i + 2];
        i += 1;
    }
    known_all(names)
};

/// [`KNOWN_NAMES`] indices of [`PAYMENT_AMOUNTS`].
const PAYMENT_AMOUNT_FIELDS: [usize; 5] = known_all(PAYMENT_AMOUNTS);

/// [`KNOWN_NAMES`] indices of the fields behind [`REFUND_TEXT`] from `appid` on (`appid` and
/// `mch_id` in the outer document, the rest in `req_info`).
const REFUND_FIELDS: [usize; 11] = {
    let mut names = [""; 11];
    let mut i = 0;
    while i < 11 {
        names[i] = REFUND_TEXT[i + 1];
        i += 1;
    }
    known_all(names)
};

/// [`KNOWN_NAMES`] indices of [`REFUND_AMOUNTS`].
const REFUND_AMOUNT_FIELDS: [usize; 4] = known_all(REFUND_AMOUNTS);

/// The amount in the field at document position `at` (or `None` for [`NONE`]), by the core's rule.
fn amount_at(fields: &Fields, at: u32) -> Option<u64> {
    if at == NONE {
        return None;
    }
    fields
        .get_index(at as usize)
        .and_then(|(_, v)| wechatpay_notify::parse_amount(v))
}

/// Encodes a verified payment notification.
///
/// Text properties are the values of their fields, found in the one pass that sends the field
/// list; amounts are those values read with the core's `parse_amount` (the rule of every amount
/// accessor); coupons come from the core's `coupons()`, called only when `coupon_count` is positive.
pub fn payment(n: &PaymentNotification) -> Encoded {
    let fields = n.fields();
    let mut out = Encoded::with_capacity(2048);
    out.units.push(u16::from(n.is_success()));
    let mut at = [NONE; KNOWN_NAMES.len()];
    out.fields(fields, &mut at);
    out.text(Some(n.sign_type().as_str()));
    out.property(n.dedupe_key());
    for name in PAYMENT_FIELDS {
        out.field_value(&at, name);
    }
    // The core's amount rule applied to the values found in the one pass (no lookups).
    let amounts = PAYMENT_AMOUNT_FIELDS.map(|name| amount_at(fields, at[name]));
    for value in amounts {
        out.amount(value);
    }
    // `coupons()` is empty unless `coupon_count` is a positive amount.
    if amounts[4].unwrap_or(0) == 0 {
        out.number(0);
    } else {
        let coupons = n.coupons();
        out.number(coupons.len());
        for c in &coupons {
            out.text(Some(&c.id));
            out.text(c.coupon_type.as_deref());
            out.amount(c.fee);
        }
    }
    out
}

/// Encodes a decrypted refund notification (see [`payment`]).
pub fn refund(n: &RefundNotification) -> Encoded {
    let mut out = Encoded::with_capacity(2048);
    out.units.push(u16::from(n.is_success()));
    let mut outer = [NONE; KNOWN_NAMES.len()];
    out.fields(n.fields(), &mut outer);
    let mut inner = [NONE; KNOWN_NAMES.len()];
    out.fields(n.req_info(), &mut inner);
    out.property(n.dedupe_key());
    for (k, name) in REFUND_FIELDS.into_iter().enumerate() {
        out.field_value(if k < 2 { &outer } else { &inner }, name);
    }
    // `inner` positions count the outer fields first (one `values` list for both documents).
    let outer_len = n.fields().len() as u32;
    for name in REFUND_AMOUNT_FIELDS {
        let at = match inner[name] {
            NONE => NONE,
            i => i - outer_len,
        };
        out.amount(amount_at(n.req_info(), at));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions() -> Positions {
        [NONE; KNOWN_NAMES.len()]
    }

    #[test]
    fn numbers_are_15_bit_varints() {
        let mut e = Encoded::default();
        for n in [0, 1, 0x7fff, 0x8000, 0x3fff_ffff, 0x4000_0000, usize::MAX] {
            e.number(n);
        }
        let mut want = vec![0, 1, 0x7fff, 0x8000, 1, 0xffff, 0x7fff, 0x8000, 0x8000, 1];
        want.extend([0xffff, 0xffff, 0xffff, 0xffff]);
        want.push((usize::MAX >> 60) as u16);
        assert_eq!(e.units, want);
    }

    #[test]
    fn texts_are_utf16() {
        let mut e = Encoded::default();
        e.text(Some("ab"));
        e.text(None);
        e.text(Some("支付😀"));
        e.text(Some(""));
        let mut want = vec![1, 2, 97, 98, 0, 1, 4];
        want.extend("支付😀".encode_utf16());
        want.extend([1, 0]);
        assert_eq!(e.units, want);
    }

    #[test]
    fn known_names_are_sorted_unique_and_found() {
        assert!(KNOWN_NAMES.windows(2).all(|w| w[0] < w[1]));
        assert!(KNOWN_NAMES.len() < TABLE_SIZE / 2);
        for (i, name) in KNOWN_NAMES.iter().enumerate() {
            assert_eq!(known_index(name), Some(i as u32));
        }
        for other in [
            "",
            "sign2",
            "appi",
            "appid\0",
            "total_fee ",
            "coupon_id_5",
            "__proto__",
            "settlement_total_fee_",
            "settlement_xotal_fee",
            "refund_request_sourcx",
            "\u{e9}appid",
        ] {
            assert_eq!(known_index(other), None);
        }
        let fields = Fields::from_pairs([("total_fee", "1"), ("zz_new", "2")]).unwrap();
        let mut e = Encoded::default();
        e.fields(&fields, &mut positions());
        let total_fee = known_index("total_fee").unwrap() as u16;
        let want = [
            2,
            total_fee + 1,
            1,
            49,
            0,
            6,
            122,
            122,
            95,
            110,
            101,
            119,
            1,
            50,
        ];
        assert_eq!(e.units, want);
    }

    #[test]
    fn typed_properties_reference_field_values() {
        let fields = Fields::from_pairs([("a", "x"), ("b", "x"), ("c", "")]).unwrap();
        let mut e = Encoded::default();
        e.fields(&fields, &mut positions());
        let before = e.units.len();
        e.property(fields.get("b"));
        e.property(fields.get("c"));
        e.property(Some("x")); // equal text elsewhere in memory: sent as text
        e.property(None);
        assert_eq!(e.units[before..], [3, 4, 1, 1, 120, 0]);
    }

    #[test]
    fn known_fields_are_found_in_one_pass() {
        let outer = Fields::from_pairs([("zz", "0"), ("appid", "wx")]).unwrap();
        let inner = Fields::from_pairs([("refund_id", "r1"), ("total_fee", "5")]).unwrap();
        let mut e = Encoded::default();
        let mut at_outer = positions();
        let mut at_inner = positions();
        e.fields(&outer, &mut at_outer);
        e.fields(&inner, &mut at_inner);
        assert_eq!(at_outer[known("appid")], 1);
        assert_eq!(at_inner[known("refund_id")], 2);
        assert_eq!(at_inner[known("total_fee")], 3);
        assert_eq!(at_inner[known("appid")], NONE);
        assert_eq!(at_outer.iter().filter(|&&i| i != NONE).count(), 1);
        let before = e.units.len();
        e.field_value(&at_inner, known("total_fee"));
        e.field_value(&at_inner, known("mch_id"));
        assert_eq!(e.units[before..], [5, 0]);
        for (i, name) in KNOWN_NAMES.iter().enumerate() {
            assert_eq!(known(name), i);
        }
        for (k, name) in PAYMENT_FIELDS.iter().enumerate() {
            assert_eq!(KNOWN_NAMES[*name], PAYMENT_TEXT[k + 2]);
        }
        for (k, name) in REFUND_FIELDS.iter().enumerate() {
            assert_eq!(KNOWN_NAMES[*name], REFUND_TEXT[k + 1]);
        }
    }

    #[test]
    fn amounts_are_one_or_four_units() {
        let mut e = Encoded::default();
        e.amount(Some(u64::MAX));
        e.amount(Some(1));
        e.amount(Some(0xffff));
        e.amount(Some(0x1_0000));
        e.amount(None);
        let want = [
            2, 0xffff, 0xffff, 0xffff, 0xffff, 1, 1, 1, 0xffff, 2, 0, 0, 1, 0, 0,
        ];
        assert_eq!(e.units, want);
    }
}
