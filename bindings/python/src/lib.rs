//! Python bindings for `wechatpay-notify`: the native module `wechatpay_notify._native`.
//!
//! Every protocol rule and every typed view lives in the core crate; this module only converts
//! Python inputs to Rust, core results to Python objects (each typed attribute is a property the
//! core declares, read through its `property(name)`: [`view`]), and core errors to the package's
//! exceptions (in one place: [`to_py_err`], and [`endpoint`] for an endpoint's refusals).
//! Verification runs with the GIL released.
//!
//! - [`v2`]: `Verifier`, `PaymentNotification`, `RefundNotification`, `Coupon`, `sign`, the XML
//!   replies;
//! - [`v3`]: `V3Verifier`, `V3Notification` and its typed views `V3Transaction` / `V3Refund`;
//! - [`view`]: the typed attributes of the result classes, generated from the core's declaration;
//! - [`endpoint`]: `MerchantProfile`, `Endpoint` (also from a profiles file), `EndpointResult`;
//! - [`reply`]: `HttpReply` objects, the APIv3 replies, and the reply to a request when the
//!   application fails.
//!
//! Keys given as `str` are read through [`key_bytes`]: the binding keeps no copy of its own in
//! Rust memory (the core copies each key into storage it wipes on drop).
//!
//! Misuse rule (the same on every surface): an argument of the wrong *type* raises `TypeError`
//! (PyO3's argument extraction, or an explicit check below); a value of the right type that the
//! library refuses raises `NotifyError` with its code (`invalid_config` for configuration,
//! `invalid_argument` otherwise). A `str` holding a lone surrogate is such a value: it has no
//! UTF-8 form, so the core never sees it.

use std::borrow::Cow;
use std::sync::{Mutex, OnceLock};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyList, PyMapping, PyMemoryView, PyString,
};
use wechatpay_notify::{Error, ErrorKind, Fields};

mod endpoint;
mod reply;
mod v2;
mod v3;
mod view;

mod errors {
    // The exception classes are plain Python (`wechatpay_notify/_errors.py`) so that
    // `InvalidConfigError` can derive from both `NotifyError` and `ValueError`.
    pyo3::import_exception!(wechatpay_notify._errors, NotifyError);
    pyo3::import_exception!(wechatpay_notify._errors, InvalidConfigError);
    pyo3::import_exception!(wechatpay_notify._errors, InvalidArgumentError);
    pyo3::import_exception!(wechatpay_notify._errors, EndpointRejected);
}

/// Maps a core error to the package's exception. The only place that does so (an endpoint's
/// refusal adds its routing decision: [`endpoint`]).
fn to_py_err(e: Error) -> PyErr {
    let args = (e.code(), e.message().to_owned());
    match e.kind() {
        ErrorKind::InvalidConfig => errors::InvalidConfigError::new_err(args),
        ErrorKind::InvalidArgument => errors::InvalidArgumentError::new_err(args),
        _ => errors::NotifyError::new_err(args),
    }
}

trait PythonErrorExt<T> {
    fn into_py_result(self) -> PyResult<T>;
}

impl<T> PythonErrorExt<T> for Result<T, Error> {
    fn into_py_result(self) -> PyResult<T> {
        self.map_err(to_py_err)
    }
}

/// A value of the right type that the library refuses (`kind` is `InvalidConfig` or
/// `InvalidArgument`).
fn refused(kind: ErrorKind, message: &'static str) -> PyErr {
    to_py_err(Error::new(kind, message))
}

/// A wrong argument type: `TypeError` naming the type received.
fn wrong_type(expected: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    let got = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned());
    PyTypeError::new_err(format!("{expected}, not {got}"))
}

/// The UTF-8 text of a `str` argument. A lone surrogate has no UTF-8 form: the value is refused
/// with `kind` (the argument's type was right).
fn utf8<'a>(
    s: &'a Bound<'_, PyString>,
    kind: ErrorKind,
    refusal: &'static str,
) -> PyResult<Cow<'a, str>> {
    s.to_cow().map_err(|_| refused(kind, refusal))
}

/// A configuration `str` (key, sign type, appid, mch_id, label): a lone surrogate is
/// `invalid_config`.
fn config_text<'a>(s: &'a Bound<'_, PyString>, what: &'static str) -> PyResult<Cow<'a, str>> {
    utf8(s, ErrorKind::InvalidConfig, what)
}

/// A key given as `str` (the v2 API key, the APIv3 key), as UTF-8 in a temporary Python `bytes`
/// that the caller borrows and drops once the core has taken its own copy (which the core wipes on
/// drop). No copy is made in Rust memory: PyO3's `to_cow` would make one (a `String`) under the
/// stable ABI for Python 3.9. A lone surrogate (no UTF-8 form) is `invalid_config`.
fn key_bytes<'py>(
    s: &Bound<'py, PyString>,
    refusal: &'static str,
) -> PyResult<Bound<'py, PyBytes>> {
    s.encode_utf8()
        .map_err(|_| refused(ErrorKind::InvalidConfig, refusal))
}

/// An optional non-negative integer setting (`max_body_bytes`, `max_clock_skew`): None keeps the
/// core's default; a `bool` or a non-`int` is a `TypeError`; a negative or oversized `int` is
/// refused with `kind`.
fn optional_count(
    obj: Option<&Bound<'_, PyAny>>,
    name: &'static str,
    kind: ErrorKind,
    refusal: &'static str,
) -> PyResult<Option<u64>> {
    let Some(n) = obj.filter(|n| !n.is_none()) else {
        return Ok(None);
    };
    if !n.is_instance_of::<PyInt>() || n.is_instance_of::<PyBool>() {
        return Err(wrong_type(&format!("{name} must be an int"), n));
    }
    n.extract::<u64>()
        .map(Some)
        .map_err(|_| refused(kind, refusal))
}

/// `max_body_bytes`: a non-negative `int` that fits a `usize`, else `invalid_config`.
fn body_limit(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    const REFUSAL: &str = "max_body_bytes must be a non-negative integer";
    optional_count(obj, "max_body_bytes", ErrorKind::InvalidConfig, REFUSAL)?
        .map(|n| usize::try_from(n).map_err(|_| refused(ErrorKind::InvalidConfig, REFUSAL)))
        .transpose()
}

/// A notification body: `bytes` is borrowed as is; `bytearray`, `memoryview` and `str` (encoded as
/// UTF-8) are copied first, so nothing can change them while the GIL is released.
enum Body<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl Body<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Body::Borrowed(b) => b,
            Body::Owned(v) => v,
        }
    }
}

fn body_of<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Body<'a>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Body::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text = utf8(
            s,
            ErrorKind::InvalidArgument,
            "the body str cannot be encoded as UTF-8 (lone surrogate); pass the raw bytes",
        )?;
        return Ok(Body::Owned(text.into_owned().into_bytes()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Body::Owned(b.to_vec()));
    }
    if let Ok(m) = obj.cast::<PyMemoryView>() {
        let bytes = m.call_method0("tobytes")?;
        return Ok(Body::Owned(bytes.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    // A dict or list is a body some middleware already parsed: the signature covers the exact
    // bytes received, which cannot be rebuilt from it. Say where the raw body is.
    if obj.is_instance_of::<PyDict>() || obj.is_instance_of::<PyList>() {
        return Err(PyTypeError::new_err(
            "body must be the raw request body (bytes or str), not an already parsed \
             dict or list: pass Flask's request.get_data(), Django's request.body or \
             Starlette's await request.body()",
        ));
    }
    Err(wrong_type(
        "body must be bytes, bytearray, memoryview or str",
        obj,
    ))
}

/// `(name, value)` pairs of `str` from a mapping (its `items()`) or an iterable of 2-item
/// sequences (`sign`'s fields, request headers, trusted keys). `what` names the argument in the
/// `TypeError`s; a lone surrogate is refused with `kind`.
fn str_pairs(
    obj: &Bound<'_, PyAny>,
    what: &str,
    kind: ErrorKind,
    surrogate: &'static str,
) -> PyResult<Vec<(String, String)>> {
    let expected = format!("{what} must be a mapping or an iterable of (name, value) pairs of str");
    let pair = |item: Bound<'_, PyAny>| -> PyResult<(String, String)> {
        if item.is_instance_of::<PyString>() || item.is_instance_of::<PyBytes>() {
            return Err(wrong_type(&expected, &item));
        }
        let parts = item
            .try_iter()
            .map_err(|_| wrong_type(&expected, &item))?
            .collect::<PyResult<Vec<_>>>()?;
        let [name, value] = parts.as_slice() else {
            return Err(PyTypeError::new_err(format!(
                "each item of {what} must be a (name, value) pair, not {} items",
                parts.len()
            )));
        };
        let text = |o: &Bound<'_, PyAny>| -> PyResult<String> {
            let s = o.cast::<PyString>().map_err(|_| {
                wrong_type(&format!("the names and values of {what} must be str"), o)
            })?;
            Ok(utf8(s, kind, surrogate)?.into_owned())
        };
        Ok((text(name)?, text(value)?))
    };
    if let Ok(map) = obj.cast::<PyMapping>() {
        return map.items()?.iter().map(pair).collect();
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(wrong_type(&expected, obj));
    }
    let items = obj.try_iter().map_err(|_| wrong_type(&expected, obj))?;
    items.map(|item| pair(item?)).collect()
}

/// Python's `repr()` of an optional string (for `__repr__`s).
fn repr_opt(py: Python<'_>, v: Option<&str>) -> String {
    match v {
        None => "None".to_owned(),
        Some(s) => PyString::new(py, s)
            .repr()
            .map(|r| r.to_string())
            .unwrap_or_else(|_| "'?'".to_owned()),
    }
}

/// An amount for a `__repr__`: its value, `None`, or `<error CODE>` when the core refuses the
/// value (an amount present in another form than a non-negative integer): a `repr()` never raises.
fn repr_amount(v: &Result<Option<u64>, Error>) -> String {
    match v {
        Ok(Some(fen)) => fen.to_string(),
        Ok(None) => "None".to_owned(),
        Err(e) => format!("<error {}>", e.code()),
    }
}

/// A result's document as a `dict`, built the first time it is read and then kept: every read
/// returns the same `dict` object. Its keys come from `names` where they can (see [`FieldNames`]).
fn cached_dict<'py>(
    py: Python<'py>,
    cell: &OnceLock<Py<PyDict>>,
    fields: &Fields,
    names: &FieldNames,
) -> PyResult<Bound<'py, PyDict>> {
    cached(py, cell, || names.dict(py, fields))
}

/// The `str` objects of the names of the last document of one kind turned into a `dict`, by
/// position, reused as the keys of the next one.
///
/// Notifications of one kind arrive with the same names in the same order, and a fresh `str` per
/// name is a third of the cost of the `dict`. A reused key is the same immutable text (compared
/// byte for byte before it is reused), so the `dict` is the same as with fresh keys; only its
/// objects are shared. A name that differs gets a new `str`, which takes that position. At most
/// [`FieldNames::POSITIONS`] positions are kept; only verified documents reach here.
pub(crate) struct FieldNames(Mutex<Vec<(Box<str>, Py<PyString>)>>);

impl FieldNames {
    /// Positions kept (a notification has about 30 fields).
    const POSITIONS: usize = 64;

    pub(crate) const fn new() -> FieldNames {
        FieldNames(Mutex::new(Vec::new()))
    }

    fn dict<'py>(&self, py: Python<'py>, fields: &Fields) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        // Never waits, so never deadlocks: an allocation below can start a garbage collection whose
        // finalizers run Python code, which may build another dict of this kind (on this thread,
        // or on another one it lets run). That build finds the lock taken and uses fresh keys, as
        // after a panic (a poisoned lock).
        let Ok(mut names) = self.0.try_lock() else {
            for (k, v) in fields.iter() {
                dict.set_item(k, v)?;
            }
            return Ok(dict);
        };
        for (i, (k, v)) in fields.iter().enumerate() {
            let key = match names.get(i) {
                Some((name, key)) if **name == *k => key.bind(py).clone(),
                _ => {
                    let key = PyString::new(py, k);
                    let entry = (Box::from(k), key.clone().unbind());
                    if i < names.len() {
                        names[i] = entry;
                    } else if i < Self::POSITIONS {
                        names.push(entry);
                    }
                    key
                }
            };
            dict.set_item(key, v)?;
        }
        Ok(dict)
    }
}

/// A value built the first time it is read and then kept (every read returns the same object).
fn cached<'py, T>(
    py: Python<'py>,
    cell: &OnceLock<Py<T>>,
    build: impl FnOnce() -> PyResult<Bound<'py, T>>,
) -> PyResult<Bound<'py, T>> {
    if let Some(value) = cell.get() {
        return Ok(value.bind(py).clone());
    }
    // Built outside the cell's lock: building can run other Python threads, and one of them may
    // read the same attribute (waiting on a lock while holding the GIL could deadlock). If two
    // threads race, the first value stored wins and both return it.
    let value = build()?;
    Ok(cell.get_or_init(|| value.unbind()).bind(py).clone())
}

/// Native part of `wechatpay_notify` (import the package, not this module).
#[pymodule]
pub fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    view::add_settings::<v2::Verifier>(m)?;
    view::add_view::<v2::PaymentNotification>(m)?;
    view::add_view::<v2::RefundNotification>(m)?;
    m.add_class::<v2::Coupon>()?;
    m.add_function(wrap_pyfunction!(v2::sign, m)?)?;
    m.add_function(wrap_pyfunction!(v2::reply_success, m)?)?;
    m.add_function(wrap_pyfunction!(v2::reply_fail, m)?)?;
    m.add_function(wrap_pyfunction!(v2::refund_state, m)?)?;
    m.add("REFUSAL_MESSAGE", wechatpay_notify::reply::REFUSAL_MESSAGE)?;
    m.add_class::<v3::TrustedKeys>()?;
    view::add_settings::<v3::V3Verifier>(m)?;
    view::add_view::<v3::V3Notification>(m)?;
    view::add_view::<v3::V3Transaction>(m)?;
    view::add_view::<v3::V3Refund>(m)?;
    view::add_view::<v3::V3ProfitSharing>(m)?;
    view::add_view::<v3::V3Transfer>(m)?;
    view::add_view::<v3::V3Complaint>(m)?;
    m.add_function(wrap_pyfunction!(reply::reply_v2_success, m)?)?;
    m.add_function(wrap_pyfunction!(reply::reply_v2_fail, m)?)?;
    m.add_function(wrap_pyfunction!(reply::reply_v3_success, m)?)?;
    m.add_function(wrap_pyfunction!(reply::reply_v3_fail, m)?)?;
    m.add_function(wrap_pyfunction!(reply::request_version, m)?)?;
    m.add_function(wrap_pyfunction!(reply::internal_error_reply, m)?)?;
    view::add_settings::<endpoint::MerchantProfile>(m)?;
    m.add_class::<endpoint::Endpoint>()?;
    view::add_view::<endpoint::EndpointResult>(m)?;
    Ok(())
}
