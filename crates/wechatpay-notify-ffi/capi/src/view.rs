//! The typed views of every result type (v2 payment and refund; APIv3 transaction, refund, profit
//! sharing, merchant transfer and complaint), read by property name through the core's one
//! declaration of each (`PROPERTIES` and
//! `property(name)`, written by `typed_view!` / `json_view!`), and the listing of those
//! declarations. A property the core adds is readable here, and listed, without a change to this
//! crate or to the header.

use std::ffi::c_char;

use notify::view::{Kind, Property, Value};
use notify::{Error, ErrorKind};

use crate::error::wechatpay_error;
use crate::util::{Castable, Out, borrow, out_arg, slice, wechatpay_str};

/// How a typed property's value is represented (the `kind` of `tests/vectors/typed_views.json`),
/// and so which getter reads it: `..._text` for `TEXT`, `STRING` and `SIGN_TYPE`, `..._amount` for
/// `AMOUNT`, `..._bool` for `BOOL`; `COUPONS` (the payment's `coupons`) is read with
/// `wechatpay_payment_coupons_len` and `wechatpay_payment_coupon`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wechatpay_property_kind {
    /// `text`: a string, or absent.
    Text = 1,
    /// `amount`: a non-negative integer in fen, or absent; present in another form, reading it is
    /// the error `missing_field`.
    Amount = 2,
    /// `bool`.
    Bool = 3,
    /// `sign_type`: `MD5` or `HMAC-SHA256` (a string, read with the text getter).
    SignType = 4,
    /// `coupons`: a list of coupons.
    Coupons = 5,
    /// `string`: a string, always present (read with the text getter, which reports it present).
    /// The views of a notification's own rules have it (`wechatpay_v3_notification_dedupe_key`).
    String = 6,
}

impl wechatpay_property_kind {
    /// Every core kind has a constant: a kind added to the core fails this match at compile time.
    pub(crate) const fn of(kind: Kind) -> wechatpay_property_kind {
        match kind {
            Kind::Text => wechatpay_property_kind::Text,
            Kind::String => wechatpay_property_kind::String,
            Kind::Amount => wechatpay_property_kind::Amount,
            Kind::Bool => wechatpay_property_kind::Bool,
            Kind::SignType => wechatpay_property_kind::SignType,
            Kind::Coupons => wechatpay_property_kind::Coupons,
        }
    }
}

/// One typed property of a view, as the core declares it. Its strings are static.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wechatpay_property {
    /// The snake_case name, e.g. `total_fee` (the name the view's getters take).
    pub name: wechatpay_str,
    /// How its value is represented, and so which getter reads it.
    pub kind: wechatpay_property_kind,
    /// The kind's name in `typed_views.json` (`text`, `amount`, ...).
    pub kind_name: wechatpay_str,
}

/// One typed view of the C API: the handle it is read from and the core's declaration.
pub(crate) trait View {
    /// The handle the view's getters take.
    type Handle: Castable;
    /// The view's name in messages (`payment`, `transaction`, ...).
    const NAME: &'static str;
    /// The name of the getters' handle argument, for the message when it is NULL.
    const ARG: &'static str;
    /// The core's declaration (`PROPERTIES`).
    const PROPERTIES: &'static [Property];
    /// The value of the declared property `name` (the core's `property(name)`); an error when the
    /// handle has no such view (an APIv3 notification of another event).
    fn value<'a>(
        handle: &'a <Self::Handle as Castable>::Rust,
        name: &str,
    ) -> Result<Value<'a>, Error>;
}

/// The core's declaration of `name` (the caller's bytes) in `V`, if its kind is one of `kinds`.
fn declared<V: View>(
    name: &[u8],
    kinds: &[Kind],
    getter: &str,
) -> Result<&'static Property, Error> {
    let property = std::str::from_utf8(name)
        .ok()
        .and_then(|name| V::PROPERTIES.iter().find(|p| p.name == name))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "the {} view has no property named {:?}",
                    V::NAME,
                    String::from_utf8_lossy(name)
                ),
            )
        })?;
    if !kinds.contains(&property.kind) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "the {} property {} is of kind {}, not read with the {getter} getter",
                V::NAME,
                property.name,
                property.kind.as_str()
            ),
        ));
    }
    Ok(property)
}

/// A value of another kind than its declaration: a bug in the core's view.
fn inconsistent<V: View>(name: &str) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!(
            "the {} property {name} has a value of another kind than declared",
            V::NAME
        ),
    )
}

/// Writes whether the value is present, and the value when it is.
fn put<T>(value: Option<T>, value_out: Out<'_, T>, present_out: Out<'_, bool>) {
    present_out.set(value.is_some());
    if let Some(value) = value {
        value_out.set(value);
    }
}

/// The body of a `..._text` getter (kinds `text`, `string` and `sign_type`). Runs inside the
/// caller's `ffi_boundary!`.
pub(crate) fn text<V: View>(
    handle: *const V::Handle,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    let handle = try_ffi!(borrow(handle, V::ARG));
    let name = try_ffi!(slice(name, name_len, "name"));
    let value_out = try_ffi!(out_arg(value_out, "value_out"));
    let present_out = try_ffi!(out_arg(present_out, "present_out"));
    let declared = try_ffi!(declared::<V>(
        name,
        &[Kind::Text, Kind::String, Kind::SignType],
        "text"
    ));
    match try_ffi!(V::value(handle, declared.name)) {
        Value::Text(text) => put(text.map(wechatpay_str::borrowed), value_out, present_out),
        Value::String(text) => put(Some(wechatpay_str::borrowed(text)), value_out, present_out),
        Value::SignType(t) => put(
            Some(wechatpay_str::borrowed(t.as_str())),
            value_out,
            present_out,
        ),
        _ => try_ffi!(Err(inconsistent::<V>(declared.name))),
    }
    std::ptr::null_mut()
}

/// The body of an `..._amount` getter. Runs inside the caller's `ffi_boundary!`.
pub(crate) fn amount<V: View>(
    handle: *const V::Handle,
    name: *const c_char,
    name_len: usize,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    let handle = try_ffi!(borrow(handle, V::ARG));
    let name = try_ffi!(slice(name, name_len, "name"));
    let value_out = try_ffi!(out_arg(value_out, "value_out"));
    let present_out = try_ffi!(out_arg(present_out, "present_out"));
    let declared = try_ffi!(declared::<V>(name, &[Kind::Amount], "amount"));
    match try_ffi!(V::value(handle, declared.name)) {
        Value::Amount(amount) => put(try_ffi!(amount), value_out, present_out),
        _ => try_ffi!(Err(inconsistent::<V>(declared.name))),
    }
    std::ptr::null_mut()
}

/// The body of a `..._bool` getter. Runs inside the caller's `ffi_boundary!`.
pub(crate) fn flag<V: View>(
    handle: *const V::Handle,
    name: *const c_char,
    name_len: usize,
    value_out: *mut bool,
) -> *mut wechatpay_error {
    let handle = try_ffi!(borrow(handle, V::ARG));
    let name = try_ffi!(slice(name, name_len, "name"));
    let value_out = try_ffi!(out_arg(value_out, "value_out"));
    let declared = try_ffi!(declared::<V>(name, &[Kind::Bool], "bool"));
    match try_ffi!(V::value(handle, declared.name)) {
        Value::Bool(b) => value_out.set(b),
        _ => try_ffi!(Err(inconsistent::<V>(declared.name))),
    }
    std::ptr::null_mut()
}

/// The body of a `..._property` listing function. Runs inside the caller's `ffi_boundary!`.
pub(crate) fn property_at<V: View>(index: usize, property_out: *mut wechatpay_property) -> bool {
    let Ok(out) = out_arg(property_out, "property_out") else {
        return false;
    };
    let Some(property) = V::PROPERTIES.get(index) else {
        return false;
    };
    out.set(wechatpay_property {
        name: wechatpay_str::borrowed(property.name),
        kind: wechatpay_property_kind::of(property.kind),
        kind_name: wechatpay_str::borrowed(property.kind.as_str()),
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::EndpointResultView;
    use crate::notification::{PaymentView, RefundView};
    use crate::v3_notification::{
        V3ComplaintView, V3NotificationView, V3ProfitSharingView, V3RefundView, V3TransactionView,
        V3TransferView,
    };

    fn check_listing<V: View>() {
        for (i, p) in V::PROPERTIES.iter().enumerate() {
            let mut out = std::mem::MaybeUninit::<wechatpay_property>::uninit();
            assert!(property_at::<V>(i, out.as_mut_ptr()));
            // SAFETY: written by property_at, which returned true.
            let out = unsafe { out.assume_init() };
            assert_eq!(out.kind, wechatpay_property_kind::of(p.kind));
            assert_eq!(out.name.len, p.name.len());
        }
        let mut out = std::mem::MaybeUninit::<wechatpay_property>::uninit();
        assert!(!property_at::<V>(V::PROPERTIES.len(), out.as_mut_ptr()));
        assert!(!property_at::<V>(0, std::ptr::null_mut()));
    }

    #[test]
    fn every_view_lists_the_cores_declaration() {
        check_listing::<PaymentView>();
        check_listing::<RefundView>();
        check_listing::<V3TransactionView>();
        check_listing::<V3RefundView>();
        check_listing::<V3ProfitSharingView>();
        check_listing::<V3TransferView>();
        check_listing::<V3ComplaintView>();
        check_listing::<V3NotificationView>();
        check_listing::<EndpointResultView>();
    }

    #[test]
    fn a_null_handle_is_named_as_the_c_argument() {
        let mut value = std::mem::MaybeUninit::<wechatpay_str>::uninit();
        let mut present = false;
        for (e, arg) in [
            (
                text::<V3TransactionView>(
                    std::ptr::null(),
                    c"x".as_ptr(),
                    1,
                    value.as_mut_ptr(),
                    &mut present,
                ),
                "notification",
            ),
            (
                text::<PaymentView>(
                    std::ptr::null(),
                    c"x".as_ptr(),
                    1,
                    value.as_mut_ptr(),
                    &mut present,
                ),
                "payment",
            ),
        ] {
            // SAFETY: a live error handle; its message is NUL-terminated and owned by it.
            let message =
                unsafe { std::ffi::CStr::from_ptr(crate::error::wechatpay_error_message(e)) };
            assert_eq!(message.to_str().unwrap(), format!("{arg} is NULL"));
            crate::error::wechatpay_error_free(e);
        }
    }

    #[test]
    fn a_getter_reads_only_its_kinds() {
        assert!(declared::<PaymentView>(b"total_fee", &[Kind::Amount], "amount").is_ok());
        assert!(
            declared::<PaymentView>(b"sign_type", &[Kind::Text, Kind::SignType], "text").is_ok()
        );
        let wrong = declared::<PaymentView>(b"total_fee", &[Kind::Text], "text").unwrap_err();
        assert_eq!(wrong.code(), "invalid_argument");
        let unknown = declared::<RefundView>(b"TOTAL_FEE", &[Kind::Amount], "amount").unwrap_err();
        assert_eq!(unknown.code(), "invalid_argument");
        assert!(declared::<RefundView>(b"\xff", &[Kind::Amount], "amount").is_err());
    }
}
