//! One notify endpoint for many merchants and both API versions: `NativeEndpoint`.

use napi::Env;
use napi::bindgen_prelude::{Either, Object, Unknown};
use napi_derive::napi;
use wechatpay_notify::{self as core, MerchantProfile, Rejection};

use crate::input::{self, HeadersArg};
use crate::notification::NativeNotification;
use crate::object::PlainObject;
use crate::v2::{VerifierOptions, verifier};
use crate::v3::{NativeTrustedKeys, V3VerifierOptions, VerifyOptions, now, v3_verifier};
use crate::{HttpReply, NapiErrorExt, Result};

/// One merchant account of an endpoint: a label of your choice, its merchant id, and its v2 part
/// (whose merchant id is required, here or in the part: v2 notifications are routed by it), its v3
/// part, or both.
#[napi(object, object_to_js = false)]
pub struct ProfileOptions<'env> {
    /// The name the results carry (`label`), e.g. your shop id.
    pub label: String,
    /// The merchant id, binding both versions: v2 notifications must carry it as `mch_id` (the v2
    /// part's own `mchId`, when set, must agree), APIv3 resources as `mchid` (or `sp_mchid`, or a transfer's `mch_id`)
    /// unless the v3 part names its own `mchIds`.
    pub mch_id: Option<String>,
    /// The v2 part: the merchant's `Verifier` options (`mchId` required unless the profile has one).
    pub v2: Option<VerifierOptions>,
    /// The APIv3 part: the merchant's `V3Verifier` options.
    pub v3: Option<V3VerifierOptions<'env>>,
}

/// Options of `new NativeEndpoint(options)`.
#[napi(object, object_to_js = false)]
pub struct EndpointOptions<'env> {
    /// The merchants served (at least one; no two with the same label, v2 `mchId`, v2 API key or v3
    /// key id).
    pub profiles: Vec<ProfileOptions<'env>>,
}

fn profile(options: ProfileOptions<'_>) -> Result<MerchantProfile> {
    let mut profile = MerchantProfile::new(options.label);
    if let Some(mch_id) = options.mch_id {
        profile = profile.mch_id(mch_id);
    }
    if let Some(v2) = options.v2 {
        profile = profile.v2(verifier(v2)?).napi()?;
    }
    if let Some(v3) = options.v3 {
        profile = profile.v3(v3_verifier(v3)?);
    }
    Ok(profile)
}

/// A refused request as a plain object: the error's `code` and `message`, the `version` and
/// `label` when they were decided, and the failure `reply` (the package throws it as a
/// `NotifyError`).
fn rejection_object<'env>(env: &'env Env, rejection: &Rejection) -> napi::Result<Object<'env>> {
    let mut object = PlainObject::new(env, 5);
    object.set("code", rejection.error().code())?;
    object.set("message", rejection.error().message())?;
    object.set("version", rejection.version().map(|v| v.as_str()))?;
    object.set("label", rejection.label())?;
    object.set("reply", HttpReply::from(rejection.reply()))?;
    object.build()
}

/// The native endpoint; use the package's `Endpoint` class instead.
#[napi]
pub struct NativeEndpoint {
    inner: core::Endpoint,
}

#[napi]
impl NativeEndpoint {
    /// Builds an endpoint from its merchant profiles (`invalid_config` when they are unusable or
    /// could not be told apart).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: EndpointOptions<'_>) -> Result<NativeEndpoint> {
        // A new buffer of the final size: `collect` would build the profiles in the options' buffer
        // and shrink it, leaving a byte copy of each (an APIv3 key is held inline) where it was.
        let mut profiles = Vec::with_capacity(options.profiles.len());
        for options in options.profiles {
            profiles.push(profile(options)?);
        }
        Ok(NativeEndpoint {
            inner: core::Endpoint::new(profiles).napi()?,
        })
    }

    /// Swaps the trusted APIv3 keys of the merchant labelled `label` and its routes, in one step
    /// (`invalid_config`, the endpoint unchanged, for no such v3 profile, an empty set or a key id
    /// another profile trusts).
    #[napi(catch_unwind, strict)]
    pub fn replace_trusted_keys(&self, label: String, keys: &NativeTrustedKeys) -> Result<()> {
        self.inner
            .replace_trusted_keys(&label, keys.shared())
            .napi()
    }

    /// The trusted APIv3 keys in use now by the merchant labelled `label` (`null`: no such v3
    /// profile).
    #[napi(catch_unwind)]
    pub fn trusted_keys(&self, label: String) -> Option<NativeTrustedKeys> {
        self.inner
            .trusted_keys(&label)
            .map(NativeTrustedKeys::from_core)
    }

    /// Decides the version and the merchant of a request and verifies it with that merchant's
    /// verifier. Returns the handled request (a `NativeNotification` holding the label and the
    /// replies too), or the rejection (a plain object with `code`); throws only for wrong argument
    /// types.
    #[napi(
        catch_unwind,
        strict,
        ts_return_type = "NativeNotification | { code: string, message: string, version: 'v2' | 'v3' | null, label: string | null, reply: HttpReply }"
    )]
    pub fn handle<'env>(
        &self,
        env: &'env Env,
        #[napi(
            ts_arg_type = "Record<string, string | string[] | undefined> | Array<[name: string, value: string]>"
        )]
        headers: HeadersArg<'_>,
        #[napi(ts_arg_type = "Uint8Array | string")] body: Unknown<'_>,
        options: Option<VerifyOptions>,
    ) -> Result<Either<NativeNotification, Object<'env>>> {
        let headers = input::headers(headers)?;
        let now = now(options)?;
        let body = input::body_copy(body)?;
        Ok(match self.inner.handle(&headers, &body, now) {
            Ok(handled) => Either::A(NativeNotification::handled(handled)),
            Err(rejection) => Either::B(rejection_object(env, &rejection).napi()?),
        })
    }

    /// Reads an endpoint profiles file (the core's loader and rules: `invalid_config` for anything
    /// it refuses, with a message naming the profile, the setting or the file, never a key).
    #[napi(factory, catch_unwind)]
    pub fn from_profiles_file(path: String) -> Result<NativeEndpoint> {
        Ok(NativeEndpoint {
            inner: core::Endpoint::from_profiles_file(path).napi()?,
        })
    }

    /// The profiles' labels, in order.
    #[napi(catch_unwind)]
    pub fn labels(&self) -> Vec<String> {
        self.inner.labels().map(str::to_owned).collect()
    }
}
