//! `wechatpay_sign` and the two replies.

use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use notify::{Error, ErrorKind, Fields, reply};

use crate::error::wechatpay_error;
use crate::util::{new_string, static_cstr, wechatpay_field, wechatpay_string};

/// Signs fields the way WeChat Pay does (`sign` itself and empty values are skipped) and writes
/// the uppercase hex signature to `*signature_out` (free it with `wechatpay_string_free`).
///
/// `fields`: `fields_len` name/value pairs (NULL allowed when `fields_len` is 0); names and values
/// must be UTF-8 (else `invalid_argument`); a repeated name, or a name that
/// `wechatpay_verifier_verify_payment` would refuse, is `invalid_argument`. `api_key`:
/// `api_key_len` bytes, 32 printable ASCII characters (else `invalid_config`). `sign_type`:
/// `"MD5"` or `"HMAC-SHA256"` (else `invalid_config`).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_sign(
    fields: *const wechatpay_field,
    fields_len: usize,
    api_key: *const c_char,
    api_key_len: usize,
    sign_type: *const c_char,
    sign_type_len: usize,
    signature_out: *mut *mut wechatpay_string,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let pairs = try_ffi!(pairs(fields, fields_len));
        let key = try_slice!(api_key, api_key_len);
        let name = try_slice!(sign_type, sign_type_len);
        let out = try_out!(signature_out);
        let algorithm = try_ffi!(crate::verifier::sign_type(name));
        let signature = try_ffi!(notify::sign(pairs, key, algorithm));
        out.set(try_ffi!(new_string(signature)));
        std::ptr::null_mut()
    }
}

/// The string to sign without the trailing `&key=...` (for diagnostics; it contains no key):
/// every field except `sign`, empty values dropped, names in byte order, `name=value` joined with
/// `&`. Writes it to `*string_out` (free it with `wechatpay_string_free`). The input rules of
/// `wechatpay_sign` apply, except that a repeated name is `duplicate_field`.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_string_to_sign(
    fields: *const wechatpay_field,
    fields_len: usize,
    string_out: *mut *mut wechatpay_string,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let pairs = try_ffi!(pairs(fields, fields_len));
        let out = try_out!(string_out);
        let fields = try_ffi!(Fields::from_pairs(pairs));
        out.set(try_ffi!(new_string(notify::string_to_sign(&fields))));
        std::ptr::null_mut()
    }
}

/// The caller's pairs as UTF-8 strings (`invalid_argument` otherwise).
fn pairs<'a>(fields: *const wechatpay_field, len: usize) -> Result<Vec<(&'a str, &'a str)>, Error> {
    let fields = crate::util::array(fields, len, "fields")?;
    fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let name = text(field.name.input("a field name")?, i, "name")?;
            let value = text(field.value.input("a field value")?, i, "value")?;
            Ok((name, value))
        })
        .collect()
}

fn text<'a>(bytes: &'a [u8], index: usize, part: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("the {part} of field {index} is not valid UTF-8"),
        )
    })
}

/// The exact success reply (`<xml><return_code><![CDATA[SUCCESS]]></return_code>...`):
/// NUL-terminated, static. Acknowledge every verified notification with it, also
/// `result_code=FAIL` ones.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_reply_success() -> *const c_char {
    ffi_boundary! {
        static SUCCESS: OnceLock<CString> = OnceLock::new();
        static_cstr(&SUCCESS, reply::success())
    }
}

/// The v2 refusal reply, the XML FAIL reply with the constant message `rejected`
/// (`<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]>...`):
/// NUL-terminated, static. Send it (status 200, `text/xml`) for a notification you refuse: the
/// error code stays in your logs, never in the reply (a reply naming it would let anyone enumerate
/// your merchants and probe your checks). The endpoint's refusals carry this body.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_reply_refusal() -> *const c_char {
    ffi_boundary! {
        static REFUSAL: OnceLock<CString> = OnceLock::new();
        static_cstr(&REFUSAL, reply::REFUSAL)
    }
}

/// A FAIL reply carrying `message` (`message_len` bytes of UTF-8; invalid sequences become
/// U+FFFD), safe for any message. Writes it to `*reply_out` (free it with
/// `wechatpay_string_free`). WeChat Pay retries after a FAIL reply. To refuse a notification,
/// prefer `wechatpay_reply_refusal` (never put the error code or input in a reply).
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_reply_fail(
    message: *const c_char,
    message_len: usize,
    reply_out: *mut *mut wechatpay_string,
) -> *mut wechatpay_error {
    ffi_boundary! {
        let message = try_slice!(message, message_len);
        let out = try_out!(reply_out);
        out.set(try_ffi!(new_string(reply::fail(&String::from_utf8_lossy(message)))));
        std::ptr::null_mut()
    }
}
