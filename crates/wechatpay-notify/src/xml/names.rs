//! XML element names: the `NCName` production of XML 1.0 (fifth edition) and Namespaces in XML,
//! that is a `Name` without `:`.
//!
//! Names matter to the signature: the string to sign is `name=value` pairs joined with `&`, so an
//! element named `appid=wx…&attach` could stand in for two signed elements. A `Name` can hold
//! neither `=` nor `&` (nor `<`, `;`, `/`, `?`, controls, U+FFFE), so every name is checked. `:` is
//! refused as well: no notification uses one, and with no namespace declared a namespace-aware
//! parser would refuse the document.

/// True when `s` is an XML `NCName`.
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) if is_name_start(first) => chars.all(is_name_char),
        _ => false,
    }
}

/// `NameStartChar` without `:`.
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// `NameChar` without `:`.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "a",
            "_",
            "appid",
            "coupon_fee_0",
            "a.b-c",
            "中文",
            "é",
            "a\u{B7}b",
        ] {
            assert!(is_name(ok), "{ok:?}");
        }
        for bad in [
            "",
            "1a",
            "-a",
            ".a",
            "a=b",
            "a&b",
            "a;b",
            "a/b",
            "a?b",
            "a<b",
            "a b",
            "a\u{0}",
            "a\u{1}",
            "a\u{7f}",
            "a\u{FFFE}",
            ":a",
            "a:b",
            "\u{B7}a",
            "a\u{2028}",
        ] {
            assert!(!is_name(bad), "{bad:?}");
        }
    }
}
