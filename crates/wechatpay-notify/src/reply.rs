//! The exact replies WeChat Pay expects from a v2 notify_url.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_flat;

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
