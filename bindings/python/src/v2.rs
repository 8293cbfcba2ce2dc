//! v2 (XML): `Verifier`, its results `PaymentNotification` / `RefundNotification` (with `Coupon`),
//! `sign`, and the XML replies.

use std::sync::OnceLock;

use pyo3::PyTraverseError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use wechatpay_notify as core;
use wechatpay_notify::settings::{SettingValue, Settings};
use wechatpay_notify::view::{Property, Value};
use wechatpay_notify::{ErrorKind, SignType};

use crate::view::{Configured, TypedView, repr_settings, repr_view};
use crate::{
    FieldNames, PythonErrorExt, body_limit, body_of, cached_dict, config_text, key_bytes,
    repr_amount, repr_opt, str_pairs, utf8, wrong_type,
};

/// The dict keys of the last payment, refund and decrypted `req_info` documents (see
/// [`FieldNames`]).
static PAYMENT_NAMES: FieldNames = FieldNames::new();
static REFUND_NAMES: FieldNames = FieldNames::new();
static REQ_INFO_NAMES: FieldNames = FieldNames::new();

fn sign_type_of(name: &Bound<'_, PyString>) -> PyResult<SignType> {
    let name = config_text(name, "the sign type must be \"MD5\" or \"HMAC-SHA256\"")?;
    SignType::parse(&name).into_py_result()
}

/// Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant.
///
/// The algorithm is pinned by `sign_type` ("MD5" or "HMAC-SHA256"); a notification signed with
/// another one is rejected unless it is listed in `also_accept`. `appid` / `mch_id`, when given,
/// must match. Bodies over `max_body_bytes` are rejected before parsing. Thread-safe: share one
/// instance; verification releases the GIL.
///
/// A wrong argument type raises `TypeError`; an unusable value (a key that is not 32 printable
/// ASCII characters, an unknown sign type, a negative limit) raises `InvalidConfigError`.
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct Verifier {
    pub(crate) inner: core::Verifier,
}

impl Configured for Verifier {
    const SETTINGS: Settings = core::Verifier::SETTINGS;

    fn setting(&self, name: &str) -> Option<SettingValue<'_>> {
        self.inner.setting(name)
    }
}

#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(
        signature = (api_key, sign_type, *, appid=None, mch_id=None, also_accept=None, max_body_bytes=None),
        text_signature = "(api_key, sign_type, *, appid=None, mch_id=None, also_accept=(), max_body_bytes=65536)"
    )]
    fn new(
        api_key: &Bound<'_, PyString>,
        sign_type: &Bound<'_, PyString>,
        appid: Option<&Bound<'_, PyString>>,
        mch_id: Option<&Bound<'_, PyString>>,
        also_accept: Option<&Bound<'_, PyAny>>,
        max_body_bytes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Verifier> {
        let key = key_bytes(api_key, "the API key must be 32 printable ASCII characters")?;
        let mut inner =
            core::Verifier::new(key.as_bytes(), sign_type_of(sign_type)?).into_py_result()?;
        drop(key);
        if let Some(list) = also_accept.filter(|l| !l.is_none()) {
            if list.is_instance_of::<PyString>() || list.is_instance_of::<PyBytes>() {
                return Err(wrong_type(
                    "also_accept must be an iterable of sign type names (str)",
                    list,
                ));
            }
            for item in list.try_iter()? {
                let item = item?;
                let name = item.cast::<PyString>().map_err(|_| {
                    wrong_type("also_accept must hold sign type names (str)", &item)
                })?;
                inner = inner.also_accept(sign_type_of(name)?);
            }
        }
        if let Some(limit) = body_limit(max_body_bytes)? {
            inner = inner.max_body_bytes(limit);
        }
        if let Some(a) = appid {
            inner = inner.expect_appid(config_text(a, "appid cannot be encoded as UTF-8")?);
        }
        if let Some(m) = mch_id {
            inner = inner.expect_mch_id(config_text(m, "mch_id cannot be encoded as UTF-8")?);
        }
        Ok(Verifier { inner })
    }

    /// Verifies a payment result notification (the raw POST body) and returns it, or raises
    /// `NotifyError` with the reason's `.code`.
    fn verify_payment(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
    ) -> PyResult<PaymentNotification> {
        let body = body_of(body)?;
        let slice = body.as_slice();
        let inner = &self.inner;
        let n = py.detach(|| inner.verify_payment(slice)).into_py_result()?;
        Ok(PaymentNotification::from_core(n))
    }

    /// Decrypts and checks a refund result notification (the raw POST body), or raises
    /// `NotifyError` with the reason's `.code`.
    ///
    /// req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications of
    /// the same merchant can be cut and pasted into a third that passes every check. Treat a
    /// refund notification as a hint: confirm it with the refund query API before any
    /// irreversible action.
    fn decrypt_refund(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
    ) -> PyResult<RefundNotification> {
        let body = body_of(body)?;
        let slice = body.as_slice();
        let inner = &self.inner;
        let n = py.detach(|| inner.decrypt_refund(slice)).into_py_result()?;
        Ok(RefundNotification::from_core(n))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr_settings(slf, "Verifier", &[])
    }
}

/// One coupon of a payment (`coupon_id_$n`, `coupon_type_$n`, `coupon_fee_$n`).
#[pyclass(frozen, eq, module = "wechatpay_notify._native")]
#[derive(PartialEq)]
pub(crate) struct Coupon {
    /// `coupon_id_$n`.
    #[pyo3(get)]
    id: String,
    /// `coupon_type_$n` ("CASH" / "NO_CASH"), or None when not sent.
    #[pyo3(get)]
    coupon_type: Option<String>,
    /// `coupon_fee_$n` in fen, or None when absent or empty (any other non-digit value makes
    /// `PaymentNotification.coupons` raise `missing_field`).
    #[pyo3(get)]
    fee: Option<u64>,
}

impl From<core::Coupon> for Coupon {
    fn from(c: core::Coupon) -> Coupon {
        Coupon {
            id: c.id,
            coupon_type: c.coupon_type,
            fee: c.fee,
        }
    }
}

#[pymethods]
impl Coupon {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Coupon(id={}, coupon_type={}, fee={})",
            repr_opt(py, Some(&self.id)),
            repr_opt(py, self.coupon_type.as_deref()),
            repr_amount(&Ok(self.fee))
        )
    }
}

/// A verified v2 payment result notification.
///
/// `.fields` has every element exactly as received, in document order (`sign` and empty ones
/// included); the typed attributes are the core's typed view (`typed_view!` in the core's `v2.rs`,
/// added by [`crate::view::add_view`]: None when a field is absent, amounts are ints in fen) and
/// never read `.fields`. An amount present in another form than digits is not "absent": reading it
/// raises `NotifyError` with code `missing_field` (`repr()` shows it as `<error missing_field>`).
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct PaymentNotification {
    inner: core::PaymentNotification,
    /// `.fields`, built on first read.
    fields: OnceLock<Py<PyDict>>,
}

impl PaymentNotification {
    pub(crate) fn from_core(inner: core::PaymentNotification) -> PaymentNotification {
        PaymentNotification {
            inner,
            fields: OnceLock::new(),
        }
    }
}

impl TypedView for PaymentNotification {
    const PROPERTIES: &'static [Property] = core::PaymentNotification::PROPERTIES;
    const SHOWN: &'static [&'static str] = core::PaymentNotification::SHOWN;

    fn property(&self, name: &str) -> Option<Value<'_>> {
        self.inner.property(name)
    }
}

#[pymethods]
impl PaymentNotification {
    /// Every child element exactly as received, in document order. Built once, on first read:
    /// every read returns the same dict.
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cached_dict(py, &self.fields, self.inner.fields(), &PAYMENT_NAMES)
    }

    // The cached `fields` dict is mutable: let the garbage collector see it, so a cycle made
    // through it (`n.fields["n"] = n`) is collected.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(self.fields.get())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        repr_view(py, self, "PaymentNotification")
    }
}

/// A decrypted v2 refund result notification.
///
/// `.fields` is the outer document exactly as received (`req_info` still encrypted); `.req_info`
/// is the decrypted document; the typed attributes are the core's typed view (they read the
/// decrypted document, except appid/mch_id). An amount present in another form than digits
/// raises `NotifyError` (`missing_field`) when read.
///
/// req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications of the
/// same merchant can be cut and pasted into a third that passes every check. Treat a refund
/// notification as a hint: confirm it with the refund query API before any irreversible action.
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct RefundNotification {
    inner: core::RefundNotification,
    /// `.fields`, built on first read.
    fields: OnceLock<Py<PyDict>>,
    /// `.req_info`, built on first read.
    req_info: OnceLock<Py<PyDict>>,
}

impl RefundNotification {
    pub(crate) fn from_core(inner: core::RefundNotification) -> RefundNotification {
        RefundNotification {
            inner,
            fields: OnceLock::new(),
            req_info: OnceLock::new(),
        }
    }
}

impl TypedView for RefundNotification {
    const PROPERTIES: &'static [Property] = core::RefundNotification::PROPERTIES;
    const SHOWN: &'static [&'static str] = core::RefundNotification::SHOWN;

    fn property(&self, name: &str) -> Option<Value<'_>> {
        self.inner.property(name)
    }
}

#[pymethods]
impl RefundNotification {
    /// The outer document's elements exactly as received, in document order. Built once, on
    /// first read: every read returns the same dict.
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cached_dict(py, &self.fields, self.inner.fields(), &REFUND_NAMES)
    }

    /// The decrypted `req_info` document's elements, in document order. Built once, on first
    /// read: every read returns the same dict.
    #[getter]
    fn req_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        cached_dict(py, &self.req_info, self.inner.req_info(), &REQ_INFO_NAMES)
    }

    // See `PaymentNotification::__traverse__`.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(self.fields.get())?;
        visit.call(self.req_info.get())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        repr_view(py, self, "RefundNotification")
    }
}

/// Signs fields the way WeChat Pay does and returns the uppercase hex signature.
///
/// `fields` is a mapping or an iterable of (name, value) pairs of str; `sign` itself and empty
/// values are skipped. A wrong type raises `TypeError`; a repeated name, or a name that
/// `verify_payment` would refuse, raises `InvalidArgumentError`; a bad key or sign type
/// `InvalidConfigError`.
#[pyfunction]
pub(crate) fn sign(
    fields: &Bound<'_, PyAny>,
    api_key: &Bound<'_, PyString>,
    sign_type: &Bound<'_, PyString>,
) -> PyResult<String> {
    let sign_type = sign_type_of(sign_type)?;
    let key = key_bytes(api_key, "the API key must be 32 printable ASCII characters")?;
    let pairs = str_pairs(
        fields,
        "fields",
        ErrorKind::InvalidArgument,
        "a field name or value cannot be encoded as UTF-8 (lone surrogate)",
    )?;
    core::sign(pairs, key.as_bytes(), sign_type).into_py_result()
}

/// The exact SUCCESS reply WeChat Pay expects for a verified notification.
#[pyfunction]
pub(crate) fn reply_success() -> &'static str {
    core::reply::success()
}

/// A FAIL reply carrying `msg` (WeChat Pay will retry the notification). To refuse a
/// notification, send `reply_fail(REFUSAL_MESSAGE)` (what `Endpoint` sends): a message naming the
/// error code would tell the sender which check failed.
///
/// A wrong type raises `TypeError`; a str that has no UTF-8 form (a lone surrogate) raises
/// `InvalidArgumentError`.
#[pyfunction]
pub(crate) fn reply_fail(msg: &Bound<'_, PyString>) -> PyResult<String> {
    let msg = utf8(
        msg,
        ErrorKind::InvalidArgument,
        "the message cannot be encoded as UTF-8 (lone surrogate)",
    )?;
    Ok(core::reply::fail(&msg))
}

/// A refund status in APIv3's words: v2 `CHANGE` → `ABNORMAL`, v2 `REFUNDCLOSE` → `CLOSED`, any
/// other status (`SUCCESS`, APIv3's own) unchanged. The rule `dedupe_key` names a refund's state
/// with.
///
/// A wrong type raises `TypeError`; a str that has no UTF-8 form (a lone surrogate) raises
/// `InvalidArgumentError`.
#[pyfunction]
pub(crate) fn refund_state(status: &Bound<'_, PyString>) -> PyResult<String> {
    let status = utf8(
        status,
        ErrorKind::InvalidArgument,
        "the refund status cannot be encoded as UTF-8 (lone surrogate)",
    )?;
    Ok(core::refund_state(&status).to_owned())
}
