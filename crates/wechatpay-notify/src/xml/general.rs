//! The general reader, on quick-xml: every document the fast path does not take.
//!
//! It accepts a subset of well-formed XML 1.0 (checked against an independent strict parser by a
//! differential test, `tests/strict_xml.rs`) and refuses, besides what quick-xml itself refuses:
//! DOCTYPE and entity declarations (`forbidden_doctype`), references other than the five
//! predefined entities and character references, processing instructions, attributes, nested
//! elements, text in the root, content after the root, names that are not `NCName`s, characters
//! outside XML's `Char`, an XML declaration that is not first or not strictly formed, and `]]>` in
//! character data.

use quick_xml::Reader;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};

use crate::error::{Error, excerpt};
use crate::xml::names::is_name;
use crate::xml::{Fields, is_xml_char, is_xml_space};

#[derive(PartialEq)]
enum State {
    /// Before the root element.
    Prolog,
    /// Inside the root, between fields.
    InRoot,
    /// Inside a field: its name, and where its value starts in the buffer.
    InField(std::ops::Range<u32>, usize),
    /// After the root element.
    Epilog,
}

/// Reads a flat document whose root element must be `root_name`. The fields are sealed.
pub(crate) fn parse(body: &[u8], root_name: &str) -> Result<Fields, Error> {
    let text = std::str::from_utf8(body)
        .map_err(|e| Error::malformed_xml(format!("not UTF-8 at byte {}", e.valid_up_to())))?;
    if let Some((at, _)) = text.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        return Err(Error::malformed_xml(format!(
            "a character XML does not allow at byte {at}"
        )));
    }
    let mut reader = Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        // End names are matched below against the one open element.
        config.check_end_names = false;
        config.check_comments = true;
        config.allow_dangling_amp = false;
        config.expand_empty_elements = false;
    }
    let mut fields = Fields::over(String::with_capacity(text.len()));
    let mut state = State::Prolog;
    let mut first_event = true;
    loop {
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            // quick-xml reports `<!ENTITY` outside a DOCTYPE as a syntax error at its `<`; it is
            // still an entity declaration.
            if text.get(at..).is_some_and(|r| r.starts_with("<!ENTITY")) {
                Error::forbidden_doctype("entity declarations are not allowed")
            } else {
                Error::malformed_xml(format!(
                    "not well-formed XML at byte {at}: {}",
                    excerpt(&e.to_string())
                ))
            }
        })?;
        let is_first = std::mem::replace(&mut first_event, false);
        match event {
            Event::DocType(_) => {
                return Err(Error::forbidden_doctype(
                    "DOCTYPE declarations are not allowed (they enable XXE and entity expansion)",
                ));
            }
            Event::Decl(decl) => {
                if !is_first {
                    return Err(Error::malformed_xml(
                        "an XML declaration is allowed only once, at the very start",
                    ));
                }
                check_decl(&decl)?;
            }
            Event::PI(_) => {
                return Err(Error::malformed_xml(
                    "processing instructions are not allowed",
                ));
            }
            Event::Comment(_) => {
                if matches!(state, State::InField(..)) {
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
                    let name = fields.push(field_name(&start)?)?;
                    state = State::InField(name, fields.buf_len());
                }
                State::InField(..) => return Err(nested(&start)),
                State::Epilog => return Err(second_root()),
            },
            Event::Empty(start) => match state {
                State::Prolog => {
                    check_root(&start, root_name)?;
                    state = State::Epilog;
                }
                State::InRoot => {
                    let name = fields.push(field_name(&start)?)?;
                    let empty = name.end..name.end;
                    fields.add(name, empty);
                }
                State::InField(..) => return Err(nested(&start)),
                State::Epilog => return Err(second_root()),
            },
            Event::End(end) => {
                let end = end.name().into_inner();
                state = match state {
                    State::InField(name, value_start) => {
                        if end != fields.text(&name) {
                            return Err(mismatched_end(end));
                        }
                        let value = fields.range_from(value_start)?;
                        fields.add(name, value);
                        State::InRoot
                    }
                    State::InRoot if end == root_name => State::Epilog,
                    State::InRoot => return Err(mismatched_end(end)),
                    // quick-xml refuses unmatched end tags before we see them.
                    State::Prolog | State::Epilog => {
                        return Err(Error::malformed_xml("unexpected end tag"));
                    }
                };
            }
            Event::Text(t) => {
                let raw = t.into_inner();
                if raw.contains("]]>") {
                    return Err(Error::malformed_xml(
                        "\"]]>\" is not allowed in character data",
                    ));
                }
                if matches!(state, State::InField(..)) {
                    fields.push(&raw)?;
                } else if !raw.bytes().all(is_xml_space) {
                    return Err(Error::malformed_xml(match state {
                        State::InRoot => "text directly inside the root element",
                        _ => "content outside the root element",
                    }));
                }
            }
            Event::CData(c) => {
                if !matches!(state, State::InField(..)) {
                    return Err(Error::malformed_xml(
                        "CDATA outside a field element is not allowed",
                    ));
                }
                fields.push(&c.into_inner())?;
            }
            Event::GeneralRef(r) => {
                if !matches!(state, State::InField(..)) {
                    return Err(Error::malformed_xml(
                        "character or entity reference outside a field element",
                    ));
                }
                fields.push_char(resolve_ref(&r)?);
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

/// `XMLDecl ::= '<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>'` with `VersionNum ::= '1.'
/// [0-9]+`, an encoding (if any) of UTF-8, and `standalone` (if any) `yes` or `no`, in that order.
fn check_decl(decl: &BytesDecl<'_>) -> Result<(), Error> {
    let bad = || Error::malformed_xml("malformed XML declaration (version is required)");
    let mut rest = decl.strip_prefix("xml").ok_or_else(bad)?;
    let mut seen_version = false;
    for (name, required) in [
        ("version", true),
        ("encoding", false),
        ("standalone", false),
    ] {
        let Some((value, after)) = pseudo_attribute(rest, name) else {
            if required {
                return Err(bad());
            }
            continue;
        };
        let ok = match name {
            "version" => value
                .strip_prefix("1.")
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())),
            "encoding" => {
                if !value.eq_ignore_ascii_case("utf-8") && !value.eq_ignore_ascii_case("utf8") {
                    return Err(Error::malformed_xml(format!(
                        "only UTF-8 documents are accepted, not {}",
                        excerpt(value)
                    )));
                }
                true
            }
            _ => value == "yes" || value == "no",
        };
        if !ok {
            return Err(bad());
        }
        seen_version |= name == "version";
        rest = after;
    }
    if seen_version && rest.bytes().all(is_xml_space) {
        Ok(())
    } else {
        Err(bad())
    }
}

/// `S name S? '=' S? quoted-value` at the start of `s`: the value and what follows.
fn pseudo_attribute<'a>(s: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let trimmed = s.trim_start_matches(|c: char| c.is_ascii() && is_xml_space(c as u8));
    if trimmed.len() == s.len() {
        return None; // S is required before each pseudo-attribute
    }
    let s = trimmed.strip_prefix(name)?;
    let s = s.trim_start_matches(|c: char| c.is_ascii() && is_xml_space(c as u8));
    let s = s.strip_prefix('=')?;
    let s = s.trim_start_matches(|c: char| c.is_ascii() && is_xml_space(c as u8));
    let quote = s.chars().next().filter(|&q| q == '"' || q == '\'')?;
    let s = &s[1..];
    let end = s.find(quote)?;
    Some((&s[..end], &s[end + 1..]))
}

fn nested(start: &BytesStart<'_>) -> Error {
    Error::malformed_xml(format!(
        "nested element <{}>: fields must be plain text",
        excerpt(start.name().as_ref())
    ))
}

fn mismatched_end(name: &str) -> Error {
    Error::malformed_xml(format!(
        "end tag </{}> does not match the open element",
        excerpt(name)
    ))
}

fn second_root() -> Error {
    Error::malformed_xml("content after the root element (a second root)")
}

fn check_root(start: &BytesStart<'_>, root_name: &str) -> Result<(), Error> {
    if start.name().as_ref() != root_name {
        return Err(Error::malformed_xml(format!(
            "the root element must be <{root_name}>, not <{}>",
            excerpt(start.name().as_ref())
        )));
    }
    no_attributes(start)
}

fn field_name<'a>(start: &'a BytesStart<'_>) -> Result<&'a str, Error> {
    no_attributes(start)?;
    let name = start.name().into_inner();
    if !is_name(name) {
        return Err(Error::malformed_xml(format!(
            "<{}> is not an XML element name",
            excerpt(name)
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
            excerpt(start.name().as_ref())
        )))
    }
}

fn resolve_ref(r: &BytesRef<'_>) -> Result<char, Error> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c),
            _ => Err(Error::malformed_xml(format!(
                "invalid character reference &{};",
                excerpt(r)
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
            excerpt(other)
        ))),
    }
}
