//! The hardened reader for WeChat Pay's flat XML documents.
//!
//! A document is one root element (`xml`, or `root` for the decrypted refund payload) whose
//! children are text-only elements. Anything else is refused: DOCTYPE (never expanded, never
//! fetched), undefined entities, nested elements, attributes, processing instructions, text
//! directly in the root, a second root, trailing content, a repeated child name (a parser that
//! keeps the first or the last copy would let the verified value and the value the application
//! reads differ), names that are not XML names, more than one BOM, a misplaced or malformed XML
//! declaration, and `]]>` in character data.
//!
//! Two readers share one grammar: `canonical` reads the exact shape WeChat Pay sends, quickly, and
//! never decides an error; `general` (on quick-xml) reads everything else and decides every error.
//! `fields` stores the result.

mod canonical;
mod fields;
mod general;
pub(crate) mod names;

pub use fields::Fields;

use crate::error::Error;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses a flat document whose root element must be `root_name`.
///
/// The caller checks the size limit before calling (it is a policy of the verifier).
pub(crate) fn parse_flat(body: &[u8], root_name: &str) -> Result<Fields, Error> {
    let body = body.strip_prefix(BOM).unwrap_or(body);
    if body.starts_with(BOM) {
        return Err(Error::malformed_xml("more than one byte order mark"));
    }
    if let Some(mut fields) = canonical::parse(body, root_name) {
        fields.seal()?;
        return Ok(fields);
    }
    general::parse(body, root_name)
}

/// The two readers, for the differential tests and the fuzz targets (not part of the API).
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod paths {
    use super::*;

    /// The fast path alone (`None`: not canonical, the general reader decides).
    pub fn canonical(body: &[u8], root_name: &str) -> Option<Result<Fields, Error>> {
        canonical::parse(body, root_name).map(|mut f| f.seal().map(|()| f))
    }

    /// The general reader alone.
    pub fn general(body: &[u8], root_name: &str) -> Result<Fields, Error> {
        general::parse(body, root_name)
    }
}

/// XML's white space: `S ::= (#x20 | #x9 | #xD | #xA)+`.
pub(crate) fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// XML 1.0's `Char`.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests;
