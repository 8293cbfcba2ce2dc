//! APIv3: `struct wechatpay_v3_notification`, its typed views read by property name through the
//! core's declaration (`V3Transaction::property`, `V3Refund::property`, and the views of the
//! other families: profit sharing, merchant transfers, complaints), the listing of those
//! declarations, and the APIv3 replies.

use std::ffi::{CStr, CString, c_char};
use std::sync::OnceLock;

use notify::view::{Property, Value};
use notify::{
    Error, ErrorKind, V3Complaint, V3Notification, V3ProfitSharing, V3Refund, V3Transaction,
    V3Transfer, reply,
};

use crate::error::wechatpay_error;
use crate::util::{Castable, free, new_string, wechatpay_str, wechatpay_string};
use crate::view::{self, View, wechatpay_property};

/// A verified, decrypted APIv3 notification, made by `wechatpay_v3_verifier_verify` and released
/// with `wechatpay_v3_notification_free`. Immutable: its getters may be called from any thread.
/// Every `struct wechatpay_str` they write borrows from the notification and stays valid until
/// `wechatpay_v3_notification_free(notification)`.
///
/// The decrypted resource is given as `wechatpay_v3_notification_plaintext`, the exact JSON text
/// (parse it with the JSON library of your choice); the typed transaction and refund views read
/// its common properties by name (`wechatpay_v3_transaction_text`, ...).
pub struct wechatpay_v3_notification {
    _private: [u8; 0],
}

impl Castable for wechatpay_v3_notification {
    type Rust = V3Notification;
}

fn text(
    notification: *const wechatpay_v3_notification,
    value_out: *mut wechatpay_str,
    get: impl FnOnce(&V3Notification) -> &str,
) -> bool {
    ffi_boundary! {
        let notification = try_ref!(notification);
        let out = try_out!(value_out);
        out.set(wechatpay_str::borrowed(get(notification)));
        true
    }
}

/// The event `id` (a UUID). Returns true and writes it; false only for a NULL argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_id(
    notification: *const wechatpay_v3_notification,
    value_out: *mut wechatpay_str,
) -> bool {
    text(notification, value_out, V3Notification::id)
}

/// `create_time`, exactly as received (not always RFC 3339).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_create_time(
    notification: *const wechatpay_v3_notification,
    value_out: *mut wechatpay_str,
) -> bool {
    text(notification, value_out, V3Notification::create_time)
}

/// `event_type`, e.g. `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_event_type(
    notification: *const wechatpay_v3_notification,
    value_out: *mut wechatpay_str,
) -> bool {
    text(notification, value_out, V3Notification::event_type)
}

/// `resource_type` (`encrypt-resource`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_resource_type(
    notification: *const wechatpay_v3_notification,
    value_out: *mut wechatpay_str,
) -> bool {
    text(notification, value_out, V3Notification::resource_type)
}

/// `summary`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_summary(
    notification: *const wechatpay_v3_notification,
    value_out: *mut wechatpay_str,
) -> bool {
    text(notification, value_out, V3Notification::summary)
}

/// The decrypted resource: the exact JSON text (UTF-8, a JSON object), as decrypted.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_plaintext(
    notification: *const wechatpay_v3_notification,
    value_out: *mut wechatpay_str,
) -> bool {
    text(notification, value_out, V3Notification::plaintext)
}

/// The idempotency key: record each notification once per key. A successful transaction's
/// `transaction_id` (the same as its v2 delivery's); `transaction_id:TRADE_STATE` for one that did
/// not succeed (e.g. `4200000001:CLOSED`), so a later success is not swallowed; `refund_id:STATUS`
/// for refunds (`refund_status`, e.g. `50000000382019052709732678859:ABNORMAL`; the v2 delivery of
/// the same state has the same key), so an `ABNORMAL` delivery does not swallow the later `SUCCESS`
/// or `CLOSED`; `transfer_bill_no:STATE` for a merchant transfer (`MCHTRANSFER.BILL.*`);
/// `order_id:RECEIVER_ACCOUNT:SUCCESS` for profit-sharing funds shared (`PROFITSHARING.SUCCESS`);
/// the event `id` for every other event (a profit-sharing return, a complaint, ...) and when the
/// resource lacks its id. A refund's state moves forward only: never record it back from `SUCCESS`
/// or `CLOSED`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_dedupe_key(
    notification: *const wechatpay_v3_notification,
    value_out: *mut wechatpay_str,
) -> bool {
    text(notification, value_out, V3Notification::dedupe_key)
}

/// True when the transaction's `trade_state`, the refund's `refund_status` or the merchant
/// transfer's `state` is `SUCCESS`, and for a profit-sharing movement (`PROFITSHARING.SUCCESS` and
/// `PROFITSHARING.RETURN`: tell them apart by the event type); false for complaints, other events
/// and a NULL argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_is_success(
    notification: *const wechatpay_v3_notification,
) -> bool {
    ffi_boundary! {
        try_ref!(notification).is_success()
    }
}

/// True for a `TRANSACTION.*` event: its resource can be read with `wechatpay_v3_transaction_text`
/// and `wechatpay_v3_transaction_amount`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_has_transaction(
    notification: *const wechatpay_v3_notification,
) -> bool {
    ffi_boundary! {
        try_ref!(notification).transaction().is_some()
    }
}

/// True for a `REFUND.*` event: its resource can be read with `wechatpay_v3_refund_text` and
/// `wechatpay_v3_refund_amount`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_has_refund(
    notification: *const wechatpay_v3_notification,
) -> bool {
    ffi_boundary! {
        try_ref!(notification).refund().is_some()
    }
}

/// True for a `PROFITSHARING.*` event (`PROFITSHARING.SUCCESS`, `PROFITSHARING.RETURN`): its
/// resource can be read with `wechatpay_v3_profit_sharing_text` and
/// `wechatpay_v3_profit_sharing_amount`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_has_profit_sharing(
    notification: *const wechatpay_v3_notification,
) -> bool {
    ffi_boundary! {
        try_ref!(notification).profit_sharing().is_some()
    }
}

/// True for a `MCHTRANSFER.BILL.*` event (`MCHTRANSFER.BILL.FINISHED`): its resource can be read
/// with `wechatpay_v3_transfer_text` and `wechatpay_v3_transfer_amount`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_has_transfer(
    notification: *const wechatpay_v3_notification,
) -> bool {
    ffi_boundary! {
        try_ref!(notification).transfer().is_some()
    }
}

/// True for a `COMPLAINT.*` event (`COMPLAINT.CREATE`, `COMPLAINT.STATE_CHANGE`): its resource can
/// be read with `wechatpay_v3_complaint_text`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_has_complaint(
    notification: *const wechatpay_v3_notification,
) -> bool {
    ffi_boundary! {
        try_ref!(notification).complaint().is_some()
    }
}

/// Releases a notification. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_free(notification: *mut wechatpay_v3_notification) {
    ffi_boundary! { free(notification) }
}

// ---- typed views ----

/// The transaction view: `V3Transaction::PROPERTIES` read from a notification's resource.
pub(crate) struct V3TransactionView;

impl View for V3TransactionView {
    type Handle = wechatpay_v3_notification;
    const NAME: &'static str = "transaction";
    const ARG: &'static str = "notification";
    const PROPERTIES: &'static [Property] = V3Transaction::PROPERTIES;

    fn value<'a>(n: &'a V3Notification, name: &str) -> Result<Value<'a>, Error> {
        n.transaction()
            .ok_or_else(|| no_view("transaction"))
            .and_then(|t| t.property(name).ok_or_else(|| undeclared(name)))
    }
}

/// The notification's own view: `V3Notification::PROPERTIES` (the core's rules over the event:
/// `is_success`, `dedupe_key`).
pub(crate) struct V3NotificationView;

impl View for V3NotificationView {
    type Handle = wechatpay_v3_notification;
    const NAME: &'static str = "v3_notification";
    const ARG: &'static str = "notification";
    const PROPERTIES: &'static [Property] = V3Notification::PROPERTIES;

    fn value<'a>(n: &'a V3Notification, name: &str) -> Result<Value<'a>, Error> {
        n.property(name).ok_or_else(|| undeclared(name))
    }
}

/// The refund view: `V3Refund::PROPERTIES` read from a notification's resource.
pub(crate) struct V3RefundView;

impl View for V3RefundView {
    type Handle = wechatpay_v3_notification;
    const NAME: &'static str = "refund";
    const ARG: &'static str = "notification";
    const PROPERTIES: &'static [Property] = V3Refund::PROPERTIES;

    fn value<'a>(n: &'a V3Notification, name: &str) -> Result<Value<'a>, Error> {
        n.refund()
            .ok_or_else(|| no_view("refund"))
            .and_then(|r| r.property(name).ok_or_else(|| undeclared(name)))
    }
}

/// The profit-sharing view: `V3ProfitSharing::PROPERTIES` read from a notification's resource.
pub(crate) struct V3ProfitSharingView;

impl View for V3ProfitSharingView {
    type Handle = wechatpay_v3_notification;
    const NAME: &'static str = "profit_sharing";
    const ARG: &'static str = "notification";
    const PROPERTIES: &'static [Property] = V3ProfitSharing::PROPERTIES;

    fn value<'a>(n: &'a V3Notification, name: &str) -> Result<Value<'a>, Error> {
        n.profit_sharing()
            .ok_or_else(|| no_view("profit_sharing"))
            .and_then(|p| p.property(name).ok_or_else(|| undeclared(name)))
    }
}

/// The merchant transfer view: `V3Transfer::PROPERTIES` read from a notification's resource.
pub(crate) struct V3TransferView;

impl View for V3TransferView {
    type Handle = wechatpay_v3_notification;
    const NAME: &'static str = "transfer";
    const ARG: &'static str = "notification";
    const PROPERTIES: &'static [Property] = V3Transfer::PROPERTIES;

    fn value<'a>(n: &'a V3Notification, name: &str) -> Result<Value<'a>, Error> {
        n.transfer()
            .ok_or_else(|| no_view("transfer"))
            .and_then(|t| t.property(name).ok_or_else(|| undeclared(name)))
    }
}

/// The complaint view: `V3Complaint::PROPERTIES` read from a notification's resource.
pub(crate) struct V3ComplaintView;

impl View for V3ComplaintView {
    type Handle = wechatpay_v3_notification;
    const NAME: &'static str = "complaint";
    const ARG: &'static str = "notification";
    const PROPERTIES: &'static [Property] = V3Complaint::PROPERTIES;

    fn value<'a>(n: &'a V3Notification, name: &str) -> Result<Value<'a>, Error> {
        n.complaint()
            .ok_or_else(|| no_view("complaint"))
            .and_then(|c| c.property(name).ok_or_else(|| undeclared(name)))
    }
}

fn no_view(view: &str) -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        format!("this notification has no {view} view (see wechatpay_v3_notification_has_{view})"),
    )
}

fn undeclared(name: &str) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!("the property {name} is declared but has no value"),
    )
}

/// Reads the text property `name` (`name_len` bytes, a name listed by
/// `wechatpay_v3_transaction_property`, e.g. `out_trade_no`, `payer_openid`) of a transaction
/// notification. On success returns NULL, writes whether the property is present to
/// `*present_out` and, when it is, its value to `*value_out` (borrowed from the notification;
/// left untouched when absent).
///
/// `invalid_argument` for an unknown name, a property that is not of kind text, or a notification
/// that is not a transaction (`wechatpay_v3_notification_has_transaction`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_transaction_text(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::text::<V3TransactionView>(notification, name, name_len, value_out, present_out)
    }
}

/// Reads the amount property `name` (e.g. `amount_total`, in fen) of a transaction notification;
/// the rules of `wechatpay_v3_transaction_text` apply. An amount is absent when the resource lacks
/// it (or has `null`), present when it is a JSON integer from 0 to 2^64-1; in any other form
/// (`100.0`, `1e2`, `-1`, beyond 2^64-1, a string) reading it is the error `missing_field`, never
/// "absent" (outputs untouched).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_transaction_amount(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::amount::<V3TransactionView>(notification, name, name_len, value_out, present_out)
    }
}

/// The number of properties of the transaction view (the core's declaration).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_transaction_property_count() -> usize {
    ffi_boundary! { V3TransactionView::PROPERTIES.len() }
}

/// Writes the transaction view's property at `index` (declaration order) to `*property_out` and
/// returns true; false when `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_transaction_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<V3TransactionView>(index, property_out) }
}

/// Reads the text property `name` (e.g. `refund_id`, `refund_status`) of a refund notification;
/// the rules of `wechatpay_v3_transaction_text` apply, with `wechatpay_v3_notification_has_refund`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_refund_text(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::text::<V3RefundView>(notification, name, name_len, value_out, present_out)
    }
}

/// Reads the amount property `name` (e.g. `amount_refund`, in fen) of a refund notification; the
/// rules of `wechatpay_v3_transaction_amount` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_refund_amount(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::amount::<V3RefundView>(notification, name, name_len, value_out, present_out)
    }
}

/// The number of properties of the refund view (the core's declaration).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_refund_property_count() -> usize {
    ffi_boundary! { V3RefundView::PROPERTIES.len() }
}

/// Writes the refund view's property at `index` (declaration order) to `*property_out` and
/// returns true; false when `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_refund_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<V3RefundView>(index, property_out) }
}

/// Reads the text property `name` (e.g. `receiver_account`) of a profit-sharing notification; the rules of
/// `wechatpay_v3_transaction_text` apply, with `wechatpay_v3_notification_has_profit_sharing`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_profit_sharing_text(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::text::<V3ProfitSharingView>(notification, name, name_len, value_out, present_out)
    }
}

/// Reads the amount property `name` (e.g. `receiver_amount`, in fen) of a profit-sharing notification; the rules of
/// `wechatpay_v3_transaction_amount` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_profit_sharing_amount(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::amount::<V3ProfitSharingView>(notification, name, name_len, value_out, present_out)
    }
}

/// The number of properties of the profit-sharing view (the core's declaration).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_profit_sharing_property_count() -> usize {
    ffi_boundary! { V3ProfitSharingView::PROPERTIES.len() }
}

/// Writes the profit-sharing view's property at `index` (declaration order) to `*property_out` and
/// returns true; false when `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_profit_sharing_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<V3ProfitSharingView>(index, property_out) }
}

/// Reads the text property `name` (e.g. `transfer_bill_no`) of a merchant transfer notification; the rules of
/// `wechatpay_v3_transaction_text` apply, with `wechatpay_v3_notification_has_transfer`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_transfer_text(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::text::<V3TransferView>(notification, name, name_len, value_out, present_out)
    }
}

/// Reads the amount property `name` (e.g. `transfer_amount`, in fen) of a merchant transfer notification; the rules of
/// `wechatpay_v3_transaction_amount` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_transfer_amount(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::amount::<V3TransferView>(notification, name, name_len, value_out, present_out)
    }
}

/// The number of properties of the merchant transfer view (the core's declaration).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_transfer_property_count() -> usize {
    ffi_boundary! { V3TransferView::PROPERTIES.len() }
}

/// Writes the merchant transfer view's property at `index` (declaration order) to `*property_out` and
/// returns true; false when `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_transfer_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<V3TransferView>(index, property_out) }
}

/// Reads the text property `name` (e.g. `complaint_id`) of a complaint notification; the rules of
/// `wechatpay_v3_transaction_text` apply, with `wechatpay_v3_notification_has_complaint`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_complaint_text(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::text::<V3ComplaintView>(notification, name, name_len, value_out, present_out)
    }
}

/// Reads the amount property `name` (the view declares none: every name is `invalid_argument`; the getter exists so that every view has the same four) of a complaint notification; the rules of
/// `wechatpay_v3_transaction_amount` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_complaint_amount(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut u64,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::amount::<V3ComplaintView>(notification, name, name_len, value_out, present_out)
    }
}

/// The number of properties of the complaint view (the core's declaration).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_complaint_property_count() -> usize {
    ffi_boundary! { V3ComplaintView::PROPERTIES.len() }
}

/// Writes the complaint view's property at `index` (declaration order) to `*property_out` and
/// returns true; false when `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_complaint_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<V3ComplaintView>(index, property_out) }
}

// ---- replies ----

/// An HTTP reply to send to WeChat Pay: the HTTP status, the `Content-Type` header and the body.
/// Its strings are never freed by the caller: static when written by `wechatpay_v3_reply_*`,
/// borrowed from the handle (valid until it is freed) when written by
/// `wechatpay_endpoint_result_reply` or `wechatpay_error_endpoint_reply`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wechatpay_http_reply {
    /// The HTTP status code (APIv3: 204 for success; 401, 400 or 500 for a failure. v2: 200, or
    /// 400 from an endpoint that could not tell the version). Refusal bodies are constant (APIv3
    /// `{"code":"FAIL","message":"rejected"}`, v2 the XML FAIL reply with `rejected`).
    pub status: u16,
    /// The `Content-Type` header value, NUL-terminated; NULL when there is no body (send no
    /// `Content-Type` then).
    pub content_type: *const c_char,
    /// The body (empty for the APIv3 success reply); its bytes are followed by a NUL terminator.
    pub body: wechatpay_str,
}

/// A core reply as C strings, kept by whoever owns it (a static, a result or an error handle): the
/// C struct points into it.
pub(crate) struct CReply {
    status: u16,
    content_type: Option<CString>,
    body: CString,
}

impl CReply {
    pub(crate) fn new(reply: reply::HttpReply) -> CReply {
        let c = |s: &str| CString::new(s.replace('\0', "?")).unwrap_or_default();
        CReply {
            status: reply.status,
            content_type: reply.content_type.map(c),
            body: c(&reply.body),
        }
    }

    pub(crate) fn to_c(&self) -> wechatpay_http_reply {
        wechatpay_http_reply {
            status: self.status,
            content_type: self
                .content_type
                .as_ref()
                .map_or(std::ptr::null(), |t| t.as_ptr()),
            body: wechatpay_str {
                data: self.body.as_ptr(),
                len: self.body.as_bytes().len(),
            },
        }
    }
}

/// The core's APIv3 failure reply for a kind: its status ([`reply::v3_status`]) and the one
/// constant body ([`reply::V3_REFUSAL`]), made once per kind and kept for the process.
fn fail_reply(kind: ErrorKind) -> Result<wechatpay_http_reply, Error> {
    static FAILURES: [OnceLock<CReply>; ErrorKind::ALL.len()] =
        [const { OnceLock::new() }; ErrorKind::ALL.len()];
    let index = kind_index(kind)?;
    Ok(FAILURES[index]
        .get_or_init(|| CReply::new(reply::v3_fail(&Error::new(kind, kind.code()))))
        .to_c())
}

/// Writes the APIv3 success reply to `*reply_out`: status 204, no `Content-Type`, an empty body
/// (WeChat Pay also accepts 200). Send it for every verified notification.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_reply_success(
    reply_out: *mut wechatpay_http_reply,
) -> *mut wechatpay_error {
    ffi_boundary! {
        static SUCCESS: OnceLock<CReply> = OnceLock::new();
        let out = try_out!(reply_out);
        out.set(SUCCESS.get_or_init(|| CReply::new(reply::v3_success())).to_c());
        std::ptr::null_mut()
    }
}

/// Writes the APIv3 failure reply for `error` to `*reply_out`: 401 when the request was not proven
/// authentic (`signature_mismatch`, `unknown_serial`, `timestamp_out_of_window`, `missing_header`,
/// `signature_probe`, `merchant_mismatch`), 500 for a configuration error or a bug
/// (`invalid_config`, `internal`), 400 for everything else (malformed input, and
/// `unsupported_algorithm`), with `Content-Type: application/json` and the one constant body
/// `{"code":"FAIL","message":"rejected"}` for every error: the code stays on the error for your
/// logs (a body naming it would let anyone enumerate the merchants and key ids you serve and probe
/// your clock window). WeChat Pay retries after a failure reply. `error` is not freed.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_reply_fail(
    error: *const wechatpay_error,
    reply_out: *mut wechatpay_http_reply,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let error = try_ref!(error);
        let out = try_out!(reply_out);
        out.set(try_ffi!(fail_reply(error.kind())));
        std::ptr::null_mut()
    }
}

/// `wechatpay_v3_reply_fail` for an error code given as text (`code_len` bytes, one of our error codes such
/// as `signature_mismatch`, e.g. kept from `wechatpay_error_code`); an unknown code is
/// `invalid_argument`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_reply_fail_code(
    code: *const c_char,
    code_len: usize,
    reply_out: *mut wechatpay_http_reply,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let code = try_slice!(code, code_len);
        let out = try_out!(reply_out);
        let kind = try_ffi!(kind_of_code(code));
        out.set(try_ffi!(fail_reply(kind)));
        std::ptr::null_mut()
    }
}

/// Writes `reply` as a CGI response (RFC 3875) to `*cgi_out` (free it with `wechatpay_string_free`):
/// `Status: 200 OK`, `Content-Type: ...` when the reply has a content type, an empty line (each line
/// ending in CR LF), then the body exactly. Write its `wechatpay_string_len` bytes to standard
/// output. `invalid_argument` for a status outside 100..599 or a content type holding anything but
/// printable ASCII (a header cannot be split by a reply).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_http_reply_cgi(
    reply: *const wechatpay_http_reply,
    cgi_out: *mut *mut wechatpay_string,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let reply = try_ffi!(crate::util::array(reply, 1, "reply"));
        let out = try_out!(cgi_out);
        let content_type = if reply[0].content_type.is_null() {
            None
        } else {
            // SAFETY: by the API contract a non-NULL `content_type` is a NUL-terminated string that
            // lives for the call (every wechatpay_http_reply the library writes satisfies it).
            Some(unsafe { CStr::from_ptr(reply[0].content_type) }.to_bytes())
        };
        let body = try_ffi!(reply[0].body.input("reply->body"));
        out.set(try_ffi!(cgi_response(reply[0].status, content_type, body)));
        std::ptr::null_mut()
    }
}

/// The CGI response of a reply (see `wechatpay_http_reply_cgi`).
fn cgi_response(
    status: u16,
    content_type: Option<&[u8]>,
    body: &[u8],
) -> Result<*mut wechatpay_string, Error> {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        100..=599 => "Status",
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "reply->status is not an HTTP status code",
            ));
        }
    };
    let mut text = format!("Status: {status} {reason}\r\n");
    if let Some(content_type) = content_type {
        let printable = std::str::from_utf8(content_type)
            .ok()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| (0x20..0x7f).contains(&b)))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    "reply->content_type is not printable ASCII",
                )
            })?;
        text.push_str("Content-Type: ");
        text.push_str(printable);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    let body = std::str::from_utf8(body)
        .map_err(|_| Error::new(ErrorKind::InvalidArgument, "reply->body is not UTF-8"))?;
    text.push_str(body);
    new_string(text)
        .map_err(|_| Error::new(ErrorKind::InvalidArgument, "reply->body holds a NUL byte"))
}

/// Writes the v2 success reply over HTTP to `*reply_out`: status 200, `text/xml`, the exact XML
/// SUCCESS (`wechatpay_reply_success`). Send it for every verified notification, also a
/// `result_code=FAIL` one.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v2_reply_success(
    reply_out: *mut wechatpay_http_reply,
) -> *mut wechatpay_error {
    ffi_boundary! {
        static SUCCESS: OnceLock<CReply> = OnceLock::new();
        let out = try_out!(reply_out);
        out.set(SUCCESS.get_or_init(|| CReply::new(reply::v2_success())).to_c());
        std::ptr::null_mut()
    }
}

/// Writes the v2 failure reply over HTTP for an error code (`code_len` bytes, one of our error codes such as
/// `signature_mismatch`) to `*reply_out`, by the one status rule of every refusal: 200 with the XML
/// FAIL and the constant message `rejected` when the request was refused (WeChat Pay reads the FAIL
/// and retries), 500 with the same body for `invalid_config` / `internal` (your own failure: retry
/// later). An unknown code is `invalid_argument`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v2_reply_fail_code(
    code: *const c_char,
    code_len: usize,
    reply_out: *mut wechatpay_http_reply,
) -> *mut wechatpay_error {
    ffi_boundary! {
        static FAILURES: [OnceLock<CReply>; ErrorKind::ALL.len()] =
            [const { OnceLock::new() }; ErrorKind::ALL.len()];
        let code = try_slice!(code, code_len);
        let out = try_out!(reply_out);
        let kind = try_ffi!(kind_of_code(code));
        let index = try_ffi!(kind_index(kind));
        out.set(FAILURES[index].get_or_init(|| CReply::new(reply::v2_fail(&Error::new(kind, kind.code())))).to_c());
        std::ptr::null_mut()
    }
}

/// The error kind of a code given as text (`invalid_argument` for anything else).
fn kind_of_code(code: &[u8]) -> Result<ErrorKind, Error> {
    std::str::from_utf8(code)
        .ok()
        .and_then(ErrorKind::from_code)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                "not an error code of wechatpay-notify",
            )
        })
}

/// A kind's place in `ErrorKind::ALL` (for the per-kind reply caches).
fn kind_index(kind: ErrorKind) -> Result<usize, Error> {
    ErrorKind::ALL
        .iter()
        .position(|k| *k == kind)
        .ok_or_else(|| Error::new(ErrorKind::Internal, "an error kind outside ErrorKind::ALL"))
}

/// Reads the text or string property `name` (`name_len` bytes, a name listed by
/// `wechatpay_v3_notification_property`, e.g. `dedupe_key`) of the notification's own view: the
/// core's rules over any event. On success returns NULL, writes whether the property is present to
/// `*present_out` (always, for kind `STRING`) and, when it is, its value to `*value_out` (borrowed
/// from the notification). `invalid_argument` for an unknown name or a property of another kind.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_text(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::text::<V3NotificationView>(notification, name, name_len, value_out, present_out)
    }
}

/// Reads the bool property `name` (e.g. `is_success`) of the notification's own view; the rules of
/// `wechatpay_v3_notification_text` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_bool(
    notification: *const wechatpay_v3_notification,
    name: *const c_char,
    name_len: usize,
    value_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! { view::flag::<V3NotificationView>(notification, name, name_len, value_out) }
}

/// The number of properties of the notification's own view (the core's declaration).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_property_count() -> usize {
    ffi_boundary! { V3NotificationView::PROPERTIES.len() }
}

/// Writes the notification view's property at `index` (declaration order) to `*property_out` and
/// returns true; false when `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_notification_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<V3NotificationView>(index, property_out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_reply_is_the_cores() {
        for kind in ErrorKind::ALL {
            let c = fail_reply(kind).unwrap();
            let core = reply::v3_fail(&Error::new(kind, "x"));
            assert_eq!(c.status, core.status);
            // SAFETY: static NUL-terminated strings.
            let (ct, body) = unsafe {
                (
                    std::ffi::CStr::from_ptr(c.content_type),
                    std::slice::from_raw_parts(c.body.data.cast::<u8>(), c.body.len),
                )
            };
            assert_eq!(Some(ct.to_str().unwrap()), core.content_type);
            assert_eq!(body, core.body.as_bytes());
        }
    }

    #[test]
    fn every_failure_body_is_the_one_constant_refusal() {
        for kind in ErrorKind::ALL {
            let c = fail_reply(kind).unwrap();
            // SAFETY: a static string of `len` bytes.
            let body = unsafe { std::slice::from_raw_parts(c.body.data.cast::<u8>(), c.body.len) };
            assert_eq!(body, reply::V3_REFUSAL.as_bytes());
            assert!(!std::str::from_utf8(body).unwrap().contains(kind.code()));
        }
        assert_eq!(
            fail_reply(ErrorKind::UnsupportedAlgorithm).unwrap().status,
            400
        );
    }
}
