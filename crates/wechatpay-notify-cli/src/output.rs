//! The JSON the CLI prints: serde_json's compact form, with every character that can change what a
//! terminal shows written as a `\uXXXX` escape (the same JSON value). A notification's fields, a
//! decrypted resource, `--explain`'s unverified fields and a handler's reply are the sender's text,
//! and the output is often read on a terminal.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, Serializer};

/// True for the characters written escaped: DEL and the C1 controls (U+0080–U+009F: U+009B is a
/// CSI, which starts a terminal escape sequence), the bidirectional controls that reorder what is
/// shown (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the invisible zero-width
/// characters (U+200B–U+200D, U+2060, U+FEFF) and the line and paragraph separators (U+2028,
/// U+2029). serde_json escapes the C0 controls itself.
fn escaped(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}'
            | '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

/// serde_json's compact formatter, escaping [`escaped`] characters in strings and keys.
struct TerminalSafe;

impl Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if escaped(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every escaped character is in the Basic Multilingual Plane: one `\uXXXX`.
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// `value` as one line of JSON, newline-terminated.
pub(crate) fn json_line(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = Serializer::with_formatter(&mut out, TerminalSafe);
    // Writing a `Value` into a `Vec` cannot fail (string keys, finite numbers); were it to, the
    // value is never printed unescaped.
    if value.serialize(&mut serializer).is_err() {
        return "{\"ok\":false,\"error\":{\"code\":\"internal\",\"message\":\"the output could not be written\"}}\n"
            .to_owned();
    }
    out.push(b'\n');
    // serde_json writes UTF-8, and the escapes are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn terminal_controls_are_escaped_and_the_value_is_the_same() {
        let value = json!({
            "attach": "RED\u{202e}evil\u{9b}31m\u{2028}x\u{7f}",
            "k\u{200b}ey": "支付测试，OK",
            "n": 1,
        });
        let line = json_line(&value);
        assert!(line.ends_with('\n'));
        assert!(line.is_ascii() || line.contains("支付测试，OK"));
        for c in ['\u{202e}', '\u{9b}', '\u{2028}', '\u{7f}', '\u{200b}'] {
            assert!(!line.contains(c), "{c:?} in {line}");
        }
        assert!(
            line.contains("\\u202e") && line.contains("\\u009b") && line.contains("k\\u200bey")
        );
        let back: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, value);
    }
}
