//! The exact replies WeChat Pay expects from a notify_url: v2 (XML bodies) and APIv3 (HTTP status
//! plus a JSON body on failure).

use crate::error::{Error, ErrorKind};

/// Acknowledges a verified notification (also a `result_code=FAIL` one), byte for byte as WeChat Pay
/// documents it.
pub const SUCCESS: &str = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

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

/// APIv3 success: `204 No Content` (WeChat Pay also accepts 200), no body.
pub fn v3_success() -> HttpReply {
    HttpReply {
        status: 204,
        content_type: None,
        body: String::new(),
    }
}

/// APIv3 failure: a 4xx status (401 when the request is not authentic, 400 when it is malformed;
/// 500 for our own configuration or a bug) and `{"code":"FAIL","message":"<error code>"}`. The
/// message is the stable code only, never input. WeChat Pay retries on any non-2xx reply.
pub fn v3_fail(error: &Error) -> HttpReply {
    HttpReply {
        status: v3_status(error.kind()),
        content_type: Some("application/json"),
        body: format!("{{\"code\":\"FAIL\",\"message\":\"{}\"}}", error.code()),
    }
}

/// The APIv3 failure status for an error kind.
pub fn v3_status(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::MissingHeader
        | ErrorKind::SignatureProbe
        | ErrorKind::UnsupportedAlgorithm
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
        assert_eq!(r.body, r#"{"code":"FAIL","message":"signature_mismatch"}"#);
        assert_eq!(v3_status(ErrorKind::MalformedJson), 400);
        assert_eq!(v3_status(ErrorKind::DecryptFailed), 400);
        assert_eq!(v3_status(ErrorKind::InvalidConfig), 500);
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
