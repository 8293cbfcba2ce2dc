//! `struct wechatpay_verifier_builder` and `struct wechatpay_verifier`.

use std::ffi::c_char;

use notify::{Error, ErrorKind, SignType, Verifier};

use crate::builder::{self, Building};
use crate::error::wechatpay_error;
use crate::notification::{Payment, wechatpay_payment, wechatpay_refund};
use crate::util::{Castable, free, to_raw};

/// Collects a verifier's options before use: made by `wechatpay_verifier_builder_new`, adjusted
/// with the `wechatpay_verifier_builder_*` setters, turned into a verifier by
/// `wechatpay_verifier_builder_build` (which may be called more than once), released with
/// `wechatpay_verifier_builder_free`. Not thread-safe: use a builder from one thread at a time.
pub struct wechatpay_verifier_builder {
    _private: [u8; 0],
}

impl Castable for wechatpay_verifier_builder {
    /// The verifier being configured: the core's builder methods take it by value, so a setter
    /// moves it out and back in ([`Building::set`]); the key is never copied.
    type Rust = Building<Verifier>;
}

/// Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant key.
///
/// Immutable and thread-safe: one verifier may be used from any number of threads at once
/// (it must not be freed while a call is running).
pub struct wechatpay_verifier {
    _private: [u8; 0],
}

impl Castable for wechatpay_verifier {
    type Rust = Verifier;
}

// The thread-safety promise above rests on the core type.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Verifier>();
};

/// Parses a sign type name with the core's rule (exactly `MD5` or `HMAC-SHA256`, else
/// `invalid_config`); a name that is not UTF-8 is handed over lossily and rejected by the same rule.
pub(crate) fn sign_type(name: &[u8]) -> Result<SignType, Error> {
    SignType::parse(&String::from_utf8_lossy(name))
}

/// The core's constructor: the key rule and the sign type rule are the core's.
fn new_verifier(api_key: &[u8], sign_type_name: &[u8]) -> Result<Verifier, Error> {
    Verifier::new(api_key, sign_type(sign_type_name)?)
}

fn utf8<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("the expected {what} is not valid UTF-8"),
        )
    })
}

/// Starts a verifier configuration for a v2 API key and its signature algorithm.
///
/// `api_key`: `api_key_len` bytes, which must be 32 printable ASCII characters (else
/// `invalid_config`). `sign_type`: `"MD5"` or `"HMAC-SHA256"` exactly (else `invalid_config`); the
/// algorithm is pinned by configuration, never chosen by the message. Defaults: no expected
/// appid / mch_id, no other accepted algorithm, `max_body_bytes` 65536.
///
/// On success writes a new builder to `*builder_out` and returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_builder_new(
    api_key: *const c_char,
    api_key_len: usize,
    sign_type: *const c_char,
    sign_type_len: usize,
    builder_out: *mut *mut wechatpay_verifier_builder,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let key = try_slice!(api_key, api_key_len);
        let name = try_slice!(sign_type, sign_type_len);
        let out = try_out!(builder_out);
        let verifier = try_ffi!(new_verifier(key, name));
        out.set(to_raw(Building::new(verifier)));
        std::ptr::null_mut()
    }
}

/// Requires the notification's `appid` to equal this value (else `merchant_mismatch`).
/// A value that is not UTF-8 is `invalid_config`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_builder_expect_appid(
    builder: *mut wechatpay_verifier_builder,
    appid: *const c_char,
    appid_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let appid = try_ffi!(utf8(try_slice!(appid, appid_len), "appid"));
        try_ffi!(builder.set(|v| v.expect_appid(appid)));
        std::ptr::null_mut()
    }
}

/// Requires the notification's `mch_id` to equal this value (else `merchant_mismatch`).
/// A value that is not UTF-8 is `invalid_config`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_builder_expect_mch_id(
    builder: *mut wechatpay_verifier_builder,
    mch_id: *const c_char,
    mch_id_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let mch_id = try_ffi!(utf8(try_slice!(mch_id, mch_id_len), "mch_id"));
        try_ffi!(builder.set(|v| v.expect_mch_id(mch_id)));
        std::ptr::null_mut()
    }
}

/// Explicit opt-in for a migration between algorithms: also accept signatures made with
/// `sign_type` (`"MD5"` or `"HMAC-SHA256"`, else `invalid_config`). May be called more than once.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_builder_also_accept(
    builder: *mut wechatpay_verifier_builder,
    sign_type: *const c_char,
    sign_type_len: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        let algorithm = try_ffi!(self::sign_type(try_slice!(sign_type, sign_type_len)));
        try_ffi!(builder.set(|v| v.also_accept(algorithm)));
        std::ptr::null_mut()
    }
}

/// Bodies longer than `max_body_bytes` are rejected with `body_too_large` before parsing
/// (default 65536).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_builder_max_body_bytes(
    builder: *mut wechatpay_verifier_builder,
    max_body_bytes: usize,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let builder = try_mut!(builder);
        try_ffi!(builder.set(|v| v.max_body_bytes(max_body_bytes)));
        std::ptr::null_mut()
    }
}

/// Makes a verifier from the builder's current options and writes it to `*verifier_out`. The
/// builder is not consumed: free it with `wechatpay_verifier_builder_free`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_builder_build(
    builder: *const wechatpay_verifier_builder,
    verifier_out: *mut *mut wechatpay_verifier,
) -> *mut wechatpay_error {
    // The one copy of the key: the verifier owns its own (zeroised when it is freed).
    ffi_boundary! {
        builder::build(builder, verifier_out, "verifier_out", |v: &Verifier| Ok(v.clone()))
    }
}

/// Releases a builder. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_builder_free(builder: *mut wechatpay_verifier_builder) {
    ffi_boundary! { free(builder) }
}

/// Shorthand for a builder with the default options: a verifier for `api_key` using `sign_type`
/// only (see `wechatpay_verifier_builder_new` for the rules). Writes it to `*verifier_out`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_new(
    api_key: *const c_char,
    api_key_len: usize,
    sign_type: *const c_char,
    sign_type_len: usize,
    verifier_out: *mut *mut wechatpay_verifier,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let key = try_slice!(api_key, api_key_len);
        let name = try_slice!(sign_type, sign_type_len);
        let out = try_out!(verifier_out);
        out.set(to_raw(try_ffi!(new_verifier(key, name))));
        std::ptr::null_mut()
    }
}

/// Releases a verifier (its key is zeroised). NULL is a no-op. No other thread may be using it.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_free(verifier: *mut wechatpay_verifier) {
    ffi_boundary! { free(verifier) }
}

/// Verifies a payment result notification: `body` is the raw POST body, `body_len` bytes (it may
/// contain NUL). On success writes a new payment handle to `*payment_out` and returns NULL;
/// otherwise returns the error (its code tells which rule failed) and leaves
/// `*payment_out` untouched. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_verify_payment(
    verifier: *const wechatpay_verifier,
    body: *const u8,
    body_len: usize,
    payment_out: *mut *mut wechatpay_payment,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let verifier = try_ref!(verifier);
        let body = try_slice!(body, body_len);
        let out = try_out!(payment_out);
        let notification = try_ffi!(verifier.verify_payment(body));
        out.set(to_raw(Payment::new(notification)));
        std::ptr::null_mut()
    }
}

/// Decrypts and checks a refund result notification: `body` is the raw POST body, `body_len`
/// bytes. On success writes a new refund handle to `*refund_out` and returns NULL; otherwise
/// returns the error and leaves `*refund_out` untouched. Thread-safe.
///
/// Caveat: req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications
/// of the same merchant can be cut and pasted into a third that passes every check. Treat a refund
/// notification as a hint: confirm it with the refund query API before any irreversible action.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_verifier_decrypt_refund(
    verifier: *const wechatpay_verifier,
    body: *const u8,
    body_len: usize,
    refund_out: *mut *mut wechatpay_refund,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let verifier = try_ref!(verifier);
        let body = try_slice!(body, body_len);
        let out = try_out!(refund_out);
        let notification = try_ffi!(verifier.decrypt_refund(body));
        out.set(to_raw(notification));
        std::ptr::null_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

    #[test]
    fn setters_move_the_verifier() {
        let mut builder = Building::new(Verifier::new(KEY, SignType::Md5).unwrap());
        builder.set(|v| v.max_body_bytes(10)).unwrap();
        let err = builder
            .get()
            .unwrap()
            .verify_payment(&[b' '; 11])
            .unwrap_err();
        assert_eq!(err.code(), "body_too_large");
    }
}
