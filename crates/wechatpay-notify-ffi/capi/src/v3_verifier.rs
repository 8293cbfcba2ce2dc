//! APIv3: `struct wechatpay_v3_verifier_builder`, `struct wechatpay_v3_verifier`, verification and
//! the clock helper.

use std::ffi::c_char;

use notify::{Error, ErrorKind, V3Headers, V3Verifier};

use crate::builder::{self, Building};
use crate::error::wechatpay_error;
use crate::trusted_keys::{interned, wechatpay_trusted_keys};
use crate::util::{Castable, free, put_str, to_raw, wechatpay_field, wechatpay_str};
use crate::v3_notification::wechatpay_v3_notification;

/// Collects an APIv3 verifier's configuration: made by `wechatpay_v3_verifier_builder_new`,
/// given its trusted WeChat Pay keys and limits with the `wechatpay_v3_verifier_builder_*`
/// functions, turned into a verifier by `wechatpay_v3_verifier_builder_build` (which may be called
/// more than once), released with `wechatpay_v3_verifier_builder_free`. A refused key or option
/// leaves the builder as it was. Not thread-safe: use a builder from one thread at a time.
pub struct wechatpay_v3_verifier_builder {
    _private: [u8; 0],
}

impl Castable for wechatpay_v3_verifier_builder {
    /// The verifier being configured: a key is added in place (a refused key leaves it as it
    /// was), the limits are set by moving it out and back in. A setting the core may refuse
    /// (`expect_mch_id`) works on a clone, APIv3 key included: the key is held in zeroising
    /// storage, so every copy is wiped when dropped (`capi/tests/zeroize.rs`).
    type Rust = Building<V3Verifier>;
}

/// Verifies APIv3 notifications for one merchant: its APIv3 key and the WeChat Pay keys it trusts.
///
/// Thread-safe: one verifier may be used from any number of threads at once (it must not be freed
/// while a call is running). Its configuration is fixed, except its trusted keys, which
/// `wechatpay_v3_verifier_replace_trusted_keys` swaps atomically while other threads verify.
pub struct wechatpay_v3_verifier {
    _private: [u8; 0],
}

impl Castable for wechatpay_v3_verifier {
    type Rust = V3Verifier;
}

// The thread-safety promise above rests on the core type.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<V3Verifier>();
};

/// A configuration string (an id, a PEM): UTF-8, else `invalid_config`.
fn config_text<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the {what} is not valid UTF-8"),
        )
    })
}

/// Starts an APIv3 verifier configuration for the merchant's APIv3 key: `api_v3_key_len` bytes,
/// which must be exactly 32 (else `invalid_config`). Defaults: no trusted key yet, no expected
/// merchant id, a clock skew of 300 s, `max_body_bytes` 65536.
///
/// On success writes a new builder to `*builder_out` and returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_new(
    api_v3_key: *const c_char,
    api_v3_key_len: usize,
    builder_out: *mut *mut wechatpay_v3_verifier_builder,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let key = try_slice!(api_v3_key, api_v3_key_len);
        let out = try_out!(builder_out);
        out.set(to_raw(Building::new(try_ffi!(V3Verifier::new(key)))));
        std::ptr::null_mut()
    }
}

/// Trusts `pem` under `id`, the form for a migration where both kinds are trusted at once: a
/// platform certificate (PEM `CERTIFICATE`; `id` must equal its serial number, else
/// `invalid_config`) or a WeChat Pay public key (PEM `PUBLIC KEY`; `id` is usually
/// `PUB_KEY_ID_...`). An id of hex digits matches `Wechatpay-Serial` numerically (leading zeros and
/// case do not matter); any other id matches exactly. RSA keys of 2048 bits or more only. A
/// certificate is used only while `now` is within its validity period.
///
/// `invalid_config` for a PEM the core refuses, an id configured twice, or an id or PEM that is
/// not UTF-8; the builder is then unchanged.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_add_trusted_key(
    builder: *mut wechatpay_v3_verifier_builder,
    id: *const c_char,
    id_len: usize,
    pem: *const c_char,
    pem_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let id = try_ffi!(config_text(try_slice!(id, id_len), "key id"));
        let pem = try_ffi!(config_text(try_slice!(pem, pem_len), "PEM"));
        try_ffi!(try_ffi!(builder.get_mut()).add_trusted_key(id, pem));
        std::ptr::null_mut()
    }
}

/// Trusts a platform certificate (PEM `CERTIFICATE`) under its own serial number. The rules of
/// `wechatpay_v3_verifier_builder_add_trusted_key` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_add_platform_certificate(
    builder: *mut wechatpay_v3_verifier_builder,
    pem: *const c_char,
    pem_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let pem = try_ffi!(config_text(try_slice!(pem, pem_len), "PEM"));
        try_ffi!(try_ffi!(builder.get_mut()).add_platform_certificate(pem));
        std::ptr::null_mut()
    }
}

/// Trusts a WeChat Pay public key (PEM `PUBLIC KEY`) under `id` (usually `PUB_KEY_ID_...`,
/// opaque). The rules of `wechatpay_v3_verifier_builder_add_trusted_key` apply.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_add_public_key(
    builder: *mut wechatpay_v3_verifier_builder,
    id: *const c_char,
    id_len: usize,
    pem: *const c_char,
    pem_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let id = try_ffi!(config_text(try_slice!(id, id_len), "key id"));
        let pem = try_ffi!(config_text(try_slice!(pem, pem_len), "PEM"));
        try_ffi!(try_ffi!(builder.get_mut()).add_public_key(id, pem));
        std::ptr::null_mut()
    }
}

/// Replaces the keys the builder trusts with the set `keys` (see `struct wechatpay_trusted_keys`,
/// e.g. from `wechatpay_trusted_keys_load_dir`), shared, not copied; `keys` stays yours to free.
/// An empty set is `invalid_config`, and the builder is then unchanged.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_replace_trusted_keys(
    builder: *mut wechatpay_v3_verifier_builder,
    keys: *const wechatpay_trusted_keys,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let keys = try_ref!(keys);
        try_ffi!(try_ffi!(builder.get_mut()).replace_trusted_keys(std::sync::Arc::clone(keys)));
        std::ptr::null_mut()
    }
}

/// Serves the merchant `mch_id` (`mch_id_len` bytes of UTF-8, else `invalid_config`); call it once
/// per merchant id this verifier serves (a service provider may serve several). After decryption
/// the resource's `mchid` (or, for partner notifications without one, `sp_mchid`) must be one of
/// them, else `merchant_mismatch` (a notification of another merchant whose platform keys you also
/// trust is then refused, not mistaken for yours). Without any, every merchant passes. An empty id
/// is `invalid_config`; the builder is then unchanged. Giving the same id twice is harmless.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_expect_mch_id(
    builder: *mut wechatpay_v3_verifier_builder,
    mch_id: *const c_char,
    mch_id_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let mch_id = try_ffi!(config_text(try_slice!(mch_id, mch_id_len), "expected mch_id"));
        try_ffi!(builder.try_set(|v| v.expect_mch_id(mch_id)));
        std::ptr::null_mut()
    }
}

/// The allowed difference between `now` and `Wechatpay-Timestamp`, in seconds, in either direction
/// (default 300).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_max_clock_skew(
    builder: *mut wechatpay_v3_verifier_builder,
    seconds: u64,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        try_ffi!(builder.set(|v| v.max_clock_skew(seconds)));
        std::ptr::null_mut()
    }
}

/// Bodies longer than `max_body_bytes` are rejected with `body_too_large` before anything else
/// (default 65536).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_max_body_bytes(
    builder: *mut wechatpay_v3_verifier_builder,
    max_body_bytes: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        try_ffi!(builder.set(|v| v.max_body_bytes(max_body_bytes)));
        std::ptr::null_mut()
    }
}

/// Makes a verifier from the builder's current configuration and writes it to `*verifier_out`.
/// The builder is not consumed: free it with `wechatpay_v3_verifier_builder_free`. A builder
/// that trusts no key is refused (`invalid_config`): such a verifier would refuse everything.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_build(
    builder: *const wechatpay_v3_verifier_builder,
    verifier_out: *mut *mut wechatpay_v3_verifier,
) -> *mut wechatpay_error {
    // The verifier owns its own copy of the key.
    ffi_boundary! {
        builder::build(builder, verifier_out, "verifier_out", |v: &V3Verifier| {
            v.check_has_trusted_key()?;
            Ok(v.clone())
        })
    }
}

/// Releases a builder. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_builder_free(builder: *mut wechatpay_v3_verifier_builder) {
    ffi_boundary! { free(builder) }
}

/// Releases a verifier. NULL is a no-op. No other thread may be using it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_free(verifier: *mut wechatpay_v3_verifier) {
    ffi_boundary! { free(verifier) }
}

/// The request headers as the core's `V3Headers`; names and values must be UTF-8
/// (`invalid_argument` otherwise).
pub(crate) fn headers(fields: *const wechatpay_field, len: usize) -> Result<V3Headers, Error> {
    let fields = crate::util::array(fields, len, "headers")?;
    let mut headers = V3Headers::new();
    for (i, field) in fields.iter().enumerate() {
        let name = header_text(field.name.input("a header name")?, i, "name")?;
        let value = header_text(field.value.input("a header value")?, i, "value")?;
        headers.insert(name, value);
    }
    Ok(headers)
}

fn header_text<'a>(bytes: &'a [u8], index: usize, part: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("the {part} of header {index} is not valid UTF-8"),
        )
    })
}

/// Verifies an APIv3 notification and decrypts its resource.
///
/// `headers`: `headers_len` name/value pairs, the request's headers (at least the `Wechatpay-*`
/// ones; names are case-insensitive; each name and value must be UTF-8, else `invalid_argument`;
/// a `Wechatpay-*` header given twice is `invalid_argument`). `body`: the raw POST body,
/// `body_len` bytes, exactly as received (never re-serialised). `now`: the current time in Unix
/// seconds, supplied by the caller (`wechatpay_unix_now()` reads the system clock; tests pass a
/// fixed time).
///
/// The checks, in this order: body over `max_body_bytes` -> `body_too_large`; a missing or empty
/// `Wechatpay-Timestamp`, `-Nonce`, `-Signature` or `-Serial` -> `missing_header`; a signature
/// starting `WECHATPAY/SIGNTEST/` -> `signature_probe`; `Wechatpay-Signature-Type` other than
/// absent or `WECHATPAY2-SHA256-RSA2048` -> `unsupported_algorithm`; no trusted key with the
/// `Wechatpay-Serial` id, or its certificate not valid at `now` -> `unknown_serial`;
/// |now - timestamp| over the clock skew (or a timestamp that is not an integer) ->
/// `timestamp_out_of_window`; RSA PKCS#1 v1.5 SHA-256 over `timestamp\nnonce\nbody\n` ->
/// `signature_mismatch`. Only then: JSON (`malformed_json`); `id`, `create_time`, `event_type`,
/// `resource_type`, `summary`, `resource` (`missing_field`); `resource.algorithm`
/// `AEAD_AES_256_GCM` (`unsupported_algorithm`); AES-256-GCM with `resource.nonce` and
/// `associated_data` (`decrypt_failed`); a UTF-8 JSON object plaintext (`decrypt_failed`); when
/// merchant ids are expected (`wechatpay_v3_verifier_builder_expect_mch_id`), the resource's
/// `mchid` or `sp_mchid` is one of them (`merchant_mismatch`).
///
/// On success writes a new notification to `*notification_out` and returns NULL; otherwise
/// returns the error and leaves `*notification_out` untouched. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_verify(
    verifier: *const wechatpay_v3_verifier,
    headers: *const wechatpay_field,
    headers_len: usize,
    body: *const u8,
    body_len: usize,
    now: u64,
    notification_out: *mut *mut wechatpay_v3_notification,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let verifier = try_ref!(verifier);
        let headers = try_ffi!(self::headers(headers, headers_len));
        let body = try_slice!(body, body_len);
        let out = try_out!(notification_out);
        let notification = try_ffi!(verifier.verify(&headers, body, now));
        out.set(to_raw(notification));
        std::ptr::null_mut()
    }
}

/// True when a trusted key has this id as `Wechatpay-Serial` would name it (`serial_len` bytes;
/// hex serials compared numerically), e.g. to pick the merchant of a notification. False for a
/// NULL argument or an id that is not UTF-8.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_trusts(
    verifier: *const wechatpay_v3_verifier,
    serial: *const c_char,
    serial_len: usize,
) -> bool {
    ffi_boundary! {
        let verifier = try_ref!(verifier);
        let serial = try_slice!(serial, serial_len);
        std::str::from_utf8(serial).is_ok_and(|s| verifier.trusts(s))
    }
}

/// Swaps in a new set of trusted keys (see `struct wechatpay_trusted_keys`), atomically: a
/// verification running meanwhile in another thread uses either the old set or the new one,
/// never a mix. The verifier shares the set (no copy, no parsing); `keys` stays yours to free.
/// WeChat Pay issues a new platform certificate 10 days before the old one expires: load the
/// directory the certificate download writes (`wechatpay_trusted_keys_load_dir`) and swap it in,
/// on a timer or when the directory changes, without a restart.
///
/// An empty set is `invalid_config`, and the verifier keeps its keys. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_replace_trusted_keys(
    verifier: *const wechatpay_v3_verifier,
    keys: *const wechatpay_trusted_keys,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let verifier = try_ref!(verifier);
        let keys = try_ref!(keys);
        try_ffi!(verifier.replace_trusted_keys(std::sync::Arc::clone(keys)));
        std::ptr::null_mut()
    }
}

/// Writes the set of trusted keys in use now to `*keys_out` (a new handle sharing it, to free
/// with `wechatpay_trusted_keys_free`; a later swap does not change it) and returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_trusted_keys(
    verifier: *const wechatpay_v3_verifier,
    keys_out: *mut *mut wechatpay_trusted_keys,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let verifier = try_ref!(verifier);
        let out = try_out!(keys_out);
        out.set(to_raw::<wechatpay_trusted_keys>(verifier.trusted_keys()));
        std::ptr::null_mut()
    }
}

/// The number of keys trusted now. Keys swapped in meanwhile by another thread may change it:
/// to list a consistent set, take it with `wechatpay_v3_verifier_trusted_keys`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_trusted_key_count(
    verifier: *const wechatpay_v3_verifier,
) -> usize {
    ffi_boundary! {
        try_ref!(verifier).trusted_keys().len()
    }
}

/// Writes the id of the key trusted now at `index` (in the order added; a certificate by its
/// uppercase hex serial) to `*id_out` and returns true; false when `index` is out of range. The
/// string stays valid for the life of the process (the set it came from may be swapped out at any
/// time).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_trusted_key_id(
    verifier: *const wechatpay_v3_verifier,
    index: usize,
    id_out: *mut wechatpay_str,
) -> bool {
    ffi_boundary! {
        let verifier = try_ref!(verifier);
        let out = try_out!(id_out);
        put_str(verifier.trusted_keys().ids().nth(index).map(interned), out)
    }
}

/// The number of merchant ids set with `wechatpay_v3_verifier_builder_expect_mch_id` (0: every
/// merchant passes; also 0 if `verifier` is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_expected_mch_id_count(
    verifier: *const wechatpay_v3_verifier,
) -> usize {
    ffi_boundary! {
        try_ref!(verifier).expected_mch_ids().len()
    }
}

/// Writes the expected merchant id at `index` (in the order given) to `*mch_id_out` and returns
/// true; false when `index` is out of range. The string borrows from the verifier.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_expected_mch_id(
    verifier: *const wechatpay_v3_verifier,
    index: usize,
    mch_id_out: *mut wechatpay_str,
) -> bool {
    ffi_boundary! {
        let verifier = try_ref!(verifier);
        let out = try_out!(mch_id_out);
        put_str(verifier.expected_mch_ids().get(index).map(String::as_str), out)
    }
}

/// The configured clock skew in seconds (0 if `verifier` is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_max_clock_skew(
    verifier: *const wechatpay_v3_verifier,
) -> u64 {
    ffi_boundary! {
        try_ref!(verifier).clock_skew()
    }
}

/// The configured body size limit in bytes (0 if `verifier` is NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_v3_verifier_max_body_bytes(
    verifier: *const wechatpay_v3_verifier,
) -> usize {
    ffi_boundary! {
        try_ref!(verifier).body_limit()
    }
}

/// The system clock in Unix seconds, for the `now` argument of `wechatpay_v3_verifier_verify`
/// (0 if the clock is set before 1970).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_unix_now() -> u64 {
    ffi_boundary! {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

    fn pem(name: &str) -> String {
        let path = format!(
            "{}/../../../tests/vectors/keys/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_refused_key_leaves_the_builder_as_it_was() {
        let mut builder = Building::new(V3Verifier::new(KEY).unwrap());
        builder
            .get_mut()
            .unwrap()
            .add_public_key("PUB_KEY_ID_A", &pem("pubkey-a-public.pem"))
            .unwrap();
        builder.set(|v| v.max_clock_skew(42)).unwrap();
        let refused = builder
            .get_mut()
            .unwrap()
            .add_public_key("PUB_KEY_ID_A", &pem("pubkey-b-public.pem"))
            .unwrap_err();
        assert_eq!(refused.code(), "invalid_config");
        let v = builder.get().unwrap();
        assert_eq!(v.trusted_ids(), ["PUB_KEY_ID_A"]);
        assert_eq!(v.clock_skew(), 42);
    }

    #[test]
    fn a_refused_mch_id_leaves_the_builder_as_it_was() {
        let mut builder = Building::new(V3Verifier::new(KEY).unwrap());
        builder.try_set(|v| v.expect_mch_id("1900000109")).unwrap();
        let refused = builder.try_set(|v| v.expect_mch_id("")).unwrap_err();
        assert_eq!(refused.code(), "invalid_config");
        assert_eq!(builder.get().unwrap().expected_mch_ids(), ["1900000109"]);
        builder.try_set(|v| v.expect_mch_id("1900000110")).unwrap();
        assert_eq!(
            builder.get().unwrap().expected_mch_ids(),
            ["1900000109", "1900000110"]
        );
    }
}
