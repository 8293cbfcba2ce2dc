//! One notify endpoint for many merchants and both API versions: `MerchantProfile`, `Endpoint`,
//! `EndpointResult`, and `EndpointRejected` for a refused request. The core decides the version
//! and the merchant and runs that merchant's verifier; this module only converts.

use std::path::PathBuf;

use pyo3::PyTraverseError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyTuple};
use wechatpay_notify as core;
use wechatpay_notify::settings::{SettingValue, Settings};
use wechatpay_notify::view::{Property, Snapshot, Value};
use wechatpay_notify::{ApiVersion, Notification, Rejection};

use crate::reply::http_reply;
use crate::v2::{PaymentNotification, RefundNotification, Verifier};
use crate::v3::{TrustedKeys, V3Notification, V3Verifier, headers_of, now_of, trusted_keys_of};
use crate::view::{Configured, TypedView, repr_settings, repr_view};
use crate::{PythonErrorExt, body_of, config_text, errors, repr_opt, wrong_type};

/// A refused request as `EndpointRejected`: the core's code and message, and the endpoint's
/// decision (`version`, `label`, the `reply` to send).
fn rejected(py: Python<'_>, r: &Rejection) -> PyErr {
    let reply = match http_reply(py, &r.reply()) {
        Ok(reply) => reply.unbind(),
        Err(e) => return e,
    };
    errors::EndpointRejected::new_err((
        r.error().code(),
        r.error().message().to_owned(),
        r.version().map(|v| v.as_str()),
        r.label().map(str::to_owned),
        reply,
    ))
}

/// One merchant account served by an `Endpoint`: a label of your choice (e.g. your shop id), its
/// merchant id, and its v2 part (a `Verifier`: v2 notifications are routed by `mch_id`), its APIv3
/// part (a `V3Verifier`), or both.
///
/// `mch_id` binds both versions: v2 notifications must carry it as `mch_id` (a v2 verifier's own
/// `mch_id`, when set, must be the same), and APIv3 resources as `mchid` (or `sp_mchid`, or a transfer's `mch_id`) unless
/// the `V3Verifier` names its own `mch_ids`. A v2 verifier's `mch_id` declares the merchant id
/// too, so a profile with both parts binds its APIv3 part to it. The endpoint reconciles them when
/// it is built: an empty `mch_id`, or one that differs from the v2 verifier's, is
/// `InvalidConfigError` from `Endpoint(...)`.
///
/// The verifiers are copied into the profile: the `Verifier` objects stay usable on their own. A
/// wrong argument type raises `TypeError`; a v2 part without a merchant id (neither `mch_id` here
/// nor the verifier's) raises `InvalidConfigError`.
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct MerchantProfile {
    inner: core::MerchantProfile,
    v2: Option<Py<Verifier>>,
    v3: Option<Py<V3Verifier>>,
}

#[pymethods]
impl MerchantProfile {
    #[new]
    #[pyo3(signature = (label, *, v2=None, v3=None, mch_id=None))]
    fn new(
        label: &Bound<'_, PyString>,
        v2: Option<Bound<'_, Verifier>>,
        v3: Option<Bound<'_, V3Verifier>>,
        mch_id: Option<&Bound<'_, PyString>>,
    ) -> PyResult<MerchantProfile> {
        let label = config_text(label, "the label cannot be encoded as UTF-8")?;
        let mut inner = core::MerchantProfile::new(label);
        // Before the v2 part: a declared merchant id lets a v2 verifier without one route.
        if let Some(m) = mch_id {
            inner = inner.mch_id(config_text(m, "mch_id cannot be encoded as UTF-8")?);
        }
        if let Some(v) = &v2 {
            inner = inner.v2(v.get().inner.clone()).into_py_result()?;
        }
        if let Some(v) = &v3 {
            inner = inner.v3(v.get().inner.clone());
        }
        Ok(MerchantProfile {
            inner,
            v2: v2.map(Bound::unbind),
            v3: v3.map(Bound::unbind),
        })
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr_settings(slf, "MerchantProfile", &[])
    }
}

impl Configured for MerchantProfile {
    const SETTINGS: Settings = core::MerchantProfile::SETTINGS;

    fn setting(&self, name: &str) -> Option<SettingValue<'_>> {
        self.inner.setting(name)
    }

    fn part(&self, py: Python<'_>, name: &str) -> Py<PyAny> {
        let part = match name {
            "v2" => self.v2.as_ref().map(|v| v.clone_ref(py).into_any()),
            "v3" => self.v3.as_ref().map(|v| v.clone_ref(py).into_any()),
            _ => None,
        };
        part.unwrap_or_else(|| py.None())
    }
}

/// One notify_url serving several merchants, v2 and APIv3.
///
/// `handle` decides the version and the merchant of each request and verifies it with that
/// merchant's own verifier: a `Wechatpay-Signature` header means APIv3, and the merchant is the
/// one trusting `Wechatpay-Serial`; otherwise the body is v2 XML (a refund when it has
/// `req_info`, else a payment) and the merchant is the one whose `mch_id` it names. Choosing from
/// unverified input is safe because that merchant's key must then verify the message.
///
/// Building refuses (`InvalidConfigError`) no profile, a profile with neither part, a label used
/// twice, a profile whose `mch_id` is empty or differs from its v2 verifier's, two profiles with
/// the same v2 `mch_id`, two v2 parts with the same API key (a refund's `req_info` names no
/// merchant: only the unsigned outer `mch_id` would tell them apart), or two profiles trusting the
/// same APIv3 key id. A refused request's reply carries one constant message (`REFUSAL_MESSAGE`);
/// the error code is on the exception for your logs. Thread-safe: share one instance; `handle`
/// releases the GIL.
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct Endpoint {
    inner: core::Endpoint,
}

#[pymethods]
impl Endpoint {
    #[new]
    fn new(profiles: &Bound<'_, PyAny>) -> PyResult<Endpoint> {
        const EXPECTED: &str = "profiles must be an iterable of MerchantProfile";
        if profiles.is_instance_of::<PyString>() || profiles.is_instance_of::<PyBytes>() {
            return Err(wrong_type(EXPECTED, profiles));
        }
        let mut list = Vec::new();
        for item in profiles
            .try_iter()
            .map_err(|_| wrong_type(EXPECTED, profiles))?
        {
            let item = item?;
            let profile = item
                .cast::<MerchantProfile>()
                .map_err(|_| wrong_type(EXPECTED, &item))?;
            list.push(profile.get().inner.clone());
        }
        let inner = core::Endpoint::new(list).into_py_result()?;
        Ok(Endpoint { inner })
    }

    /// Reads an endpoint profiles file (the JSON of `wechatpay-notify verify-any --profiles`) with
    /// the core's loader: `{"profiles": [{"label", "mch_id", "v2": {...}, "v3": {...}}, ...]}`,
    /// naming key files or environment variables, never keys.
    ///
    /// On Unix the file and every key file it names must not be accessible by group or others
    /// (`chmod 600`); file names are relative to the file's directory. An unknown (misspelt)
    /// setting at any level, a missing v2 `sign_type`, a key written inline, an unreadable file, an
    /// unset variable and everything `Endpoint(...)` refuses raise `InvalidConfigError`, with a
    /// message naming the profile, the setting or the file, never a key. `path` is a `str` or an
    /// `os.PathLike`; anything else raises `TypeError`.
    #[staticmethod]
    fn from_profiles_file(path: &Bound<'_, PyAny>) -> PyResult<Endpoint> {
        const EXPECTED: &str = "path must be a str or an os.PathLike";
        if path.is_instance_of::<PyBytes>() || path.is_instance_of::<PyByteArray>() {
            return Err(wrong_type(EXPECTED, path));
        }
        // PyO3's `PathBuf` conversion: `os.fspath` (TypeError for anything else), then the file
        // system encoding. The GIL stays held: the loader reads environment variables, which
        // Python code on another thread could be changing.
        let path: PathBuf = path.extract().map_err(|_| wrong_type(EXPECTED, path))?;
        let inner = core::Endpoint::from_profiles_file(path).into_py_result()?;
        Ok(Endpoint { inner })
    }

    /// Swaps the trusted APIv3 keys of the merchant labelled `label`, and the `Wechatpay-Serial`
    /// routes to it, in one step: a request handled meanwhile (in another thread) is routed and
    /// verified either with the old keys or with the new ones. `keys`: a `TrustedKeys` or a
    /// mapping of key id -> PEM. Ids no longer in the set stop routing to the merchant
    /// (`unknown_serial`), new ones start. The endpoint took each `V3Verifier`'s keys when it was
    /// built: swapping a verifier's keys later does not change the endpoint.
    ///
    /// `InvalidConfigError`, the endpoint unchanged, for: no profile with that label, a profile
    /// without a v3 part, an empty set, a refused key, or a key id another profile trusts.
    fn replace_trusted_keys(
        &self,
        label: &Bound<'_, PyString>,
        keys: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let label = config_text(label, "a label cannot be encoded as UTF-8")?;
        let keys = trusted_keys_of(keys, "keys")?;
        self.inner
            .replace_trusted_keys(&label, keys)
            .into_py_result()
    }

    /// The trusted APIv3 keys in use now by the merchant labelled `label`; None when no profile
    /// has that label or it has no v3 part.
    fn trusted_keys(&self, label: &Bound<'_, PyString>) -> PyResult<Option<TrustedKeys>> {
        let label = config_text(label, "a label cannot be encoded as UTF-8")?;
        Ok(self
            .inner
            .trusted_keys(&label)
            .map(|inner| TrustedKeys { inner }))
    }

    /// The profiles' labels, in order.
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.labels().collect::<Vec<_>>())
    }

    /// Decides the version and the merchant of a request and verifies it with that merchant's
    /// verifier. Returns an `EndpointResult` (send its `reply`), or raises `EndpointRejected`
    /// carrying the `reply` to send.
    ///
    /// `headers`: the request headers, a mapping or an iterable of `(name, value)` pairs of `str`.
    /// `body`: the raw POST body, byte for byte. `now`: Unix seconds for APIv3's timestamp window;
    /// None (the default) reads the system clock.
    #[pyo3(signature = (headers, body, *, now=None))]
    fn handle(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<EndpointResult> {
        let headers = headers_of(headers)?;
        let body = body_of(body)?;
        let now = now_of(now)?;
        let slice = body.as_slice();
        let inner = &self.inner;
        let handled = py
            .detach(|| inner.handle(&headers, slice, now))
            .map_err(|r| rejected(py, &r))?;
        let label = handled.label().to_owned();
        let reply = http_reply(py, &handled.reply())?.unbind();
        let n = handled.into_notification();
        let (kind, version) = (n.kind(), n.version());
        let rules = Snapshot::of(Notification::PROPERTIES, |name| n.property(name));
        let notification = match n {
            Notification::V2Payment(n) => {
                Py::new(py, PaymentNotification::from_core(n))?.into_any()
            }
            Notification::V2Refund(n) => Py::new(py, RefundNotification::from_core(n))?.into_any(),
            Notification::V3(n) => Py::new(py, V3Notification::from_core(n))?.into_any(),
        };
        Ok(EndpointResult {
            label,
            kind,
            version,
            rules,
            notification,
            reply,
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Endpoint(labels={})", self.labels(py)?.repr()?))
    }
}

/// A request an `Endpoint` verified: which merchant, which kind, the notification, and the
/// success reply to send.
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct EndpointResult {
    label: String,
    kind: &'static str,
    version: ApiVersion,
    /// `is_success`, `dedupe_key`: the core's rules of the notification (`typed_view!` in the
    /// core's `endpoint.rs`), added by [`crate::view::add_view`].
    rules: Snapshot,
    notification: Py<PyAny>,
    reply: Py<PyAny>,
}

#[pymethods]
impl EndpointResult {
    /// The merchant's label.
    #[getter]
    fn label(&self) -> &str {
        &self.label
    }

    /// "v2_payment", "v2_refund" or "v3".
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind
    }

    /// "v2" or "v3".
    #[getter]
    fn version(&self) -> &'static str {
        self.version.as_str()
    }

    /// The verified notification: a `PaymentNotification`, a `RefundNotification` (a hint: see
    /// `Verifier.decrypt_refund`) or a `V3Notification`.
    #[getter]
    fn notification(&self, py: Python<'_>) -> Py<PyAny> {
        self.notification.clone_ref(py)
    }

    /// The success reply for its version: v2 → 200 with the XML SUCCESS; APIv3 → 204.
    #[getter]
    fn reply(&self, py: Python<'_>) -> Py<PyAny> {
        self.reply.clone_ref(py)
    }

    /// The reply when the application fails after this notification verified (its database, say):
    /// 500 with the version's constant refusal body, so that WeChat Pay retries later (the core's
    /// `Handled::internal_error_reply`: its version's `ApiVersion::internal_error_reply`).
    fn internal_error_reply<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        http_reply(py, &self.version.internal_error_reply())
    }

    // The notification can hold a mutable dict (`fields`, `resource`).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.notification)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "EndpointResult(label={}, kind='{}', {})",
            repr_opt(py, Some(&self.label)),
            self.kind,
            repr_view(py, self, "")
                .trim_start_matches('(')
                .trim_end_matches(')'),
        )
    }
}

impl TypedView for EndpointResult {
    const PROPERTIES: &'static [Property] = Notification::PROPERTIES;
    const SHOWN: &'static [&'static str] = Notification::SHOWN;

    fn property(&self, name: &str) -> Option<Value<'_>> {
        self.rules.get(name)
    }
}
