//! `v2_sign.json`: the string to sign and both signature algorithms, without any XML.

use serde_json::{Value, json};
use wechatpay_notify::{SignType, sign};

use crate::body::{Pairs, pairs};
use crate::fixtures::{KEY, public_json};
use crate::render::{file, pairs_json};

pub fn vectors() -> Value {
    let tests = [published(), own(), refused()]
        .into_iter()
        .flatten()
        .zip(1..)
        .map(|(mut t, id)| {
            t["tcId"] = json!(id);
            t
        })
        .collect::<Vec<_>>();
    file(
        "wechatpay-notify/v2-sign/1",
        json!({
            "Published": "vectors published by WeChat Pay's signing doc and peer SDK test suites",
            "SkipSignAndEmpty": "the sign field and empty values must not be signed",
            "ByteOrder": "names are sorted by byte (ASCII) order, not locale or case-insensitively",
            "ExactValues": "values are signed exactly as decoded: no trimming, no URL-encoding",
            "DuplicateField": "a repeated name is refused rather than silently picking one",
            "BadKey": "the v2 API key must be 32 printable ASCII characters",
            "XmlName": "a name verify_payment would refuse (not an XML NCName) cannot be signed, so a signed map always round-trips",
            "XmlChar": "a value XML cannot carry cannot be signed",
        }),
        vec![json!({"type": "V2Sign", "tests": tests})],
    )
}

/// Published signatures, each also checked against the crate's `sign` (which is how the crate's
/// signing, and so every other file's signatures, are pinned to WeChat Pay's).
fn published() -> Vec<Value> {
    let public = public_json();
    let mut tests = Vec::new();
    for v in public["signing"].as_array().unwrap() {
        let fields: Pairs = v["fields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, x)| (k.clone(), x.as_str().unwrap().to_string()))
            .collect();
        for t in ["MD5", "HMAC-SHA256"] {
            let sig = v[t].as_str().unwrap();
            let mine = sign(
                fields.iter().cloned(),
                v["api_key"].as_str().unwrap(),
                SignType::parse(t).unwrap(),
            )
            .unwrap();
            assert_eq!(mine, sig, "published vector from {}", v["source"]);
            let mut case = json!({
                "comment": format!("published vector ({})", v["source"].as_str().unwrap()),
                "flags": ["Published"],
                "apiKey": v["api_key"],
                "signType": t,
                "fields": pairs_json(&fields),
                "result": "valid",
                "signature": sig,
            });
            if let Some(s) = v.get("string_to_sign_without_key") {
                case["stringToSign"] = s.clone();
            }
            tests.push(case);
        }
    }
    tests
}

/// WeChat Pay's v2 signature of a string to sign (SPEC §1): uppercase hex of MD5 over
/// `sts&key=KEY`, or of HMAC-SHA256 keyed with KEY over the same string.
fn reference_signature(sts: &str, key: &str, t: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    use md5::{Digest, Md5};
    let message = format!("{sts}&key={key}");
    let digest: Vec<u8> = match t {
        "MD5" => Md5::digest(message.as_bytes()).to_vec(),
        "HMAC-SHA256" => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        other => panic!("no reference for {other}"),
    };
    digest.iter().map(|b| format!("{b:02X}")).collect()
}

/// Our own rules of the string to sign, with the string written out independently here.
fn own() -> Vec<Value> {
    let own: Vec<(&str, Pairs, &[&str])> = vec![
        (
            "sign and empty values are skipped; order of input does not matter",
            pairs(&[("b", "2"), ("sign", "IGNORED"), ("a", "1"), ("c", "")]),
            &["SkipSignAndEmpty"],
        ),
        (
            "names sort by byte order: uppercase before lowercase, '_' between",
            pairs(&[
                ("a", "1"),
                ("B", "2"),
                ("a_b", "3"),
                ("aB", "4"),
                ("_x", "5"),
            ]),
            &["ByteOrder"],
        ),
        (
            "values are used exactly: spaces, '&', '=', non-ASCII, no URL-encoding",
            pairs(&[
                ("attach", " a&b=c "),
                ("body", "支付测试"),
                ("url", "https://x/?a=1&b=2"),
            ]),
            &["ExactValues"],
        ),
        (
            "whitespace-only value is not empty and is signed",
            pairs(&[("a", " "), ("b", "1")]),
            &["ExactValues"],
        ),
    ];
    let mut tests = Vec::new();
    for (comment, fields, flags) in own {
        for t in ["MD5", "HMAC-SHA256"] {
            let mut sorted: Vec<_> = fields
                .iter()
                .filter(|(k, v)| k != "sign" && !v.is_empty())
                .collect();
            sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let sts = sorted
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&");
            // The signature from the string written out here, by md-5 / hmac directly; the
            // crate's `sign` must agree (it is what is tested, never the source of the expected).
            let sig = reference_signature(&sts, KEY, t);
            let mine = sign(fields.iter().cloned(), KEY, SignType::parse(t).unwrap()).unwrap();
            assert_eq!(mine, sig, "{comment} ({t})");
            tests.push(json!({
                "comment": comment, "flags": flags, "apiKey": KEY, "signType": t,
                "fields": pairs_json(&fields), "result": "valid", "signature": sig,
                "stringToSign": sts,
            }));
        }
    }
    tests
}

/// Inputs `sign` refuses.
fn refused() -> Vec<Value> {
    let bad: Vec<(&str, &str, Pairs, &str, &[&str])> = vec![
        (
            "repeated name",
            KEY,
            pairs(&[("a", "1"), ("a", "2")]),
            "invalid_argument",
            &["DuplicateField"],
        ),
        (
            "a name holding '=' and '&' (it would make the string to sign ambiguous; verify refuses it)",
            KEY,
            pairs(&[("appid=wx2421b1c4370ec43b&attach", "x")]),
            "invalid_argument",
            &["XmlName"],
        ),
        (
            "an empty name",
            KEY,
            pairs(&[("", "x")]),
            "invalid_argument",
            &["XmlName"],
        ),
        (
            "a name starting with a digit",
            KEY,
            pairs(&[("1a", "x")]),
            "invalid_argument",
            &["XmlName"],
        ),
        (
            "a name with a space",
            KEY,
            pairs(&[("a b", "x")]),
            "invalid_argument",
            &["XmlName"],
        ),
        (
            "a name with ':'",
            KEY,
            pairs(&[("wx:appid", "x")]),
            "invalid_argument",
            &["XmlName"],
        ),
        (
            "a name with a control character",
            KEY,
            pairs(&[("a\u{1}", "x")]),
            "invalid_argument",
            &["XmlName"],
        ),
        (
            "a value with a character XML cannot carry",
            KEY,
            pairs(&[("a", "x\u{1}y")]),
            "invalid_argument",
            &["XmlChar"],
        ),
        (
            "key of 31 characters",
            "192006250b4c09247ec02edce69f6a2",
            pairs(&[("a", "1")]),
            "invalid_config",
            &["BadKey"],
        ),
        (
            "key with a space",
            "192006250b4c09247ec02edce69f6a2 ",
            pairs(&[("a", "1")]),
            "invalid_config",
            &["BadKey"],
        ),
        (
            "key with non-ASCII",
            "192006250b4c09247ec02edce69f6a中",
            pairs(&[("a", "1")]),
            "invalid_config",
            &["BadKey"],
        ),
    ];
    let mut tests = Vec::new();
    for (comment, key, fields, code, flags) in bad {
        let err = sign(fields.iter().cloned(), key, SignType::Md5).unwrap_err();
        assert_eq!(err.code(), code, "{comment}");
        tests.push(json!({
            "comment": comment, "flags": flags, "apiKey": key, "signType": "MD5",
            "fields": pairs_json(&fields), "result": "invalid", "error": code,
        }));
    }
    tests
}
