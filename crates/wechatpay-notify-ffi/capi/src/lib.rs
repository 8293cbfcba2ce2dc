//! The C ABI of wechatpay-notify: `libwechatpay_notify.so` / `libwechatpay_notify.a` and the
//! generated header `include/wechatpay_notify.h` (`make header`, tools/gen-header).
//!
//! Modelled on rustls-ffi:
//! - Opaque handles (`struct wechatpay_verifier`, ...) are created by this library and released
//!   exactly once with their `_free` function; every `_free` accepts NULL.
//! - Fallible functions return `struct wechatpay_error *`: NULL on success, otherwise an error
//!   handle the caller owns and releases with `wechatpay_error_free`. Output arguments are written
//!   only on success ("there are no partial successes").
//! - Inputs are pointer + length (bodies may contain NUL). A NULL pointer is accepted only with
//!   length 0 (an empty input).
//! - Misuse is `invalid_argument`: a NULL or misaligned handle or output pointer, a NULL input with
//!   a non-zero length, a length no object can have (checked by the macros in `macros.rs`). A
//!   well-formed value the core refuses gets the core's code (a bad key is `invalid_config`).
//! - Borrowed outputs (`struct wechatpay_str`) point into the handle they came from and stay valid
//!   until that handle is freed. They are not NUL-terminated.
//! - Handles borrowed from another handle (`wechatpay_endpoint_result_payment`, ...) are never
//!   freed: they live as long as their owner.
//! - An endpoint's refusal is an ordinary `wechatpay_error` that also carries what the endpoint
//!   decided: the reply to send, the version and the merchant (`wechatpay_error_endpoint_*`).
//! - Typed properties are read by name through the core's declaration of each view (`view.rs`):
//!   one listing and one getter per kind per view, never one function per property.
//! - The three builders share one shape (`builder.rs`): a value configured in place or moved out
//!   and back (never copied), and `_build` callable more than once.
//! - APIv3 verification takes the current time as an argument (`now`, Unix seconds): the caller
//!   supplies it (`wechatpay_unix_now()` reads the system clock), so tests can pin it.
//! - Nothing unwinds across the boundary: every function body runs inside [`ffi_boundary!`], which
//!   turns a panic into the `internal` error (or NULL / false / 0 for functions without an error
//!   handle).
//!
//! Every protocol rule lives in the core crate; this crate only converts inputs, outputs and errors.
#![allow(non_camel_case_types)]
#![warn(missing_docs)]

use std::ffi::c_char;

use notify::{Error, ErrorKind};

#[macro_use]
mod macros;
mod builder;
// Declaration order is the header's order. The modules are public so that Rust code (the C ABI
// fuzz target) can call the exported functions by path, exactly as C calls them.
pub mod error;
pub mod notification;
pub mod sign;
pub mod trusted_keys;
pub mod util;
pub mod v3_notification;
pub mod v3_verifier;
pub mod verifier;
pub mod view;
// One endpoint for many merchants, over the verifiers above.
pub mod endpoint;

pub use endpoint::{
    wechatpay_api_version, wechatpay_endpoint, wechatpay_endpoint_builder,
    wechatpay_endpoint_result,
};
pub use error::{wechatpay_error, wechatpay_error_kind};
pub use notification::{wechatpay_coupon, wechatpay_payment, wechatpay_refund};
pub use trusted_keys::wechatpay_trusted_keys;
pub use util::{wechatpay_field, wechatpay_str, wechatpay_string};
pub use v3_notification::{wechatpay_http_reply, wechatpay_v3_notification};
pub use v3_verifier::{wechatpay_v3_verifier, wechatpay_v3_verifier_builder};
pub use verifier::{wechatpay_verifier, wechatpay_verifier_builder};
pub use view::{wechatpay_property, wechatpay_property_kind};

pub(crate) use util::{FfiDefault, static_cstr};

/// The library version (the workspace version, e.g. `"0.1.0"`), NUL-terminated, static.
#[unsafe(no_mangle)]
pub extern "C" fn wechatpay_version() -> *const c_char {
    ffi_boundary! {
        static VERSION: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();
        static_cstr(&VERSION, notify::VERSION)
    }
}

/// Builds the `internal` error for a caught panic.
pub(crate) fn panic_error() -> Error {
    Error::new(
        ErrorKind::Internal,
        "a panic was caught at the C boundary (this is a bug in wechatpay-notify)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_is_the_core_version() {
        // SAFETY: wechatpay_version returns a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(wechatpay_version()) };
        assert_eq!(v.to_str().unwrap(), notify::VERSION);
        assert_eq!(notify::VERSION, env!("CARGO_PKG_VERSION"));
    }
}

#[cfg(test)]
mod boundary_tests {
    use std::ffi::CStr;

    use crate::error::{wechatpay_error, wechatpay_error_code, wechatpay_error_free};

    fn panics_with_error() -> *mut wechatpay_error {
        ffi_boundary! {
            if std::hint::black_box(true) {
                panic!("boom");
            }
            std::ptr::null_mut()
        }
    }

    fn panics_with_count() -> usize {
        ffi_boundary! {
            if std::hint::black_box(true) {
                panic!("boom");
            }
            7
        }
    }

    #[test]
    fn a_panic_becomes_the_internal_error_or_the_default() {
        let err = panics_with_error();
        assert!(!err.is_null());
        // SAFETY: `err` is a live error handle; the code is a NUL-terminated string it owns.
        let code = unsafe { CStr::from_ptr(wechatpay_error_code(err)) };
        assert_eq!(code.to_str().unwrap(), "internal");
        wechatpay_error_free(err);
        assert_eq!(panics_with_count(), 0);
    }
}
