//! v2 (XML): `NativeVerifier`, whose results are verified notifications kept in Rust
//! ([`crate::notification`]).

use napi::bindgen_prelude::Either;
use napi_derive::napi;
use wechatpay_notify::{self as core, Notification, SignType};

use crate::input::{body_bytes, body_limit};
use crate::notification::NativeNotification;
use crate::secret::SecretString;
use crate::{NapiErrorExt, Result};

/// Options of `new NativeVerifier(options)` (the package's `Verifier` passes its options here).
#[napi(object, object_to_js = false)]
pub struct VerifierOptions {
    /// The v2 API key: 32 printable ASCII characters (wiped from Rust memory on drop).
    #[napi(ts_type = "string")]
    pub api_key: SecretString,
    /// `"MD5"` or `"HMAC-SHA256"`: the only algorithm accepted unless `alsoAccept` says otherwise.
    pub sign_type: String,
    /// When set, `appid` must equal it (else `merchant_mismatch`).
    pub appid: Option<String>,
    /// When set, `mch_id` must equal it (else `merchant_mismatch`).
    pub mch_id: Option<String>,
    /// Further algorithms to accept (explicit opt-in, for migrations).
    pub also_accept: Option<Vec<String>>,
    /// Bodies longer than this many bytes are rejected before parsing (default 65536).
    pub max_body_bytes: Option<f64>,
}

/// Builds a core verifier from its options (`invalid_config` when they are unusable).
pub fn verifier(options: VerifierOptions) -> Result<core::Verifier> {
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
        inner = inner.max_body_bytes(body_limit(limit, "maxBodyBytes").napi()?);
    }
    Ok(inner)
}

/// The native v2 verifier; use the package's `Verifier` class instead.
#[napi]
pub struct NativeVerifier {
    inner: core::Verifier,
}

#[napi]
impl NativeVerifier {
    /// Builds a verifier from its options (`invalid_config` when they are unusable).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: VerifierOptions) -> Result<NativeVerifier> {
        Ok(NativeVerifier {
            inner: verifier(options)?,
        })
    }

    /// Verifies a payment result notification (a `Buffer`/`Uint8Array` used byte for byte, or a
    /// string sent as UTF-8).
    #[napi(catch_unwind)]
    pub fn verify_payment(&self, body: Either<&[u8], String>) -> Result<NativeNotification> {
        let n = self.inner.verify_payment(body_bytes(&body)).napi()?;
        Ok(NativeNotification::new(Notification::V2Payment(n)))
    }

    /// Decrypts and checks a refund result notification. `req_info` is AES-256-ECB without
    /// integrity: blocks of two genuine refund notifications of the same merchant can be cut and
    /// pasted into a third that passes every check. Treat a refund notification as a hint: confirm
    /// it with the refund query API before any irreversible action.
    #[napi(catch_unwind)]
    pub fn decrypt_refund(&self, body: Either<&[u8], String>) -> Result<NativeNotification> {
        let n = self.inner.decrypt_refund(body_bytes(&body)).napi()?;
        Ok(NativeNotification::new(Notification::V2Refund(n)))
    }
}
