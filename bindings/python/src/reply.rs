//! HTTP replies: the core's `HttpReply` as the package's `HttpReply` (a small immutable
//! `NamedTuple` defined in `wechatpay_notify/_reply.py`), the APIv3 reply helpers, and the version
//! of a request with the reply when the application fails (the core's `ApiVersion`).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};
use wechatpay_notify::reply::{self, HttpReply};
use wechatpay_notify::{ApiVersion, Error, ErrorKind};

use crate::v3::headers_of;
use crate::{errors, to_py_err, utf8, wrong_type};

/// The core's reply as a `wechatpay_notify.HttpReply(status, content_type, body)`.
pub(crate) fn http_reply<'py>(py: Python<'py>, r: &HttpReply) -> PyResult<Bound<'py, PyAny>> {
    static HTTP_REPLY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    HTTP_REPLY
        .import(py, "wechatpay_notify._reply", "HttpReply")?
        .call1((r.status, r.content_type, r.body.as_str()))
}

/// The APIv3 success reply: status 204, no content type, an empty body (WeChat Pay also accepts
/// 200). Send it for every verified notification.
#[pyfunction]
pub(crate) fn reply_v3_success(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    http_reply(py, &reply::v3_success())
}

/// The v2 success reply as an `HttpReply`: 200, `text/xml`, the exact XML SUCCESS (`reply_success()`).
/// Send it for every verified notification, also a `result_code=FAIL` one.
#[pyfunction]
pub(crate) fn reply_v2_success(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    http_reply(py, &reply::v2_success())
}

/// The v2 failure reply for `error` as an `HttpReply`: 200 with the XML FAIL reply and the one
/// constant message (`REFUSAL_MESSAGE`) when the request was refused (WeChat Pay retries), 500 with
/// the same body for `invalid_config` / `internal` and any other `Exception` (your own failure:
/// retry later). `error` is taken as by `reply_v3_fail`.
#[pyfunction]
pub(crate) fn reply_v2_fail<'py>(
    py: Python<'py>,
    error: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = error_kind(error)?;
    http_reply(py, &reply::v2_fail(&Error::new(kind, kind.code())))
}

/// The APIv3 failure reply for `error`: 401 when the request was not proven authentic
/// (`signature_mismatch`, `unknown_serial`, `timestamp_out_of_window`, `merchant_mismatch`, ...),
/// 400 when it is malformed or uses an algorithm we do not support (`unsupported_algorithm`), 500
/// for `invalid_config` / `internal`, with content type `application/json` and the one constant
/// body `{"code":"FAIL","message":"rejected"}` for every error (`REFUSAL_MESSAGE`: the code stays
/// on the error for your logs; a reply naming it would let anyone probe which check failed).
/// WeChat Pay retries after a failure reply.
///
/// `error` is a `NotifyError` (its `.code`), an error code (`str`), or any other `Exception` (a
/// bug, a database failure), which gets the `internal` reply (500). Another type raises
/// `TypeError`; a `str` or a `NotifyError` whose code is not one of the library's raises
/// `InvalidArgumentError`.
#[pyfunction]
pub(crate) fn reply_v3_fail<'py>(
    py: Python<'py>,
    error: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = error_kind(error)?;
    http_reply(py, &reply::v3_fail(&Error::new(kind, kind.code())))
}

/// The error kind a failure reply is for: a `NotifyError`'s code, an error code, or `internal` for
/// any other `Exception`.
fn error_kind(error: &Bound<'_, PyAny>) -> PyResult<ErrorKind> {
    Ok(if error.is_instance_of::<errors::NotifyError>() {
        let code = error.getattr("code")?;
        let code = code
            .cast::<PyString>()
            .map_err(|_| wrong_type("NotifyError.code must be a str", &code))?;
        kind_of(code)?
    } else if let Ok(code) = error.cast::<PyString>() {
        kind_of(code)?
    } else if error.is_instance_of::<pyo3::exceptions::PyException>() {
        ErrorKind::Internal
    } else {
        return Err(wrong_type(
            "error must be a NotifyError, an error code (str) or an Exception",
            error,
        ));
    })
}

/// The error kind of an error code; any other text is `invalid_argument`.
fn kind_of(code: &Bound<'_, PyString>) -> PyResult<ErrorKind> {
    let text = utf8(
        code,
        ErrorKind::InvalidArgument,
        "the error code cannot be encoded as UTF-8 (lone surrogate)",
    )?;
    ErrorKind::from_code(&text).ok_or_else(|| {
        // Error::new escapes and shortens the echoed text.
        to_py_err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{text} is not an error code"),
        ))
    })
}

/// The API version of a request, as `Endpoint.handle` decides it: "v3" when it carries a
/// `Wechatpay-Signature` header, "v2" otherwise. Nothing is verified.
///
/// `headers`: the request headers, in the forms `Endpoint.handle` takes (a mapping or an iterable
/// of `(name, value)` pairs of `str`).
#[pyfunction]
pub(crate) fn request_version(headers: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    Ok(ApiVersion::of_request(&headers_of(headers)?).as_str())
}

/// The reply to a request when the application itself fails (its database, say), in the request's
/// version (see `request_version`): 500 with that version's constant refusal body, so that WeChat
/// Pay retries later. After `Endpoint.handle` verified a request, `EndpointResult.
/// internal_error_reply()` gives the same reply.
#[pyfunction]
pub(crate) fn internal_error_reply<'py>(
    py: Python<'py>,
    headers: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let version = ApiVersion::of_request(&headers_of(headers)?);
    http_reply(py, &version.internal_error_reply())
}
