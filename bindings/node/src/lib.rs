//! Node.js addon for `wechatpay-notify` (napi-rs).
//!
//! This crate only converts: JS arguments into core calls (napi-rs's own conversions are the type
//! checks, [`input`]), core results into a `NativeNotification` (a `#[napi]` class instance) that
//! keeps the core's result and converts each value when it is asked for ([`notification`]: typed
//! views from the core's declaration; [`object`]: `fields` as one plain object, exact amounts), and
//! core errors into JS errors whose `code` is the stable error code ([`NapiErrorExt`]). Every protocol
//! rule lives in `wechatpay-notify`. The package's `main` (`notify.js`) wraps each one in its
//! result class
//! (lazy, cached getters, `toJSON`, `util.inspect`), re-throws coded errors as
//! `NotifyError` and failed argument conversions as `TypeError`, and adds the views plain JS makes
//! best: `fieldList` (`Object.entries(fields)`) and the APIv3 `resource` (`JSON.parse(plaintext)`).

mod endpoint;
mod input;
mod notification;
mod object;
mod secret;
mod v2;
mod v3;

use napi::bindgen_prelude::Either;
use napi_derive::napi;
use wechatpay_notify::{self as core, ApiVersion, SignType, reply};

use crate::input::HeadersArg;
use crate::secret::SecretString;

pub use endpoint::NativeEndpoint;
pub use notification::{NativeNotification, setting_names, typed_view_names};
pub use v2::NativeVerifier;
pub use v3::{NativeTrustedKeys, NativeV3Verifier};

/// The JS `Error.code` of a thrown error: a stable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Results of exported functions: errors carry a stable error code.
pub type Result<T> = napi::Result<T, Code>;

/// Maps errors to JS errors, in one place: core errors keep their error code; a Node-API failure
/// while building a result (which only happens when the engine itself fails, e.g. out of memory)
/// is `internal`.
pub trait NapiErrorExt<T> {
    /// Converts the error into a napi error whose JS `code` is a stable string.
    fn napi(self) -> Result<T>;
}

impl<T> NapiErrorExt<T> for std::result::Result<T, core::Error> {
    fn napi(self) -> Result<T> {
        self.map_err(|e| napi::Error::new(Code(e.code()), e.message()))
    }
}

impl<T> NapiErrorExt<T> for napi::Result<T> {
    fn napi(self) -> Result<T> {
        self.map_err(|e| napi::Error::new(Code(core::ErrorKind::Internal.code()), e.reason.clone()))
    }
}

/// Maps a failed conversion of a JS argument (napi-rs's own checks) to a type error.
pub trait ArgExt<T> {
    /// Converts the error into a napi error that the package raises as a `TypeError`.
    fn arg(self, what: &str) -> Result<T>;
}

impl<T> ArgExt<T> for napi::Result<T> {
    fn arg(self, what: &str) -> Result<T> {
        self.map_err(|e| type_error(format!("{what}: {}", e.reason)))
    }
}

/// A wrong argument type found after napi-rs's conversion: raised with napi-rs's own status for
/// failed conversions (`InvalidArg`), so the package turns both into a `TypeError`.
pub fn type_error(message: String) -> napi::Error<Code> {
    napi::Error::new(Code(napi::Status::InvalidArg.as_ref()), message)
}

/// An HTTP reply: status, content type (`null` when there is no body) and body.
#[napi(object, object_from_js = false, use_nullable = true)]
#[derive(Debug)]
pub struct HttpReply {
    /// The HTTP status code.
    pub status: u32,
    /// The `Content-Type` header, when there is a body.
    pub content_type: Option<&'static str>,
    /// The body, exactly.
    pub body: String,
}

impl From<reply::HttpReply> for HttpReply {
    fn from(r: reply::HttpReply) -> HttpReply {
        HttpReply {
            status: r.status.into(),
            content_type: r.content_type,
            body: r.body,
        }
    }
}

/// Signs fields (`[name, value]` pairs, or an object of names to values) the way WeChat Pay does;
/// uppercase hex.
#[napi(catch_unwind)]
pub fn native_sign(
    #[napi(ts_arg_type = "Array<[string, string]> | Record<string, string>")] fields: input::Pairs<
        '_,
    >,
    #[napi(ts_arg_type = "string")] api_key: SecretString,
    sign_type: String,
) -> Result<String> {
    let sign_type = SignType::parse(&sign_type).napi()?;
    match fields {
        Either::A(pairs) => {
            let pairs = input::pair_list(pairs, "fields")?;
            core::sign(pairs, api_key.as_bytes(), sign_type)
        }
        Either::B(object) => core::sign(
            input::string_pairs(&object, "fields")?,
            api_key.as_bytes(),
            sign_type,
        ),
    }
    .napi()
}

/// The exact SUCCESS reply WeChat Pay expects.
#[napi(catch_unwind)]
pub fn reply_success() -> &'static str {
    reply::success()
}

/// A FAIL reply carrying `msg` (WeChat Pay will retry).
#[napi(catch_unwind)]
pub fn reply_fail(msg: String) -> String {
    reply::fail(&msg)
}

/// The v2 refusal reply: FAIL with the one constant message of every refusal (`rejected`), never
/// the error code.
#[napi(catch_unwind)]
pub fn reply_refusal() -> &'static str {
    reply::REFUSAL
}

/// The v2 success reply over HTTP: 200, `text/xml`, the exact XML SUCCESS.
#[napi(catch_unwind)]
pub fn reply_v2_success() -> HttpReply {
    reply::v2_success().into()
}

/// The v2 failure reply over HTTP for an error code: 200 with the XML FAIL and the one constant
/// message when the request was refused (WeChat Pay retries), 500 with the same body for
/// `invalid_config` / `internal` (the application's own failure). An unknown code is
/// `invalid_argument`.
#[napi(catch_unwind)]
pub fn reply_v2_fail(code: String) -> Result<HttpReply> {
    let kind = error_kind(&code).napi()?;
    Ok(reply::v2_fail(&core::Error::new(kind, kind.code())).into())
}

/// The error kind of a code; any other text is `invalid_argument`.
fn error_kind(code: &str) -> std::result::Result<core::ErrorKind, core::Error> {
    core::ErrorKind::from_code(code).ok_or_else(|| {
        // Error::new escapes and shortens the echoed text.
        core::Error::new(
            core::ErrorKind::InvalidArgument,
            format!("{code} is not an error code"),
        )
    })
}

/// The APIv3 success reply: 204, no body (WeChat Pay also accepts 200).
#[napi(catch_unwind)]
pub fn reply_v3_success() -> HttpReply {
    reply::v3_success().into()
}

/// The APIv3 failure reply for an error code: 401 when the request is not authentic, 400 when it is
/// malformed or uses an unsupported algorithm, 500 for `invalid_config` / `internal`; the body is
/// the one constant refusal `{"code":"FAIL","message":"rejected"}` whatever the code.
/// An unknown code is `invalid_argument`.
#[napi(catch_unwind)]
pub fn reply_v3_fail(code: String) -> Result<HttpReply> {
    let kind = error_kind(&code).napi()?;
    Ok(reply::v3_fail(&core::Error::new(kind, kind.code())).into())
}

/// The API version of a request, as `Endpoint#handle` decides it (`"v3"` when it carries a
/// `Wechatpay-Signature` header, else `"v2"`); nothing is verified.
#[napi(catch_unwind, strict, ts_return_type = "'v2' | 'v3'")]
pub fn api_version_of(
    #[napi(
        ts_arg_type = "Record<string, string | string[] | undefined> | Array<[name: string, value: string]>"
    )]
    headers: HeadersArg<'_>,
) -> Result<&'static str> {
    Ok(ApiVersion::of_request(&input::headers(headers)?).as_str())
}

/// The reply when the application fails after verification (or before it could verify): 500 with
/// the constant refusal of the request's version, so that WeChat Pay retries.
#[napi(catch_unwind, strict)]
pub fn internal_error_reply(
    #[napi(
        ts_arg_type = "Record<string, string | string[] | undefined> | Array<[name: string, value: string]>"
    )]
    headers: HeadersArg<'_>,
) -> Result<HttpReply> {
    Ok(ApiVersion::of_request(&input::headers(headers)?)
        .internal_error_reply()
        .into())
}

/// Every error code, in the core's order.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<&'static str> {
    core::ErrorKind::ALL.iter().map(|k| k.code()).collect()
}

/// The version of the Rust crates behind this addon.
#[napi(catch_unwind)]
pub fn native_version() -> &'static str {
    core::VERSION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_code() {
        let err = core::sign([("a", "1")], b"short".as_slice(), SignType::Md5)
            .napi()
            .unwrap_err();
        assert_eq!(err.status, Code("invalid_config"));
        assert!(!err.reason.contains("short"));
    }

    #[test]
    fn v3_fail_replies_by_code() {
        let r = reply_v3_fail("signature_mismatch".into()).unwrap();
        assert_eq!((r.status, r.content_type), (401, Some("application/json")));
        assert_eq!(r.body, r#"{"code":"FAIL","message":"rejected"}"#);
        assert_eq!(reply_v3_fail("internal".into()).unwrap().status, 500);
        assert_eq!(
            reply_v3_fail("unsupported_algorithm".into())
                .unwrap()
                .status,
            400
        );
        assert_eq!(reply_refusal(), reply::fail("rejected"));
        let err = reply_v3_fail("nope\n".into()).unwrap_err();
        assert_eq!(err.status, Code("invalid_argument"));
        assert!(!err.reason.contains('\n'));
    }
}
