//! One notify endpoint for many merchants and both API versions: `struct
//! wechatpay_endpoint_builder`, `struct wechatpay_endpoint`, `struct wechatpay_endpoint_result`,
//! and the endpoint's side of a refusal read from the `struct wechatpay_error` it returned.

use std::ffi::c_char;
use std::sync::OnceLock;

use notify::view::{Property, Snapshot, Value};
use notify::{ApiVersion, Endpoint, Error, ErrorKind, MerchantProfile, Notification};
use notify::{RefundNotification, V3Notification, V3Verifier, Verifier};

use crate::builder::{self, Building};
use crate::error::{self, wechatpay_error};
use crate::notification::{Payment, wechatpay_payment, wechatpay_refund};
use crate::trusted_keys::wechatpay_trusted_keys;
use crate::util::{Castable, FfiDefault, free, put_str, to_raw, wechatpay_field, wechatpay_str};
use crate::v3_notification::{CReply, wechatpay_http_reply, wechatpay_v3_notification};
use crate::v3_verifier::wechatpay_v3_verifier;
use crate::verifier::wechatpay_verifier;
use crate::view::{self, View, wechatpay_property};

/// The API version of a request, as an endpoint decided it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wechatpay_api_version {
    /// Not decided: a request neither version could read, or an error that did not come from an
    /// endpoint's decision.
    None = 0,
    /// v2 (XML).
    V2 = 2,
    /// APIv3 (JSON).
    V3 = 3,
}

impl wechatpay_api_version {
    fn of(version: Option<ApiVersion>) -> wechatpay_api_version {
        match version {
            Some(ApiVersion::V2) => wechatpay_api_version::V2,
            Some(ApiVersion::V3) => wechatpay_api_version::V3,
            None => wechatpay_api_version::None,
        }
    }
}

impl FfiDefault for wechatpay_api_version {
    fn from_error(_: Error) -> Self {
        wechatpay_api_version::None
    }
}

impl FfiDefault for *const wechatpay_payment {
    fn from_error(_: Error) -> Self {
        std::ptr::null()
    }
}

impl FfiDefault for *const wechatpay_refund {
    fn from_error(_: Error) -> Self {
        std::ptr::null()
    }
}

impl FfiDefault for *const wechatpay_v3_notification {
    fn from_error(_: Error) -> Self {
        std::ptr::null()
    }
}

/// Collects the merchant profiles of an endpoint: made by `wechatpay_endpoint_builder_new`, given
/// profiles with `wechatpay_endpoint_builder_add_profile`, turned into an endpoint by
/// `wechatpay_endpoint_builder_build` (which may be called more than once), released with
/// `wechatpay_endpoint_builder_free`. A refused profile leaves the builder as it was. Not
/// thread-safe: use a builder from one thread at a time.
pub struct wechatpay_endpoint_builder {
    _private: [u8; 0],
}

impl Castable for wechatpay_endpoint_builder {
    type Rust = Building<Vec<MerchantProfile>>;
}

/// One notify_url serving several merchants, v2 and v3: for each request it decides the API
/// version and the merchant, then runs that merchant's own verifier unchanged.
///
/// Thread-safe: one endpoint may be used from any number of threads at once (it must not be freed
/// while a call is running). Its configuration is fixed, except each merchant's trusted APIv3
/// keys, which `wechatpay_endpoint_replace_trusted_keys` swaps atomically while other threads
/// handle requests.
pub struct wechatpay_endpoint {
    _private: [u8; 0],
}

impl Castable for wechatpay_endpoint {
    type Rust = Endpoint;
}

// The thread-safety promise above rests on the core type.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Endpoint>();
};

/// A verified notification and the merchant it is for, made by `wechatpay_endpoint_handle` and
/// released with `wechatpay_endpoint_result_free`. Immutable: its getters may be called from any
/// thread. Every `struct wechatpay_str`, `struct wechatpay_http_reply` and notification handle
/// they give borrows from the result and stays valid until `wechatpay_endpoint_result_free(result)`.
pub struct wechatpay_endpoint_result {
    _private: [u8; 0],
}

impl Castable for wechatpay_endpoint_result {
    type Rust = Handled;
}

/// The notification in the form of the existing handles, so their getters read it.
enum Verified {
    Payment(Payment),
    Refund(RefundNotification),
    V3(V3Notification),
}

/// The core's `Handled`, with what its accessors compute kept beside the notification (the
/// payment handle needs its coupons listed up front).
pub(crate) struct Handled {
    label: String,
    kind: &'static str,
    version: ApiVersion,
    /// The core's rules over the notification (`Notification::PROPERTIES`: `is_success`,
    /// `dedupe_key`), read when the result is made: the notification becomes the handle below.
    rules: Snapshot,
    reply: CReply,
    notification: Verified,
}

impl Handled {
    fn new(handled: notify::Handled) -> Handled {
        let label = handled.label().to_owned();
        let reply = CReply::new(handled.reply());
        let notification = handled.into_notification();
        let kind = notification.kind();
        let version = notification.version();
        let rules = Snapshot::of(Notification::PROPERTIES, |name| notification.property(name));
        // Exhaustive: a kind the core adds fails this crate's build.
        let notification = match notification {
            Notification::V2Payment(n) => Verified::Payment(Payment::new(n)),
            Notification::V2Refund(n) => Verified::Refund(n),
            Notification::V3(n) => Verified::V3(n),
        };
        Handled {
            label,
            kind,
            version,
            rules,
            reply,
            notification,
        }
    }
}

/// A configuration string (a label): UTF-8, else `invalid_config`.
fn config_text<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the {what} is not valid UTF-8"),
        )
    })
}

/// Borrows an optional handle: NULL means "none"; a misaligned pointer is `invalid_argument`.
fn optional<'a, C: Castable>(ptr: *const C, name: &str) -> Result<Option<&'a C::Rust>, Error> {
    if ptr.is_null() {
        Ok(None)
    } else {
        crate::util::borrow(ptr, name).map(Some)
    }
}

/// Starts an endpoint configuration with no profile. On success writes a new builder to
/// `*builder_out` and returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_builder_new(
    builder_out: *mut *mut wechatpay_endpoint_builder,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let out = try_out!(builder_out);
        out.set(to_raw::<wechatpay_endpoint_builder>(Building::new(Vec::new())));
        std::ptr::null_mut()
    }
}

/// Adds a merchant profile: `label` (`label_len` bytes of UTF-8, else `invalid_config`), chosen by
/// you and given back with each of its notifications; `v2`, the merchant's v2 verifier, or NULL;
/// `v3`, its APIv3 verifier, or NULL. The builder keeps its own copies of the verifiers (free
/// yours whenever you like). `wechatpay_endpoint_builder_add_profile_with_mch_id` also names the
/// merchant id, binding both versions.
///
/// A v2 verifier must expect an `mch_id` (`wechatpay_verifier_builder_expect_mch_id`): v2
/// notifications find their merchant by it (`invalid_config` otherwise; the builder is then
/// unchanged). The rules between profiles are checked by `wechatpay_endpoint_builder_build`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_builder_add_profile(
    builder: *mut wechatpay_endpoint_builder,
    label: *const c_char,
    label_len: usize,
    v2: *const wechatpay_verifier,
    v3: *const wechatpay_v3_verifier,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let label = try_ffi!(config_text(try_slice!(label, label_len), "label"));
        let v2: Option<&Verifier> = try_ffi!(optional(v2, "v2"));
        let v3: Option<&V3Verifier> = try_ffi!(optional(v3, "v3"));
        let profile = try_ffi!(profile(label, None, v2, v3));
        try_ffi!(builder.get_mut()).push(profile);
        std::ptr::null_mut()
    }
}

/// `wechatpay_endpoint_builder_add_profile` for a merchant whose id is `mch_id` (`mch_id_len`
/// bytes of UTF-8, else `invalid_config`; empty is `invalid_config` when the endpoint is built).
/// The id binds both versions: v2 notifications must carry it as `mch_id` (the v2 verifier need
/// not expect one, and if it does the two must agree, else `invalid_config` when the endpoint is
/// built), and APIv3 resources as `mchid` (or `sp_mchid`, or a transfer's `mch_id`), else `merchant_mismatch`, unless the v3
/// verifier names its own ids (`wechatpay_v3_verifier_builder_expect_mch_id`). The builder is
/// unchanged on refusal.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_builder_add_profile_with_mch_id(
    builder: *mut wechatpay_endpoint_builder,
    label: *const c_char,
    label_len: usize,
    mch_id: *const c_char,
    mch_id_len: usize,
    v2: *const wechatpay_verifier,
    v3: *const wechatpay_v3_verifier,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let label = try_ffi!(config_text(try_slice!(label, label_len), "label"));
        let mch_id = try_ffi!(config_text(try_slice!(mch_id, mch_id_len), "mch_id"));
        let v2: Option<&Verifier> = try_ffi!(optional(v2, "v2"));
        let v3: Option<&V3Verifier> = try_ffi!(optional(v3, "v3"));
        let profile = try_ffi!(profile(label, Some(mch_id), v2, v3));
        try_ffi!(builder.get_mut()).push(profile);
        std::ptr::null_mut()
    }
}

/// The core's profile of copies of the caller's verifiers (the merchant id first: the v2 part's
/// check reads it).
fn profile(
    label: &str,
    mch_id: Option<&str>,
    v2: Option<&Verifier>,
    v3: Option<&V3Verifier>,
) -> Result<MerchantProfile, Error> {
    let mut profile = MerchantProfile::new(label);
    if let Some(mch_id) = mch_id {
        profile = profile.mch_id(mch_id);
    }
    if let Some(v2) = v2 {
        profile = profile.v2(v2.clone())?;
    }
    if let Some(v3) = v3 {
        profile = profile.v3(v3.clone());
    }
    Ok(profile)
}

/// Makes an endpoint from the profiles added so far and writes it to `*endpoint_out`. The builder
/// is not consumed: free it with `wechatpay_endpoint_builder_free`.
///
/// `invalid_config` for no profile, a profile with neither a v2 nor a v3 verifier, an empty merchant
/// id or one that differs from its v2 verifier's, a label used twice, two profiles with the same v2
/// `mch_id`, two v2 verifiers with the same API key (a refund's req_info names no merchant: only
/// the unsigned outer `mch_id` would tell them apart, so one merchant's captured refund would pass
/// as the other's), or two profiles trusting the same v3 key id (a request could then not be
/// routed to one merchant).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_builder_build(
    builder: *const wechatpay_endpoint_builder,
    endpoint_out: *mut *mut wechatpay_endpoint,
) -> *mut wechatpay_error {
    ffi_boundary! {
        builder::build(builder, endpoint_out, "endpoint_out", |profiles: &Vec<MerchantProfile>| {
            Endpoint::new(profiles.iter().cloned())
        })
    }
}

/// Releases a builder (and its copies of the verifiers). NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_builder_free(builder: *mut wechatpay_endpoint_builder) {
    ffi_boundary! { free(builder) }
}

/// Reads an endpoint profiles file (the JSON of `wechatpay-notify verify-any --profiles`) with the
/// core's loader and writes the endpoint it describes to `*endpoint_out`. `path`: `path_len` bytes
/// (not NUL-terminated; on Unix any bytes, elsewhere UTF-8), relative to the working directory.
///
/// The file names each merchant's key files (relative to the profiles file) or environment
/// variables, never keys:
///
/// ```json
/// {"profiles": [
///   {"label": "shop-a", "mch_id": "10000100",
///    "v2": {"api_key_file": "keys/a.key", "sign_type": "MD5"},
///    "v3": {"api_v3_key_env": "SHOP_A_V3_KEY",
///           "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "keys/a-pub.pem"}}}
/// ]}
/// ```
///
/// A profile has a `label` (required), a `mch_id` (binding both versions, as with
/// `wechatpay_endpoint_builder_add_profile_with_mch_id`) and a `v2` and/or a `v3` part. `v2`:
/// exactly one of `api_key_file` / `api_key_env`, `sign_type` (required), `mch_id`, `appid`,
/// `also_accept` (a list), `max_body_bytes`. `v3`: exactly one of `api_v3_key_file` /
/// `api_v3_key_env`, `platform_keys` (key id -> PEM file) and/or `key_dir` (a directory of keys,
/// read as `wechatpay_trusted_keys_load_dir` reads it), at least one, `mch_ids` (a list),
/// `max_clock_skew`, `max_body_bytes`. Any other setting, a key written inline, a missing file or
/// variable, and everything `wechatpay_endpoint_builder_build` refuses are `invalid_config`, with a
/// message naming the profile, the setting or the file, never a key. On Unix the profiles file
/// and every key file must not be accessible by group or others (`chmod 600`); PEM files may have
/// any mode. A key read from a file or the environment is zeroised once the verifier holds it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_from_profiles_file(
    path: *const c_char,
    path_len: usize,
    endpoint_out: *mut *mut wechatpay_endpoint,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let path = try_ffi!(profiles_path(try_slice!(path, path_len)));
        let out = try_out!(endpoint_out);
        out.set(to_raw::<wechatpay_endpoint>(try_ffi!(Endpoint::from_profiles_file(path))));
        std::ptr::null_mut()
    }
}

/// A path given as bytes: any bytes on Unix, UTF-8 elsewhere (`invalid_config` otherwise).
fn profiles_path(bytes: &[u8]) -> Result<&std::path::Path, Error> {
    crate::trusted_keys::path_arg(bytes, "profiles file path")
}

/// Swaps the trusted APIv3 keys of the merchant labelled `label` (`label_len` bytes of UTF-8), and
/// the `Wechatpay-Serial` routes to it, in one step: a request handled meanwhile in another thread
/// is routed and verified either with the old keys or with the new ones. The endpoint shares the
/// set (see `struct wechatpay_trusted_keys`); `keys` stays yours to free. Ids no longer in the set
/// stop routing to the merchant (`unknown_serial`), new ones start. The endpoint took each
/// verifier's keys when it was built: swapping a verifier's keys later does not change it.
///
/// `invalid_config`, the endpoint unchanged, for: no profile with that label, a profile without a
/// v3 verifier, an empty set, or a key id another profile trusts. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_replace_trusted_keys(
    endpoint: *const wechatpay_endpoint,
    label: *const c_char,
    label_len: usize,
    keys: *const wechatpay_trusted_keys,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let endpoint = try_ref!(endpoint);
        let label = try_ffi!(config_text(try_slice!(label, label_len), "label"));
        let keys = try_ref!(keys);
        try_ffi!(endpoint.replace_trusted_keys(label, std::sync::Arc::clone(keys)));
        std::ptr::null_mut()
    }
}

/// Writes the trusted APIv3 keys in use now by the merchant labelled `label` to `*keys_out` (a new
/// handle, to free with `wechatpay_trusted_keys_free`) and returns NULL; `invalid_config` when no
/// profile has that label or it has no v3 verifier.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_trusted_keys(
    endpoint: *const wechatpay_endpoint,
    label: *const c_char,
    label_len: usize,
    keys_out: *mut *mut wechatpay_trusted_keys,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let endpoint = try_ref!(endpoint);
        let label = try_ffi!(config_text(try_slice!(label, label_len), "label"));
        let out = try_out!(keys_out);
        let keys = try_ffi!(endpoint.trusted_keys(label).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidConfig,
                "no profile with that label has a v3 part",
            )
        }));
        out.set(to_raw::<wechatpay_trusted_keys>(keys));
        std::ptr::null_mut()
    }
}

/// Releases an endpoint. NULL is a no-op. No other thread may be using it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_free(endpoint: *mut wechatpay_endpoint) {
    ffi_boundary! { free(endpoint) }
}

/// The number of merchant profiles (0 if `endpoint` is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_profile_count(endpoint: *const wechatpay_endpoint) -> usize {
    ffi_boundary! {
        try_ref!(endpoint).labels().count()
    }
}

/// Writes the label of the profile at `index` (in the order added) to `*label_out` and returns
/// true; false when `index` is out of range. The string borrows from the endpoint.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_label(
    endpoint: *const wechatpay_endpoint,
    index: usize,
    label_out: *mut wechatpay_str,
) -> bool {
    ffi_boundary! {
        let endpoint = try_ref!(endpoint);
        let out = try_out!(label_out);
        put_str(endpoint.labels().nth(index), out)
    }
}

/// Decides the version and the merchant of a request and verifies it with that merchant's
/// verifier.
///
/// `headers`: `headers_len` name/value pairs, the request's headers (at least the `Wechatpay-*`
/// ones; names are case-insensitive; each name and value must be UTF-8, else `invalid_argument`).
/// `body`: the raw POST body, `body_len` bytes, exactly as received. `now`: the current time in
/// Unix seconds (used by APIv3 only; `wechatpay_unix_now()` reads the system clock).
///
/// A `Wechatpay-Signature` header means APIv3: the required `Wechatpay-*` headers
/// (`missing_header`), WeChat Pay's probe (`signature_probe`) and the signature type
/// (`unsupported_algorithm`) are checked first, then the merchant is the one whose v3 verifier
/// trusts `Wechatpay-Serial` (`unknown_serial` when no merchant trusts it), looked up in a map built
/// once. Otherwise the body is v2 XML: a refund when it has `req_info`, else a payment, for the
/// merchant whose id is its `mch_id` (`missing_field` without one, `merchant_mismatch` when no
/// merchant has it). An APIv3 resource must then name the profile's merchant id(s) as `mchid` or
/// `sp_mchid` when the profile declares any (`merchant_mismatch`). The merchant is chosen from unverified input, which is safe only because
/// that merchant's own key must then verify the message: a body naming merchant A but signed with
/// B's key fails A's verifier. Then that verifier's checks apply unchanged (see
/// `wechatpay_verifier_verify_payment`, `wechatpay_verifier_decrypt_refund`,
/// `wechatpay_v3_verifier_verify`; the caveat on refunds applies). A request neither version can
/// read (no `Wechatpay-Signature` and a body that is not flat XML, or larger than every merchant's
/// v2 `max_body_bytes`) is refused with no version and the v2 FAIL reply with status 400.
///
/// On success writes a new result to `*result_out` and returns NULL; send
/// `wechatpay_endpoint_result_reply`. On refusal returns the error and leaves `*result_out`
/// untouched; send the reply `wechatpay_error_endpoint_reply` gives for that error (it also tells
/// the version and the merchant, when they were decided). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_handle(
    endpoint: *const wechatpay_endpoint,
    headers: *const wechatpay_field,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
    now: u64,
    result_out: *mut *mut wechatpay_endpoint_result,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let endpoint = try_ref!(endpoint);
        let headers = try_ffi!(crate::v3_verifier::headers(headers, headers_len));
        let body = try_slice!(body, body_len);
        let out = try_out!(result_out);
        match endpoint.handle(&headers, body, now) {
            Ok(handled) => {
                out.set(to_raw::<wechatpay_endpoint_result>(Handled::new(handled)));
                std::ptr::null_mut()
            }
            Err(rejection) => error::rejection_into_raw(&rejection),
        }
    }
}

/// Writes the reply for a request the application could not finish to `*reply_out`: your own
/// failure before or after verification (the database is down, the endpoint could not be
/// loaded), so that WeChat Pay retries later. The core's reply for the request's version
/// (`ApiVersion::of_request`: APIv3 when a `Wechatpay-Signature` header is present, else v2):
/// status 500 with the version's constant refusal body (v2 `text/xml`, the XML FAIL with
/// `rejected`; APIv3 `application/json`, `{"code":"FAIL","message":"rejected"}`). `headers`:
/// `headers_len` name/value pairs in the form `wechatpay_endpoint_handle` takes (names
/// case-insensitive, UTF-8 else `invalid_argument`). The strings are static. After verification
/// `wechatpay_endpoint_result_internal_error_reply` gives the same reply from the result.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_internal_error_reply(
    headers: *const wechatpay_field,
    headers_len: usize,
    reply_out: *mut wechatpay_http_reply,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let headers = try_ffi!(crate::v3_verifier::headers(headers, headers_len));
        let out = try_out!(reply_out);
        out.set(internal_reply(ApiVersion::of_request(&headers)));
        std::ptr::null_mut()
    }
}

/// Writes the API version of a request to `*version_out` (`WECHATPAY_API_VERSION_V2` or `_V3`), as
/// `wechatpay_endpoint_handle` decides it (`ApiVersion::of_request`: APIv3 when a
/// `Wechatpay-Signature` header is present, else v2). Nothing is verified: it is for a reply the
/// application sends before verification (a body over its size limit, answered in the request's
/// version without reading it whole). `headers` as for `wechatpay_internal_error_reply`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_request_version(
    headers: *const wechatpay_field,
    headers_len: usize,
    version_out: *mut wechatpay_api_version,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let headers = try_ffi!(crate::v3_verifier::headers(headers, headers_len));
        let out = try_out!(version_out);
        out.set(wechatpay_api_version::of(Some(ApiVersion::of_request(&headers))));
        std::ptr::null_mut()
    }
}

/// The core's reply when the application fails ([`ApiVersion::internal_error_reply`], which
/// `notify::Handled::internal_error_reply` also gives), made once per version and kept for the
/// process.
fn internal_reply(version: ApiVersion) -> wechatpay_http_reply {
    static V2: OnceLock<CReply> = OnceLock::new();
    static V3: OnceLock<CReply> = OnceLock::new();
    let cell = match version {
        ApiVersion::V2 => &V2,
        ApiVersion::V3 => &V3,
    };
    cell.get_or_init(|| CReply::new(version.internal_error_reply()))
        .to_c()
}

/// Releases a result (and the notification handles borrowed from it). NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_free(result: *mut wechatpay_endpoint_result) {
    ffi_boundary! { free(result) }
}

/// The merchant's label. Returns true and writes it; false only for a NULL argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_label(
    result: *const wechatpay_endpoint_result,
    label_out: *mut wechatpay_str,
) -> bool {
    ffi_boundary! {
        let result = try_ref!(result);
        put_str(Some(&result.label), try_out!(label_out))
    }
}

/// The kind of notification: `v2_payment`, `v2_refund` or `v3` (static storage). Returns true and
/// writes it; false only for a NULL argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_kind(
    result: *const wechatpay_endpoint_result,
    kind_out: *mut wechatpay_str,
) -> bool {
    ffi_boundary! {
        let result = try_ref!(result);
        put_str(Some(result.kind), try_out!(kind_out))
    }
}

/// The API version (`WECHATPAY_API_VERSION_V2` or `_V3`; `_NONE` for a NULL argument).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_version(
    result: *const wechatpay_endpoint_result,
) -> wechatpay_api_version {
    ffi_boundary! {
        wechatpay_api_version::of(Some(try_ref!(result).version))
    }
}

/// True when the payment or refund succeeded (v2: `result_code` / `refund_status`; APIv3:
/// `trade_state` / `refund_status` is `SUCCESS`). False for a NULL argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_is_success(
    result: *const wechatpay_endpoint_result,
) -> bool {
    ffi_boundary! {
        matches!(try_ref!(result).rules.get("is_success"), Some(Value::Bool(true)))
    }
}

/// The idempotency key: record each notification once per key. A successful payment's
/// `transaction_id`; `transaction_id:STATE` for a payment that did not succeed; `refund_id:STATUS`
/// for a refund (v2 `CHANGE` read as `ABNORMAL`, `REFUNDCLOSE` as `CLOSED`); the APIv3 event id for
/// other events. The v2 and v3 deliveries of one payment, or of one state of a refund, share a
/// key. False when absent (a v2 notification without its id).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_dedupe_key(
    result: *const wechatpay_endpoint_result,
    value_out: *mut wechatpay_str,
) -> bool {
    ffi_boundary! {
        let key = match try_ref!(result).rules.get("dedupe_key") {
            Some(Value::Text(key)) => key,
            _ => None,
        };
        put_str(key, try_out!(value_out))
    }
}

/// The reply to send: v2 → 200, `text/xml`, the exact XML SUCCESS reply; APIv3 → 204 with no
/// body. Its strings borrow from the result. Returns true and writes it; false only for a NULL
/// argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_reply(
    result: *const wechatpay_endpoint_result,
    reply_out: *mut wechatpay_http_reply,
) -> bool {
    ffi_boundary! {
        let result = try_ref!(result);
        try_out!(reply_out).set(result.reply.to_c());
        true
    }
}

/// The reply to send instead of `wechatpay_endpoint_result_reply` when the application fails to
/// record this verified notification (its database is down): status 500 with the constant refusal
/// of the result's version, so that WeChat Pay retries (see `wechatpay_internal_error_reply`).
/// Its strings are static. Returns true and writes it; false only for a NULL argument.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_internal_error_reply(
    result: *const wechatpay_endpoint_result,
    reply_out: *mut wechatpay_http_reply,
) -> bool {
    ffi_boundary! {
        let result = try_ref!(result);
        try_out!(reply_out).set(internal_reply(result.version));
        true
    }
}

/// The v2 payment, borrowed from the result (do not free it): read it with the
/// `wechatpay_payment_*` getters until `wechatpay_endpoint_result_free(result)`. NULL when the
/// result is another kind (or `result` is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_payment(
    result: *const wechatpay_endpoint_result,
) -> *const wechatpay_payment {
    ffi_boundary! {
        match &try_ref!(result).notification {
            Verified::Payment(p) => std::ptr::from_ref(p).cast(),
            _ => std::ptr::null(),
        }
    }
}

/// The v2 refund, borrowed from the result (do not free it): read it with the `wechatpay_refund_*`
/// getters until `wechatpay_endpoint_result_free(result)`. NULL when the result is another kind.
/// The caveat of `wechatpay_verifier_decrypt_refund` applies: req_info is AES-256-ECB without
/// integrity, so confirm a refund with the refund query API before any irreversible action.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_refund(
    result: *const wechatpay_endpoint_result,
) -> *const wechatpay_refund {
    ffi_boundary! {
        match &try_ref!(result).notification {
            Verified::Refund(r) => std::ptr::from_ref(r).cast(),
            _ => std::ptr::null(),
        }
    }
}

/// The APIv3 notification, borrowed from the result (do not free it): read it with the
/// `wechatpay_v3_notification_*` and view getters until `wechatpay_endpoint_result_free(result)`.
/// NULL when the result is another kind.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_v3(
    result: *const wechatpay_endpoint_result,
) -> *const wechatpay_v3_notification {
    ffi_boundary! {
        match &try_ref!(result).notification {
            Verified::V3(n) => std::ptr::from_ref(n).cast(),
            _ => std::ptr::null(),
        }
    }
}

/// For an error returned by `wechatpay_endpoint_handle`: writes the reply to send and returns
/// true. v2 → 200, `text/xml`, the XML FAIL reply with the message `rejected` (WeChat Pay
/// retries); APIv3 → 401 / 400 / 500, `application/json`, `{"code":"FAIL","message":"rejected"}`;
/// a request neither version could read → the v2 FAIL reply with status 400. Every refusal carries
/// the same constant message, never the code or input: the code is for your logs
/// (`wechatpay_error_code`). The strings borrow from the error (valid until
/// `wechatpay_error_free(error)`).
///
/// Returns false, writing nothing, for an error the endpoint did not decide: misuse found before
/// the request was looked at (`invalid_argument`: a NULL or misaligned pointer, a header that is
/// not UTF-8), an `internal` error from a failure inside the library itself (a caught panic), or an
/// error from another function. Then send `wechatpay_internal_error_reply` for the request's
/// headers: WeChat Pay retries.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_error_endpoint_reply(
    error: *const wechatpay_error,
    reply_out: *mut wechatpay_http_reply,
) -> bool {
    ffi_boundary! {
        let error = try_ref!(error);
        let out = try_out!(reply_out);
        match error.rejection() {
            Some(rejected) => {
                out.set(rejected.reply.to_c());
                true
            }
            None => false,
        }
    }
}

/// For an error returned by `wechatpay_endpoint_handle`: the version the endpoint had decided
/// (`WECHATPAY_API_VERSION_V2` / `_V3`), or `WECHATPAY_API_VERSION_NONE` when it could not tell
/// (or the error is not an endpoint's refusal, see `wechatpay_error_endpoint_reply`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_error_endpoint_version(
    error: *const wechatpay_error,
) -> wechatpay_api_version {
    ffi_boundary! {
        wechatpay_api_version::of(try_ref!(error).rejection().and_then(|r| r.version))
    }
}

/// For an error returned by `wechatpay_endpoint_handle`: writes the label of the merchant the
/// request was routed to and returns true; false when no merchant was chosen (no match, an
/// undecidable request, or not an endpoint's refusal). The string borrows from the error.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_error_endpoint_label(
    error: *const wechatpay_error,
    label_out: *mut wechatpay_str,
) -> bool {
    ffi_boundary! {
        let error = try_ref!(error);
        let out = try_out!(label_out);
        put_str(error.rejection().and_then(|r| r.label.as_deref()), out)
    }
}

// ---- the result's typed view ----

/// The endpoint result's view: `Notification::PROPERTIES` (the core's rules over any kind of
/// notification: `is_success`, `dedupe_key`).
pub(crate) struct EndpointResultView;

impl View for EndpointResultView {
    type Handle = wechatpay_endpoint_result;
    const NAME: &'static str = "endpoint_result";
    const ARG: &'static str = "result";
    const PROPERTIES: &'static [Property] = Notification::PROPERTIES;

    fn value<'a>(h: &'a Handled, name: &str) -> Result<Value<'a>, Error> {
        h.rules.get(name).ok_or_else(|| {
            Error::new(
                ErrorKind::Internal,
                format!("the property {name} is declared but has no value"),
            )
        })
    }
}

/// Reads the text property `name` (`name_len` bytes, a name listed by
/// `wechatpay_endpoint_result_property`, e.g. `dedupe_key`) of the result's view: the core's rules
/// over any kind of notification. On success returns NULL, writes whether the property is present
/// to `*present_out` and, when it is, its value to `*value_out` (borrowed from the result).
/// `invalid_argument` for an unknown name or a property of another kind.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_text(
    result: *const wechatpay_endpoint_result,
    name: *const c_char,
    name_len: usize,
    value_out: *mut wechatpay_str,
    present_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! {
        view::text::<EndpointResultView>(result, name, name_len, value_out, present_out)
    }
}

/// Reads the bool property `name` (e.g. `is_success`) of the result's view; the rules of
/// `wechatpay_endpoint_result_text` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_bool(
    result: *const wechatpay_endpoint_result,
    name: *const c_char,
    name_len: usize,
    value_out: *mut bool,
) -> *mut wechatpay_error {
    ffi_boundary! { view::flag::<EndpointResultView>(result, name, name_len, value_out) }
}

/// The number of properties of the result's view (the core's declaration).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_property_count() -> usize {
    ffi_boundary! { EndpointResultView::PROPERTIES.len() }
}

/// Writes the result view's property at `index` (declaration order) to `*property_out` and returns
/// true; false when `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_endpoint_result_property(
    index: usize,
    property_out: *mut wechatpay_property,
) -> bool {
    ffi_boundary! { view::property_at::<EndpointResultView>(index, property_out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_internal_reply_is_the_cores_for_each_version() {
        for version in [ApiVersion::V2, ApiVersion::V3] {
            let c = internal_reply(version);
            let core = version.internal_error_reply();
            assert_eq!(c.status, core.status);
            // SAFETY: static NUL-terminated strings kept for the process.
            let (ct, body) = unsafe {
                (
                    std::ffi::CStr::from_ptr(c.content_type),
                    std::slice::from_raw_parts(c.body.data.cast::<u8>(), c.body.len),
                )
            };
            assert_eq!(Some(ct.to_str().unwrap()), core.content_type);
            assert_eq!(body, core.body.as_bytes());
        }
    }

    #[test]
    fn the_internal_reply_follows_the_request_headers() {
        let signature = [wechatpay_field {
            name: wechatpay_str::borrowed("wechatpay-SIGNATURE"),
            value: wechatpay_str::borrowed("x"),
        }];
        let mut reply = std::mem::MaybeUninit::<wechatpay_http_reply>::uninit();
        assert!(
            wechatpay_internal_error_reply(signature.as_ptr(), 1, reply.as_mut_ptr()).is_null()
        );
        // SAFETY: written on success.
        let v3 = unsafe { reply.assume_init() };
        assert!(wechatpay_internal_error_reply(std::ptr::null(), 0, reply.as_mut_ptr()).is_null());
        // SAFETY: written on success.
        let v2 = unsafe { reply.assume_init() };
        assert_eq!((v3.status, v2.status), (500, 500));
        assert_eq!(v3.body.len, notify::reply::V3_REFUSAL.len());
        assert_eq!(v2.body.len, notify::reply::REFUSAL.len());
    }
}
