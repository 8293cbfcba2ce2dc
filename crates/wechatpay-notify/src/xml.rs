//! The hardened reader for WeChat Pay's flat XML documents (SPEC §2), built on quick-xml.
//!
//! A document is one root element (`xml`, or `root` for the decrypted refund payload) whose children
//! are text-only elements. Anything else is refused: DOCTYPE (never expanded, never fetched),
//! undefined entities, nested elements, attributes, processing instructions, text directly in the
//! root, a second root, trailing content, and a repeated child name (a parser that keeps the first or
//! the last copy would let the verified value and the value the application reads differ).

use std::fmt;
use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::error::Error;

/// Every child element of a notification, exactly as received, in document order.
///
/// `sign` and empty elements are included. Names are unique (the reader refuses duplicates).
#[derive(Clone, Default)]
pub struct Fields {
    /// All names and values, back to back; the entries index into it.
    buf: String,
    /// One entry per field, in document order.
    spans: Vec<Entry>,
}

/// A field's name and value in `Fields::buf`, plus the name-order index (one allocation for both).
#[derive(Clone, Default)]
struct Entry {
    name: Range<u32>,
    value: Range<u32>,
    /// The name's 8-byte prefix key (see `prefix_key`).
    key: u64,
    /// The document position of the field that comes `k`-th in name order, stored in entry `k`
    /// (lookups, duplicate check, string to sign).
    order: u32,
}

impl Fields {
    /// Builds a field list from pairs, refusing repeated names (`duplicate_field`).
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Fields, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut fields = Fields::default();
        for (k, v) in pairs {
            let name = fields.push_name(k.as_ref())?;
            let start = fields.buf.len();
            fields.buf.push_str(v.as_ref());
            fields.finish(name, start)?;
        }
        fields.seal()?;
        Ok(fields)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The value of the field `name`, if present (empty values are `Some("")`).
    pub fn get(&self, name: &str) -> Option<&str> {
        let key = prefix_key(name.as_bytes());
        let bytes = self.buf.as_bytes();
        let (mut lo, mut hi) = (0, self.spans.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let e = &self.spans[self.spans[mid].order as usize];
            let ord = e
                .key
                .cmp(&key)
                .then_with(|| cmp_bytes(&bytes[idx(&e.name)], name.as_bytes()));
            match ord {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(&self.buf[idx(&e.value)]),
            }
        }
        None
    }

    fn name_at(&self, i: u32) -> &str {
        &self.buf[idx(&self.spans[i as usize].name)]
    }

    /// Entries in name order.
    fn sorted(&self) -> impl Iterator<Item = &Entry> + '_ {
        self.spans.iter().map(|e| &self.spans[e.order as usize])
    }

    /// The field at position `index` in document order.
    pub fn get_index(&self, index: usize) -> Option<(&str, &str)> {
        self.spans
            .get(index)
            .map(|e| (&self.buf[idx(&e.name)], &self.buf[idx(&e.value)]))
    }

    /// Iterates `(name, value)` in document order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.spans
            .iter()
            .map(|e| (&self.buf[idx(&e.name)], &self.buf[idx(&e.value)]))
    }

    /// Copies the fields into owned pairs.
    pub fn to_vec(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// Writes the string to sign (without `&key=…`) at the start of `out` and returns its length:
    /// every field but `sign`, empty values dropped, in name order, `name=value` joined with `&`.
    /// `out` is grown when too short but never shrunk or cleared, so a reused buffer costs nothing;
    /// bytes after the returned length are scratch.
    pub(crate) fn write_string_to_sign(&self, out: &mut Vec<u8>) -> usize {
        let bytes = self.buf.as_bytes();
        let signed = |e: &Entry| {
            let (n, v) = (idx(&e.name), idx(&e.value));
            (!v.is_empty() && &bytes[n.clone()] != b"sign").then_some((n, v))
        };
        // Every piece is a name and a value from `buf` plus two separators, so this bounds the
        // string; sixteen more bytes of slack let short names and values be copied in whole
        // 16-byte chunks (a `memcpy` call per piece costs more than the copy).
        let bound = self.buf.len() + 2 * self.spans.len() + 16;
        if out.len() < bound {
            out.resize(bound, 0);
        }
        let mut pos = 0;
        for (k, (n, v)) in self.sorted().filter_map(signed).enumerate() {
            if k > 0 {
                out[pos] = b'&';
                pos += 1;
            }
            pos = copy_piece(out, pos, bytes, n);
            out[pos] = b'=';
            pos = copy_piece(out, pos + 1, bytes, v);
        }
        pos
    }

    /// Orders the names and refuses a repeated one.
    fn seal(&mut self) -> Result<(), Error> {
        let n = self.spans.len();
        let mut small = [(0u64, 0u32); 64];
        let mut large = Vec::new();
        let keyed: &mut [(u64, u32)] = if n <= small.len() {
            &mut small[..n]
        } else {
            large.resize(n, (0, 0));
            &mut large
        };
        let bytes = self.buf.as_bytes();
        for (i, (slot, e)) in keyed.iter_mut().zip(&mut self.spans).enumerate() {
            e.key = prefix_key_in(bytes, idx(&e.name));
            *slot = (e.key, i as u32);
        }
        let spans = &self.spans;
        let name = |i: u32| &bytes[idx(&spans[i as usize].name)];
        // Compare the big-endian 8-byte prefixes first; only equal prefixes need the names.
        let cmp = |a: &(u64, u32), b: &(u64, u32)| {
            a.0.cmp(&b.0).then_with(|| cmp_bytes(name(a.1), name(b.1)))
        };
        if n <= 64 {
            // Insertion sort: notifications arrive nearly in name order (often all but a trailing
            // `sign`), which costs about one comparison per field.
            for i in 1..n {
                let mut j = i;
                while j > 0 && cmp(&keyed[j - 1], &keyed[j]).is_gt() {
                    keyed.swap(j - 1, j);
                    j -= 1;
                }
            }
        } else {
            keyed.sort_unstable_by(cmp);
        }
        if let Some(w) = keyed.windows(2).find(|w| cmp(&w[0], &w[1]).is_eq()) {
            return Err(Error::duplicate_field(format!(
                "the element <{}> appears more than once",
                printable(self.name_at(w[0].1))
            )));
        }
        for (e, &(_, i)) in self.spans.iter_mut().zip(keyed.iter()) {
            e.order = i;
        }
        Ok(())
    }

    fn push_name(&mut self, name: &str) -> Result<Range<u32>, Error> {
        let start = self.buf.len();
        self.buf.push_str(name);
        span(start, self.buf.len())
    }

    fn finish(&mut self, name: Range<u32>, value_start: usize) -> Result<(), Error> {
        let value = span(value_start, self.buf.len())?;
        self.spans.push(Entry {
            name,
            value,
            ..Entry::default()
        });
        Ok(())
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

/// The first eight bytes of a name, zero-padded, as a big-endian number: ordering these agrees
/// with byte order whenever they differ.
fn prefix_key(name: &[u8]) -> u64 {
    match name.first_chunk::<8>() {
        Some(head) => u64::from_be_bytes(*head),
        None => name
            .iter()
            .enumerate()
            .fold(0, |k, (i, &c)| k | (u64::from(c) << (56 - 8 * i))),
    }
}

/// Copies `src[r]` to `out[pos..]`, in 16-byte chunks while both sides have room (the last chunk
/// may write past the piece: later pieces overwrite it, and the caller truncates). Returns the end.
fn copy_piece(out: &mut [u8], mut pos: usize, src: &[u8], r: Range<usize>) -> usize {
    let (mut from, end) = (r.start, r.end);
    while from < end {
        let room = out.get_mut(pos..).and_then(|o| o.first_chunk_mut::<16>());
        match (src[from..].first_chunk::<16>(), room) {
            (Some(chunk), Some(dst)) => {
                *dst = *chunk;
                let n = (end - from).min(16);
                pos += n;
                from += n;
            }
            _ => {
                let n = end - from;
                out[pos..pos + n].copy_from_slice(&src[from..end]);
                return pos + n;
            }
        }
    }
    pos
}

/// `prefix_key(&buf[name])`, reading a whole 8-byte word from `buf` and masking it to the name's
/// length when the buffer has room (names are followed by more of the document), which avoids a
/// byte loop for short names.
fn prefix_key_in(buf: &[u8], name: Range<usize>) -> u64 {
    let len = name.len();
    match buf.get(name.start..).and_then(|b| b.first_chunk::<8>()) {
        Some(word) if len < 8 => u64::from_be_bytes(*word) & !(u64::MAX >> (8 * len)),
        Some(word) => u64::from_be_bytes(*word),
        None => prefix_key(&buf[name]),
    }
}

/// Byte-order comparison for the short names of a notification, inlined (a `memcmp` call costs
/// more than the comparison itself).
#[inline]
fn cmp_bytes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

fn idx(r: &Range<u32>) -> Range<usize> {
    r.start as usize..r.end as usize
}

fn span(start: usize, end: usize) -> Result<Range<u32>, Error> {
    match (u32::try_from(start), u32::try_from(end)) {
        (Ok(s), Ok(e)) => Ok(s..e),
        _ => Err(Error::malformed_xml("document too large")),
    }
}

/// Names in error messages are truncated so an attacker cannot make our logs arbitrarily large.
pub(crate) fn printable(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

#[derive(PartialEq)]
enum State {
    Prolog,
    InRoot,
    InChild(Range<u32>, usize),
    Epilog,
}

/// Parses a flat document whose root element must be `root_name`.
///
/// The caller checks the size limit before calling (it is a policy of the verifier).
pub(crate) fn parse_flat(body: &[u8], root_name: &str) -> Result<Fields, Error> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if let Some(mut fields) = parse_canonical(body, root_name) {
        fields.seal()?;
        return Ok(fields);
    }
    // quick-xml validates the UTF-8 of every event it emits, and every byte of a document belongs
    // to some event, so invalid UTF-8 anywhere surfaces as a reader error (`malformed_xml`).
    parse_bytes(body, root_name)
}

/// The fast path for the canonical shape WeChat Pay actually sends: `<xml>` with flat children whose
/// values are ONE CDATA section or ONE run of plain text (no entity or character references),
/// optional whitespace between elements, nothing else. It returns `None` for ANY other input, which
/// then goes to the quick-xml reader; it never decides an error itself. For every input it accepts
/// it yields exactly what the quick-xml path yields (checked by a differential property test and on
/// every shared vector), so there is one observable grammar. It exists for speed: quick-xml's
/// per-event cost is several times that of hashing the string to sign (SPEC §6).
fn parse_canonical(body: &[u8], root_name: &str) -> Option<Fields> {
    let s = std::str::from_utf8(body).ok()?;
    let b = s.as_bytes();
    // Bodies with C0 controls other than tab and newline (`\r` included) or with a byte that may
    // start U+FFFE/U+FFFF go to quick-xml. One vectorisable pass over the whole body.
    let unusual = b.iter().fold(false, |acc, &c| {
        acc | ((c < 0x20) & (c != b'\t') & (c != b'\n')) | (c == 0xEF)
    });
    if unusual {
        return None;
    }
    let root = root_name.as_bytes();
    let mut i = skip_ws(b, 0);
    i = expect(b, i, b"<")?;
    i = expect(b, i, root)?;
    i = expect(b, i, b">")?;
    // Names and values point into one copy of the body instead of one copy per field.
    let mut fields = Fields {
        buf: String::from(s),
        spans: Vec::with_capacity(32),
    };
    loop {
        i = skip_ws(b, i);
        i = expect(b, i, b"<")?;
        if b.get(i) == Some(&b'/') {
            i = expect(b, i + 1, root)?;
            i = expect(b, i, b">")?;
            return (skip_ws(b, i) == b.len()).then_some(fields);
        }
        let name_end = i + name_len(&b[i..])?;
        let name = &b[i..name_end];
        let name_span = span(i, name_end).ok()?;
        if let Some(after) = expect(b, name_end, b"/>") {
            i = after;
            fields.spans.push(Entry {
                name: name_span,
                ..Entry::default()
            });
            continue;
        }
        i = expect(b, name_end, b">")?;
        let (value, text) = if starts_with(&b[i..], b"<![CDATA[") {
            let start = i + "<![CDATA[".len();
            let mut end = start;
            loop {
                end = find_byte(b, end, b']')?;
                if starts_with(&b[end..], b"]]>") {
                    break;
                }
                end += 1;
            }
            i = end + "]]>".len();
            (start..end, false)
        } else {
            let end = find_byte(b, i, b'<')?;
            let start = i;
            i = end;
            (start..end, true)
        };
        if text && !clean_text(&b[value.clone()]) {
            return None;
        }
        i = expect(b, i, b"</")?;
        i = expect_same(b, i, name)?;
        i = expect(b, i, b">")?;
        fields.spans.push(Entry {
            name: name_span,
            value: span(value.start, value.end).ok()?,
            ..Entry::default()
        });
    }
}

/// The first `c` at or after `from`, eight bytes per step (values are short: an inlined word scan
/// beats a call into a vectorised search).
#[inline]
fn find_byte(b: &[u8], mut from: usize, c: u8) -> Option<usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    while let Some(word) = b.get(from..).and_then(|s| s.first_chunk::<8>()) {
        let t = u64::from_le_bytes(*word) ^ (0x0101_0101_0101_0101 * u64::from(c));
        // High bit of each byte set exactly where that byte of `t` is zero (no carries across).
        let zero = !(((t & LOW7) + LOW7) | t | LOW7);
        if zero != 0 {
            return Some(from + (zero.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    b.get(from..)?
        .iter()
        .position(|&x| x == c)
        .map(|p| from + p)
}

/// Text the fast path can take as is: no `&` (references) and no `]` (a `]]>` is illegal in text;
/// refusing every `]` keeps the check simple). Controls were refused for the whole body.
fn clean_text(v: &[u8]) -> bool {
    !v.iter()
        .fold(false, |acc, &c| acc | (c == b'&') | (c == b']'))
}

/// Length of the ASCII name `[A-Za-z_][A-Za-z0-9_.-]*` at the start of `b`.
fn name_len(b: &[u8]) -> Option<usize> {
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            let mut n = 1;
            while n < b.len() && NAME[b[n] as usize] {
                n += 1;
            }
            Some(n)
        }
        _ => None,
    }
}

/// `[A-Za-z0-9_.-]`.
const NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
        c += 1;
    }
    t
};

fn starts_with(b: &[u8], lit: &[u8]) -> bool {
    b.get(..lit.len())
        .is_some_and(|head| cmp_bytes(head, lit).is_eq())
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_xml_space(b[i]) {
        i += 1;
    }
    i
}

fn expect(b: &[u8], i: usize, lit: &[u8]) -> Option<usize> {
    let end = i.checked_add(lit.len())?;
    cmp_bytes(b.get(i..end)?, lit).is_eq().then_some(end)
}

/// `expect` for a variable-length `lit` (a closing tag's name): overlapping 8-byte word compares
/// instead of a byte loop whose exit depends on the name's length.
fn expect_same(b: &[u8], i: usize, lit: &[u8]) -> Option<usize> {
    let end = i.checked_add(lit.len())?;
    let got = b.get(i..end)?;
    let n = lit.len();
    let word = |s: &[u8], at: usize| {
        s.get(at..)
            .and_then(|t| t.first_chunk::<8>())
            .map(|w| u64::from_ne_bytes(*w))
    };
    let same = if n >= 8 {
        let mut diff = 0;
        let mut at = 0;
        while at + 8 < n {
            diff |= word(got, at)? ^ word(lit, at)?;
            at += 8;
        }
        diff |= word(got, n - 8)? ^ word(lit, n - 8)?;
        diff == 0
    } else {
        got == lit
    };
    same.then_some(end)
}

fn parse_bytes(text: &[u8], root_name: &str) -> Result<Fields, Error> {
    let mut reader = Reader::from_reader(text);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        // End names are matched below against the one open element (cheaper than quick-xml's stack).
        config.check_end_names = false;
        config.check_comments = true;
        config.allow_dangling_amp = false;
        config.expand_empty_elements = false;
    }
    let mut fields = Fields {
        buf: String::with_capacity(text.len()),
        spans: Vec::with_capacity(32),
    };
    let mut state = State::Prolog;
    loop {
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            // quick-xml reports `<!ENTITY` outside a DOCTYPE as a syntax error at its `<`; it is
            // still an entity declaration.
            if text
                .get(at..)
                .is_some_and(|rest| rest.starts_with(b"<!ENTITY"))
            {
                Error::forbidden_doctype("entity declarations are not allowed")
            } else {
                Error::malformed_xml(format!("not well-formed XML at byte {at}: {e}"))
            }
        })?;
        match event {
            Event::DocType(_) => {
                return Err(Error::forbidden_doctype(
                    "DOCTYPE declarations are not allowed (they enable XXE and entity expansion)",
                ));
            }
            Event::Decl(decl) => {
                if state != State::Prolog {
                    return Err(Error::malformed_xml(
                        "XML declaration after the document start",
                    ));
                }
                if let Some(enc) = decl.encoding() {
                    let enc =
                        enc.map_err(|_| Error::malformed_xml("unreadable XML declaration"))?;
                    if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                        return Err(Error::malformed_xml(format!(
                            "only UTF-8 documents are accepted, not {}",
                            printable(&enc)
                        )));
                    }
                }
            }
            Event::PI(_) => {
                return Err(Error::malformed_xml(
                    "processing instructions are not allowed",
                ));
            }
            Event::Comment(_) => {
                if matches!(state, State::InChild(..)) {
                    return Err(Error::malformed_xml(
                        "comments inside a field value are not allowed",
                    ));
                }
            }
            Event::Start(start) => match state {
                State::Prolog => {
                    check_root(&start, root_name)?;
                    state = State::InRoot;
                }
                State::InRoot => {
                    let name = child_name(&start)?;
                    let name = fields.push_name(name)?;
                    state = State::InChild(name, fields.buf.len());
                }
                State::InChild(..) => {
                    return Err(Error::malformed_xml(format!(
                        "nested element <{}>: fields must be plain text",
                        printable(start.name().as_ref())
                    )));
                }
                State::Epilog => return Err(second_root()),
            },
            Event::Empty(start) => match state {
                State::Prolog => {
                    check_root(&start, root_name)?;
                    state = State::Epilog;
                }
                State::InRoot => {
                    let name = child_name(&start)?;
                    let name = fields.push_name(name)?;
                    let at = fields.buf.len();
                    fields.finish(name, at)?;
                }
                State::InChild(..) => {
                    return Err(Error::malformed_xml(format!(
                        "nested element <{}/>: fields must be plain text",
                        printable(start.name().as_ref())
                    )));
                }
                State::Epilog => return Err(second_root()),
            },
            Event::End(end) => {
                let end = end.name().into_inner();
                state = match state {
                    State::InChild(name, value_start) => {
                        if end != &fields.buf[idx(&name)] {
                            return Err(mismatched_end(end));
                        }
                        fields.finish(name, value_start)?;
                        State::InRoot
                    }
                    State::InRoot => {
                        if end != root_name {
                            return Err(mismatched_end(end));
                        }
                        State::Epilog
                    }
                    // quick-xml refuses unmatched end tags before we see them.
                    State::Prolog | State::Epilog => {
                        return Err(Error::malformed_xml("unexpected end tag"));
                    }
                };
            }
            Event::Text(t) => {
                let raw = t.into_inner();
                if matches!(state, State::InChild(..)) {
                    check_chars(&raw)?;
                    fields.buf.push_str(&raw);
                } else if !raw.bytes().all(is_xml_space) {
                    return Err(Error::malformed_xml(match state {
                        State::InRoot => "text directly inside the root element",
                        _ => "content outside the root element",
                    }));
                }
            }
            Event::CData(c) => {
                if !matches!(state, State::InChild(..)) {
                    return Err(Error::malformed_xml(
                        "CDATA outside a field element is not allowed",
                    ));
                }
                let raw = c.into_inner();
                check_chars(&raw)?;
                fields.buf.push_str(&raw);
            }
            Event::GeneralRef(r) => {
                if !matches!(state, State::InChild(..)) {
                    return Err(Error::malformed_xml(
                        "character or entity reference outside a field element",
                    ));
                }
                fields.buf.push(resolve_ref(&r)?);
            }
            Event::Eof => {
                return match state {
                    State::Epilog => fields.seal().map(|()| fields),
                    State::Prolog => Err(Error::malformed_xml("no root element")),
                    _ => Err(Error::malformed_xml("the document ends inside an element")),
                };
            }
        }
    }
}

fn mismatched_end(name: &str) -> Error {
    Error::malformed_xml(format!(
        "end tag </{}> does not match the open element",
        printable(name)
    ))
}

fn second_root() -> Error {
    Error::malformed_xml("content after the root element (a second root)")
}

fn check_root(start: &BytesStart<'_>, root_name: &str) -> Result<(), Error> {
    if start.name().as_ref() != root_name {
        return Err(Error::malformed_xml(format!(
            "the root element must be <{root_name}>, not <{}>",
            printable(start.name().as_ref())
        )));
    }
    no_attributes(start)
}

fn child_name<'a>(start: &'a BytesStart<'_>) -> Result<&'a str, Error> {
    no_attributes(start)?;
    let name = start.name().into_inner();
    // XML names cannot start with a digit, '-' or '.'.
    if name.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
        return Err(Error::malformed_xml(format!(
            "<{}> is not an XML element name",
            printable(name)
        )));
    }
    Ok(name)
}

fn no_attributes(start: &BytesStart<'_>) -> Result<(), Error> {
    if start.attributes_raw().bytes().all(is_xml_space) {
        Ok(())
    } else {
        Err(Error::malformed_xml(format!(
            "attributes are not allowed (on <{}>)",
            printable(start.name().as_ref())
        )))
    }
}

fn resolve_ref(r: &BytesRef<'_>) -> Result<char, Error> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c),
            _ => Err(Error::malformed_xml(format!(
                "invalid character reference &{};",
                printable(r)
            ))),
        };
    }
    match &**r {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(Error::malformed_xml(format!(
            "undefined entity &{};: only the five predefined entities are decoded",
            printable(other)
        ))),
    }
}

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn check_chars(s: &str) -> Result<(), Error> {
    let bad_ascii = s.bytes().any(|b| b < 0x20 && !is_xml_space(b));
    if bad_ascii || s.contains(['\u{FFFE}', '\u{FFFF}']) {
        return Err(Error::malformed_xml(
            "a field value contains a character XML does not allow",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<(String, String)>, String> {
        parse_flat(s.as_bytes(), "xml")
            .map(|f| f.to_vec())
            .map_err(|e| e.code().to_owned())
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn reads_cdata_text_entities_and_keeps_order() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n  <b><![CDATA[x]]]]><![CDATA[>y]]></b>\n  <a>1 &lt; 2 &amp;&#x4e2d;&#25991;</a><c/><d></d><e> sp </e></xml>\n";
        assert_eq!(
            parse(doc).unwrap(),
            pairs(&[
                ("b", "x]]>y"),
                ("a", "1 < 2 &中文"),
                ("c", ""),
                ("d", ""),
                ("e", " sp ")
            ])
        );
    }

    #[test]
    fn refuses_what_the_spec_refuses() {
        let cases = [
            ("<!DOCTYPE x><xml></xml>", "forbidden_doctype"),
            (
                "<!DOCTYPE xml [<!ENTITY e \"v\">]><xml><a>&e;</a></xml>",
                "forbidden_doctype",
            ),
            ("<!ENTITY e \"v\"><xml></xml>", "forbidden_doctype"),
            ("<xml><a>&e;</a></xml>", "malformed_xml"),
            ("<xml><a><b>1</b></a></xml>", "malformed_xml"),
            ("<xml>t<a>1</a></xml>", "malformed_xml"),
            ("<xml><a>1</a></xml><xml></xml>", "malformed_xml"),
            ("<xml><a>1</a></xml>junk", "malformed_xml"),
            ("<foo><a>1</a></foo>", "malformed_xml"),
            ("<xml><a>1</a><a>2</a></xml>", "duplicate_field"),
            ("<xml><a>1</a><a/></xml>", "duplicate_field"),
            ("<xml><a>1</a>", "malformed_xml"),
            ("<xml><a>1</b></xml>", "malformed_xml"),
            ("", "malformed_xml"),
            ("<xml><a x=\"1\">1</a></xml>", "malformed_xml"),
            ("<xml><a>&#0;</a></xml>", "malformed_xml"),
            ("<xml><a>\u{1}</a></xml>", "malformed_xml"),
            ("<xml><a>1 & 2</a></xml>", "malformed_xml"),
            ("<xml><a>1<!-- c -->2</a></xml>", "malformed_xml"),
            ("<?pi x?><xml></xml>", "malformed_xml"),
            (
                "<?xml version=\"1.0\" encoding=\"GBK\"?><xml></xml>",
                "malformed_xml",
            ),
        ];
        for (doc, code) in cases {
            assert_eq!(parse(doc), Err(code.to_owned()), "{doc}");
        }
        assert_eq!(
            parse_flat(b"<xml><a>\xff</a></xml>", "xml")
                .unwrap_err()
                .code(),
            "malformed_xml"
        );
    }

    #[test]
    fn comments_between_elements_are_ignored() {
        assert_eq!(
            parse("<!-- a --><xml><!-- b --><a>1</a></xml><!-- c -->").unwrap(),
            pairs(&[("a", "1")])
        );
        assert_eq!(parse("<xml/>").unwrap(), pairs(&[]));
    }

    /// The fast path and the quick-xml path must agree on every input the fast path accepts.
    fn assert_same(doc: &[u8], root: &str) {
        if let Some(mut fast) = parse_canonical(doc, root) {
            let fast = fast.seal().map(|()| fast).map_err(|e| e.code());
            let slow = parse_bytes(doc, root).map_err(|e| e.code());
            assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(doc));
        }
    }

    #[test]
    fn fast_path_agrees_with_quick_xml_on_every_vector() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");
        let mut fast = 0;
        for file in ["v2_pay.json", "v2_refund.json"] {
            let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            for g in v["testGroups"].as_array().unwrap() {
                for t in g["tests"].as_array().unwrap() {
                    if let Some(body) = t["body"].as_str() {
                        assert_same(body.as_bytes(), "xml");
                        fast += usize::from(parse_canonical(body.as_bytes(), "xml").is_some());
                    }
                }
            }
        }
        // Most vectors use WeChat's canonical shape, so the comparison is not vacuous.
        assert!(fast > 50, "{fast}");
    }

    #[test]
    fn prefix_keys_agree() {
        let buf = b"appidsign_typecoupon_fee_0x";
        for (start, end) in [
            (0, 5),
            (5, 9),
            (5, 14),
            (14, 26),
            (14, 24),
            (26, 27),
            (27, 27),
        ] {
            assert_eq!(
                prefix_key_in(buf, start..end),
                prefix_key(&buf[start..end]),
                "{start}..{end}"
            );
        }
    }

    #[test]
    fn expect_same_compares_every_byte() {
        let name: Vec<u8> = (0..24u8).map(|k| b'a' + k).collect();
        for n in 1..=name.len() {
            let lit = &name[..n];
            let mut doc = lit.to_vec();
            doc.extend_from_slice(b">tail");
            assert_eq!(expect_same(&doc, 0, lit), Some(n), "{n}");
            for at in 0..n {
                let mut bad = doc.clone();
                bad[at] = b'_';
                assert_eq!(expect_same(&bad, 0, lit), None, "{n} {at}");
            }
            assert_eq!(expect_same(&doc[..n - 1], 0, lit), None, "short {n}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// Documents in (or near) WeChat's canonical shape, so the fast path accepts many of them.
        #[test]
        fn fast_path_agrees_on_canonical_documents(
            fields in proptest::collection::vec((
                "[a-zA-Z_][a-zA-Z0-9_.-]{0,12}",
                proptest::prop_oneof![
                    3 => "[ -~\u{4e00}-\u{9fa5}]{0,20}",
                    1 => "[ -~\t\n\r\u{80}-\u{10FFFF}]{0,20}",
                ],
                proptest::prelude::any::<u8>(),
            ), 0..12),
            sep in proptest::prop_oneof![
                3 => proptest::strategy::Just(""),
                2 => proptest::strategy::Just("\n  "),
                1 => proptest::strategy::Just("\r\n"),
            ],
        ) {
            let mut doc = String::from("<xml>");
            for (name, value, style) in &fields {
                doc.push_str(sep);
                match style % 4 {
                    0 => doc.push_str(&format!("<{name}><![CDATA[{value}]]></{name}>")),
                    1 => doc.push_str(&format!("<{name}>{value}</{name}>")),
                    2 => doc.push_str(&format!("<{name}/>")),
                    _ => doc.push_str(&format!("<{name}>{}</{name}>", value.replace('&', "&amp;").replace('<', "&lt;"))),
                }
            }
            doc.push_str(sep);
            doc.push_str("</xml>");
            assert_same(doc.as_bytes(), "xml");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_path_agrees_with_quick_xml(parts in proptest::collection::vec(proptest::prop_oneof![
            proptest::strategy::Just("<xml>"), proptest::strategy::Just("</xml>"),
            proptest::strategy::Just("<a>"), proptest::strategy::Just("</a>"),
            proptest::strategy::Just("<b>"), proptest::strategy::Just("</b>"),
            proptest::strategy::Just("<a/>"), proptest::strategy::Just("<b />"),
            proptest::strategy::Just("<![CDATA["), proptest::strategy::Just("]]>"),
            proptest::strategy::Just("]"), proptest::strategy::Just(">"),
            proptest::strategy::Just("&amp;"), proptest::strategy::Just("&"),
            proptest::strategy::Just(" "), proptest::strategy::Just("\n"), proptest::strategy::Just("\r"),
            proptest::strategy::Just("\t"), proptest::strategy::Just("x"), proptest::strategy::Just("中"),
            proptest::strategy::Just("\u{1}"), proptest::strategy::Just("\u{FFFE}"),
            proptest::strategy::Just("<!--c-->"), proptest::strategy::Just("<a x='1'>"),
            proptest::strategy::Just("<"), proptest::strategy::Just("</"), proptest::strategy::Just("/>"),
            proptest::strategy::Just("<1a>"), proptest::strategy::Just("<a.b-c>"), proptest::strategy::Just("</a.b-c>"),
        ], 0..30)) {
            let doc = parts.concat();
            assert_same(doc.as_bytes(), "xml");
            let wrapped = format!("<xml>{doc}</xml>");
            assert_same(wrapped.as_bytes(), "xml");
        }
    }
}
