//! Errors with stable codes. The code strings are part of the public contract of every
//! binding; the numeric values are used by the C ABI and are never reused.

use std::borrow::Cow;
use std::fmt;

/// The kind of failure, with a stable string code and a stable number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The verifier's configuration (API key, algorithm, limits) is unusable.
    InvalidConfig,
    /// A caller-supplied argument is unusable (not a property of the notification).
    InvalidArgument,
    /// The body is larger than `max_body_bytes`; nothing was parsed.
    BodyTooLarge,
    /// The body is not the flat XML document the protocol defines.
    MalformedXml,
    /// The body contains a DOCTYPE or an entity declaration.
    ForbiddenDoctype,
    /// The same element appears twice.
    DuplicateField,
    /// A field the protocol requires is absent.
    MissingField,
    /// `return_code` is not `SUCCESS`: a communication failure notice, never signed.
    ReturnCodeFail,
    /// The notification carries no (or an empty) `sign`.
    MissingSignature,
    /// `sign_type` names an algorithm the verifier is not configured to accept.
    SignTypeMismatch,
    /// The signature does not verify.
    SignatureMismatch,
    /// `appid` / `mch_id` differ from the configured ones.
    MerchantMismatch,
    /// The encrypted refund payload could not be decrypted to a well-formed document.
    DecryptFailed,
    /// (APIv3) The body is not valid JSON.
    MalformedJson,
    /// (APIv3) A required header is absent.
    MissingHeader,
    /// (APIv3) The signature or resource algorithm is not supported.
    UnsupportedAlgorithm,
    /// (APIv3) No platform key with that serial is configured.
    UnknownSerial,
    /// (APIv3) WeChat Pay's signature probe traffic.
    SignatureProbe,
    /// (APIv3) The timestamp is outside the allowed clock skew.
    TimestampOutOfWindow,
    /// A bug: an invariant was violated (or a panic was caught at a language boundary).
    Internal,
}

impl ErrorKind {
    /// Every kind, in numeric order.
    pub const ALL: [ErrorKind; 20] = [
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidArgument,
        ErrorKind::BodyTooLarge,
        ErrorKind::MalformedXml,
        ErrorKind::ForbiddenDoctype,
        ErrorKind::DuplicateField,
        ErrorKind::MissingField,
        ErrorKind::ReturnCodeFail,
        ErrorKind::MissingSignature,
        ErrorKind::SignTypeMismatch,
        ErrorKind::SignatureMismatch,
        ErrorKind::MerchantMismatch,
        ErrorKind::DecryptFailed,
        ErrorKind::MalformedJson,
        ErrorKind::MissingHeader,
        ErrorKind::UnsupportedAlgorithm,
        ErrorKind::UnknownSerial,
        ErrorKind::SignatureProbe,
        ErrorKind::TimestampOutOfWindow,
        ErrorKind::Internal,
    ];

    /// The stable string code.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::MalformedXml => "malformed_xml",
            ErrorKind::ForbiddenDoctype => "forbidden_doctype",
            ErrorKind::DuplicateField => "duplicate_field",
            ErrorKind::MissingField => "missing_field",
            ErrorKind::ReturnCodeFail => "return_code_fail",
            ErrorKind::MissingSignature => "missing_signature",
            ErrorKind::SignTypeMismatch => "sign_type_mismatch",
            ErrorKind::SignatureMismatch => "signature_mismatch",
            ErrorKind::MerchantMismatch => "merchant_mismatch",
            ErrorKind::DecryptFailed => "decrypt_failed",
            ErrorKind::MalformedJson => "malformed_json",
            ErrorKind::MissingHeader => "missing_header",
            ErrorKind::UnsupportedAlgorithm => "unsupported_algorithm",
            ErrorKind::UnknownSerial => "unknown_serial",
            ErrorKind::SignatureProbe => "signature_probe",
            ErrorKind::TimestampOutOfWindow => "timestamp_out_of_window",
            ErrorKind::Internal => "internal",
        }
    }

    /// The stable number used by the C ABI: 8200 + position (a range of our own: rustls-ffi uses
    /// 7000-7999). Never reused.
    pub const fn number(self) -> u32 {
        8200 + match self {
            ErrorKind::InvalidConfig => 1,
            ErrorKind::InvalidArgument => 2,
            ErrorKind::BodyTooLarge => 3,
            ErrorKind::MalformedXml => 4,
            ErrorKind::ForbiddenDoctype => 5,
            ErrorKind::DuplicateField => 6,
            ErrorKind::MissingField => 7,
            ErrorKind::ReturnCodeFail => 8,
            ErrorKind::MissingSignature => 9,
            ErrorKind::SignTypeMismatch => 10,
            ErrorKind::SignatureMismatch => 11,
            ErrorKind::MerchantMismatch => 12,
            ErrorKind::DecryptFailed => 13,
            ErrorKind::MalformedJson => 14,
            ErrorKind::MissingHeader => 15,
            ErrorKind::UnsupportedAlgorithm => 16,
            ErrorKind::UnknownSerial => 17,
            ErrorKind::SignatureProbe => 18,
            ErrorKind::TimestampOutOfWindow => 19,
            ErrorKind::Internal => 20,
        }
    }

    /// Looks a kind up by its string code.
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The longest message, in characters: with the longest code and `": "` in front, the displayed
/// error stays within 200 characters.
pub const MAX_MESSAGE_CHARS: usize = 170;

/// A rejected notification or an unusable configuration.
///
/// The message says which rule failed. It never contains key material or the expected signature,
/// and it is inert: at most [`MAX_MESSAGE_CHARS`] characters of printable ASCII (anything else, such
/// as an excerpt of hostile input with newlines, ANSI escapes or U+2028/U+202E, is escaped), so a
/// handler can log it as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
}

impl Error {
    /// Builds an error. `message` must not contain secrets; it is made inert (see [`Error`]).
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Error {
        let message = message.into();
        let inert = message.len() <= MAX_MESSAGE_CHARS && message.bytes().all(is_printable_ascii);
        Error {
            kind,
            message: if inert {
                message
            } else {
                Cow::Owned(escape(&message, MAX_MESSAGE_CHARS))
            },
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable string code, e.g. `"signature_mismatch"`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The human-readable explanation (without the code prefix).
    pub fn message(&self) -> &str {
        &self.message
    }
}

fn is_printable_ascii(b: u8) -> bool {
    (0x20..0x7F).contains(&b)
}

/// `s` as printable ASCII of at most `max` characters: other characters become `\n`, `\t`, `\r`
/// or `\u{…}`, and a cut is marked with `...`.
pub(crate) fn escape(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let piece = match c {
            '\n' => "\\n".to_owned(),
            '\r' => "\\r".to_owned(),
            '\t' => "\\t".to_owned(),
            c if c.is_ascii() && is_printable_ascii(c as u8) => c.to_string(),
            c => format!("\\u{{{:x}}}", c as u32),
        };
        if out.len() + piece.len() > max.saturating_sub(3) {
            out.push_str("...");
            return out;
        }
        out.push_str(&piece);
    }
    out
}

/// A short, inert excerpt of untrusted input for an error message: at most 40 characters of
/// printable ASCII (see [`escape`]).
pub(crate) fn excerpt(s: &str) -> String {
    escape(s, 40)
}

macro_rules! constructors {
    ($($name:ident => $kind:ident),* $(,)?) => {
        impl Error {
            $(
                pub(crate) fn $name(message: impl Into<Cow<'static, str>>) -> Error {
                    Error::new(ErrorKind::$kind, message)
                }
            )*
        }
    };
}

constructors! {
    invalid_config => InvalidConfig,
    invalid_argument => InvalidArgument,
    malformed_xml => MalformedXml,
    forbidden_doctype => ForbiddenDoctype,
    duplicate_field => DuplicateField,
    missing_field => MissingField,
    decrypt_failed => DecryptFailed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_numbers_are_unique_and_round_trip() {
        let mut codes: Vec<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        let mut nums: Vec<_> = ErrorKind::ALL.iter().map(|k| k.number()).collect();
        codes.sort_unstable();
        codes.dedup();
        nums.sort_unstable();
        nums.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        assert_eq!(nums.len(), ErrorKind::ALL.len());
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ErrorKind::from_code("nope"), None);
    }

    #[test]
    fn messages_are_bounded_and_inert() {
        let hostile = format!(
            "a\nb\r\u{1b}[31m\u{2028}\u{202e}\u{200b}\u{85}中{}",
            "x".repeat(500)
        );
        for kind in ErrorKind::ALL {
            let e = Error::new(kind, hostile.clone());
            assert!(e.message().chars().count() <= MAX_MESSAGE_CHARS);
            assert!(e.to_string().chars().count() <= 200);
            assert!(e.message().bytes().all(is_printable_ascii), "{e}");
            assert!(e.message().ends_with("..."));
        }
        let e = Error::new(ErrorKind::MalformedXml, hostile[..30].to_owned());
        assert_eq!(
            e.message(),
            "a\\nb\\r\\u{1b}[31m\\u{2028}\\u{202e}\\u{200b}\\u{85}\\u{4e2d}xxxxxxx"
        );
        assert_eq!(excerpt("abc"), "abc");
        assert_eq!(excerpt(&"y".repeat(100)), format!("{}...", "y".repeat(37)));
        // Messages that are already inert are kept as they are.
        assert_eq!(Error::new(ErrorKind::Internal, "plain").message(), "plain");
    }

    #[test]
    fn display_starts_with_code() {
        let e = Error::new(ErrorKind::SignatureMismatch, "signature does not verify");
        assert_eq!(
            e.to_string(),
            "signature_mismatch: signature does not verify"
        );
        assert_eq!(e.code(), "signature_mismatch");
    }
}
