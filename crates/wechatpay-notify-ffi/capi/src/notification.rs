//! `struct wechatpay_payment` and `struct wechatpay_refund`: verified v2 notifications, their
//! fields, and their typed views read by property name through the core's declaration
//! (`PaymentNotification::property`, `RefundNotification::property`; see `view.rs`).

use std::ffi::c_char;

use notify::view::{Property, Value};
use notify::{Coupon, Error, ErrorKind, Fields, PaymentNotification, RefundNotification};

use crate::error::wechatpay_error;
use crate::util::{Castable, free, put_str, wechatpay_field, wechatpay_str};
use crate::view::{self, View, wechatpay_property};

/// A verified payment result notification, made by `wechatpay_verifier_verify_payment` and
/// released with `wechatpay_payment_free`. Immutable: its getters may be called from any thread.
///
/// Its typed properties (the core's declaration, listed by `wechatpay_payment_property`) are read
/// by name: `wechatpay_payment_text` (e.g. `out_trade_no`, `transaction_id`, `sign_type`),
/// `wechatpay_payment_amount` (e.g. `total_fee`, in fen: a field sent in another form than ASCII
/// digits within 2^64-1, `1.00`, `-1`, ` 1`, is the error `missing_field`, never "absent"),
/// `wechatpay_payment_bool` (`is_success`); `coupons` with `wechatpay_payment_coupons_len` and
/// `wechatpay_payment_coupon`. `wechatpay_payment_is_success` and `wechatpay_payment_dedupe_key`
/// name the two rules every handler reads. Every `struct wechatpay_str` they write borrows from
/// the payment and stays valid until `wechatpay_payment_free(payment)`.
pub struct wechatpay_payment {
    _private: [u8; 0],
}

pub(crate) struct Payment {
    notification: PaymentNotification,
    /// The core's coupons, computed once: an error when a count or fee is not an amount.
    coupons: Result<Vec<Coupon>, Error>,
}

impl Payment {
    pub(crate) fn new(notification: PaymentNotification) -> Payment {
        let coupons = notification.coupons();
        Payment {
            notification,
            coupons,
        }
    }
}

impl Castable for wechatpay_payment {
    type Rust = Payment;
}

/// A decrypted refund result notification, made by `wechatpay_verifier_decrypt_refund` and
/// released with `wechatpay_refund_free`. Its typed properties (listed by
/// `wechatpay_refund_property`: the outer `appid` / `mch_id`, the decrypted `refund_id`,
/// `refund_status`, `refund_fee`, ...) are read by name with `wechatpay_refund_text`,
/// `wechatpay_refund_amount` and `wechatpay_refund_bool`, as for `struct wechatpay_payment`;
/// borrowed strings stay valid until `wechatpay_refund_free(refund)`.
pub struct wechatpay_refund {
    _private: [u8; 0],
}

impl Castable for wechatpay_refund {
    type Rust = RefundNotification;
}

/// One coupon of a payment (`coupon_id_$n`, `coupon_type_$n`, `coupon_fee_$n`); its strings borrow
/// from the payment.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wechatpay_coupon {
    /// `coupon_id_$n`.
    pub id: wechatpay_str,
    /// `coupon_type_$n` (`CASH` / `NO_CASH`); meaningful only when `has_coupon_type`.
    pub coupon_type: wechatpay_str,
    /// Whether `coupon_type_$n` was sent.
    pub has_coupon_type: bool,
    /// `coupon_fee_$n` in fen; meaningful only when `has_fee`.
    pub fee: u64,
    /// Whether `coupon_fee_$n` was sent (non-empty). A fee sent in another form than digits makes
    /// `wechatpay_payment_coupons_len` and `wechatpay_payment_coupon` fail with `missing_field`.
    pub has_fee: bool,
}

/// The payment view: `PaymentNotification::PROPERTIES` read from a payment handle.
pub(crate) struct PaymentView;

impl View for PaymentView {
    type Handle = wechatpay_payment;
    const NAME: &'static str = "payment";
    const ARG: &'static str = "payment";
    const PROPERTIES: &'static [Property] = PaymentNotification::PROPERTIES;

    fn value<'a>(payment: &'a Payment, name: &str) -> Result<Value<'a>, Error> {
        payment
            .notification
            .property(name)
            .ok_or_else(|| undeclared(name))
    }
}

/// The refund view: `RefundNotification::PROPERTIES` read from a refund handle.
pub(crate) struct RefundView;

impl View for RefundView {
    type Handle = wechatpay_refund;
    const NAME: &'static str = "refund";
    const ARG: &'static str = "refund";
    const PROPERTIES: &'static [Property] = RefundNotification::PROPERTIES;

    fn value<'a>(refund: &'a RefundNotification, name: &str) -> Result<Value<'a>, Error> {
        refund.property(name).ok_or_else(|| undeclared(name))
    }
}

/// A declared name the core's `property` does not know: a bug in the core's view.
fn undeclared(name: &str) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!("the property {name} is declared but has no value"),
    )
}

fn flag<C: Castable>(handle: *const C, get: impl FnOnce(&C::Rust) -> bool) -> bool {
    ffi_boundary! {
        get(try_ref!(handle))
    }
}

fn text<C: Castable>(
    handle: *const C,
    value_out: *mut wechatpay_str,
    get: impl FnOnce(&C::Rust) -> Option<&str>,
) -> bool {
    ffi_boundary! {
        let handle = try_ref!(handle);
        let out = try_out!(value_out);
        put_str(get(handle), out)
    }
}

fn field_count<C: Castable>(handle: *const C, fields: impl FnOnce(&C::Rust) -> &Fields) -> usize {
    ffi_boundary! {
        fields(try_ref!(handle)).len()
    }
}

fn field_at<C: Castable>(
    handle: *const C,
    index: usize,
    field_out: *mut wechatpay_field,
    fields: impl FnOnce(&C::Rust) -> &Fields,
) -> bool {
    ffi_boundary! {
        let handle = try_ref!(handle);
        let out = try_out!(field_out);
        match fields(handle).get_index(index) {
            Some((name, value)) => {
                out.set(wechatpay_field {
                    name: wechatpay_str::borrowed(name),
                    value: wechatpay_str::borrowed(value),
                });
                true
            }
            None => false,
        }
    }
}

fn field_by_name<C: Castable>(
    handle: *const C,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    fields: impl FnOnce(&C::Rust) -> &Fields,
) -> bool {
    ffi_boundary! {
        let handle = try_ref!(handle);
        let name = try_slice!(name, name_len);
        let out = try_out!(value_out);
        // A name that is not UTF-8 cannot be present: every received name is UTF-8.
        match std::str::from_utf8(name) {
            Ok(name) => put_str(fields(handle).get(name), out),
            Err(_) => false,
        }
    }
}

// ---- payment ----

/// The number of fields (every child element exactly as received, `sign` and empty ones included).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_field_count(payment: *const wechatpay_payment) -> usize {
    field_count(payment, |p: &Payment| p.notification.fields())
}

/// Writes the field at `index` (document order) to `*field_out` and returns true; false when
/// `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_field(
    payment: *const wechatpay_payment,
    index: usize,
    field_out: *mut wechatpay_field,
) -> bool {
    field_at(payment, index, field_out, |p: &Payment| {
        p.notification.fields()
    })
}

/// Looks a field up by name (`name_len` bytes) and writes its value to `*value_out`; false when
/// absent. An empty element is present, with an empty value.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_get(
    payment: *const wechatpay_payment,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
) -> bool {
    field_by_name(payment, name, name_len, value_out, |p: &Payment| {
        p.notification.fields()
    })
}

/// The number of typed properties of a payment (`PaymentNotification::PROPERTIES`, the core's
/// declaration; also in `tests/vectors/typed_views.json`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_property_count() -> usize {
    ffi_boundary! { PaymentView::PROPERTIES.len() }
}

/// Writes the payment's typed property at `index` (declaration order) to `*property_out` and
/// returns true; false when `index` is out of range (or `property_out` is NULL). Its kind says
/// which getter reads it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<PaymentView>(index, property_out) }
}

/// Reads the typed property `name` (`name_len` bytes, a name `wechatpay_payment_property` lists)
/// of kind text or sign_type: e.g. `out_trade_no`, `transaction_id`, `result_code`, `attach`,
/// `sign_type` (the algorithm the signature verified with, `MD5` or `HMAC-SHA256`), `dedupe_key`.
/// On success returns NULL, writes whether it is present to `*present_out` and, when it is, its
/// value to `*value_out` (borrowed from the payment; left untouched when absent). A field-backed
/// property is the field of that name exactly as received (an empty element is present and empty).
///
/// `invalid_argument` for a name the view does not declare, a property of another kind, or a NULL
/// argument (outputs untouched).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_text(
    payment: *const wechatpay_payment,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! { view::text::<PaymentView>(payment, name, name_len, value_out, present_out) }
}

/// Reads the amount property `name` in fen (`total_fee`, `cash_fee`, `settlement_total_fee`,
/// `coupon_fee`, `coupon_count`, ...; the rules of `wechatpay_payment_text` apply). Absent when the
/// field is absent or empty; present when it is ASCII digits within 2^64-1; in any other form
/// (`1.00`, `-1`, ` 1`) reading it is the error `missing_field`, never "absent" (outputs
/// untouched). Compare `total_fee` with your order before fulfilling it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_amount(
    payment: *const wechatpay_payment,
    name: *const c_char,
    name_len: usize,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! { view::amount::<PaymentView>(payment, name, name_len, value_out, present_out) }
}

/// Reads the bool property `name` (`is_success`) into `*value_out`; the rules of
/// `wechatpay_payment_text` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_bool(
    payment: *const wechatpay_payment,
    name: *const c_char,
    name_len: usize,
    value_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! { view::flag::<PaymentView>(payment, name, name_len, value_out) }
}

/// True when `return_code` and `result_code` are both `SUCCESS` (the payment succeeded): the
/// typed property `is_success`, named here because every handler reads it. A verified
/// `result_code=FAIL` notification must still be acknowledged with the SUCCESS reply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_is_success(payment: *const wechatpay_payment) -> bool {
    flag(payment, |p: &Payment| p.notification.is_success())
}

/// The idempotency key (the typed property `dedupe_key`, named here because every handler reads
/// it): record each notification once per key. A successful payment's
/// `transaction_id` (the same as its APIv3 delivery's); for a payment that did not succeed
/// (`result_code=FAIL`), `transaction_id:RESULT_CODE` (e.g. `4200000001:FAIL`), so a later success
/// of the same transaction is not swallowed by the earlier failure. False when there is no
/// `transaction_id` (or it is empty).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_dedupe_key(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |p: &Payment| {
        p.notification.dedupe_key()
    })
}

/// The coupons of the core (computed once): a fresh error handle for the caller when a count or fee
/// is not an amount.
fn coupons(payment: &Payment) -> Result<&[Coupon], Error> {
    payment.coupons.as_deref().map_err(Clone::clone)
}

/// Writes the number of coupons to `*len_out` and returns NULL: `coupon_id_$n` for n below
/// `coupon_count` (indices without an id are skipped). Not the same as the `coupon_count` field
/// (the typed property `coupon_count`). `missing_field` when `coupon_count` or a `coupon_fee_$n`
/// was sent in another form than digits (then there is no coupon list: the amounts cannot be
/// trusted); `invalid_argument` for a NULL argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_coupons_len(
    payment: *const wechatpay_payment,
    len_out: *mut usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let payment = try_ref!(payment);
        let out = try_out!(len_out);
        out.set(try_ffi!(coupons(payment)).len());
        std::ptr::null_mut()
    }
}

/// Writes the coupon at `index` (0-based, below the length `wechatpay_payment_coupons_len` gives)
/// to `*coupon_out` and returns NULL. `missing_field` as for `wechatpay_payment_coupons_len`;
/// `invalid_argument` when `index` is out of range or an argument is NULL (`*coupon_out` is then
/// untouched).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_coupon(
    payment: *const wechatpay_payment,
    index: usize,
    coupon_out: *mut wechatpay_coupon,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let payment = try_ref!(payment);
        let out = try_out!(coupon_out);
        let list = try_ffi!(coupons(payment));
        let coupon = try_ffi!(list.get(index).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("coupon index {index} is out of range (there are {})", list.len()),
            )
        }));
        out.set(wechatpay_coupon {
            id: wechatpay_str::borrowed(&coupon.id),
            coupon_type: wechatpay_str::borrowed(coupon.coupon_type.as_deref().unwrap_or("")),
            has_coupon_type: coupon.coupon_type.is_some(),
            fee: coupon.fee.unwrap_or(0),
            has_fee: coupon.fee.is_some(),
        });
        std::ptr::null_mut()
    }
}

/// Releases a payment. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_free(payment: *mut wechatpay_payment) {
    ffi_boundary! { free(payment) }
}

// ---- refund ----

/// The number of outer fields (exactly as received; `req_info` still encrypted).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_field_count(refund: *const wechatpay_refund) -> usize {
    field_count(refund, RefundNotification::fields)
}

/// Writes the outer field at `index` (document order) to `*field_out` and returns true; false when
/// `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_field(
    refund: *const wechatpay_refund,
    index: usize,
    field_out: *mut wechatpay_field,
) -> bool {
    field_at(refund, index, field_out, RefundNotification::fields)
}

/// Looks a outer field up by name (`name_len` bytes) and writes its value to `*value_out`; false when
/// absent. An empty element is present, with an empty value.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_get(
    refund: *const wechatpay_refund,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
) -> bool {
    field_by_name(
        refund,
        name,
        name_len,
        value_out,
        RefundNotification::fields,
    )
}

/// The number of fields of the decrypted `req_info` document.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_req_info_count(refund: *const wechatpay_refund) -> usize {
    field_count(refund, RefundNotification::req_info)
}

/// Writes the decrypted `req_info` field at `index` (document order) to `*field_out` and returns true; false when
/// `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_req_info_field(
    refund: *const wechatpay_refund,
    index: usize,
    field_out: *mut wechatpay_field,
) -> bool {
    field_at(refund, index, field_out, RefundNotification::req_info)
}

/// Looks a decrypted `req_info` field up by name (`name_len` bytes) and writes its value to `*value_out`; false when
/// absent. An empty element is present, with an empty value.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_req_info_get(
    refund: *const wechatpay_refund,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
) -> bool {
    field_by_name(
        refund,
        name,
        name_len,
        value_out,
        RefundNotification::req_info,
    )
}

/// The number of typed properties of a refund (`RefundNotification::PROPERTIES`, the core's
/// declaration).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_property_count() -> usize {
    ffi_boundary! { RefundView::PROPERTIES.len() }
}

/// Writes the refund's typed property at `index` (declaration order) to `*property_out` and
/// returns true; false when `index` is out of range (or `property_out` is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<RefundView>(index, property_out) }
}

/// Reads the text property `name` of a refund: the outer `appid` and `mch_id`, or from the
/// decrypted `req_info` `refund_id`, `out_refund_no`, `out_trade_no`, `transaction_id`,
/// `refund_status` (`SUCCESS` / `CHANGE` / `REFUNDCLOSE`), ...; and `dedupe_key`. The rules of
/// `wechatpay_payment_text` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_text(
    refund: *const wechatpay_refund,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! { view::text::<RefundView>(refund, name, name_len, value_out, present_out) }
}

/// Reads the amount property `name` of a refund in fen (`refund_fee`, `total_fee`,
/// `settlement_refund_fee`, `settlement_total_fee`, from `req_info`); the rules of
/// `wechatpay_payment_amount` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_amount(
    refund: *const wechatpay_refund,
    name: *const c_char,
    name_len: usize,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! { view::amount::<RefundView>(refund, name, name_len, value_out, present_out) }
}

/// Reads the bool property `name` of a refund (`is_success`); the rules of
/// `wechatpay_payment_text` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_bool(
    refund: *const wechatpay_refund,
    name: *const c_char,
    name_len: usize,
    value_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! { view::flag::<RefundView>(refund, name, name_len, value_out) }
}

/// True when `refund_status` is `SUCCESS`: the typed property `is_success`, named here because
/// every handler reads it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_is_success(refund: *const wechatpay_refund) -> bool {
    flag(refund, RefundNotification::is_success)
}

/// The idempotency key (the typed property `dedupe_key`): record each notification once per key.
/// `refund_id:STATUS` with the status
/// in APIv3's words (v2 `SUCCESS` → `SUCCESS`, `CHANGE` → `ABNORMAL`, `REFUNDCLOSE` → `CLOSED`,
/// e.g. `50000000382019052709732678859:SUCCESS`): an `ABNORMAL` delivery does not swallow the
/// later `SUCCESS`, and the v2 and v3 deliveries of one state share a key. A refund's state moves
/// forward only (`ABNORMAL` may be followed by `SUCCESS` or `CLOSED`; both are final): keep the
/// refund's own status in your records and never move it back. False when `refund_id` is absent
/// or empty.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_dedupe_key(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, RefundNotification::dedupe_key)
}

/// Releases a refund. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_free(refund: *mut wechatpay_refund) {
    ffi_boundary! { free(refund) }
}
