//! `struct wechatpay_error`: the code string (SPEC §3), the stable number and the message.

use std::ffi::{CString, c_char};

use notify::Error;

use crate::util::{Castable, free, to_raw};

/// A failure: returned (owned by the caller) by every fallible function, NULL meaning success.
/// Read it with `wechatpay_error_code`, `wechatpay_error_number` and `wechatpay_error_message`;
/// release it with `wechatpay_error_free`. Messages never contain key material or the expected
/// signature.
pub struct wechatpay_error {
    _private: [u8; 0],
}

pub(crate) struct FfiError {
    number: u32,
    code: CString,
    message: CString,
}

impl Castable for wechatpay_error {
    type Rust = FfiError;
}

fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "?")).unwrap_or_default()
}

pub(crate) fn into_raw(error: Error) -> *mut wechatpay_error {
    to_raw::<wechatpay_error>(FfiError {
        number: error.kind().number(),
        code: c_text(error.code()),
        message: c_text(error.message()),
    })
}

/// The stable numbers returned by `wechatpay_error_number` (`ErrorKind::number` in the core:
/// 7000 + position, never reused). Each name is the SPEC §3 code in upper case.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wechatpay_error_kind {
    /// `invalid_config`: the verifier's configuration (API key, algorithm, limits) is unusable.
    InvalidConfig = 7001,
    /// `invalid_argument`: a caller-supplied argument is unusable (NULL, bad length, bad UTF-8).
    InvalidArgument = 7002,
    /// `body_too_large`: the body is larger than `max_body_bytes`; nothing was parsed.
    BodyTooLarge = 7003,
    /// `malformed_xml`: the body is not the flat XML document the protocol defines.
    MalformedXml = 7004,
    /// `forbidden_doctype`: the body contains a DOCTYPE or an entity declaration.
    ForbiddenDoctype = 7005,
    /// `duplicate_field`: the same element appears twice.
    DuplicateField = 7006,
    /// `missing_field`: a field the protocol requires is absent.
    MissingField = 7007,
    /// `return_code_fail`: `return_code` is not `SUCCESS` (such notices are never signed).
    ReturnCodeFail = 7008,
    /// `missing_signature`: the notification carries no (or an empty) `sign`.
    MissingSignature = 7009,
    /// `sign_type_mismatch`: `sign_type` names an algorithm the verifier does not accept.
    SignTypeMismatch = 7010,
    /// `signature_mismatch`: the signature does not verify.
    SignatureMismatch = 7011,
    /// `merchant_mismatch`: `appid` / `mch_id` differ from the configured ones.
    MerchantMismatch = 7012,
    /// `decrypt_failed`: the refund's `req_info` did not decrypt to a well-formed document.
    DecryptFailed = 7013,
    /// `malformed_json` (APIv3).
    MalformedJson = 7014,
    /// `missing_header` (APIv3).
    MissingHeader = 7015,
    /// `unsupported_algorithm` (APIv3).
    UnsupportedAlgorithm = 7016,
    /// `unknown_serial` (APIv3).
    UnknownSerial = 7017,
    /// `signature_probe` (APIv3).
    SignatureProbe = 7018,
    /// `timestamp_out_of_window` (APIv3).
    TimestampOutOfWindow = 7019,
    /// `internal`: a bug (an invariant was violated or a panic was caught at the boundary).
    Internal = 7020,
}

/// The SPEC §3 code, e.g. `"signature_mismatch"`: NUL-terminated, valid until
/// `wechatpay_error_free(error)`. Returns `""` if `error` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_error_code(error: *const wechatpay_error) -> *const c_char {
    ffi_boundary! {
        try_ref!(error).code.as_ptr()
    }
}

/// The stable number of the code (a `wechatpay_error_kind`, 7001..). Returns 0 if `error` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_error_number(error: *const wechatpay_error) -> u32 {
    ffi_boundary! {
        try_ref!(error).number
    }
}

/// A human-readable explanation (UTF-8, NUL-terminated, without the code prefix), valid until
/// `wechatpay_error_free(error)`. Returns `""` if `error` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_error_message(error: *const wechatpay_error) -> *const c_char {
    ffi_boundary! {
        try_ref!(error).message.as_ptr()
    }
}

/// Releases an error. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_error_free(error: *mut wechatpay_error) {
    ffi_boundary! { free(error) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::ErrorKind;
    use std::ffi::CStr;

    const KINDS: [wechatpay_error_kind; 20] = [
        wechatpay_error_kind::InvalidConfig,
        wechatpay_error_kind::InvalidArgument,
        wechatpay_error_kind::BodyTooLarge,
        wechatpay_error_kind::MalformedXml,
        wechatpay_error_kind::ForbiddenDoctype,
        wechatpay_error_kind::DuplicateField,
        wechatpay_error_kind::MissingField,
        wechatpay_error_kind::ReturnCodeFail,
        wechatpay_error_kind::MissingSignature,
        wechatpay_error_kind::SignTypeMismatch,
        wechatpay_error_kind::SignatureMismatch,
        wechatpay_error_kind::MerchantMismatch,
        wechatpay_error_kind::DecryptFailed,
        wechatpay_error_kind::MalformedJson,
        wechatpay_error_kind::MissingHeader,
        wechatpay_error_kind::UnsupportedAlgorithm,
        wechatpay_error_kind::UnknownSerial,
        wechatpay_error_kind::SignatureProbe,
        wechatpay_error_kind::TimestampOutOfWindow,
        wechatpay_error_kind::Internal,
    ];

    fn snake(name: &str) -> String {
        let mut out = String::new();
        for c in name.chars() {
            if c.is_ascii_uppercase() && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    #[test]
    fn enum_matches_the_core_numbers_and_codes() {
        assert_eq!(KINDS.len(), ErrorKind::ALL.len());
        for (ffi, core) in KINDS.iter().zip(ErrorKind::ALL) {
            assert_eq!(*ffi as u32, core.number());
            assert_eq!(snake(&format!("{ffi:?}")), core.code());
        }
    }

    #[test]
    fn error_handle_round_trip() {
        let e = into_raw(Error::new(ErrorKind::SignatureMismatch, "nope\0x"));
        // SAFETY: the getters return NUL-terminated strings owned by the live handle `e`.
        unsafe {
            assert_eq!(
                CStr::from_ptr(wechatpay_error_code(e)).to_str().unwrap(),
                "signature_mismatch"
            );
            assert_eq!(
                CStr::from_ptr(wechatpay_error_message(e)).to_str().unwrap(),
                "nope?x"
            );
            assert_eq!(wechatpay_error_number(e), 7011);
            wechatpay_error_free(e);
            assert_eq!(*wechatpay_error_code(std::ptr::null()), 0);
        }
        assert_eq!(wechatpay_error_number(std::ptr::null()), 0);
        wechatpay_error_free(std::ptr::null_mut());
    }
}
