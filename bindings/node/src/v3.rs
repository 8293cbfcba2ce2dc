//! APIv3 (JSON): `NativeV3Verifier`, whose results are `NativeNotification`s, and
//! `NativeTrustedKeys`, the sets of trusted keys a live verifier or endpoint swaps in.

use std::sync::Arc;

use napi::bindgen_prelude::Unknown;
use napi_derive::napi;
use wechatpay_notify::{self as core, Notification};

use crate::input::{self, HeadersArg, Pairs, body_limit, config_number, key_pairs, unix_time};
use crate::notification::NativeNotification;
use crate::secret::SecretString;
use crate::{NapiErrorExt, Result};

/// Options of `new NativeV3Verifier(options)` (the package's `V3Verifier` passes its options here).
#[napi(object, object_to_js = false)]
pub struct V3VerifierOptions<'env> {
    /// The APIv3 key: exactly 32 bytes (as UTF-8; wiped from Rust memory on drop).
    #[napi(ts_type = "string")]
    pub api_v3_key: SecretString,
    /// The WeChat Pay keys to trust, by id: a platform certificate (PEM X.509, id = its serial) or
    /// a WeChat Pay public key (PEM SPKI, id `PUB_KEY_ID_…`); both kinds at once during a migration.
    #[napi(ts_type = "Record<string, string> | Array<[id: string, pem: string]>")]
    pub platform_keys: Pairs<'env>,
    /// The allowed difference between now and `Wechatpay-Timestamp`, in seconds, either way
    /// (default 300).
    pub max_clock_skew: Option<f64>,
    /// Bodies longer than this many bytes are rejected before anything else (default 65536).
    pub max_body_bytes: Option<f64>,
    /// The merchant ids this verifier serves: after decryption the resource's `mchid` (or, for
    /// partner notifications, `sp_mchid`) must be one of them, else `merchant_mismatch`. An empty
    /// id is `invalid_config`. Absent or empty list: any merchant.
    pub mch_ids: Option<Vec<String>>,
}

/// Options of one verification.
#[napi(object, object_to_js = false)]
pub struct VerifyOptions {
    /// The time to verify at, in Unix seconds (default: the system clock).
    pub now: Option<f64>,
}

/// A set of trusted WeChat Pay keys, each parsed once; use the package's `TrustedKeys` class.
#[napi]
pub struct NativeTrustedKeys {
    inner: Arc<core::TrustedKeys>,
}

#[napi]
impl NativeTrustedKeys {
    /// A set from `id → PEM` (an object or `[id, pem]` pairs), as `V3Verifier` takes them.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        #[napi(ts_arg_type = "Record<string, string> | Array<[id: string, pem: string]>")]
        platform_keys: Pairs<'_>,
    ) -> Result<NativeTrustedKeys> {
        let keys = core::TrustedKeys::from_pems(key_pairs(platform_keys)?).napi()?;
        Ok(NativeTrustedKeys {
            inner: Arc::new(keys),
        })
    }

    /// Every key of a directory (`*.pem` files: certificates under their serial, public keys
    /// under their `PUB_KEY_ID_…` file name).
    #[napi(factory, catch_unwind)]
    pub fn from_dir(path: String) -> Result<NativeTrustedKeys> {
        Ok(NativeTrustedKeys {
            inner: Arc::new(core::TrustedKeys::load_dir(path).napi()?),
        })
    }

    /// The key ids, in order (certificates by their uppercase hex serial).
    #[napi(catch_unwind)]
    pub fn ids(&self) -> Vec<String> {
        self.inner.ids().map(str::to_owned).collect()
    }

    /// True when a key of this id (as `Wechatpay-Serial` would name it) is in the set.
    #[napi(catch_unwind)]
    pub fn trusts(&self, id: String) -> bool {
        self.inner.trusts(&id)
    }
}

impl NativeTrustedKeys {
    pub(crate) fn shared(&self) -> Arc<core::TrustedKeys> {
        Arc::clone(&self.inner)
    }

    pub(crate) fn from_core(inner: Arc<core::TrustedKeys>) -> NativeTrustedKeys {
        NativeTrustedKeys { inner }
    }
}

/// Builds a core APIv3 verifier from its options (`invalid_config` when they are unusable).
pub fn v3_verifier(options: V3VerifierOptions<'_>) -> Result<core::V3Verifier> {
    v3_verifier_with(options, None)
}

/// [`v3_verifier`], trusting `keys` (a `TrustedKeys` given as `platformKeys`) when given.
fn v3_verifier_with(
    options: V3VerifierOptions<'_>,
    keys: Option<Arc<core::TrustedKeys>>,
) -> Result<core::V3Verifier> {
    let mut inner = core::V3Verifier::new(options.api_v3_key.as_bytes()).napi()?;
    for (id, pem) in key_pairs(options.platform_keys)? {
        inner.add_trusted_key(&id, &pem).napi()?;
    }
    if let Some(keys) = keys {
        inner.replace_trusted_keys(keys).napi()?;
    }
    if let Some(skew) = options.max_clock_skew {
        inner = inner.max_clock_skew(config_number(skew, "maxClockSkew").napi()?);
    }
    if let Some(limit) = options.max_body_bytes {
        inner = inner.max_body_bytes(body_limit(limit, "maxBodyBytes").napi()?);
    }
    for mch_id in options.mch_ids.unwrap_or_default() {
        inner = inner.expect_mch_id(mch_id).napi()?;
    }
    inner.check_has_trusted_key().napi()?;
    Ok(inner)
}

/// The time of a verification: `options.now` or the clock.
pub fn now(options: Option<VerifyOptions>) -> Result<u64> {
    unix_time(options.and_then(|o| o.now)).napi()
}

/// The native APIv3 verifier; use the package's `V3Verifier` class instead.
#[napi]
pub struct NativeV3Verifier {
    inner: core::V3Verifier,
}

#[napi]
impl NativeV3Verifier {
    /// Builds a verifier from its options (`invalid_config` when they are unusable).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: V3VerifierOptions<'_>) -> Result<NativeV3Verifier> {
        Ok(NativeV3Verifier {
            inner: v3_verifier(options)?,
        })
    }

    /// Builds a verifier trusting `keys` (the options' `platformKeys` must then be empty).
    #[napi(factory, catch_unwind, strict)]
    pub fn with_trusted_keys(
        options: V3VerifierOptions<'_>,
        keys: &NativeTrustedKeys,
    ) -> Result<NativeV3Verifier> {
        Ok(NativeV3Verifier {
            inner: v3_verifier_with(options, Some(keys.shared()))?,
        })
    }

    /// Verifies a notification: the request headers, the raw body, and `now` (Unix seconds).
    #[napi(catch_unwind, strict)]
    pub fn verify(
        &self,
        #[napi(
            ts_arg_type = "Record<string, string | string[] | undefined> | Array<[name: string, value: string]>"
        )]
        headers: HeadersArg<'_>,
        #[napi(ts_arg_type = "Uint8Array | string")] body: Unknown<'_>,
        options: Option<VerifyOptions>,
    ) -> Result<NativeNotification> {
        let headers = input::headers(headers)?;
        let now = now(options)?;
        let body = input::body_copy(body)?;
        let n = self.inner.verify(&headers, &body, now).napi()?;
        Ok(NativeNotification::new(Notification::V3(n)))
    }

    /// True when a key of this id (as `Wechatpay-Serial` would name it) is trusted.
    #[napi(catch_unwind)]
    pub fn trusts(&self, id: String) -> bool {
        self.inner.trusts(&id)
    }

    /// The trusted key ids, as configured (certificates by their uppercase hex serial), of the
    /// set in use now.
    #[napi(catch_unwind)]
    pub fn trusted_key_ids(&self) -> Vec<String> {
        self.inner.trusted_ids()
    }

    /// The set of trusted keys in use now.
    #[napi(catch_unwind)]
    pub fn trusted_keys(&self) -> NativeTrustedKeys {
        NativeTrustedKeys::from_core(self.inner.trusted_keys())
    }

    /// Swaps in a new set of trusted keys atomically (`invalid_config` for an empty set; the
    /// verifier then keeps its keys).
    #[napi(catch_unwind, strict)]
    pub fn replace_trusted_keys(&self, keys: &NativeTrustedKeys) -> Result<()> {
        self.inner.replace_trusted_keys(keys.shared()).napi()
    }

    /// The merchant ids the verifier serves (`mchIds`), in order; empty: any merchant.
    #[napi(catch_unwind)]
    pub fn expected_mch_ids(&self) -> Vec<String> {
        self.inner.expected_mch_ids().to_vec()
    }
}
