//! The exact replies WeChat Pay expects from a notify_url: v2 (XML bodies) and APIv3 (HTTP status
//! plus a JSON body on failure).

use crate::error::{Error, ErrorKind};

/// Acknowledges a verified notification (also a `result_code=FAIL` one), byte for byte as WeChat Pay
/// documents it.
pub const SUCCESS: &str = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

/// The one message of every refusal reply, both versions. The error code stays on the
/// error object for the application's logs: a reply naming it would let anyone list the merchants
/// and key ids an endpoint serves and probe its clock window. WeChat Pay does not read it.
pub const REFUSAL_MESSAGE: &str = "rejected";

/// The v2 refusal body: [`fail`] with [`REFUSAL_MESSAGE`].
pub const REFUSAL: &str = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>";

/// The success reply (see [`SUCCESS`]).
pub fn success() -> &'static str {
    SUCCESS
}

/// A FAIL reply carrying `msg` (WeChat Pay will retry). Safe for any message: a `]]>` inside it is
/// split across two CDATA sections, and characters XML cannot carry are replaced by `?`.
pub fn fail(msg: &str) -> String {
    let mut out = String::with_capacity(100 + msg.len());
    out.push_str("<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[");
    for c in msg.chars() {
        let allowed = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
        out.push(if allowed { c } else { '?' });
        if c == '>' && out.ends_with("]]>") {
            // Close the section after "]]", reopen, and carry on with ">".
            out.truncate(out.len() - 1);
            out.push_str("]]><![CDATA[>");
        }
    }
    out.push_str("]]></return_msg></xml>");
    out
}

/// An HTTP reply: status, content type (none for an empty body) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, when there is a body.
    pub content_type: Option<&'static str>,
    /// The body, exactly.
    pub body: String,
}

/// A v2 reply over HTTP: status 200 (the outcome is in the XML), `text/xml`.
pub fn v2_http(body: String) -> HttpReply {
    HttpReply {
        status: 200,
        content_type: Some("text/xml"),
        body,
    }
}

/// The v2 success reply over HTTP: 200, `text/xml`, [`SUCCESS`].
pub fn v2_success() -> HttpReply {
    v2_http(SUCCESS.to_owned())
}

/// The v2 refusal over HTTP for `error`, by the one status rule of every refusal: 200 with
/// [`REFUSAL`] when the request was refused (WeChat Pay reads the FAIL and retries), 500 with the
/// same body for the merchant's own configuration or a bug (`invalid_config`, `internal`), as the
/// APIv3 refusal has ([`v3_status`]).
pub fn v2_fail(error: &Error) -> HttpReply {
    let status = match error.kind() {
        ErrorKind::InvalidConfig | ErrorKind::Internal => 500,
        _ => 200,
    };
    HttpReply {
        status,
        ..v2_http(REFUSAL.to_owned())
    }
}

/// APIv3 success: `204 No Content` (WeChat Pay also accepts 200), no body.
pub fn v3_success() -> HttpReply {
    HttpReply {
        status: 204,
        content_type: None,
        body: String::new(),
    }
}

/// The APIv3 refusal body: `{"code":"FAIL","message":"rejected"}` (see [`REFUSAL_MESSAGE`]).
pub const V3_REFUSAL: &str = r#"{"code":"FAIL","message":"rejected"}"#;

/// APIv3 failure: the status for the error's kind ([`v3_status`]) and [`V3_REFUSAL`], the same
/// body for every error. WeChat Pay retries on any non-2xx reply.
pub fn v3_fail(error: &Error) -> HttpReply {
    HttpReply {
        status: v3_status(error.kind()),
        content_type: Some("application/json"),
        body: V3_REFUSAL.to_owned(),
    }
}

/// The APIv3 failure status for an error kind: 401 when the request was not proven authentic
/// (missing header, probe, unknown key id, stale timestamp, bad signature, merchant), 500 for our
/// own configuration or a bug (`invalid_config`, `internal`), 400 for everything else (malformed,
/// or an algorithm we do not support: `unsupported_algorithm` also arises after the signature
/// verified, from `resource.algorithm`).
pub fn v3_status(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::MissingHeader
        | ErrorKind::SignatureProbe
        | ErrorKind::UnknownSerial
        | ErrorKind::TimestampOutOfWindow
        | ErrorKind::SignatureMismatch
        | ErrorKind::MissingSignature
        | ErrorKind::SignTypeMismatch
        | ErrorKind::MerchantMismatch => 401,
        ErrorKind::InvalidConfig | ErrorKind::Internal => 500,
        _ => 400,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_flat;

    #[test]
    fn v3_replies() {
        assert_eq!(v3_success().status, 204);
        assert!(v3_success().body.is_empty());
        let r = v3_fail(&Error::new(ErrorKind::SignatureMismatch, "x\ny"));
        assert_eq!(r.status, 401);
        assert_eq!(r.content_type, Some("application/json"));
        assert_eq!(r.body, r#"{"code":"FAIL","message":"rejected"}"#);
        assert_eq!(v3_status(ErrorKind::UnsupportedAlgorithm), 400);
        assert_eq!(v3_status(ErrorKind::MalformedJson), 400);
        assert_eq!(v3_status(ErrorKind::DecryptFailed), 400);
        assert_eq!(v3_status(ErrorKind::InvalidConfig), 500);
    }

    #[test]
    fn v2_replies_follow_the_same_status_rule() {
        assert_eq!(v2_success(), v2_http(SUCCESS.to_owned()));
        for (kind, status) in [
            (ErrorKind::SignatureMismatch, 200),
            (ErrorKind::MalformedXml, 200),
            (ErrorKind::InvalidConfig, 500),
            (ErrorKind::Internal, 500),
        ] {
            let r = v2_fail(&Error::new(kind, "x"));
            assert_eq!(
                (r.status, r.content_type, r.body.as_str()),
                (status, Some("text/xml"), REFUSAL)
            );
            // The same status class as the APIv3 refusal for our own faults.
            assert_eq!(status == 500, v3_status(kind) == 500);
        }
    }

    #[test]
    fn the_refusal_is_fail_with_the_constant_message() {
        assert_eq!(fail(REFUSAL_MESSAGE), REFUSAL);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(V3_REFUSAL).unwrap(),
            serde_json::json!({"code": "FAIL", "message": REFUSAL_MESSAGE})
        );
    }

    #[test]
    fn success_is_byte_exact() {
        assert_eq!(
            success(),
            "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
        );
    }

    #[test]
    fn fail_round_trips_any_message() {
        for msg in [
            "",
            "签名失败",
            "a]]>b",
            "]]>]]>",
            "x]]]]>>",
            "<xml>&amp;",
            "nul\0ctl\u{1}",
        ] {
            let reply = fail(msg);
            let fields = parse_flat(reply.as_bytes(), "xml").unwrap();
            assert_eq!(fields.get("return_code"), Some("FAIL"));
            let expected: String = msg
                .chars()
                .map(|c| if c == '\0' || c == '\u{1}' { '?' } else { c })
                .collect();
            assert_eq!(fields.get("return_msg"), Some(expected.as_str()), "{msg:?}");
        }
    }
}
