//! Property tests: sign→verify round trips, no panics on arbitrary input, no accepted tampering.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use wechatpay_notify::{SignType, Verifier, sign};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

/// Characters XML 1.0 can carry.
const VALUE: &str = "[\t\n\r\u{20}-\u{D7FF}\u{E000}-\u{FFFD}\u{10000}-\u{10FFFF}]{0,24}";

fn escape(v: &str, cdata: bool) -> String {
    if cdata {
        format!("<![CDATA[{}]]>", v.replace("]]>", "]]]]><![CDATA[>"))
    } else {
        v.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
}

fn body(fields: &[(String, String)], cdata: bool) -> Vec<u8> {
    let mut s = String::from("<xml>");
    for (k, v) in fields {
        s.push_str(&format!("<{k}>{}</{k}>", escape(v, cdata)));
    }
    s.push_str("</xml>");
    s.into_bytes()
}

fn signed(map: &std::collections::BTreeMap<String, String>, t: SignType) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = vec![("return_code".into(), "SUCCESS".into())];
    fields.extend(
        map.iter()
            .filter(|(k, _)| *k != "sign" && *k != "return_code" && *k != "sign_type")
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let s = sign(fields.iter().cloned(), KEY, t).unwrap();
    fields.push(("sign".into(), s));
    fields
}

fn sign_type() -> impl Strategy<Value = SignType> {
    prop_oneof![Just(SignType::Md5), Just(SignType::HmacSha256)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_round_trips(
        map in btree_map("[a-zA-Z_][a-zA-Z0-9_.-]{0,15}", VALUE, 0..12),
        t in sign_type(),
        cdata in any::<bool>(),
    ) {
        let fields = signed(&map, t);
        let v = Verifier::new(KEY, t).unwrap();
        let n = v.verify_payment(&body(&fields, cdata)).unwrap();
        prop_assert_eq!(n.fields().to_vec(), fields);
        prop_assert_eq!(n.sign_type(), t);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        let v = Verifier::new(KEY, SignType::Md5).unwrap();
        let _ = v.verify_payment(&bytes);
        let _ = v.decrypt_refund(&bytes);
    }

    #[test]
    fn xml_shaped_garbage_never_panics(parts in vec(prop_oneof![
        Just("<xml>"), Just("</xml>"), Just("<a>"), Just("</a>"), Just("<b/>"), Just("<![CDATA["),
        Just("]]>"), Just("&amp;"), Just("&#x41;"), Just("&"), Just("<!DOCTYPE x>"), Just("<!--"),
        Just("-->"), Just("<?xml version=\"1.0\"?>"), Just("x"), Just(" "), Just("<sign>"), Just("</sign>"),
        Just("<return_code>SUCCESS</return_code>"), Just("<req_info>"), Just("</req_info>"), Just("\u{FFFF}"),
    ], 0..40)) {
        let doc: String = parts.concat();
        let v = Verifier::new(KEY, SignType::Md5).unwrap();
        let _ = v.verify_payment(doc.as_bytes());
        let _ = v.decrypt_refund(doc.as_bytes());
    }

    #[test]
    fn flipping_a_byte_never_changes_accepted_fields(
        map in btree_map("[a-z_]{1,10}", "[a-zA-Z0-9 ]{0,12}", 1..8),
        t in sign_type(),
        cdata in any::<bool>(),
        at in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let fields = signed(&map, t);
        let mut b = body(&fields, cdata);
        let i = at.index(b.len());
        b[i] ^= mask;
        let v = Verifier::new(KEY, t).unwrap();
        if let Ok(n) = v.verify_payment(&b) {
            prop_assert_eq!(n.fields().to_vec(), fields);
        }
    }
}
