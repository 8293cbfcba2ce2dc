//! `struct wechatpay_payment` and `struct wechatpay_refund`: verified notifications and their
//! getters. cbindgen does not expand macros, so each getter is spelled out; every one delegates to
//! the core's accessor through the helpers below.

use std::ffi::c_char;

use notify::{Coupon, Error, ErrorKind, Fields, PaymentNotification, RefundNotification};

use crate::error::wechatpay_error;
use crate::util::{Castable, free, put_str, wechatpay_field, wechatpay_str};

/// A verified payment result notification, made by `wechatpay_verifier_verify_payment` and
/// released with `wechatpay_payment_free`. Immutable: its getters may be called from any thread.
///
/// Text getters (they return `bool`) write their output argument and return true when the value is
/// present; they return false and leave the output untouched when it is absent or when an argument
/// is NULL. Amount getters (`wechatpay_payment_total_fee`, ...) return a `struct wechatpay_error *`:
/// NULL on success, with `*present_out` telling whether the field was sent and, when it was, its
/// value in `*value_out`; a field sent in another form than ASCII digits within 2^64-1 (`1.00`,
/// `-1`, ` 1`) is the error `missing_field`, never "absent". Every `struct wechatpay_str` they
/// write borrows from the payment and stays valid until `wechatpay_payment_free(payment)`.
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
/// released with `wechatpay_refund_free`. The getter rules of `struct wechatpay_payment` apply
/// (amounts too); borrowed strings stay valid until `wechatpay_refund_free(refund)`.
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

/// An amount getter: NULL and `*present_out` (with `*value_out` when present) on success, the
/// core's `missing_field` when the field is present but not an amount (outputs untouched).
fn amount<C: Castable>(
    handle: *const C,
    value_out: *mut u64,
    present_out: *mut bool,
    get: impl FnOnce(&C::Rust) -> Result<Option<u64>, Error>,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let handle = try_ref!(handle);
        let value_out = try_out!(value_out);
        let present_out = try_out!(present_out);
        let value = try_ffi!(get(handle));
        present_out.set(value.is_some());
        if let Some(value) = value {
            value_out.set(value);
        }
        std::ptr::null_mut()
    }
}

fn flag<C: Castable>(handle: *const C, get: impl FnOnce(&C::Rust) -> bool) -> bool {
    ffi_boundary! {
        get(try_ref!(handle))
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

/// True when `return_code` and `result_code` are both `SUCCESS` (the payment succeeded). A verified
/// `result_code=FAIL` notification must still be acknowledged with the SUCCESS reply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_is_success(payment: *const wechatpay_payment) -> bool {
    flag(payment, |p: &Payment| p.notification.is_success())
}

/// The algorithm the signature verified with (`MD5` or `HMAC-SHA256`; static storage).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_sign_type(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |p: &Payment| {
        Some(p.notification.sign_type().as_str())
    })
}

/// The idempotency key: record each notification once per key. A successful payment's
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

/// `appid`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_appid(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.appid())
}

/// `mch_id`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_mch_id(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.mch_id())
}

/// `sub_appid` (service-provider mode).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_sub_appid(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.sub_appid())
}

/// `sub_mch_id` (service-provider mode).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_sub_mch_id(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.sub_mch_id())
}

/// `device_info`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_device_info(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.device_info())
}

/// `nonce_str`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_nonce_str(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.nonce_str())
}

/// `result_code` (`SUCCESS` / `FAIL`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_result_code(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.result_code())
}

/// `err_code`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_err_code(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.err_code())
}

/// `err_code_des`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_err_code_des(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.err_code_des())
}

/// `openid`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_openid(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.openid())
}

/// `is_subscribe`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_is_subscribe(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.is_subscribe())
}

/// `trade_type`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_trade_type(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.trade_type())
}

/// `bank_type`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_bank_type(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.bank_type())
}

/// `fee_type`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_fee_type(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.fee_type())
}

/// `cash_fee_type`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_cash_fee_type(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.cash_fee_type())
}

/// `transaction_id`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_transaction_id(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.transaction_id())
}

/// `out_trade_no`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_out_trade_no(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.out_trade_no())
}

/// `attach`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_attach(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.attach())
}

/// `time_end` (`yyyyMMddHHmmss`, Beijing time).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_time_end(
    payment: *const wechatpay_payment,
    value_out: *mut wechatpay_str,
) -> bool {
    text(payment, value_out, |n| n.notification.time_end())
}

/// `total_fee` in fen. On success returns NULL, writes whether it was sent to `*present_out` and,
/// when it was, the amount to `*value_out` (left untouched when absent). `missing_field` when it was
/// sent in another form than ASCII digits within 2^64-1; `invalid_argument` for a NULL argument.
/// Compare it with your order before fulfilling it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_total_fee(
    payment: *const wechatpay_payment,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(payment, value_out, present_out, |n| {
        n.notification.total_fee()
    })
}

/// `settlement_total_fee` in fen; the rules of `wechatpay_payment_total_fee` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_settlement_total_fee(
    payment: *const wechatpay_payment,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(payment, value_out, present_out, |n| {
        n.notification.settlement_total_fee()
    })
}

/// `cash_fee` in fen; the rules of `wechatpay_payment_total_fee` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_cash_fee(
    payment: *const wechatpay_payment,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(payment, value_out, present_out, |n| {
        n.notification.cash_fee()
    })
}

/// `coupon_fee` in fen; the rules of `wechatpay_payment_total_fee` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_coupon_fee(
    payment: *const wechatpay_payment,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(payment, value_out, present_out, |n| {
        n.notification.coupon_fee()
    })
}

/// `coupon_count`; the rules of `wechatpay_payment_total_fee` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_payment_coupon_count(
    payment: *const wechatpay_payment,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(payment, value_out, present_out, |n| {
        n.notification.coupon_count()
    })
}

/// The coupons of the core (computed once): a fresh error handle for the caller when a count or fee
/// is not an amount.
fn coupons(payment: &Payment) -> Result<&[Coupon], Error> {
    payment.coupons.as_deref().map_err(Clone::clone)
}

/// Writes the number of coupons to `*len_out` and returns NULL: `coupon_id_$n` for n below
/// `coupon_count` (indices without an id are skipped). Not the same as the `coupon_count` field
/// (`wechatpay_payment_coupon_count`). `missing_field` when `coupon_count` or a `coupon_fee_$n`
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

/// True when `refund_status` is `SUCCESS`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_is_success(refund: *const wechatpay_refund) -> bool {
    flag(refund, RefundNotification::is_success)
}

/// The idempotency key: record each notification once per key. `refund_id:STATUS` with the status
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

/// The outer `appid`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_appid(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.appid())
}

/// The outer `mch_id`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_mch_id(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.mch_id())
}

/// `transaction_id` (from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_transaction_id(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.transaction_id())
}

/// `out_trade_no` (from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_out_trade_no(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.out_trade_no())
}

/// `refund_id` (from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_refund_id(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.refund_id())
}

/// `out_refund_no` (from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_out_refund_no(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.out_refund_no())
}

/// `refund_status` (`SUCCESS` / `CHANGE` / `REFUNDCLOSE`, from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_refund_status(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.refund_status())
}

/// `success_time` (`yyyy-MM-dd HH:mm:ss`, from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_success_time(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.success_time())
}

/// `refund_recv_accout` (WeChat's spelling, from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_refund_recv_accout(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.refund_recv_accout())
}

/// `refund_account` (from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_refund_account(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.refund_account())
}

/// `refund_request_source` (from `req_info`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_refund_request_source(
    refund: *const wechatpay_refund,
    value_out: *mut wechatpay_str,
) -> bool {
    text(refund, value_out, |n| n.refund_request_source())
}

/// `total_fee` in fen (from `req_info`). On success returns NULL, writes whether it was sent to
/// `*present_out` and, when it was, the amount to `*value_out` (left untouched when absent).
/// `missing_field` when it was sent in another form than ASCII digits within 2^64-1;
/// `invalid_argument` for a NULL argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_total_fee(
    refund: *const wechatpay_refund,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(refund, value_out, present_out, |n| n.total_fee())
}

/// `refund_fee` in fen (from `req_info`); the rules of `wechatpay_refund_total_fee` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_refund_fee(
    refund: *const wechatpay_refund,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(refund, value_out, present_out, |n| n.refund_fee())
}

/// `settlement_total_fee` in fen (from `req_info`); the rules of `wechatpay_refund_total_fee`
/// apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_settlement_total_fee(
    refund: *const wechatpay_refund,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(refund, value_out, present_out, |n| n.settlement_total_fee())
}

/// `settlement_refund_fee` in fen (from `req_info`); the rules of `wechatpay_refund_total_fee`
/// apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_settlement_refund_fee(
    refund: *const wechatpay_refund,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    amount(refund, value_out, present_out, |n| {
        n.settlement_refund_fee()
    })
}

/// Releases a refund. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_refund_free(refund: *mut wechatpay_refund) {
    ffi_boundary! { free(refund) }
}
