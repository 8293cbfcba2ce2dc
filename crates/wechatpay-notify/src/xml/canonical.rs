//! The fast path: the canonical shape WeChat Pay actually sends.
//!
//! ```text
//! document = *ws "<" root ">" *( *ws field ) *ws "</" root ">" *ws
//! field    = "<" name "/>"
//!          / "<" name ">" value "</" name ">"      ; the same name
//! value    = cdata / text
//! cdata    = "<![CDATA[" *char "]]>"               ; ends at the first "]]>"
//! text     = *( char except "<" / "&" / "]" )      ; no references, no "]]>"
//! name     = ( ALPHA / "_" ) *( ALPHA / DIGIT / "_" / "." / "-" )
//! ws       = SP / HTAB / LF
//! ```
//!
//! and, over the whole body: valid UTF-8, no C0 control but HTAB and LF (so no CR), and neither
//! U+FFFE nor U+FFFF (EF BF BE, EF BF BF: besides the C0 controls, the only characters of valid
//! UTF-8 that XML's `Char` excludes). Every other character stays on this path, full-width
//! punctuation such as U+FF0C (EF BC 8C) and U+FFE5 (EF BF A5) included.
//!
//! **This path never decides an error.** It returns `None` for anything outside that grammar, and
//! the general reader (`general.rs`) then decides. Every document it accepts is accepted by the
//! general reader with the same fields (checked by a differential property test, by a fuzz
//! target, and on every shared vector), so there is one observable grammar. It exists for speed:
//! quick-xml's per-event cost is several times that of hashing the string to sign (the v2 speed floor, README: Benchmarks).

use memchr::{memchr, memchr_iter};

use crate::xml::{Fields, is_xml_space};

/// Reads `body` if it has the canonical shape, else `None`. The fields are not sealed yet.
pub(crate) fn parse(body: &[u8], root: &str) -> Option<Fields> {
    let text = std::str::from_utf8(body).ok()?;
    // One pass over every byte, without an early exit so that the compiler can vectorise it.
    let control = body.iter().fold(false, |seen, &c| {
        seen | ((c < 0x20) & (c != b'\t') & (c != b'\n'))
    });
    // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8.
    let noncharacter = memchr_iter(0xEF, body)
        .any(|at| matches!(body.get(at + 1..at + 3), Some([0xBF, 0xBE | 0xBF])));
    if control || noncharacter {
        return None;
    }
    let root = root.as_bytes();
    let b = body;
    let mut i = skip_ws(b, 0);
    i = expect(b, i, b"<")?;
    i = expect(b, i, root)?;
    i = expect(b, i, b">")?;
    // Names and values are ranges of one copy of the body.
    let mut fields = Fields::over(text.to_owned());
    loop {
        i = skip_ws(b, i);
        i = expect(b, i, b"<")?;
        if b.get(i) == Some(&b'/') {
            i = expect(b, i + 1, root)?;
            i = expect(b, i, b">")?;
            return (skip_ws(b, i) == b.len()).then_some(fields);
        }
        let name_start = i;
        let name_end = name_start + name_len(&b[i..])?;
        let name = &b[name_start..name_end];
        if let Some(after) = expect(b, name_end, b"/>") {
            i = after;
            fields.add(to_u32(name_start..name_end)?, to_u32(after..after)?);
            continue;
        }
        i = expect(b, name_end, b">")?;
        let value = if let Some(start) = expect(b, i, b"<![CDATA[") {
            let end = cdata_end(b, start)?;
            i = end + "]]>".len();
            start..end
        } else {
            let end = i + memchr(b'<', &b[i..])?;
            let value = &b[i..end];
            if value.contains(&b'&') || value.contains(&b']') {
                return None;
            }
            let start = i;
            i = end;
            start..end
        };
        i = expect(b, i, b"</")?;
        i = expect(b, i, name)?;
        i = expect(b, i, b">")?;
        fields.add(to_u32(name_start..name_end)?, to_u32(value)?);
    }
}

/// The position of the first `]]>` at or after `from`.
fn cdata_end(b: &[u8], mut from: usize) -> Option<usize> {
    loop {
        from += memchr(b']', &b[from..])?;
        if b[from..].starts_with(b"]]>") {
            return Some(from);
        }
        from += 1;
    }
}

fn to_u32(r: std::ops::Range<usize>) -> Option<std::ops::Range<u32>> {
    Some(u32::try_from(r.start).ok()?..u32::try_from(r.end).ok()?)
}

/// Length of the name `( ALPHA / "_" ) *( ALPHA / DIGIT / "_" / "." / "-" )` at the start of `b`.
fn name_len(b: &[u8]) -> Option<usize> {
    let first = *b.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let rest = b[1..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
        .count();
    Some(1 + rest)
}

fn skip_ws(b: &[u8], i: usize) -> usize {
    i + b[i..].iter().take_while(|&&c| is_xml_space(c)).count()
}

/// The position after `lit` when `b[i..]` starts with it.
fn expect(b: &[u8], i: usize, lit: &[u8]) -> Option<usize> {
    let end = i.checked_add(lit.len())?;
    (b.get(i..end)? == lit).then_some(end)
}
