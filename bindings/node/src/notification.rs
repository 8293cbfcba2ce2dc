//! Verified notifications kept in Rust and read on demand: the `NativeNotification` class.
//!
//! A verification returns a `NativeNotification` (a `#[napi]` class instance holding the core's
//! result, freed when JS drops it). The package (`notify.js`) wraps it in a JS result class
//! (`PaymentNotification`, `RefundNotification`, `V3Notification` with its `V3Transaction`,
//! `V3Refund`, `V3ProfitSharing`, `V3Transfer` and `V3Complaint` views, `Handled`) whose getters call its methods on first read and cache what they
//! return: a handler pays for the values it reads, not for every property of the result. A class rather than a napi-rs `External` (about 0.5 µs cheaper to
//! make and 70 ns rather than 130–190 ns per call, measured in one process): Node 20 leaks a
//! 40-byte record of its own for every `External` still alive when a worker thread exits
//! (valgrind, `make soak-leaks`), and none for a class instance.
//!
//! One class holds every kind, the core's [`Notification`] (for `Endpoint#handle`, the core's
//! [`Handled`], which adds the merchant's label and the replies), so an endpoint result and its
//! notification share one native object. Typed values are converted from the core's declaration
//! of each view (`PROPERTIES`, by index, and `property(name)`): the binding lists no typed property
//! of its own. A typed value the core refuses (an amount present in another form than a
//! non-negative integer, never "absent") is thrown with its code (`missing_field`) on
//! every read.

use napi::Env;
use napi::bindgen_prelude::{Array, BigInt, Either, Either4, Object};
use napi_derive::napi;
use wechatpay_notify::{
    self as core, Handled, Notification, PaymentNotification, RefundNotification, V3Complaint,
    V3Notification, V3ProfitSharing, V3Refund, V3Transaction, V3Transfer, view,
};

use crate::object::{amount, camel_case, coupon_list, fields_object};
use crate::{HttpReply, NapiErrorExt, Result};

/// A verified notification of any kind, as the package's result classes read it; not
/// constructible from JS.
#[napi]
pub struct NativeNotification {
    held: Held,
}

/// What a [`NativeNotification`] holds.
enum Held {
    /// A verifier's result.
    Notification(Notification),
    /// An endpoint's result: the notification, the merchant's label and the replies.
    Handled(Handled),
}

impl NativeNotification {
    /// A verifier's result.
    pub fn new(notification: Notification) -> NativeNotification {
        NativeNotification {
            held: Held::Notification(notification),
        }
    }

    /// An endpoint's result.
    pub fn handled(handled: Handled) -> NativeNotification {
        NativeNotification {
            held: Held::Handled(handled),
        }
    }

    fn notification(&self) -> &Notification {
        match &self.held {
            Held::Notification(n) => n,
            Held::Handled(h) => h.notification(),
        }
    }

    fn handled_part(&self) -> Result<&Handled> {
        match &self.held {
            Held::Handled(h) => Ok(h),
            Held::Notification(_) => Err(internal("not an endpoint result".into())),
        }
    }

    fn v3(&self) -> Result<&core::V3Notification> {
        match self.notification() {
            Notification::V3(n) => Ok(n),
            other => Err(internal(format!(
                "a {} notification has no APIv3 event",
                other.kind()
            ))),
        }
    }
}

/// The JS value of a typed property: a string or `null` (text, sign type), an amount (a number, a
/// bigint beyond `Number.MAX_SAFE_INTEGER`, or `null`), a boolean, or the coupons.
pub type TypedValue<'a, 'env> =
    Either4<Option<&'a str>, Option<Either<i64, BigInt>>, bool, Array<'env>>;

/// Converts a core typed value by its kind; a value the core refuses is its error.
fn typed_value<'a, 'env>(env: &'env Env, value: view::Value<'a>) -> Result<TypedValue<'a, 'env>> {
    Ok(match value {
        view::Value::Text(text) => Either4::A(text),
        view::Value::String(text) => Either4::A(Some(text)),
        view::Value::SignType(sign_type) => Either4::A(Some(sign_type.as_str())),
        view::Value::Amount(fen) => Either4::B(amount(fen.napi()?)),
        view::Value::Bool(value) => Either4::C(value),
        view::Value::Coupons(coupons) => Either4::D(coupon_list(env, coupons.napi()?).napi()?),
    })
}

/// The value of property number `index` of a view (`properties` and its `property` lookup).
fn typed_property<'a, 'env>(
    env: &'env Env,
    properties: &[view::Property],
    index: u32,
    property: impl FnOnce(&str) -> Option<view::Value<'a>>,
) -> Result<TypedValue<'a, 'env>> {
    let declared = properties
        .get(index as usize)
        .ok_or_else(|| internal(format!("no typed property number {index}")))?;
    let value = property(declared.name).ok_or_else(|| {
        internal(format!(
            "the core declares {} without a value",
            declared.name
        ))
    })?;
    typed_value(env, value)
}

/// A misuse by the package itself (a function called on the wrong kind): `internal`.
fn internal(message: String) -> napi::Error<crate::Code> {
    napi::Error::new(crate::Code(core::ErrorKind::Internal.code()), message)
}

/// The names of a typed view's properties in the Node convention (camelCase), in the core's order:
/// one of the views of `typed_views.json` (`payment`, `refund`, `v3_transaction`, `v3_refund`,
/// `v3_profit_sharing`, `v3_transfer`, `v3_complaint`, `v3_notification`, `endpoint_result`).
/// Typed property number `i` of a result is `names[i]`.
#[napi(catch_unwind)]
pub fn typed_view_names(view: String) -> Result<Vec<String>> {
    let view = view::VIEWS
        .iter()
        .find(|v| v.name == view)
        .ok_or_else(|| internal(format!("no typed view {view}")))?;
    Ok(view.properties.iter().map(|p| camel_case(p.name)).collect())
}

/// The names of the options of a verifier or an endpoint profile in the Node convention
/// (camelCase), in the core's order: the core's declaration of its settings (`v2_verifier`,
/// `v3_verifier`, `merchant_profile` of `typed_views.json`). The package refuses any other option
/// name, so that a misspelt one (`mchid`) is not silently ignored.
#[napi(catch_unwind)]
pub fn setting_names(declaration: String) -> Result<Vec<String>> {
    let settings = wechatpay_notify::settings::ALL
        .iter()
        .find(|v| v.name == declaration)
        .ok_or_else(|| internal(format!("no declaration {declaration}")))?;
    Ok(settings
        .settings
        .iter()
        .map(|s| camel_case(s.name))
        .collect())
}

#[napi]
impl NativeNotification {
    /// `"v2_payment"`, `"v2_refund"` or `"v3"`.
    #[napi(catch_unwind, ts_return_type = "'v2_payment' | 'v2_refund' | 'v3'")]
    pub fn kind(&self) -> &'static str {
        self.notification().kind()
    }

    /// Typed property number `index` of the endpoint result view (`endpoint_result`: the core's
    /// rules over any kind of notification, `isSuccess` and `dedupeKey`).
    #[napi(catch_unwind, ts_return_type = "string | boolean | null")]
    pub fn result_typed<'env>(&self, env: &'env Env, index: u32) -> Result<TypedValue<'_, 'env>> {
        let n = self.notification();
        typed_property(env, Notification::PROPERTIES, index, |name| {
            n.property(name)
        })
    }

    /// v2: every field of the document exactly as received, in document order, as a new plain object
    /// (refund: the outer document).
    #[napi(catch_unwind)]
    pub fn fields<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        match self.notification() {
            Notification::V2Payment(n) => fields_object(env, n.fields()).napi(),
            Notification::V2Refund(n) => fields_object(env, n.fields()).napi(),
            Notification::V3(_) => Err(internal("an APIv3 notification has no fields".into())),
        }
    }

    /// v2 refund: the decrypted `req_info` document's fields, as a new plain object.
    #[napi(catch_unwind)]
    pub fn req_info<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        match self.notification() {
            Notification::V2Refund(n) => fields_object(env, n.req_info()).napi(),
            other => Err(internal(format!(
                "a {} notification has no req_info",
                other.kind()
            ))),
        }
    }

    /// v2: typed property number `index` of the payment or refund view (see `typedViewNames`).
    #[napi(
        catch_unwind,
        ts_return_type = "string | number | bigint | boolean | Array<{ id: string, couponType: string | null, fee: number | bigint | null }> | null"
    )]
    pub fn typed<'env>(&self, env: &'env Env, index: u32) -> Result<TypedValue<'_, 'env>> {
        match self.notification() {
            Notification::V2Payment(n) => {
                typed_property(env, PaymentNotification::PROPERTIES, index, |name| {
                    n.property(name)
                })
            }
            Notification::V2Refund(n) => {
                typed_property(env, RefundNotification::PROPERTIES, index, |name| {
                    n.property(name)
                })
            }
            Notification::V3(_) => Err(internal("an APIv3 notification has no v2 view".into())),
        }
    }

    /// APIv3: typed property number `index` of the event's own view (`v3_notification`: the
    /// event's strings, `plaintext`, and the core's rules `isSuccess` and `dedupeKey`).
    #[napi(catch_unwind, ts_return_type = "string | boolean")]
    pub fn event_typed<'env>(&self, env: &'env Env, index: u32) -> Result<TypedValue<'_, 'env>> {
        let v3 = self.v3()?;
        typed_property(env, V3Notification::PROPERTIES, index, |name| {
            v3.property(name)
        })
    }

    /// APIv3: which typed view the event has: `"transaction"` (`TRANSACTION.*`), `"refund"`
    /// (`REFUND.*`), `"profit_sharing"` (`PROFITSHARING.*`), `"transfer"` (`MCHTRANSFER.BILL.*`),
    /// `"complaint"` (`COMPLAINT.*`) or `null`.
    #[napi(
        catch_unwind,
        ts_return_type = "'transaction' | 'refund' | 'profit_sharing' | 'transfer' | 'complaint' | null"
    )]
    pub fn view(&self) -> Result<Option<&'static str>> {
        let v3 = self.v3()?;
        Ok(if v3.transaction().is_some() {
            Some("transaction")
        } else if v3.refund().is_some() {
            Some("refund")
        } else if v3.profit_sharing().is_some() {
            Some("profit_sharing")
        } else if v3.transfer().is_some() {
            Some("transfer")
        } else if v3.complaint().is_some() {
            Some("complaint")
        } else {
            None
        })
    }

    /// APIv3: typed property number `index` of the transaction view.
    #[napi(catch_unwind, ts_return_type = "string | number | bigint | null")]
    pub fn transaction_typed<'env>(
        &self,
        env: &'env Env,
        index: u32,
    ) -> Result<TypedValue<'_, 'env>> {
        let t = self
            .v3()?
            .transaction()
            .ok_or_else(|| internal("not a transaction event".into()))?;
        typed_property(env, V3Transaction::PROPERTIES, index, |name| {
            t.property(name)
        })
    }

    /// APIv3: typed property number `index` of the refund view.
    #[napi(catch_unwind, ts_return_type = "string | number | bigint | null")]
    pub fn refund_typed<'env>(&self, env: &'env Env, index: u32) -> Result<TypedValue<'_, 'env>> {
        let r = self
            .v3()?
            .refund()
            .ok_or_else(|| internal("not a refund event".into()))?;
        typed_property(env, V3Refund::PROPERTIES, index, |name| r.property(name))
    }

    /// APIv3: typed property number `index` of the profit-sharing view.
    #[napi(catch_unwind, ts_return_type = "string | number | bigint | null")]
    pub fn profit_sharing_typed<'env>(
        &self,
        env: &'env Env,
        index: u32,
    ) -> Result<TypedValue<'_, 'env>> {
        let p = self
            .v3()?
            .profit_sharing()
            .ok_or_else(|| internal("not a profit-sharing event".into()))?;
        typed_property(env, V3ProfitSharing::PROPERTIES, index, |name| {
            p.property(name)
        })
    }

    /// APIv3: typed property number `index` of the merchant transfer view.
    #[napi(catch_unwind, ts_return_type = "string | number | bigint | null")]
    pub fn transfer_typed<'env>(&self, env: &'env Env, index: u32) -> Result<TypedValue<'_, 'env>> {
        let t = self
            .v3()?
            .transfer()
            .ok_or_else(|| internal("not a merchant transfer event".into()))?;
        typed_property(env, V3Transfer::PROPERTIES, index, |name| t.property(name))
    }

    /// APIv3: typed property number `index` of the complaint view.
    #[napi(catch_unwind, ts_return_type = "string | null")]
    pub fn complaint_typed<'env>(
        &self,
        env: &'env Env,
        index: u32,
    ) -> Result<TypedValue<'_, 'env>> {
        let c = self
            .v3()?
            .complaint()
            .ok_or_else(|| internal("not a complaint event".into()))?;
        typed_property(env, V3Complaint::PROPERTIES, index, |name| c.property(name))
    }

    /// Endpoint results: the merchant's label.
    #[napi(catch_unwind)]
    pub fn label(&self) -> Result<&str> {
        Ok(self.handled_part()?.label())
    }

    /// Endpoint results: the success reply for the notification's version.
    #[napi(catch_unwind)]
    pub fn reply(&self) -> Result<HttpReply> {
        Ok(self.handled_part()?.reply().into())
    }

    /// Endpoint results: the reply when the application fails to record the notification.
    #[napi(catch_unwind)]
    pub fn internal_error_reply(&self) -> Result<HttpReply> {
        Ok(self.handled_part()?.internal_error_reply().into())
    }
}
