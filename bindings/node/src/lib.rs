//! Node.js addon for `wechatpay-notify` (napi-rs).
//!
//! This crate only converts: JS inputs into core calls, core results into a compact transport
//! (one UTF-16 string, see [`wire`]), and core errors into JS
//! errors whose `code` is the SPEC §3 string. Every protocol rule lives in `wechatpay-notify`.
//! The package's `main` (`notify.js`) turns the transport into plain objects and re-throws
//! errors as `NotifyError`.

use napi::bindgen_prelude::Either;
use napi::{Env, JsString};
use napi_derive::napi;
use wechatpay_notify::{self as core, SignType};

pub mod wire;

/// The JS `Error.code` of a thrown error: a SPEC §3 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Results of exported functions: errors carry a SPEC §3 code.
pub type Result<T> = napi::Result<T, Code>;

/// Maps core errors (and binding-level argument errors) to JS errors, in one place.
pub trait NapiErrorExt<T> {
    /// Converts the error into a napi error whose JS `code` is the SPEC §3 string.
    fn napi(self) -> Result<T>;
}

impl<T> NapiErrorExt<T> for std::result::Result<T, core::Error> {
    fn napi(self) -> Result<T> {
        self.map_err(|e| napi::Error::new(Code(e.code()), e.message()))
    }
}

fn invalid(kind: core::ErrorKind, message: impl Into<String>) -> napi::Error<Code> {
    napi::Error::new(Code(kind.code()), message.into())
}

/// Options of `new NativeVerifier(options)` (the JS `Verifier` forwards its options here).
#[napi(object)]
pub struct VerifierOptions {
    /// The v2 API key: 32 printable ASCII characters.
    pub api_key: String,
    /// `"MD5"` or `"HMAC-SHA256"`: the only algorithm accepted unless `alsoAccept` says otherwise.
    pub sign_type: String,
    /// When set, `appid` must equal it (else `merchant_mismatch`).
    pub appid: Option<String>,
    /// When set, `mch_id` must equal it (else `merchant_mismatch`).
    pub mch_id: Option<String>,
    /// Further algorithms to accept (explicit opt-in, for migrations).
    pub also_accept: Option<Vec<String>>,
    /// Bodies longer than this are rejected before parsing (default 65536).
    pub max_body_bytes: Option<f64>,
}

/// Converts a JS number into a byte limit (a non-negative integer).
pub fn body_limit(value: f64) -> std::result::Result<usize, core::Error> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0
    {
        // Exact: a non-negative integer no larger than 2^53 - 1.
        Ok(value as usize)
    } else {
        Err(core::Error::new(
            core::ErrorKind::InvalidConfig,
            "maxBodyBytes must be a non-negative integer",
        ))
    }
}

/// The raw POST body: a `Buffer`/`Uint8Array` (used byte for byte) or a string (its UTF-8 bytes).
fn body_bytes<'a>(body: &'a Either<&'a [u8], String>) -> &'a [u8] {
    match body {
        Either::A(bytes) => bytes,
        Either::B(text) => text.as_bytes(),
    }
}

/// The native verifier; use the `Verifier` class of the package instead.
#[napi]
pub struct NativeVerifier {
    inner: core::Verifier,
}

#[napi]
impl NativeVerifier {
    /// Builds a verifier from its options (`invalid_config` when they are unusable).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: VerifierOptions) -> Result<NativeVerifier> {
        let sign_type = SignType::parse(&options.sign_type).napi()?;
        let mut inner = core::Verifier::new(options.api_key.as_bytes(), sign_type).napi()?;
        if let Some(appid) = options.appid {
            inner = inner.expect_appid(appid);
        }
        if let Some(mch_id) = options.mch_id {
            inner = inner.expect_mch_id(mch_id);
        }
        for name in options.also_accept.unwrap_or_default() {
            inner = inner.also_accept(SignType::parse(&name).napi()?);
        }
        if let Some(limit) = options.max_body_bytes {
            inner = inner.max_body_bytes(body_limit(limit).napi()?);
        }
        Ok(NativeVerifier { inner })
    }

    /// Verifies a payment notification (a `Buffer`/`Uint8Array` used byte for byte, or a string
    /// sent as UTF-8); returns its transport (see `wire`).
    #[napi(catch_unwind)]
    pub fn verify_payment<'env>(
        &self,
        env: &'env Env,
        body: Either<&[u8], String>,
    ) -> Result<JsString<'env>> {
        let n = self.inner.verify_payment(body_bytes(&body)).napi()?;
        finish(env, wire::payment(&n))
    }

    /// Decrypts and checks a refund notification; returns its transport (see `wire`).
    #[napi(catch_unwind)]
    pub fn decrypt_refund<'env>(
        &self,
        env: &'env Env,
        body: Either<&[u8], String>,
    ) -> Result<JsString<'env>> {
        let n = self.inner.decrypt_refund(body_bytes(&body)).napi()?;
        finish(env, wire::refund(&n))
    }
}

/// Turns an encoded result into its JS string (see [`wire`]).
fn finish(env: &Env, encoded: wire::Encoded) -> Result<JsString<'_>> {
    env.create_string_utf16(encoded.units)
        .map_err(|e| invalid(core::ErrorKind::Internal, e.reason.clone()))
}

/// Signs `pairs` (`[name, value]` in any order) the way WeChat Pay does; uppercase hex.
#[napi(catch_unwind)]
pub fn native_sign(
    pairs: Vec<(String, String)>,
    api_key: String,
    sign_type: String,
) -> Result<String> {
    let sign_type = SignType::parse(&sign_type).napi()?;
    core::sign(pairs, &api_key, sign_type).napi()
}

/// The exact SUCCESS reply WeChat Pay expects.
#[napi(catch_unwind)]
pub fn reply_success() -> String {
    core::reply::success().to_owned()
}

/// A FAIL reply carrying `msg` (WeChat Pay will retry).
#[napi(catch_unwind)]
pub fn reply_fail(msg: String) -> String {
    core::reply::fail(&msg)
}

/// The field names the transport sends by index (see `wire::KNOWN_NAMES`).
#[napi(catch_unwind)]
pub fn native_known_names() -> Vec<String> {
    wire::KNOWN_NAMES.iter().map(|s| (*s).to_owned()).collect()
}

/// The version of the Rust crates behind this addon.
#[napi(catch_unwind)]
pub fn native_version() -> String {
    core::VERSION.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_limits() {
        assert_eq!(body_limit(0.0).unwrap(), 0);
        assert_eq!(body_limit(65_536.0).unwrap(), 65_536);
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(body_limit(bad).unwrap_err().code(), "invalid_config");
        }
    }

    #[test]
    fn core_errors_keep_their_code() {
        let err = core::sign([("a", "1")], "short", SignType::Md5)
            .napi()
            .unwrap_err();
        assert_eq!(err.status, Code("invalid_config"));
        assert!(!err.reason.contains("short"));
    }
}
