//! Verify WeChat Pay callback ("notify_url") notifications, exactly and securely.
//!
//! v2 (XML): payment notifications signed with MD5 or HMAC-SHA256 ([`Verifier::verify_payment`]) and
//! refund notifications encrypted with AES-256-ECB ([`Verifier::decrypt_refund`]), then the exact
//! reply ([`reply`]).
//!
//! ```
//! use wechatpay_notify::{SignType, Verifier, reply, sign};
//!
//! let key = "192006250b4c09247ec02edce69f6a2d";
//! let verifier = Verifier::new(key, SignType::HmacSha256)?.expect_mch_id("10000100");
//! # let fields = [("return_code", "SUCCESS"), ("result_code", "SUCCESS"), ("mch_id", "10000100"),
//! #     ("transaction_id", "4200000001"), ("out_trade_no", "A1"), ("total_fee", "1")];
//! # let s = sign(fields, key, SignType::HmacSha256)?;
//! # let body = format!("<xml>{}<sign>{s}</sign></xml>",
//! #     fields.iter().map(|(k, v)| format!("<{k}>{v}</{k}>")).collect::<String>());
//! let n = verifier.verify_payment(body.as_bytes())?;
//! assert_eq!(n.total_fee()?, Some(1));
//! assert_eq!(n.dedupe_key(), Some("4200000001"));
//! assert!(reply::success().contains("SUCCESS"));
//! # Ok::<(), wechatpay_notify::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod dedupe;
mod endpoint;
mod error;
mod profiles;
pub mod reply;
pub mod settings;
mod sign;
mod v2;
mod v3;
pub mod view;
mod xml;

pub use dedupe::refund_state;
pub use endpoint::{ApiVersion, Endpoint, Handled, MerchantProfile, Notification, Rejection};
pub use error::{Error, ErrorKind};
pub use sign::{ApiKey, SignType, sign, signed_xml, string_to_sign};
pub use v2::{
    Coupon, DEFAULT_MAX_BODY_BYTES, PaymentNotification, RefundNotification, Verifier,
    encrypt_req_info, parse_amount,
};
pub use v3::{
    DEFAULT_MAX_CLOCK_SKEW, MAX_KEY_FILE_BYTES, PlatformCertificate, TrustedKeys, V3Complaint,
    V3Headers, V3Notification, V3ProfitSharing, V3Refund, V3Transaction, V3Transfer, V3Verifier,
};
pub use xml::Fields;

/// The fast path and the general XML reader, each alone: for the differential tests and the fuzz
/// targets only (compiled with `--cfg fuzzing`; not part of the API).
#[cfg(fuzzing)]
#[doc(hidden)]
pub use xml::paths as __xml_paths;

/// The one body size check of every verifier and the endpoint: over `limit` → `body_too_large`,
/// before anything is parsed.
pub(crate) fn check_body_size(body: &[u8], limit: usize) -> Result<(), Error> {
    if body.len() > limit {
        return Err(Error::new(
            ErrorKind::BodyTooLarge,
            format!(
                "the body is {} bytes, over the {limit}-byte limit",
                body.len()
            ),
        ));
    }
    Ok(())
}

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Parses a flat `<xml>` document with the same hardened reader the verifier uses, without
/// verifying anything (for tooling such as `--explain`; never trust its output).
pub fn parse_unverified(body: &[u8]) -> Result<Fields, Error> {
    xml::parse_flat(body, "xml")
}
