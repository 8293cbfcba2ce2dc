//! Reader tests: the rules of SPEC §2, the two paths against each other, and both against an
//! independent strict XML 1.0 parser (roxmltree).

use super::*;
use proptest::prelude::*;

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
        // Names (issue 8.1): every name is an NCName, on both paths.
        (
            "<xml><appid=wx&amp;attach>1</appid=wx&amp;attach></xml>",
            "malformed_xml",
        ),
        ("<xml><a=b>1</a=b></xml>", "malformed_xml"),
        ("<xml><a;b>1</a;b></xml>", "malformed_xml"),
        ("<xml><a?b>1</a?b></xml>", "malformed_xml"),
        ("<xml><a:b>1</a:b></xml>", "malformed_xml"),
        ("<xml><1a>1</1a></xml>", "malformed_xml"),
        ("<xml><a\u{1}>1</a\u{1}></xml>", "malformed_xml"),
        ("<xml><a\u{FFFE}>1</a\u{FFFE}></xml>", "malformed_xml"),
        ("<xml><\u{2028}>1</\u{2028}></xml>", "malformed_xml"),
        // Prolog and text (issue 8.2).
        ("\u{FEFF}\u{FEFF}<xml></xml>", "malformed_xml"),
        (" <?xml version=\"1.0\"?><xml></xml>", "malformed_xml"),
        (
            "<!-- c --><?xml version=\"1.0\"?><xml></xml>",
            "malformed_xml",
        ),
        (
            "<?xml version=\"1.0\"?><?xml version=\"1.0\"?><xml></xml>",
            "malformed_xml",
        ),
        ("<?xml?><xml></xml>", "malformed_xml"),
        ("<?xml encoding=\"UTF-8\"?><xml></xml>", "malformed_xml"),
        ("<?xml version=\"2.0\"?><xml></xml>", "malformed_xml"),
        (
            "<?xml version=\"1.0\" standalone=\"maybe\"?><xml></xml>",
            "malformed_xml",
        ),
        (
            "<?xml version=\"1.0\" foo=\"bar\"?><xml></xml>",
            "malformed_xml",
        ),
        (
            "<?xml encoding=\"UTF-8\" version=\"1.0\"?><xml></xml>",
            "malformed_xml",
        ),
        (
            "<xml><?xml version=\"1.0\"?><a>1</a></xml>",
            "malformed_xml",
        ),
        ("<xml><a>x]]>y</a></xml>", "malformed_xml"),
        ("<xml><a>]]></a></xml>", "malformed_xml"),
        ("<xml><!-- \u{1} --><a>1</a></xml>", "malformed_xml"),
    ];
    for (doc, code) in cases {
        assert_eq!(parse(doc), Err(code.to_owned()), "{doc:?}");
    }
    assert_eq!(
        parse_flat(b"<xml><a>\xff</a></xml>", "xml")
            .unwrap_err()
            .code(),
        "malformed_xml"
    );
}

#[test]
fn accepts_what_xml_allows() {
    for (doc, fields) in [
        ("\u{FEFF}<xml><a>1</a></xml>", pairs(&[("a", "1")])),
        (
            "\u{FEFF}<?xml version=\"1.0\" encoding='utf-8' standalone=\"yes\" ?><xml><a>1</a></xml>",
            pairs(&[("a", "1")]),
        ),
        ("<?xml version='1.1'?><xml/>", pairs(&[])),
        (
            "<xml><a>]] ></a><b>]</b><c>></c></xml>",
            pairs(&[("a", "]] >"), ("b", "]"), ("c", ">")]),
        ),
        (
            "<xml><中文>值</中文><é.b-c>1</é.b-c></xml>",
            pairs(&[("中文", "值"), ("é.b-c", "1")]),
        ),
        ("<xml><a>\u{FEFF}</a></xml>", pairs(&[("a", "\u{FEFF}")])),
    ] {
        assert_eq!(parse(doc), Ok(fields), "{doc:?}");
    }
}

#[test]
fn comments_between_elements_are_ignored() {
    assert_eq!(
        parse("<!-- a --><xml><!-- b --><a>1</a></xml><!-- c -->").unwrap(),
        pairs(&[("a", "1")])
    );
    assert_eq!(parse("<xml/>").unwrap(), pairs(&[]));
}

/// The fast path and the general reader must agree on every input the fast path accepts.
fn assert_same(doc: &[u8], root: &str) {
    if let Some(fast) = paths::canonical(doc, root) {
        let fast = fast.map_err(|e| e.code());
        let slow = paths::general(doc, root).map_err(|e| e.code());
        assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(doc));
    }
}

/// Every body of the shared vectors.
fn vector_bodies() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");
    let mut bodies = Vec::new();
    for file in ["v2_pay.json", "v2_refund.json"] {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for g in v["testGroups"].as_array().unwrap() {
            for t in g["tests"].as_array().unwrap() {
                if let Some(body) = t["body"].as_str() {
                    bodies.push(body.as_bytes().to_vec());
                } else if let Some(hex) = t["bodyHex"].as_str() {
                    bodies.push(
                        (0..hex.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                            .collect(),
                    );
                }
            }
        }
    }
    bodies
}

#[test]
fn chinese_text_with_full_width_punctuation_takes_the_fast_path() {
    // U+FF0C U+FF1A U+FF08 U+FF09 U+3002 U+FFE5 U+FFFD U+FEFF: lead bytes E3 and EF, and EF BF
    // followed by anything but BE / BF.
    let doc = "<xml><attach><![CDATA[门店：上海（徐汇），满100减10。￥9.90\u{FFFD}\u{FEFF}]]></attach>\
               <body>商品，测试</body><total_fee>990</total_fee></xml>";
    let fast = paths::canonical(doc.as_bytes(), "xml")
        .expect("canonical shape: the fast path takes it")
        .unwrap();
    assert_eq!(
        fast.to_vec(),
        pairs(&[
            (
                "attach",
                "门店：上海（徐汇），满100减10。￥9.90\u{FFFD}\u{FEFF}"
            ),
            ("body", "商品，测试"),
            ("total_fee", "990"),
        ])
    );
    assert_same(doc.as_bytes(), "xml");
    assert_strictly_well_formed(doc.as_bytes(), "xml");
}

#[test]
fn non_characters_are_refused_alike_by_both_readers() {
    for nonchar in ["\u{FFFE}", "\u{FFFF}"] {
        for doc in [
            format!("<xml><attach><![CDATA[测试，{nonchar}]]></attach></xml>"),
            format!("<xml><attach>测试，{nonchar}</attach></xml>"),
            format!("<xml><attach>{nonchar}</attach><b>，</b></xml>"),
        ] {
            let doc = doc.as_bytes();
            assert!(paths::canonical(doc, "xml").is_none(), "{doc:?}");
            let general = paths::general(doc, "xml").map(|f| f.to_vec());
            assert_eq!(general.map_err(|e| e.code()), Err("malformed_xml"));
            assert_eq!(
                parse(std::str::from_utf8(doc).unwrap()),
                Err("malformed_xml".to_owned())
            );
        }
    }
}

#[test]
fn fast_path_agrees_with_the_general_reader_on_every_vector() {
    let mut fast = 0;
    for body in vector_bodies() {
        assert_same(&body, "xml");
        fast += usize::from(paths::canonical(&body, "xml").is_some());
    }
    // Most vectors use WeChat's canonical shape, so the comparison is not vacuous.
    assert!(fast > 50, "{fast}");
}

// ---------------------------------------------------------------------------------------------
// Differential test against an independent strict XML 1.0 parser: whatever we accept, roxmltree
// accepts too, with the same root, the same child elements in the same order and the same values.
//
// Deliberate deviations, each compared modulo its reason:
// - Line ends: XML normalises CR LF and lone CR in character data to LF (§2.11); we keep a value's
//   CR exactly as received, because WeChat Pay signs the value it sent. Values are compared with
//   CR LF / CR mapped to LF on both sides (a `&#13;` reference survives in both).
// - We are stricter than XML in many ways (DOCTYPE, PIs, attributes, nesting, names with `:` or
//   outside NCName, text in the root, duplicates): those only make us refuse more, which the
//   implication allows.

fn normalise_eol(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// If we accept `doc`, roxmltree must accept it with the same fields.
fn assert_strictly_well_formed(doc: &[u8], root: &str) {
    let Ok(ours) = parse_flat(doc, root) else {
        return;
    };
    let text = std::str::from_utf8(doc).expect("we accepted it, so it is UTF-8");
    let theirs = match roxmltree::Document::parse(text) {
        Ok(d) => d,
        Err(e) => panic!("accepted by us, refused by roxmltree ({e}): {text:?}"),
    };
    let root_el = theirs.root_element();
    assert_eq!(root_el.tag_name().name(), root, "{text:?}");
    let children: Vec<(String, String)> = root_el
        .children()
        .filter(|n| n.is_element())
        .map(|n| {
            let value: String = n.children().filter_map(|c| c.text()).collect();
            (n.tag_name().name().to_owned(), normalise_eol(&value))
        })
        .collect();
    let ours: Vec<(String, String)> = ours
        .iter()
        .map(|(k, v)| (k.to_owned(), normalise_eol(v)))
        .collect();
    assert_eq!(ours, children, "{text:?}");
}

#[test]
fn every_vector_we_accept_is_well_formed_xml() {
    let mut accepted = 0;
    for body in vector_bodies() {
        assert_strictly_well_formed(&body, "xml");
        accepted += usize::from(parse_flat(&body, "xml").is_ok());
    }
    assert!(accepted > 50, "{accepted}");
}

/// Pieces of XML syntax, legal and not, for generated and mutated documents.
const TOKENS: &[&str] = &[
    "<xml>",
    "</xml>",
    "<a>",
    "</a>",
    "<b>",
    "</b>",
    "<a/>",
    "<b />",
    "<![CDATA[",
    "]]>",
    "]",
    ">",
    "&amp;",
    "&",
    "&#13;",
    "&#x41;",
    "&#X41;",
    "&#65;",
    "&#x0;",
    "&lt",
    " ",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "x",
    "中",
    "\u{1}",
    "\u{FFFE}",
    "\u{FFFF}",
    "\u{FFFD}",
    "\u{FEFF}",
    "，",
    "￥",
    "\u{2028}",
    "<!--c-->",
    "<!--",
    "-->",
    "<!-- a--b -->",
    "<a x='1'>",
    "<",
    "</",
    "/>",
    "<1a>",
    "<a.b-c>",
    "</a.b-c>",
    "<a:b>",
    "</a:b>",
    "<?xml version=\"1.0\"?>",
    "<?xml version='1.0' encoding='UTF-8'?>",
    "<?xml version=\"1.0\" standalone='no'?>",
    "<?xml?>",
    "<?pi?>",
    "<!DOCTYPE xml>",
    "=",
    "\"",
    "'",
    ":",
    "<中>",
    "</中>",
    "<a >",
    "</a >",
    "<xml >",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    /// Documents in (or near) WeChat's canonical shape, so the fast path accepts many of them.
    #[test]
    fn paths_agree_on_canonical_documents(
        fields in proptest::collection::vec((
            "[a-zA-Z_][a-zA-Z0-9_.-]{0,12}",
            prop_oneof![
                3 => "[ -~\u{4e00}-\u{9fa5}\u{3000}-\u{3003}\u{ff01}-\u{ff5e}\u{ffe0}-\u{ffe6}]{0,20}",
                1 => "[ -~\t\n\r\u{80}-\u{10FFFF}]{0,20}",
            ],
            any::<u8>(),
        ), 0..12),
        sep in prop_oneof![
            3 => Just(""),
            2 => Just("\n  "),
            1 => Just("\r\n"),
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
        assert_strictly_well_formed(doc.as_bytes(), "xml");
    }

    #[test]
    fn paths_agree_and_stay_well_formed_on_token_soup(
        parts in proptest::collection::vec(proptest::sample::select(TOKENS), 0..30),
    ) {
        let doc = parts.concat();
        assert_same(doc.as_bytes(), "xml");
        assert_strictly_well_formed(doc.as_bytes(), "xml");
        let wrapped = format!("<xml>{doc}</xml>");
        assert_same(wrapped.as_bytes(), "xml");
        assert_strictly_well_formed(wrapped.as_bytes(), "xml");
        let prolog = format!("{doc}<xml><a>1</a></xml>");
        assert_strictly_well_formed(prolog.as_bytes(), "xml");
    }

    /// Mutations of every vector body: a token inserted, a range deleted, or a range repeated.
    #[test]
    fn mutated_vectors_stay_well_formed(
        which in any::<proptest::sample::Index>(),
        at in any::<proptest::sample::Index>(),
        len in 0usize..40,
        token in proptest::sample::select(TOKENS),
        op in 0u8..3,
    ) {
        thread_local! {
            static BODIES: Vec<Vec<u8>> = vector_bodies();
        }
        let mut body = BODIES.with(|b| b[which.index(b.len())].clone());
        let at = at.index(body.len() + 1);
        let end = (at + len).min(body.len());
        match op {
            0 => { body.splice(at..at, token.bytes()); }
            1 => { body.drain(at..end); }
            _ => { let piece = body[at..end].to_vec(); body.splice(at..at, piece); }
        }
        assert_same(&body, "xml");
        assert_strictly_well_formed(&body, "xml");
    }
}
