//! APIv3 (JSON): `V3Verifier`, its result `V3Notification`, and the typed views `V3Transaction`,
//! `V3Refund`, `V3ProfitSharing`, `V3Transfer` and `V3Complaint` (their attributes are the core's
//! `json_view!` declarations: see [`crate::view`]).

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::PyTraverseError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyInt, PyString, PyTuple};
use wechatpay_notify as core;
use wechatpay_notify::settings::{SettingValue, Settings};
use wechatpay_notify::view::{Property, Value};
use wechatpay_notify::{Error, ErrorKind, V3Headers};

use crate::view::{Configured, TypedView, repr_settings, repr_view};
use crate::{
    PythonErrorExt, body_limit, body_of, cached, config_text, key_bytes, optional_count, refused,
    str_pairs, utf8, wrong_type,
};

/// Request headers from a mapping (`dict`, Starlette's `Headers`, ...: every item, repeated names
/// included) or an iterable of `(name, value)` pairs (WSGI/werkzeug `Headers`, a list).
pub(crate) fn headers_of(obj: &Bound<'_, PyAny>) -> PyResult<V3Headers> {
    let pairs = str_pairs(
        obj,
        "headers",
        ErrorKind::InvalidArgument,
        "a header name or value cannot be encoded as UTF-8 (lone surrogate)",
    )?;
    Ok(pairs.into_iter().collect())
}

/// The time to verify at, in Unix seconds: an `int` (0 or more), or None for the system clock.
pub(crate) fn now_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    let Some(now) = obj.filter(|n| !n.is_none()) else {
        return SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| {
                crate::to_py_err(Error::new(
                    ErrorKind::Internal,
                    "the system clock is before 1970",
                ))
            });
    };
    if !now.is_instance_of::<PyInt>() || now.is_instance_of::<PyBool>() {
        return Err(wrong_type("now must be an int (Unix seconds) or None", now));
    }
    now.extract::<u64>().map_err(|_| {
        refused(
            ErrorKind::InvalidArgument,
            "now must be a non-negative integer (Unix seconds)",
        )
    })
}

/// A set of trusted WeChat Pay keys, each parsed once when the set is built: from a mapping (or
/// an iterable of pairs) of key id -> PEM, as `V3Verifier` takes them, or from a directory with
/// `TrustedKeys.from_dir`. Swap it into a live verifier with `V3Verifier.replace_trusted_keys`
/// (or an endpoint merchant's with `Endpoint.replace_trusted_keys`). Immutable; thread-safe.
///
/// Refused keys raise `InvalidConfigError` (a PEM that is not an RSA key of 2048 bits or more, a
/// certificate whose serial is not its id, an id given twice); a wrong argument type raises
/// `TypeError`. An empty mapping makes an empty set, which a verifier refuses.
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct TrustedKeys {
    pub(crate) inner: Arc<core::TrustedKeys>,
}

/// The trusted keys an argument stands for: a `TrustedKeys` (shared, not copied), or a mapping /
/// iterable of (id, PEM) pairs, parsed here.
pub(crate) fn trusted_keys_of(
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<Arc<core::TrustedKeys>> {
    if let Ok(keys) = obj.cast::<TrustedKeys>() {
        return Ok(Arc::clone(&keys.get().inner));
    }
    let pairs = str_pairs(
        obj,
        what,
        ErrorKind::InvalidConfig,
        "a key id or PEM cannot be encoded as UTF-8 (lone surrogate)",
    )?;
    Ok(Arc::new(
        core::TrustedKeys::from_pems(pairs).into_py_result()?,
    ))
}

#[pymethods]
impl TrustedKeys {
    #[new]
    #[pyo3(signature = (platform_keys))]
    fn new(platform_keys: &Bound<'_, PyAny>) -> PyResult<TrustedKeys> {
        Ok(TrustedKeys {
            inner: trusted_keys_of(platform_keys, "platform_keys")?,
        })
    }

    /// Every key of a directory, as WeChat Pay's certificate download writes them: each `*.pem`
    /// file directly in it (not in subdirectories; other names are ignored; symbolic links are
    /// followed), in byte order of the names, read whole (at most 65536 bytes), holding one PEM
    /// block. A `CERTIFICATE` is trusted under its own serial (a file named like a serial, hex
    /// digits only, must be named after that serial, and a `PUB_KEY_ID_...` name is refused: a
    /// mislabelled file); a `PUBLIC KEY` under the file name without `.pem`, which must be a
    /// WeChat Pay public key id (`PUB_KEY_ID_...`).
    ///
    /// `InvalidConfigError`, naming the file, for a file that cannot be read or holds anything
    /// else, a key the verifier refuses or a repeated id; and for a directory that cannot be read
    /// or holds no key. `path` is a `str` or an `os.PathLike`; anything else raises `TypeError`.
    /// The files are read without the GIL.
    #[staticmethod]
    fn from_dir(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<TrustedKeys> {
        const EXPECTED: &str = "path must be a str or an os.PathLike";
        if path.is_instance_of::<PyBytes>() || path.is_instance_of::<PyByteArray>() {
            return Err(wrong_type(EXPECTED, path));
        }
        let path: std::path::PathBuf = path.extract().map_err(|_| wrong_type(EXPECTED, path))?;
        let keys = py
            .detach(|| core::TrustedKeys::load_dir(&path))
            .into_py_result()?;
        Ok(TrustedKeys {
            inner: Arc::new(keys),
        })
    }

    /// The key ids, in order (certificates by their uppercase hex serial).
    #[getter]
    fn ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.ids().collect::<Vec<_>>())
    }

    /// True when a key with this id (as `Wechatpay-Serial` would name it: hex serials compare
    /// numerically, other ids exactly) is in the set.
    fn trusts(&self, serial: &Bound<'_, PyString>) -> PyResult<bool> {
        let serial = utf8(
            serial,
            ErrorKind::InvalidArgument,
            "the serial cannot be encoded as UTF-8 (lone surrogate)",
        )?;
        Ok(self.inner.trusts(&serial))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("TrustedKeys(ids={})", self.ids(py)?.repr()?))
    }
}

/// Verifies APIv3 notifications for one merchant: its APIv3 key and the WeChat Pay keys it
/// trusts.
///
/// `platform_keys` maps each key id to its PEM: a platform certificate (PEM X.509; the id is its
/// serial number in hex) or a WeChat Pay public key (PEM SPKI; the id is usually `PUB_KEY_ID_…`).
/// Give both kinds at once during a migration. `platform_keys` may also be a `TrustedKeys`
/// (`TrustedKeys.from_dir(...)`). The trusted keys can be swapped while the verifier is in use
/// (`replace_trusted_keys`). The signature is checked over the raw body bytes
/// before anything is parsed or decrypted, `Wechatpay-Timestamp` must be within `max_clock_skew`
/// seconds of now in either direction, and a certificate is used only within its validity
/// period. Thread-safe: share one instance; verification releases the GIL.
///
/// `mch_ids` (any iterable of `str`) binds the verifier to merchants: after decryption the
/// resource's `mchid` (or, for partner notifications, `sp_mchid`; for merchant transfers, `mch_id`) must be one of them, else
/// `merchant_mismatch`. Without any, every merchant passes.
///
/// A wrong argument type raises `TypeError`; an unusable value (an APIv3 key that is not exactly
/// 32 bytes, a PEM that is not an RSA key of 2048 bits or more, a certificate whose serial is not
/// its id, an id given twice, a negative number, an empty merchant id) raises
/// `InvalidConfigError`.
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct V3Verifier {
    pub(crate) inner: core::V3Verifier,
}

impl Configured for V3Verifier {
    const SETTINGS: Settings = core::V3Verifier::SETTINGS;

    fn setting(&self, name: &str) -> Option<SettingValue<'_>> {
        self.inner.setting(name)
    }
}

#[pymethods]
impl V3Verifier {
    #[new]
    #[pyo3(
        signature = (api_v3_key, platform_keys, *, max_clock_skew=None, max_body_bytes=None, mch_ids=None),
        text_signature = "(api_v3_key, platform_keys, *, max_clock_skew=300, max_body_bytes=65536, mch_ids=())"
    )]
    fn new(
        api_v3_key: &Bound<'_, PyString>,
        platform_keys: &Bound<'_, PyAny>,
        max_clock_skew: Option<&Bound<'_, PyAny>>,
        max_body_bytes: Option<&Bound<'_, PyAny>>,
        mch_ids: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<V3Verifier> {
        let key = key_bytes(api_v3_key, "the APIv3 key must be exactly 32 bytes")?;
        let mut inner = core::V3Verifier::new(key.as_bytes()).into_py_result()?;
        drop(key);
        let keys = trusted_keys_of(platform_keys, "platform_keys")?;
        inner.replace_trusted_keys(keys).into_py_result()?;
        if let Some(seconds) = optional_count(
            max_clock_skew,
            "max_clock_skew",
            ErrorKind::InvalidConfig,
            "max_clock_skew must be a non-negative integer (seconds)",
        )? {
            inner = inner.max_clock_skew(seconds);
        }
        if let Some(limit) = body_limit(max_body_bytes)? {
            inner = inner.max_body_bytes(limit);
        }
        if let Some(ids) = mch_ids.filter(|l| !l.is_none()) {
            const EXPECTED: &str = "mch_ids must be an iterable of merchant ids (str)";
            if ids.is_instance_of::<PyString>() || ids.is_instance_of::<PyBytes>() {
                return Err(wrong_type(EXPECTED, ids));
            }
            for item in ids.try_iter().map_err(|_| wrong_type(EXPECTED, ids))? {
                let item = item?;
                let id = item
                    .cast::<PyString>()
                    .map_err(|_| wrong_type("mch_ids must hold merchant ids (str)", &item))?;
                let id = config_text(id, "a merchant id cannot be encoded as UTF-8")?;
                inner = inner.expect_mch_id(id).into_py_result()?;
            }
        }
        Ok(V3Verifier { inner })
    }

    /// The trusted key ids, as configured (certificates by their uppercase hex serial), of the
    /// set in use now.
    #[getter]
    fn trusted_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.trusted_ids())
    }

    /// The set of trusted keys in use now (a later swap does not change it).
    #[getter]
    fn trusted_keys(&self) -> TrustedKeys {
        TrustedKeys {
            inner: self.inner.trusted_keys(),
        }
    }

    /// Swaps in a new set of trusted keys, atomically: a verification running meanwhile (in
    /// another thread) uses either the old set or the new one, never a mix. `keys`: a
    /// `TrustedKeys` (`TrustedKeys.from_dir(...)`, shared, not copied) or a mapping of key id ->
    /// PEM, as the constructor takes. Use it when WeChat Pay rotates its keys (a new platform
    /// certificate is issued 10 days before the old one expires), on a timer or when the key
    /// directory changes, without a restart.
    ///
    /// An empty set, or a key the constructor would refuse, raises `InvalidConfigError`, and the
    /// verifier keeps its keys.
    fn replace_trusted_keys(&self, keys: &Bound<'_, PyAny>) -> PyResult<()> {
        let keys = trusted_keys_of(keys, "keys")?;
        self.inner.replace_trusted_keys(keys).into_py_result()
    }

    /// True when a key with this id (as `Wechatpay-Serial` would name it: hex serials compare
    /// numerically, other ids exactly) is trusted.
    fn trusts(&self, serial: &Bound<'_, PyString>) -> PyResult<bool> {
        let serial = utf8(
            serial,
            ErrorKind::InvalidArgument,
            "the serial cannot be encoded as UTF-8 (lone surrogate)",
        )?;
        Ok(self.inner.trusts(&serial))
    }

    /// Verifies a notification and returns it, or raises `NotifyError` with the reason's `.code`.
    ///
    /// `headers`: the request headers, a mapping or an iterable of `(name, value)` pairs of `str`
    /// (names are case-insensitive; a `Wechatpay-*` header sent twice is refused). `body`: the raw
    /// POST body, byte for byte (a `str` is sent as UTF-8). `now`: the time to verify at, in Unix
    /// seconds; None (the default) reads the system clock.
    #[pyo3(signature = (headers, body, *, now=None))]
    fn verify(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<V3Notification> {
        let headers = headers_of(headers)?;
        let body = body_of(body)?;
        let now = now_of(now)?;
        let slice = body.as_slice();
        let inner = &self.inner;
        let n = py
            .detach(|| inner.verify(&headers, slice, now))
            .into_py_result()?;
        Ok(V3Notification::from_core(n))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let ids = slf.get().trusted_ids(slf.py())?.repr()?.to_string();
        repr_settings(slf, "V3Verifier", &[("trusted_ids", ids)])
    }
}

/// A verified, decrypted APIv3 notification.
///
/// The event's own fields are strings exactly as received (`create_time` is not always RFC 3339);
/// `plaintext` is the decrypted resource exactly; `resource` is that JSON parsed (`json.loads`:
/// key order kept, integers exact). `transaction` / `refund` are the core's typed views (None for
/// another kind of event).
#[pyclass(frozen, module = "wechatpay_notify._native")]
pub(crate) struct V3Notification {
    /// Shared with the typed views.
    inner: Arc<core::V3Notification>,
    /// `.resource`, built on first read.
    resource: OnceLock<Py<PyAny>>,
}

/// The event's strings (`id` ... `plaintext`), `is_success` and `dedupe_key`: the core's typed
/// view of the notification (`typed_view!` in the core's `v3/mod.rs`), added by
/// [`crate::view::add_view`]; `repr()` shows the ones the core marks `shown`.
impl TypedView for V3Notification {
    const PROPERTIES: &'static [Property] = core::V3Notification::PROPERTIES;
    const SHOWN: &'static [&'static str] = core::V3Notification::SHOWN;

    fn property(&self, name: &str) -> Option<Value<'_>> {
        self.inner.property(name)
    }
}

impl V3Notification {
    pub(crate) fn from_core(inner: core::V3Notification) -> V3Notification {
        V3Notification {
            inner: Arc::new(inner),
            resource: OnceLock::new(),
        }
    }
}

#[pymethods]
impl V3Notification {
    /// The decrypted resource parsed by `json.loads` (a dict; key order kept, integers exact).
    /// Built once, on first read: every read returns the same dict.
    #[getter]
    fn resource<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        cached(py, &self.resource, || {
            LOADS
                .import(py, "json", "loads")?
                .call1((self.inner.plaintext(),))
        })
    }

    /// The transaction view, for `TRANSACTION.*` events; None otherwise.
    #[getter]
    fn transaction(&self) -> Option<V3Transaction> {
        self.inner.transaction().map(|_| V3Transaction {
            inner: Arc::clone(&self.inner),
        })
    }

    /// The refund view, for `REFUND.*` events; None otherwise.
    #[getter]
    fn refund(&self) -> Option<V3Refund> {
        self.inner.refund().map(|_| V3Refund {
            inner: Arc::clone(&self.inner),
        })
    }

    /// The profit-sharing view, for `PROFITSHARING.*` events; None otherwise.
    #[getter]
    fn profit_sharing(&self) -> Option<V3ProfitSharing> {
        self.inner.profit_sharing().map(|_| V3ProfitSharing {
            inner: Arc::clone(&self.inner),
        })
    }

    /// The merchant transfer view, for `MCHTRANSFER.BILL.*` events; None otherwise.
    #[getter]
    fn transfer(&self) -> Option<V3Transfer> {
        self.inner.transfer().map(|_| V3Transfer {
            inner: Arc::clone(&self.inner),
        })
    }

    /// The complaint view, for `COMPLAINT.*` events; None otherwise.
    #[getter]
    fn complaint(&self) -> Option<V3Complaint> {
        self.inner.complaint().map(|_| V3Complaint {
            inner: Arc::clone(&self.inner),
        })
    }

    // The cached `resource` dict is mutable: let the garbage collector see it.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(self.resource.get())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        repr_view(py, self, "V3Notification")
    }
}

/// The result class of one family of APIv3 resources: the core's view of the same name (its
/// `PROPERTIES`, read through the family's accessor on the core's notification), its attributes
/// added by [`crate::view::add_view`], and a `repr()` of the properties the core shows. An
/// amount in another form than a non-negative JSON integer is `100.0`, `1e2`, `-1`, one beyond
/// 2^64 or a string.
macro_rules! resource_view {
    ($(#[$doc:meta])* $class:ident, $family:ident) => {
        $(#[$doc])*
        ///
        /// Every attribute is None when the resource lacks it (or holds `null`); amounts are ints
        /// in fen, and an amount present in another form than a non-negative JSON integer raises
        /// `NotifyError` with code `missing_field` when read (`repr()` shows
        /// `<error missing_field>`).
        #[pyclass(frozen, module = "wechatpay_notify._native")]
        pub(crate) struct $class {
            inner: Arc<core::V3Notification>,
        }

        impl TypedView for $class {
            const PROPERTIES: &'static [Property] = core::$class::PROPERTIES;
            const SHOWN: &'static [&'static str] = core::$class::SHOWN;

            fn property(&self, name: &str) -> Option<Value<'_>> {
                self.inner.$family().and_then(|v| v.property(name))
            }
        }

        #[pymethods]
        impl $class {
            fn __repr__(&self, py: Python<'_>) -> String {
                repr_view(py, self, stringify!($class))
            }
        }
    };
}

resource_view! {
    /// The typed view of a `TRANSACTION.*` resource (direct and service-provider shapes).
    V3Transaction, transaction
}

resource_view! {
    /// The typed view of a `REFUND.*` resource (`REFUND.SUCCESS`, `REFUND.ABNORMAL`,
    /// `REFUND.CLOSED`).
    V3Refund, refund
}

resource_view! {
    /// The typed view of a `PROFITSHARING.*` resource (`PROFITSHARING.SUCCESS`,
    /// `PROFITSHARING.RETURN`; direct and service-provider shapes).
    V3ProfitSharing, profit_sharing
}

resource_view! {
    /// The typed view of a `MCHTRANSFER.BILL.*` resource (`MCHTRANSFER.BILL.FINISHED`).
    V3Transfer, transfer
}

resource_view! {
    /// The typed view of a `COMPLAINT.*` resource (`COMPLAINT.CREATE`, `COMPLAINT.STATE_CHANGE`).
    V3Complaint, complaint
}
