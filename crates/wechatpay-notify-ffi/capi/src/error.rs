//! `struct wechatpay_error`: the stable code string, the stable number and the message.

use std::ffi::{CString, c_char};

use notify::{ApiVersion, Error, ErrorKind, Rejection};

use crate::util::{Castable, free, to_raw};
use crate::v3_notification::CReply;

/// A failure: returned (owned by the caller) by every fallible function, NULL meaning success.
/// Read it with `wechatpay_error_code`, `wechatpay_error_number` and `wechatpay_error_message`;
/// release it with `wechatpay_error_free`. Messages never contain key material or the expected
/// signature.
pub struct wechatpay_error {
    _private: [u8; 0],
}

pub(crate) struct FfiError {
    kind: ErrorKind,
    number: u32,
    code: CString,
    message: CString,
    /// What an endpoint decided before refusing the request (`wechatpay_endpoint_handle` only).
    rejection: Option<Rejected>,
}

/// The endpoint's side of a refusal: the version and merchant it had decided, and the reply.
pub(crate) struct Rejected {
    pub(crate) version: Option<ApiVersion>,
    pub(crate) label: Option<String>,
    pub(crate) reply: CReply,
}

impl Castable for wechatpay_error {
    type Rust = FfiError;
}

impl FfiError {
    /// The core kind (for the APIv3 failure reply).
    pub(crate) fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The endpoint's decision, when the error is an endpoint's refusal.
    pub(crate) fn rejection(&self) -> Option<&Rejected> {
        self.rejection.as_ref()
    }
}

fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "?")).unwrap_or_default()
}

fn ffi_error(error: &Error, rejection: Option<Rejected>) -> FfiError {
    FfiError {
        kind: error.kind(),
        number: error.kind().number(),
        code: c_text(error.code()),
        message: c_text(error.message()),
        rejection,
    }
}

pub(crate) fn into_raw(error: Error) -> *mut wechatpay_error {
    to_raw::<wechatpay_error>(ffi_error(&error, None))
}

/// An endpoint's refusal: the error, with the version, label and reply the core decided.
pub(crate) fn rejection_into_raw(rejection: &Rejection) -> *mut wechatpay_error {
    let rejected = Rejected {
        version: rejection.version(),
        label: rejection.label().map(str::to_owned),
        reply: CReply::new(rejection.reply()),
    };
    to_raw::<wechatpay_error>(ffi_error(rejection.error(), Some(rejected)))
}

/// The stable numbers returned by `wechatpay_error_number`: `ErrorKind::number` in the core,
/// 8200 + position in the codes' order (`ErrorKind::ALL`: 8201..8220; a range of our own, rustls-ffi uses the 7000s),
/// never reused. Each name is the code in upper case.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wechatpay_error_kind {
    /// `invalid_config`: the verifier's configuration (API key, algorithm, limits) is unusable.
    InvalidConfig = 8201,
    /// `invalid_argument`: a caller-supplied argument is unusable (a NULL or misaligned pointer, an
    /// impossible length, bad UTF-8), or the core refuses a value to sign (a repeated name).
    InvalidArgument = 8202,
    /// `body_too_large`: the body is larger than `max_body_bytes`; nothing was parsed.
    BodyTooLarge = 8203,
    /// `malformed_xml`: the body is not the flat XML document the protocol defines.
    MalformedXml = 8204,
    /// `forbidden_doctype`: the body contains a DOCTYPE or an entity declaration.
    ForbiddenDoctype = 8205,
    /// `duplicate_field`: the same element appears twice.
    DuplicateField = 8206,
    /// `missing_field`: a field the protocol requires is absent; also a typed amount read from a
    /// verified notification that is present in another form than a non-negative integer.
    MissingField = 8207,
    /// `return_code_fail`: `return_code` is not `SUCCESS` (such notices are never signed).
    ReturnCodeFail = 8208,
    /// `missing_signature`: the notification carries no (or an empty) `sign`.
    MissingSignature = 8209,
    /// `sign_type_mismatch`: `sign_type` names an algorithm the verifier does not accept.
    SignTypeMismatch = 8210,
    /// `signature_mismatch`: the signature does not verify.
    SignatureMismatch = 8211,
    /// `merchant_mismatch`: `appid` / `mch_id` differ from the configured ones; an APIv3 resource's
    /// `mchid` / `sp_mchid` is not an expected merchant id; no endpoint profile has the v2 `mch_id`.
    MerchantMismatch = 8212,
    /// `decrypt_failed`: the v2 refund's `req_info` did not decrypt to a well-formed document, or
    /// the APIv3 resource did not decrypt (AES-256-GCM tag, nonce) to UTF-8 JSON.
    DecryptFailed = 8213,
    /// `malformed_json` (APIv3): the verified body is not a JSON object.
    MalformedJson = 8214,
    /// `missing_header` (APIv3): a `Wechatpay-Timestamp/-Nonce/-Signature/-Serial` header is
    /// absent or empty.
    MissingHeader = 8215,
    /// `unsupported_algorithm` (APIv3): `Wechatpay-Signature-Type` is not
    /// `WECHATPAY2-SHA256-RSA2048`, or `resource.algorithm` is not `AEAD_AES_256_GCM`.
    UnsupportedAlgorithm = 8216,
    /// `unknown_serial` (APIv3): no trusted key has the `Wechatpay-Serial` id, or its certificate
    /// is expired or not yet valid at `now`.
    UnknownSerial = 8217,
    /// `signature_probe` (APIv3): WeChat Pay's probe traffic (`WECHATPAY/SIGNTEST/...`).
    SignatureProbe = 8218,
    /// `timestamp_out_of_window` (APIv3): `Wechatpay-Timestamp` is not within the clock skew of
    /// `now` (either direction), or not an integer.
    TimestampOutOfWindow = 8219,
    /// `internal`: a bug (an invariant was violated or a panic was caught at the boundary).
    Internal = 8220,
}

impl wechatpay_error_kind {
    /// The C constant of a core kind; `None` for a kind this enum lacks (which the check below
    /// turns into a build failure). cbindgen needs literal discriminants, so the numbers are
    /// spelled out above and tied to the core's here.
    const fn of(kind: ErrorKind) -> Option<wechatpay_error_kind> {
        Some(match kind {
            ErrorKind::InvalidConfig => wechatpay_error_kind::InvalidConfig,
            ErrorKind::InvalidArgument => wechatpay_error_kind::InvalidArgument,
            ErrorKind::BodyTooLarge => wechatpay_error_kind::BodyTooLarge,
            ErrorKind::MalformedXml => wechatpay_error_kind::MalformedXml,
            ErrorKind::ForbiddenDoctype => wechatpay_error_kind::ForbiddenDoctype,
            ErrorKind::DuplicateField => wechatpay_error_kind::DuplicateField,
            ErrorKind::MissingField => wechatpay_error_kind::MissingField,
            ErrorKind::ReturnCodeFail => wechatpay_error_kind::ReturnCodeFail,
            ErrorKind::MissingSignature => wechatpay_error_kind::MissingSignature,
            ErrorKind::SignTypeMismatch => wechatpay_error_kind::SignTypeMismatch,
            ErrorKind::SignatureMismatch => wechatpay_error_kind::SignatureMismatch,
            ErrorKind::MerchantMismatch => wechatpay_error_kind::MerchantMismatch,
            ErrorKind::DecryptFailed => wechatpay_error_kind::DecryptFailed,
            ErrorKind::MalformedJson => wechatpay_error_kind::MalformedJson,
            ErrorKind::MissingHeader => wechatpay_error_kind::MissingHeader,
            ErrorKind::UnsupportedAlgorithm => wechatpay_error_kind::UnsupportedAlgorithm,
            ErrorKind::UnknownSerial => wechatpay_error_kind::UnknownSerial,
            ErrorKind::SignatureProbe => wechatpay_error_kind::SignatureProbe,
            ErrorKind::TimestampOutOfWindow => wechatpay_error_kind::TimestampOutOfWindow,
            ErrorKind::Internal => wechatpay_error_kind::Internal,
            _ => return None,
        })
    }
}

// Every core kind has a C constant with the core's number (`ErrorKind::number`): a new kind, or a
// number that differs, fails the build of this crate rather than a test.
const _: () = {
    let mut i = 0;
    while i < ErrorKind::ALL.len() {
        let kind = ErrorKind::ALL[i];
        match wechatpay_error_kind::of(kind) {
            Some(c) => assert!(
                c as u32 == kind.number(),
                "a wechatpay_error_kind number differs from ErrorKind::number"
            ),
            None => panic!("a core ErrorKind has no wechatpay_error_kind"),
        }
        i += 1;
    }
};

/// The stable error code, e.g. `"signature_mismatch"`: NUL-terminated, valid until
/// `wechatpay_error_free(error)`. Returns `""` if `error` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_error_code(error: *const wechatpay_error) -> *const c_char {
    ffi_boundary! {
        try_ref!(error).code.as_ptr()
    }
}

/// The stable number of the code (a `wechatpay_error_kind`, 8201..8220). Returns 0 if `error` is
/// NULL.
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
    use std::ffi::CStr;

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
    fn each_constant_is_named_after_the_core_code_and_carries_its_number() {
        for kind in ErrorKind::ALL {
            let c = wechatpay_error_kind::of(kind).expect("checked at compile time");
            assert_eq!(snake(&format!("{c:?}")), kind.code());
            assert_eq!(c as u32, kind.number());
        }
        assert_eq!(wechatpay_error_kind::InvalidConfig as u32, 8201);
        assert_eq!(wechatpay_error_kind::Internal as u32, 8220);
    }

    #[test]
    fn error_handle_round_trip() {
        let error = Error::new(ErrorKind::SignatureMismatch, "nope\0x");
        // The core escapes control characters itself; a NUL would otherwise become `?` here.
        let message = error.message().replace('\0', "?");
        let e = into_raw(error);
        // SAFETY: the getters return NUL-terminated strings owned by the live handle `e`.
        unsafe {
            assert_eq!(
                CStr::from_ptr(wechatpay_error_code(e)).to_str().unwrap(),
                "signature_mismatch"
            );
            assert_eq!(
                CStr::from_ptr(wechatpay_error_message(e)).to_str().unwrap(),
                message
            );
            assert!(message.starts_with("nope"));
            assert_eq!(wechatpay_error_number(e), 8211);
            wechatpay_error_free(e);
            assert_eq!(*wechatpay_error_code(std::ptr::null()), 0);
        }
        assert_eq!(wechatpay_error_number(std::ptr::null()), 0);
        wechatpay_error_free(std::ptr::null_mut());
    }
}
