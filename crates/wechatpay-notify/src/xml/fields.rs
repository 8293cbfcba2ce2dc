//! Storage for the fields of a flat document: every name and value exactly as received, in
//! document order, plus an index in name order for lookups, the duplicate check and the string to
//! sign.

use std::fmt;
use std::ops::Range;

use crate::error::{Error, excerpt};
use crate::xml::is_xml_char;
use crate::xml::names::is_name;

/// Every child element of a notification, exactly as received, in document order.
///
/// `sign` and empty elements are included. Names are unique (the reader refuses duplicates).
#[derive(Clone, Default)]
pub struct Fields {
    /// The text the entries point into: a copy of the body (fast path) or the decoded names and
    /// values back to back (general reader, [`Fields::from_pairs`]).
    buf: String,
    /// One entry per field, in document order.
    entries: Vec<Entry>,
    /// Positions in `entries`, sorted by name (byte order). Filled by `seal`.
    by_name: Vec<u32>,
}

/// A field's name and value, as byte ranges of `Fields::buf`.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) name: Range<u32>,
    pub(crate) value: Range<u32>,
}

impl Fields {
    /// Builds a field list from pairs (for signing). A name that is not an XML name, or a value
    /// holding a character XML cannot carry, is `invalid_argument` (such a map could never be
    /// received, so it must not be signed); a repeated name is `duplicate_field`.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Fields, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut fields = Fields::default();
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref());
            if !is_name(k) {
                return Err(Error::invalid_argument(format!(
                    "{} is not an XML element name, so it cannot be sent",
                    excerpt(k)
                )));
            }
            if !v.chars().all(is_xml_char) {
                return Err(Error::invalid_argument(format!(
                    "the value of {} holds a character XML cannot carry",
                    excerpt(k)
                )));
            }
            let name = fields.push(k)?;
            let value = fields.push(v)?;
            fields.entries.push(Entry { name, value });
        }
        fields.seal()?;
        Ok(fields)
    }

    /// An empty list whose entries will point into `text`.
    pub(crate) fn over(text: String) -> Fields {
        Fields {
            buf: text,
            entries: Vec::with_capacity(32),
            by_name: Vec::new(),
        }
    }

    /// Appends `s` to the buffer and returns its range.
    pub(crate) fn push(&mut self, s: &str) -> Result<Range<u32>, Error> {
        let start = self.buf.len();
        self.buf.push_str(s);
        self.range_from(start)
    }

    /// Appends one character to the buffer (a decoded reference inside a value).
    pub(crate) fn push_char(&mut self, c: char) {
        self.buf.push(c);
    }

    /// The current length of the buffer.
    pub(crate) fn buf_len(&self) -> usize {
        self.buf.len()
    }

    /// The range from `start` to the current end of the buffer.
    pub(crate) fn range_from(&self, start: usize) -> Result<Range<u32>, Error> {
        range(start, self.buf.len())
    }

    /// Adds a field whose name and value are already in the buffer.
    pub(crate) fn add(&mut self, name: Range<u32>, value: Range<u32>) {
        self.entries.push(Entry { name, value });
    }

    /// The text of a range of the buffer.
    pub(crate) fn text(&self, r: &Range<u32>) -> &str {
        &self.buf[r.start as usize..r.end as usize]
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of the field `name`, if present (empty values are `Some("")`).
    ///
    /// Names are compared byte by byte (`iter().cmp`), here and in [`Fields::seal`]: they are a few
    /// bytes long, and a `memcmp` call per comparison made these lookups an eighth of
    /// `verify_payment` (measured: 3.14 → 2.75 µs per 26-field payment).
    pub fn get(&self, name: &str) -> Option<&str> {
        let at = self
            .by_name
            .binary_search_by(|&i| self.name_bytes(i).iter().cmp(name.as_bytes()))
            .ok()?;
        let e = &self.entries[self.by_name[at] as usize];
        Some(self.text(&e.value))
    }

    /// The field at position `index` in document order.
    pub fn get_index(&self, index: usize) -> Option<(&str, &str)> {
        self.entries
            .get(index)
            .map(|e| (self.text(&e.name), self.text(&e.value)))
    }

    /// Iterates `(name, value)` in document order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.entries
            .iter()
            .map(|e| (self.text(&e.name), self.text(&e.value)))
    }

    /// Iterates `(name, value)` as bytes, in name (byte) order.
    pub(crate) fn iter_by_name(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.by_name.iter().map(|&i| {
            let e = &self.entries[i as usize];
            (self.bytes(&e.name), self.bytes(&e.value))
        })
    }

    /// The bytes of a range of the buffer (byte comparisons need no UTF-8 boundary checks).
    fn bytes(&self, r: &Range<u32>) -> &[u8] {
        &self.buf.as_bytes()[r.start as usize..r.end as usize]
    }

    fn name_bytes(&self, i: u32) -> &[u8] {
        self.bytes(&self.entries[i as usize].name)
    }

    /// Total length of all names and values (an upper bound helper for the string to sign).
    pub(crate) fn text_len(&self) -> usize {
        self.entries
            .iter()
            .map(|e| e.name.len() + e.value.len())
            .sum()
    }

    /// Copies the fields into owned pairs.
    pub fn to_vec(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn name_of(&self, i: u32) -> &str {
        self.text(&self.entries[i as usize].name)
    }

    /// Builds the name index and refuses a repeated name (`duplicate_field`): a parser that keeps
    /// the first or the last copy would let the verified value and the value read differ.
    pub(crate) fn seal(&mut self) -> Result<(), Error> {
        let mut by_name: Vec<u32> = (0..self.entries.len() as u32).collect();
        // Notifications arrive nearly in name order (often all but a trailing `sign`): the stable
        // sort finds those runs and merges them. Equal names end up adjacent.
        by_name.sort_by(|&a, &b| self.name_bytes(a).iter().cmp(self.name_bytes(b)));
        if let Some(w) = by_name
            .windows(2)
            .find(|w| self.name_bytes(w[0]) == self.name_bytes(w[1]))
        {
            return Err(Error::duplicate_field(format!(
                "the element <{}> appears more than once",
                excerpt(self.name_of(w[0]))
            )));
        }
        self.by_name = by_name;
        Ok(())
    }
}

fn range(start: usize, end: usize) -> Result<Range<u32>, Error> {
    match (u32::try_from(start), u32::try_from(end)) {
        (Ok(s), Ok(e)) => Ok(s..e),
        _ => Err(Error::malformed_xml("document too large")),
    }
}

/// Equal when the same names and values appear in the same order (however they are stored).
impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_and_orders() {
        let f = Fields::from_pairs([("b", "2"), ("a", "1"), ("ab", ""), ("sign", "X")]).unwrap();
        assert_eq!(f.get("a"), Some("1"));
        assert_eq!(f.get("ab"), Some(""));
        assert_eq!(f.get("c"), None);
        assert_eq!(f.get_index(0), Some(("b", "2")));
        let names: Vec<_> = f.iter_by_name().map(|(k, _)| k).collect();
        assert_eq!(names, [&b"a"[..], b"ab", b"b", b"sign"]);
        assert_eq!(f.len(), 4);
    }

    #[test]
    fn from_pairs_refuses_what_could_never_be_received() {
        for (name, value, code) in [
            ("a", "1", None),
            ("a=b&c", "1", Some("invalid_argument")),
            ("", "1", Some("invalid_argument")),
            ("1a", "1", Some("invalid_argument")),
            ("a b", "1", Some("invalid_argument")),
            ("a:b", "1", Some("invalid_argument")),
            ("a", "\u{1}", Some("invalid_argument")),
            ("a", "\u{FFFE}", Some("invalid_argument")),
        ] {
            let got = Fields::from_pairs([(name, value)]).err().map(|e| e.code());
            assert_eq!(got, code, "{name:?} {value:?}");
        }
        let dup = Fields::from_pairs([("a", "1"), ("b", "2"), ("a", "3")]).unwrap_err();
        assert_eq!(dup.code(), "duplicate_field");
    }
}
