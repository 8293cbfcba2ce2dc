//! `cargo run -p xtask -- vectors`: regenerates `tests/vectors/*.json` and `examples/notifications/`.
//!
//! Bodies are built here from field lists, independently of the crate's XML reader; the expected
//! fields of a valid case are the list the body was built from. Signatures come from the crate's
//! `sign`, which is itself pinned by WeChat Pay's published signing vectors (the first cases of
//! `v2_sign.json`). After building, every case is checked against the crate, so a generator that
//! disagrees with the implementation fails loudly instead of writing a wrong file.

use std::fs;
use std::path::{Path, PathBuf};

use aes::cipher::{BlockModeEncrypt, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};
use wechatpay_notify::{SignType, Verifier, sign};

/// WeChat Pay's signing-doc key (public).
const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
/// A second key, for wrong-key cases.
const OTHER_KEY: &str = "0123456789abcdefghijklmnopqrstuv";
/// The real refund notification's key (Senparc test suite).
const REFUND_REAL_KEY: &str = "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv";

type Pairs = Vec<(String, String)>;

fn pairs(p: &[(&str, &str)]) -> Pairs {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("vectors") => {
            let root = repo_root();
            write_vectors(&root);
            write_examples(&root);
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- vectors");
            std::process::exit(2);
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tools/xtask sits two levels below the repository root")
        .to_path_buf()
}

// ---------------------------------------------------------------------------------------------
// Building bodies

/// How one element's value is written.
#[derive(Clone, Copy)]
enum Enc {
    /// `<![CDATA[value]]>` (WeChat Pay's own style).
    Cdata,
    /// Escaped text: `&`, `<`, `>` as entities.
    Text,
    /// Every non-alphanumeric ASCII character as a numeric character reference, others as text.
    CharRefs,
    /// The value split in two CDATA sections (after its first character).
    SplitCdata,
}

fn enc_value(v: &str, enc: Enc) -> String {
    match enc {
        Enc::Cdata => cdata(v),
        Enc::Text => v
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
        Enc::CharRefs => v
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || !c.is_ascii() {
                    c.to_string()
                } else {
                    format!("&#{};", c as u32)
                }
            })
            .collect(),
        Enc::SplitCdata => {
            let mut chars = v.chars();
            match chars.next() {
                Some(first) => format!("{}{}", cdata(&first.to_string()), cdata(chars.as_str())),
                None => String::new(),
            }
        }
    }
}

fn cdata(v: &str) -> String {
    format!("<![CDATA[{}]]>", v.replace("]]>", "]]]]><![CDATA[>"))
}

fn element(k: &str, v: &str, enc: Enc) -> String {
    format!("<{k}>{}</{k}>", enc_value(v, enc))
}

fn doc(fields: &Pairs, enc: Enc) -> String {
    let mut s = String::from("<xml>");
    for (k, v) in fields {
        s.push_str(&element(k, v, enc));
    }
    s.push_str("</xml>");
    s
}

fn with_sign(fields: &Pairs, key: &str, t: SignType) -> Pairs {
    let mut out = fields.clone();
    out.push(("sign".into(), sign(fields.iter().cloned(), key, t).unwrap()));
    out
}

fn set(fields: &Pairs, name: &str, value: &str) -> Pairs {
    let mut out = fields.clone();
    match out.iter_mut().find(|(k, _)| k == name) {
        Some(entry) => entry.1 = value.to_string(),
        None => out.push((name.to_string(), value.to_string())),
    }
    out
}

fn without(fields: &Pairs, name: &str) -> Pairs {
    fields.iter().filter(|(k, _)| k != name).cloned().collect()
}

/// A realistic, ~1 KB, 28-field payment notification (with two coupons).
fn full_pay() -> Pairs {
    pairs(&[
        ("appid", "wx2421b1c4370ec43b"),
        ("attach", "支付测试 & <附加数据>"),
        ("bank_type", "CMC"),
        ("cash_fee", "90"),
        ("cash_fee_type", "CNY"),
        ("coupon_count", "2"),
        ("coupon_fee", "11"),
        ("coupon_fee_0", "6"),
        ("coupon_fee_1", "5"),
        ("coupon_id_0", "10000"),
        ("coupon_id_1", "10001"),
        ("coupon_type_0", "CASH"),
        ("coupon_type_1", "NO_CASH"),
        ("device_info", "WEB"),
        ("fee_type", "CNY"),
        ("is_subscribe", "Y"),
        ("mch_id", "10000100"),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ("out_trade_no", "20261127ORDER0001"),
        ("result_code", "SUCCESS"),
        ("return_code", "SUCCESS"),
        ("return_msg", "OK"),
        ("settlement_total_fee", "101"),
        ("time_end", "20261127101530"),
        ("total_fee", "101"),
        ("trade_type", "JSAPI"),
        ("transaction_id", "4200001234202611270123456789"),
    ])
}

fn docs_sample() -> Pairs {
    let public = public_json();
    public["sample_pay_notification_fields"]["fields"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn minimal_pay() -> Pairs {
    pairs(&[
        ("return_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "ibuaiVcKdpRxkhJA"),
        ("result_code", "SUCCESS"),
        ("out_trade_no", "1409811653"),
        ("transaction_id", "1004400740201409030005092168"),
        ("total_fee", "1"),
    ])
}

fn public_json() -> Value {
    serde_json::from_str(include_str!("../../../tests/vectors/sources/public.json")).unwrap()
}

fn refund_real() -> Value {
    serde_json::from_str(include_str!(
        "../../../tests/vectors/sources/refund-real.json"
    ))
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Cases

struct Case {
    comment: String,
    flags: Vec<&'static str>,
    body: Vec<u8>,
    /// `Ok((fields, req_info))` for valid cases, `Err(code)` for invalid ones.
    expect: Result<(Pairs, Pairs), &'static str>,
}

fn valid(comment: &str, flags: &[&'static str], body: impl Into<Vec<u8>>, fields: Pairs) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        body: body.into(),
        expect: Ok((fields, Vec::new())),
    }
}

fn invalid(
    comment: &str,
    flags: &[&'static str],
    body: impl Into<Vec<u8>>,
    code: &'static str,
) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        body: body.into(),
        expect: Err(code),
    }
}

#[derive(Clone)]
struct Config {
    api_key: &'static str,
    sign_type: &'static str,
    also_accept: Vec<&'static str>,
    appid: Option<&'static str>,
    mch_id: Option<&'static str>,
    max_body_bytes: Option<usize>,
}

fn config(api_key: &'static str, sign_type: &'static str) -> Config {
    Config {
        api_key,
        sign_type,
        also_accept: Vec::new(),
        appid: None,
        mch_id: None,
        max_body_bytes: None,
    }
}

impl Config {
    fn json(&self) -> Value {
        json!({
            "apiKey": self.api_key,
            "signType": self.sign_type,
            "alsoAccept": self.also_accept,
            "appid": self.appid,
            "mchId": self.mch_id,
            "maxBodyBytes": self.max_body_bytes,
        })
    }

    fn build(&self) -> Result<Verifier, wechatpay_notify::Error> {
        let mut v = Verifier::new(self.api_key, SignType::parse(self.sign_type)?)?;
        for t in &self.also_accept {
            v = v.also_accept(SignType::parse(t)?);
        }
        if let Some(a) = self.appid {
            v = v.expect_appid(a);
        }
        if let Some(m) = self.mch_id {
            v = v.expect_mch_id(m);
        }
        if let Some(n) = self.max_body_bytes {
            v = v.max_body_bytes(n);
        }
        Ok(v)
    }
}

fn get<'a>(fields: &'a Pairs, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn text(fields: &Pairs, name: &str) -> Value {
    get(fields, name).map_or(Value::Null, |v| json!(v))
}

fn amount(fields: &Pairs, name: &str) -> Value {
    match get(fields, name) {
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            json!(v.parse::<u64>().unwrap())
        }
        _ => Value::Null,
    }
}

fn pay_typed(fields: &Pairs, sign_type: &str) -> Value {
    let count = get(fields, "coupon_count")
        .and_then(|c| c.parse::<u64>().ok())
        .unwrap_or(0);
    let coupons: Vec<Value> = (0..count)
        .filter_map(|n| {
            let id = get(fields, &format!("coupon_id_{n}"))?;
            Some(json!({
                "id": id,
                "coupon_type": text(fields, &format!("coupon_type_{n}")),
                "fee": amount(fields, &format!("coupon_fee_{n}")),
            }))
        })
        .collect();
    json!({
        "sign_type": sign_type,
        "is_success": get(fields, "return_code") == Some("SUCCESS") && get(fields, "result_code") == Some("SUCCESS"),
        "dedupe_key": get(fields, "transaction_id").filter(|s| !s.is_empty()),
        "appid": text(fields, "appid"),
        "mch_id": text(fields, "mch_id"),
        "transaction_id": text(fields, "transaction_id"),
        "out_trade_no": text(fields, "out_trade_no"),
        "result_code": text(fields, "result_code"),
        "total_fee": amount(fields, "total_fee"),
        "cash_fee": amount(fields, "cash_fee"),
        "coupon_fee": amount(fields, "coupon_fee"),
        "coupon_count": amount(fields, "coupon_count"),
        "settlement_total_fee": amount(fields, "settlement_total_fee"),
        "coupons": coupons,
    })
}

fn refund_typed(outer: &Pairs, inner: &Pairs) -> Value {
    json!({
        "is_success": get(inner, "refund_status") == Some("SUCCESS"),
        "dedupe_key": get(inner, "refund_id").filter(|s| !s.is_empty()),
        "appid": text(outer, "appid"),
        "mch_id": text(outer, "mch_id"),
        "transaction_id": text(inner, "transaction_id"),
        "out_trade_no": text(inner, "out_trade_no"),
        "refund_id": text(inner, "refund_id"),
        "out_refund_no": text(inner, "out_refund_no"),
        "refund_status": text(inner, "refund_status"),
        "total_fee": amount(inner, "total_fee"),
        "refund_fee": amount(inner, "refund_fee"),
        "settlement_total_fee": amount(inner, "settlement_total_fee"),
        "settlement_refund_fee": amount(inner, "settlement_refund_fee"),
        "success_time": text(inner, "success_time"),
        "refund_recv_accout": text(inner, "refund_recv_accout"),
        "refund_account": text(inner, "refund_account"),
        "refund_request_source": text(inner, "refund_request_source"),
    })
}

fn pairs_json(p: &Pairs) -> Value {
    Value::Array(p.iter().map(|(k, v)| json!([k, v])).collect())
}

fn body_json(obj: &mut Map<String, Value>, body: &[u8]) {
    match std::str::from_utf8(body) {
        Ok(s) => obj.insert("body".into(), json!(s)),
        Err(_) => obj.insert(
            "bodyHex".into(),
            json!(body.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        ),
    };
}

/// Checks every case against the crate and renders the group.
fn group(kind: &str, cfg: &Config, cases: Vec<Case>, next_id: &mut u64) -> Value {
    let verifier = cfg.build();
    let mut tests = Vec::new();
    for case in cases {
        let mut t = Map::new();
        t.insert("tcId".into(), json!(*next_id));
        *next_id += 1;
        t.insert("comment".into(), json!(case.comment));
        t.insert("flags".into(), json!(case.flags));
        body_json(&mut t, &case.body);
        let actual = verifier.as_ref().map_err(|e| e.clone()).and_then(|v| {
            if kind == "V2Pay" {
                v.verify_payment(&case.body).map(|n| {
                    (
                        n.fields().to_vec(),
                        Vec::new(),
                        pay_typed(&n.fields().to_vec(), n.sign_type().as_str()),
                    )
                })
            } else {
                v.decrypt_refund(&case.body).map(|n| {
                    let outer = n.fields().to_vec();
                    let inner = n.req_info().to_vec();
                    let typed = refund_typed(&outer, &inner);
                    (outer, inner, typed)
                })
            }
        });
        match (&case.expect, actual) {
            (Ok((fields, req_info)), Ok((got, got_inner, typed))) => {
                assert_eq!(&got, fields, "tc {}: {}", t["tcId"], case.comment);
                if kind == "V2Refund" {
                    assert_eq!(&got_inner, req_info, "tc {}: {}", t["tcId"], case.comment);
                }
                t.insert("result".into(), json!("valid"));
                let mut expected = Map::new();
                expected.insert("fields".into(), pairs_json(fields));
                if kind == "V2Refund" {
                    expected.insert("reqInfo".into(), pairs_json(req_info));
                }
                expected.insert("typed".into(), typed);
                t.insert("expected".into(), Value::Object(expected));
            }
            (Err(code), Err(e)) => {
                assert_eq!(
                    e.code(),
                    *code,
                    "tc {}: {} ({})",
                    t["tcId"],
                    case.comment,
                    e
                );
                t.insert("result".into(), json!("invalid"));
                t.insert("error".into(), json!(code));
            }
            (want, got) => panic!(
                "tc {}: {}: expected {:?}, got {:?}",
                t["tcId"],
                case.comment,
                want.as_ref().map(|_| "valid"),
                got.map(|_| "valid")
            ),
        }
        tests.push(Value::Object(t));
    }
    json!({ "type": kind, "config": cfg.json(), "tests": tests })
}

fn file(schema: &str, notes: Value, groups: Vec<Value>) -> Value {
    let n: usize = groups
        .iter()
        .map(|g| g["tests"].as_array().unwrap().len())
        .sum();
    json!({
        "schema": schema,
        "numberOfTests": n,
        "notes": notes,
        "testGroups": groups,
    })
}

fn write_json(path: &Path, v: &Value) {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    fs::write(path, s).unwrap();
}

fn write_vectors(root: &Path) {
    let dir = root.join("tests/vectors");
    write_json(&dir.join("v2_sign.json"), &sign_vectors());
    write_json(&dir.join("v2_pay.json"), &pay_vectors());
    write_json(&dir.join("v2_refund.json"), &refund_vectors());
    write_json(&dir.join("reply.json"), &reply_vectors());
}

// ---------------------------------------------------------------------------------------------
// v2_sign.json

fn sign_vectors() -> Value {
    let public = public_json();
    let mut tests = Vec::new();
    let mut id = 1;
    let mut push = |t: Value| {
        let mut t = t;
        t["tcId"] = json!(id);
        id += 1;
        tests.push(t);
    };
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
            push(case);
        }
    }
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
    for (comment, fields, flags) in own {
        for t in ["MD5", "HMAC-SHA256"] {
            let sig = sign(fields.iter().cloned(), KEY, SignType::parse(t).unwrap()).unwrap();
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
            push(json!({
                "comment": comment, "flags": flags, "apiKey": KEY, "signType": t,
                "fields": pairs_json(&fields), "result": "valid", "signature": sig,
                "stringToSign": sts,
            }));
        }
    }
    let bad: Vec<(&str, &str, Pairs, &str, &[&str])> = vec![
        (
            "repeated name",
            KEY,
            pairs(&[("a", "1"), ("a", "2")]),
            "invalid_argument",
            &["DuplicateField"],
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
    for (comment, key, fields, code, flags) in bad {
        let err = sign(fields.iter().cloned(), key, SignType::Md5).unwrap_err();
        assert_eq!(err.code(), code, "{comment}");
        push(json!({
            "comment": comment, "flags": flags, "apiKey": key, "signType": "MD5",
            "fields": pairs_json(&fields), "result": "invalid", "error": code,
        }));
    }
    file(
        "wechatpay-notify/v2-sign/1",
        json!({
            "Published": "vectors published by WeChat Pay's signing doc and peer SDK test suites",
            "SkipSignAndEmpty": "the sign field and empty values must not be signed",
            "ByteOrder": "names are sorted by byte (ASCII) order, not locale or case-insensitively",
            "ExactValues": "values are signed exactly as decoded: no trimming, no URL-encoding",
            "DuplicateField": "a repeated name is refused rather than silently picking one",
            "BadKey": "the v2 API key must be 32 printable ASCII characters",
        }),
        vec![json!({"type": "V2Sign", "tests": tests})],
    )
}

// ---------------------------------------------------------------------------------------------
// v2_pay.json

fn pay_vectors() -> Value {
    let md5 = config(KEY, "MD5");
    let hmac = config(KEY, "HMAC-SHA256");
    let full = full_pay();
    let full_md5 = with_sign(&full, KEY, SignType::Md5);
    let full_hmac = with_sign(&full, KEY, SignType::HmacSha256);
    let mut id = 1;
    let mut groups = Vec::new();

    // --- MD5, default policy -------------------------------------------------------------------
    let mut c = Vec::new();
    let sample = with_sign(&docs_sample(), KEY, SignType::Md5);
    c.push(valid(
        "WeChat Pay docs sample notification fields, signed with MD5",
        &["Published"],
        doc(&sample, Enc::Cdata),
        sample.clone(),
    ));
    c.push(valid(
        "realistic 28-field notification with two coupons, CDATA values",
        &["Typed"],
        doc(&full_md5, Enc::Cdata),
        full_md5.clone(),
    ));
    c.push(valid(
        "same fields as escaped text (entities decoded before signing)",
        &["Escapes"],
        doc(&full_md5, Enc::Text),
        full_md5.clone(),
    ));
    c.push(valid(
        "same fields written with numeric character references",
        &["Escapes"],
        doc(&full_md5, Enc::CharRefs),
        full_md5.clone(),
    ));
    c.push(valid(
        "each value split across two CDATA sections",
        &["Escapes"],
        doc(&full_md5, Enc::SplitCdata),
        full_md5.clone(),
    ));
    {
        let mut body =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- notify -->\n<xml>\n");
        for (k, v) in &full_md5 {
            body.push_str("  ");
            body.push_str(&element(k, v, Enc::Cdata));
            body.push_str("\r\n");
        }
        body.push_str("</xml>\n");
        c.push(valid(
            "XML declaration, comments and whitespace between elements are ignored",
            &["Whitespace"],
            body,
            full_md5.clone(),
        ));
        c.push(valid(
            "a UTF-8 byte order mark is accepted",
            &["Whitespace"],
            format!("\u{feff}{}", doc(&full_md5, Enc::Cdata)),
            full_md5.clone(),
        ));
    }
    {
        let f = set(
            &set(&minimal_pay(), "attach", "  padded value\n"),
            "device_info",
            "",
        );
        let f = with_sign(&f, KEY, SignType::Md5);
        let mut body = doc(&f, Enc::Cdata);
        body = body.replace("<device_info><![CDATA[]]></device_info>", "<device_info/>");
        c.push(valid(
            "values keep leading/trailing whitespace; an empty element is kept and not signed",
            &["ExactValues", "SkipSignAndEmpty"],
            body,
            f,
        ));
    }
    {
        let f = with_sign(
            &set(&minimal_pay(), "promotion_detail_new_field", "{\"a\":1}"),
            KEY,
            SignType::Md5,
        );
        c.push(valid(
            "a field this library does not know is still signed and kept",
            &["UnknownField"],
            doc(&f, Enc::Cdata),
            f,
        ));
    }
    {
        let f = set(
            &set(
                &set(&minimal_pay(), "result_code", "FAIL"),
                "err_code",
                "NOTENOUGH",
            ),
            "err_code_des",
            "余额不足",
        );
        let f = with_sign(&without(&f, "transaction_id"), KEY, SignType::Md5);
        c.push(valid(
            "result_code=FAIL is signed: verified (and acknowledged), is_success false",
            &["ResultFail"],
            doc(&f, Enc::Cdata),
            f,
        ));
    }
    {
        let f = with_sign(&set(&minimal_pay(), "sign_type", "MD5"), KEY, SignType::Md5);
        c.push(valid(
            "sign_type=MD5 present and matching the configuration",
            &["SignType"],
            doc(&f, Enc::Cdata),
            f,
        ));
    }
    let body = doc(&full_md5, Enc::Cdata);
    c.push(invalid(
        "total_fee changed after signing",
        &["Tamper"],
        body.replace("<total_fee><![CDATA[101]]>", "<total_fee><![CDATA[1]]>"),
        "signature_mismatch",
    ));
    c.push(invalid(
        "a field added after signing",
        &["Tamper"],
        body.replace("</xml>", "<extra>1</extra></xml>"),
        "signature_mismatch",
    ));
    c.push(invalid(
        "a signed field removed",
        &["Tamper"],
        body.replace("<attach><![CDATA[支付测试 & <附加数据>]]></attach>", ""),
        "signature_mismatch",
    ));
    c.push(invalid(
        "an empty field made non-empty",
        &["Tamper"],
        doc(&set(&full_md5, "device_info", "WEB2"), Enc::Cdata),
        "signature_mismatch",
    ));
    let sig = get(&full_md5, "sign").unwrap().to_string();
    c.push(invalid(
        "lowercase hex of the right signature",
        &["SignatureCase"],
        body.replace(&sig, &sig.to_lowercase()),
        "signature_mismatch",
    ));
    c.push(invalid(
        "right signature with a trailing space",
        &["ExactValues"],
        body.replace(&sig, &format!("{sig} ")),
        "signature_mismatch",
    ));
    c.push(invalid(
        "truncated signature",
        &["Tamper"],
        body.replace(&sig, &sig[..31]),
        "signature_mismatch",
    ));
    let wrong = with_sign(&full, OTHER_KEY, SignType::Md5);
    c.push(invalid(
        "signed with another merchant's key",
        &["WrongKey"],
        doc(&wrong, Enc::Cdata),
        "signature_mismatch",
    ));
    c.push(invalid(
        "HMAC-SHA256 signature without sign_type, verifier configured for MD5",
        &["AlgorithmPinned"],
        doc(&full_hmac, Enc::Cdata),
        "signature_mismatch",
    ));
    {
        let f = with_sign(
            &set(&minimal_pay(), "sign_type", "HMAC-SHA256"),
            KEY,
            SignType::HmacSha256,
        );
        c.push(invalid(
            "sign_type=HMAC-SHA256 (validly signed) while the verifier is pinned to MD5",
            &["AlgorithmPinned"],
            doc(&f, Enc::Cdata),
            "sign_type_mismatch",
        ));
        let f = with_sign(&set(&minimal_pay(), "sign_type", "md5"), KEY, SignType::Md5);
        c.push(invalid(
            "sign_type in lowercase is not a known algorithm",
            &["SignType"],
            doc(&f, Enc::Cdata),
            "sign_type_mismatch",
        ));
        let f = with_sign(&set(&minimal_pay(), "sign_type", "RSA"), KEY, SignType::Md5);
        c.push(invalid(
            "sign_type names an unsupported algorithm",
            &["SignType"],
            doc(&f, Enc::Cdata),
            "sign_type_mismatch",
        ));
    }
    {
        let mut f = minimal_pay();
        let sig = sign(f.iter().cloned(), KEY, SignType::Md5).unwrap();
        f.push(("sign".into(), sig));
        let mut with_sign_signed = minimal_pay();
        with_sign_signed.push(("sign".into(), "X".into()));
        // a signature computed over a string that included the sign field itself
        let mut bogus = minimal_pay();
        bogus.push(("zsign".into(), "X".into()));
        let over_sign = sign(bogus.iter().cloned(), KEY, SignType::Md5).unwrap();
        let mut f2 = minimal_pay();
        f2.push(("sign".into(), over_sign));
        c.push(invalid(
            "signature that covers a field it should not",
            &["SkipSignAndEmpty"],
            doc(&f2, Enc::Cdata),
            "signature_mismatch",
        ));
    }
    c.push(invalid(
        "no sign element",
        &["Unsigned"],
        doc(&full, Enc::Cdata),
        "missing_signature",
    ));
    c.push(invalid(
        "empty sign element",
        &["Unsigned"],
        doc(&set(&full, "sign", ""), Enc::Cdata),
        "missing_signature",
    ));
    c.push(invalid(
        "self-closing sign element",
        &["Unsigned"],
        doc(&full, Enc::Cdata).replace("</xml>", "<sign/></xml>"),
        "missing_signature",
    ));
    c.push(invalid(
        "return_code=FAIL notices carry no signature and are not payments",
        &["ReturnFail"],
        doc(
            &pairs(&[("return_code", "FAIL"), ("return_msg", "签名失败")]),
            Enc::Cdata,
        ),
        "return_code_fail",
    ));
    {
        let f = with_sign(
            &set(&minimal_pay(), "return_code", "FAIL"),
            KEY,
            SignType::Md5,
        );
        c.push(invalid(
            "return_code=FAIL even when signed",
            &["ReturnFail"],
            doc(&f, Enc::Cdata),
            "return_code_fail",
        ));
        let f = with_sign(&without(&minimal_pay(), "return_code"), KEY, SignType::Md5);
        c.push(invalid(
            "no return_code",
            &["MissingField"],
            doc(&f, Enc::Cdata),
            "missing_field",
        ));
    }
    // duplicates
    c.push(invalid(
        "total_fee twice (first-wins vs last-wins differential)",
        &["Duplicate"],
        body.replace(
            "<total_fee>",
            "<total_fee><![CDATA[1]]></total_fee><total_fee>",
        ),
        "duplicate_field",
    ));
    c.push(invalid(
        "sign twice",
        &["Duplicate"],
        body.replace("</xml>", &format!("<sign>{sig}</sign></xml>")),
        "duplicate_field",
    ));
    c.push(invalid(
        "an empty duplicate",
        &["Duplicate"],
        body.replace("</xml>", "<total_fee/></xml>"),
        "duplicate_field",
    ));
    // XXE and DOCTYPE
    c.push(invalid(
        "XXE probe from the wechatpay-php fixture",
        &["Xxe", "Published"],
        public_json()["xxe_probe"]["body"].as_str().unwrap(),
        "forbidden_doctype",
    ));
    c.push(invalid(
        "external entity in a signed-looking document",
        &["Xxe"],
        format!(
            "<!DOCTYPE xml [<!ENTITY fee SYSTEM \"file:///etc/passwd\">]>{}",
            body.replace("<![CDATA[101]]></total_fee>", "&fee;</total_fee>")
        ),
        "forbidden_doctype",
    ));
    c.push(invalid("billion laughs (internal entity expansion)", &["Xxe"], "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><xml><a>&c;</a></xml>", "forbidden_doctype"));
    c.push(invalid(
        "a bare DOCTYPE",
        &["Xxe"],
        format!("<!DOCTYPE xml>{body}"),
        "forbidden_doctype",
    ));
    {
        let f = with_sign(
            &set(
                &minimal_pay(),
                "attach",
                "<!DOCTYPE x [<!ENTITY e \"v\">]>&e;",
            ),
            KEY,
            SignType::Md5,
        );
        c.push(valid(
            "DOCTYPE and entity text inside CDATA is data, not markup",
            &["Xxe", "Escapes"],
            doc(&f, Enc::Cdata),
            f,
        ));
        let body = doc(
            &set(&minimal_pay(), "attach", "<!ENTITY e>\u{1}"),
            Enc::Cdata,
        );
        let f = with_sign(&set(&minimal_pay(), "total_fee", "+1"), KEY, SignType::Md5);
        c.push(valid(
            "an amount with a sign is not an amount in fen: total_fee is absent from the typed view",
            &["Typed"],
            doc(&f, Enc::Cdata),
            f,
        ));
        let f = with_sign(&minimal_pay(), KEY, SignType::Md5);
        c.push(invalid(
            "an element name starting with a digit",
            &["Malformed"],
            doc(&f, Enc::Cdata).replace("</xml>", "<1a>x</1a></xml>"),
            "malformed_xml",
        ));
        c.push(invalid(
            "a control character in CDATA that also holds entity-declaration text (found by fuzzing)",
            &["Malformed"],
            body,
            "malformed_xml",
        ));
    }
    c.push(invalid(
        "an undeclared entity is not decoded",
        &["Escapes"],
        body.replace("<![CDATA[CNY]]></fee_type>", "&yen;</fee_type>"),
        "malformed_xml",
    ));
    // malformed
    let m: Vec<(&str, String)> = vec![
        (
            "nested element inside a field",
            body.replace("<![CDATA[WEB]]></device_info>", "<a>WEB</a></device_info>"),
        ),
        (
            "text directly inside the root",
            body.replace("<appid>", "junk<appid>"),
        ),
        ("content after the root", format!("{body}<xml></xml>")),
        ("text after the root", format!("{body}junk")),
        (
            "the root is not <xml>",
            body.replace("<xml>", "<root>").replace("</xml>", "</root>"),
        ),
        ("unterminated document", body.replace("</xml>", "")),
        (
            "mismatched end tag",
            body.replace("</total_fee>", "</total>"),
        ),
        (
            "an attribute on a field",
            body.replace("<total_fee>", "<total_fee currency=\"CNY\">"),
        ),
        (
            "a comment inside a value",
            body.replace("<![CDATA[101]]></total_fee>", "1<!-- -->01</total_fee>"),
        ),
        (
            "a processing instruction",
            format!("<?php echo 1; ?>{body}"),
        ),
        (
            "declared encoding is not UTF-8",
            format!("<?xml version=\"1.0\" encoding=\"GBK\"?>{body}"),
        ),
        (
            "an unescaped ampersand",
            body.replace("<![CDATA[CNY]]></fee_type>", "C&Y</fee_type>"),
        ),
        (
            "a control character in a value",
            body.replace("<![CDATA[CNY]]></fee_type>", "C\u{1}Y</fee_type>"),
        ),
        (
            "a character reference to NUL",
            body.replace("<![CDATA[CNY]]></fee_type>", "&#0;</fee_type>"),
        ),
        ("empty body", String::new()),
        (
            "a JSON body (APIv3 sent to a v2 endpoint)",
            "{\"id\":\"x\"}".into(),
        ),
    ];
    for (comment, b) in m {
        c.push(invalid(comment, &["Malformed"], b, "malformed_xml"));
    }
    {
        let mut b = doc(&full_md5, Enc::Cdata).into_bytes();
        let at = b.windows(4).position(|w| w == b"CNY]").unwrap();
        b[at] = 0xC3; // a lone UTF-8 lead byte
        c.push(invalid("invalid UTF-8", &["Malformed"], b, "malformed_xml"));
        let gbk: Vec<u8> = doc(&minimal_pay(), Enc::Cdata)
            .into_bytes()
            .into_iter()
            .chain([0xd6, 0xa7, 0xb8, 0xb6]) // "支付" in GBK
            .collect();
        c.push(invalid("GBK bytes", &["Malformed"], gbk, "malformed_xml"));
    }
    {
        let big = with_sign(
            &set(&minimal_pay(), "attach", &"x".repeat(70_000)),
            KEY,
            SignType::Md5,
        );
        c.push(invalid(
            "body over the default 65536-byte limit",
            &["Size"],
            doc(&big, Enc::Cdata),
            "body_too_large",
        ));
    }
    groups.push(group("V2Pay", &md5, c, &mut id));

    // --- HMAC-SHA256 ---------------------------------------------------------------------------
    let mut c = Vec::new();
    c.push(valid(
        "realistic notification signed with HMAC-SHA256, no sign_type (the common case)",
        &["Typed"],
        doc(&full_hmac, Enc::Cdata),
        full_hmac.clone(),
    ));
    {
        let f = with_sign(
            &set(&full, "sign_type", "HMAC-SHA256"),
            KEY,
            SignType::HmacSha256,
        );
        c.push(valid(
            "sign_type=HMAC-SHA256 present and signed",
            &["SignType"],
            doc(&f, Enc::Cdata),
            f,
        ));
        let f = with_sign(&set(&full, "sign_type", "MD5"), KEY, SignType::Md5);
        c.push(invalid(
            "downgrade: sign_type=MD5 with a valid MD5 signature, verifier pinned to HMAC-SHA256",
            &["AlgorithmPinned"],
            doc(&f, Enc::Cdata),
            "sign_type_mismatch",
        ));
        let f = with_sign(&set(&full, "sign_type", "HMAC-SHA256"), KEY, SignType::Md5);
        c.push(invalid(
            "sign_type=HMAC-SHA256 but the signature is MD5",
            &["AlgorithmPinned"],
            doc(&f, Enc::Cdata),
            "signature_mismatch",
        ));
    }
    c.push(invalid(
        "downgrade: MD5 signature without sign_type, verifier pinned to HMAC-SHA256",
        &["AlgorithmPinned"],
        doc(&full_md5, Enc::Cdata),
        "signature_mismatch",
    ));
    let hsig = get(&full_hmac, "sign").unwrap().to_string();
    c.push(invalid(
        "lowercase hex of the right HMAC signature",
        &["SignatureCase"],
        doc(&full_hmac, Enc::Cdata).replace(&hsig, &hsig.to_lowercase()),
        "signature_mismatch",
    ));
    c.push(invalid(
        "HMAC signed with another key",
        &["WrongKey"],
        doc(
            &with_sign(&full, OTHER_KEY, SignType::HmacSha256),
            Enc::Cdata,
        ),
        "signature_mismatch",
    ));
    groups.push(group("V2Pay", &hmac, c, &mut id));

    // --- HMAC-SHA256 with an explicit MD5 migration opt-in -----------------------------------
    let mut migrate = hmac.clone();
    migrate.also_accept = vec!["MD5"];
    let mut c = Vec::new();
    c.push(valid(
        "also_accept MD5: an MD5-signed notification without sign_type verifies (as MD5)",
        &["AlsoAccept"],
        doc(&full_md5, Enc::Cdata),
        full_md5.clone(),
    ));
    c.push(valid(
        "also_accept MD5: the configured HMAC-SHA256 still verifies",
        &["AlsoAccept"],
        doc(&full_hmac, Enc::Cdata),
        full_hmac.clone(),
    ));
    {
        let f = with_sign(&set(&full, "sign_type", "MD5"), KEY, SignType::Md5);
        c.push(valid(
            "also_accept MD5: sign_type=MD5 is accepted",
            &["AlsoAccept"],
            doc(&f, Enc::Cdata),
            f,
        ));
        let f = with_sign(&set(&full, "sign_type", "MD5"), KEY, SignType::HmacSha256);
        c.push(invalid(
            "sign_type=MD5 with an HMAC signature: only the named algorithm is tried",
            &["AlsoAccept"],
            doc(&f, Enc::Cdata),
            "signature_mismatch",
        ));
    }
    groups.push(group("V2Pay", &migrate, c, &mut id));

    // --- merchant checks -----------------------------------------------------------------------
    let mut merchant = md5.clone();
    merchant.appid = Some("wx2421b1c4370ec43b");
    merchant.mch_id = Some("10000100");
    let mut c = Vec::new();
    c.push(valid(
        "appid and mch_id match the configuration",
        &["Merchant"],
        doc(&full_md5, Enc::Cdata),
        full_md5.clone(),
    ));
    let other_app = with_sign(
        &set(&full, "appid", "wx0000000000000000"),
        KEY,
        SignType::Md5,
    );
    c.push(invalid(
        "validly signed for another appid",
        &["Merchant"],
        doc(&other_app, Enc::Cdata),
        "merchant_mismatch",
    ));
    let other_mch = with_sign(&set(&full, "mch_id", "10000200"), KEY, SignType::Md5);
    c.push(invalid(
        "validly signed for another mch_id",
        &["Merchant"],
        doc(&other_mch, Enc::Cdata),
        "merchant_mismatch",
    ));
    let no_mch = with_sign(&without(&full, "mch_id"), KEY, SignType::Md5);
    c.push(invalid(
        "no mch_id while one is expected",
        &["Merchant"],
        doc(&no_mch, Enc::Cdata),
        "merchant_mismatch",
    ));
    c.push(invalid(
        "the merchant check runs after the signature check",
        &["Merchant", "Tamper"],
        doc(&set(&full_md5, "mch_id", "10000200"), Enc::Cdata),
        "signature_mismatch",
    ));
    groups.push(group("V2Pay", &merchant, c, &mut id));

    // --- size limit ------------------------------------------------------------------------------
    let small = with_sign(&minimal_pay(), KEY, SignType::Md5);
    let small_body = doc(&small, Enc::Cdata);
    let mut limited = md5.clone();
    limited.max_body_bytes = Some(small_body.len());
    let mut c = Vec::new();
    c.push(valid(
        "a body of exactly max_body_bytes is accepted",
        &["Size"],
        small_body.clone(),
        small.clone(),
    ));
    c.push(invalid(
        "one byte over max_body_bytes",
        &["Size"],
        format!("{small_body} "),
        "body_too_large",
    ));
    c.push(invalid(
        "the size limit is checked before parsing",
        &["Size"],
        format!("<!DOCTYPE x>{small_body}"),
        "body_too_large",
    ));
    groups.push(group("V2Pay", &limited, c, &mut id));

    // --- configuration errors --------------------------------------------------------------------
    for (comment, cfg) in [
        (
            "API key of 16 characters",
            config("192006250b4c0924", "MD5"),
        ),
        (
            "API key with a trailing newline",
            config("192006250b4c09247ec02edce69f6a2\n", "MD5"),
        ),
        ("unknown sign type", config(KEY, "SHA1")),
    ] {
        let c = vec![invalid(
            comment,
            &["BadConfig"],
            doc(&full_md5, Enc::Cdata),
            "invalid_config",
        )];
        groups.push(group("V2Pay", &cfg, c, &mut id));
    }

    file(
        "wechatpay-notify/v2-pay/1",
        json!({
            "Published": "public data from WeChat Pay's docs or peer SDK test suites",
            "Typed": "typed accessors (amounts in fen, coupons, dedupe key) read the verified fields",
            "Escapes": "CDATA, escaped text and character references decode to the same signed value",
            "Whitespace": "whitespace, comments and the XML declaration between elements are not data",
            "ExactValues": "values are kept and signed exactly as decoded (no trimming)",
            "SkipSignAndEmpty": "sign and empty values are excluded from the string to sign, but kept in fields",
            "UnknownField": "verification covers every field received, not a typed model",
            "ResultFail": "a signed result_code=FAIL notification is genuine and must be acknowledged",
            "SignType": "sign_type is an ordinary signed field that must name an accepted algorithm",
            "Tamper": "any change after signing is detected",
            "SignatureCase": "the signature must be exactly the uppercase hex the algorithm yields",
            "WrongKey": "a signature made with another key does not verify",
            "AlgorithmPinned": "the algorithm comes from configuration, never from the message (no downgrade)",
            "AlsoAccept": "a second algorithm is accepted only with the explicit migration opt-in",
            "Unsigned": "unsigned notifications are never accepted",
            "ReturnFail": "return_code=FAIL is a communication notice, not a payment",
            "MissingField": "required protocol fields must be present",
            "Duplicate": "a repeated element is refused (parser differentials)",
            "Xxe": "DOCTYPE and entity declarations are refused, never expanded or fetched",
            "Malformed": "anything but a flat UTF-8 <xml> document is refused",
            "Merchant": "the notification must be for the configured appid/mch_id",
            "Size": "the body size limit applies before parsing",
            "BadConfig": "an unusable configuration is refused when the verifier is built",
        }),
        groups,
    )
}

// ---------------------------------------------------------------------------------------------
// v2_refund.json

fn refund_aes_key(api_key: &str) -> [u8; 32] {
    let hex: String = Md5::digest(api_key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    hex.as_bytes().try_into().unwrap()
}

/// AES-256-ECB over already padded data.
fn ecb_raw(key: &[u8; 32], data: &[u8]) -> Vec<u8> {
    assert_eq!(data.len() % 16, 0);
    let mut enc = ecb::Encryptor::<aes::Aes256>::new(key.into());
    let mut out = data.to_vec();
    for block in out.chunks_exact_mut(16) {
        let block: &mut [u8; 16] = block.try_into().unwrap();
        enc.encrypt_block(block.into());
    }
    out
}

fn pkcs7(data: &[u8]) -> Vec<u8> {
    let pad = 16 - data.len() % 16;
    let mut out = data.to_vec();
    out.extend(std::iter::repeat_n(pad as u8, pad));
    out
}

fn encrypt_req_info(api_key: &str, plaintext: &[u8]) -> String {
    STANDARD.encode(ecb_raw(&refund_aes_key(api_key), &pkcs7(plaintext)))
}

fn refund_inner() -> Pairs {
    pairs(&[
        ("out_refund_no", "20261127REFUND01"),
        ("out_trade_no", "20261127ORDER0001"),
        ("refund_account", "REFUND_SOURCE_UNSETTLED_FUNDS"),
        ("refund_fee", "101"),
        ("refund_id", "50000505542026112700000000001"),
        ("refund_recv_accout", "支付用户零钱"),
        ("refund_request_source", "API"),
        ("refund_status", "SUCCESS"),
        ("settlement_refund_fee", "101"),
        ("settlement_total_fee", "101"),
        ("success_time", "2026-11-27 10:31:24"),
        ("total_fee", "101"),
        ("transaction_id", "4200001234202611270123456789"),
    ])
}

fn refund_outer(req_info: &str) -> Pairs {
    pairs(&[
        ("return_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "TeqClE3i0mvn3DrK"),
        ("req_info", req_info),
    ])
}

fn inner_doc(p: &Pairs) -> String {
    doc(p, Enc::Cdata)
        .replace("<xml>", "<root>")
        .replace("</xml>", "</root>")
}

fn refund_case(comment: &str, flags: &[&'static str], api_key: &str, inner: &Pairs) -> Case {
    let outer = refund_outer(&encrypt_req_info(api_key, inner_doc(inner).as_bytes()));
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        body: doc(&outer, Enc::Cdata).into(),
        expect: Ok((outer, inner.clone())),
    }
}

fn refund_with_plaintext(
    comment: &str,
    flags: &[&'static str],
    padded: &[u8],
    code: &'static str,
) -> Case {
    let b64 = STANDARD.encode(ecb_raw(&refund_aes_key(KEY), padded));
    invalid(comment, flags, doc(&refund_outer(&b64), Enc::Cdata), code)
}

fn refund_vectors() -> Value {
    let mut id = 1;
    let mut groups = Vec::new();

    // --- the real, published refund notification ------------------------------------------------
    let real = refund_real();
    let real_req = real["req_info"].as_str().unwrap();
    let plaintext = real["plaintext"].as_str().unwrap();
    assert_eq!(
        std::str::from_utf8(&refund_aes_key(REFUND_REAL_KEY)).unwrap(),
        real["derived_aes_key"].as_str().unwrap()
    );
    let mut inner = Pairs::new();
    let mut rest = plaintext.strip_prefix("<root>").unwrap();
    while let Some(open_end) = rest.find("><![CDATA[") {
        let name = &rest[1..open_end];
        let value_start = open_end + "><![CDATA[".len();
        let value_end = rest[value_start..].find("]]>").unwrap() + value_start;
        inner.push((name.to_string(), rest[value_start..value_end].to_string()));
        rest = &rest[value_end + "]]></".len() + name.len() + 1..];
    }
    assert_eq!(inner.len(), 13);
    let outer = refund_outer(real_req);
    let mut c = vec![Case {
        comment: "a real refund notification's req_info (Senparc test suite), wrapped in an outer document".into(),
        flags: vec!["Published"],
        body: doc(&outer, Enc::Cdata).into(),
        expect: Ok((outer.clone(), inner.clone())),
    }];
    c.push(invalid(
        "the same req_info with a different merchant's key",
        &["WrongKey"],
        doc(&outer, Enc::Cdata),
        "decrypt_failed",
    ));
    let real_cfg = config(REFUND_REAL_KEY, "MD5");
    let wrong_cfg = config(KEY, "MD5");
    let real_case = c.remove(0);
    groups.push(group("V2Refund", &real_cfg, vec![real_case], &mut id));
    groups.push(group("V2Refund", &wrong_cfg, c, &mut id));

    // --- our own refunds ----------------------------------------------------------------------------
    let base = refund_inner();
    let mut c = Vec::new();
    c.push(refund_case(
        "a refund notification encrypted with this merchant's key",
        &["Typed"],
        KEY,
        &base,
    ));
    c.push(refund_case(
        "refund_status=CHANGE (refund failed): decrypted, is_success false",
        &["Typed"],
        KEY,
        &without(&set(&base, "refund_status", "CHANGE"), "success_time"),
    ));
    {
        let inner = base.clone();
        let plain = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
            inner_doc(&inner)
        );
        let outer = refund_outer(&encrypt_req_info(KEY, plain.as_bytes()));
        c.push(Case {
            comment: "inner document with an XML declaration and trailing newline".into(),
            flags: vec!["Whitespace"],
            body: doc(&outer, Enc::Cdata).into(),
            expect: Ok((outer, inner)),
        });
    }
    {
        // 16-byte-aligned plaintext needs a whole block of padding
        let mut inner = base.clone();
        let mut n = 0;
        while !inner_doc(&inner).len().is_multiple_of(16) {
            n += 1;
            inner = set(&base, "out_refund_no", &format!("R{}", "0".repeat(n)));
        }
        c.push(refund_case(
            "a plaintext of a whole number of blocks gets a full padding block",
            &["Padding"],
            KEY,
            &inner,
        ));
    }
    let good_b64 = encrypt_req_info(KEY, inner_doc(&base).as_bytes());
    let raw = STANDARD.decode(&good_b64).unwrap();
    let body_with = |req: &str| doc(&refund_outer(req), Enc::Cdata);
    {
        let mut t = raw.clone();
        let n = t.len();
        t[n - 1] ^= 0x01;
        c.push(invalid(
            "last ciphertext byte flipped (padding breaks)",
            &["Tamper"],
            body_with(&STANDARD.encode(&t)),
            "decrypt_failed",
        ));
        let mut t = raw.clone();
        t[20] ^= 0x80;
        c.push(invalid(
            "a middle block flipped (garbage plaintext)",
            &["Tamper"],
            body_with(&STANDARD.encode(&t)),
            "decrypt_failed",
        ));
        let t = &raw[..raw.len() - 16];
        c.push(invalid(
            "last block dropped",
            &["Tamper"],
            body_with(&STANDARD.encode(t)),
            "decrypt_failed",
        ));
        let t = &raw[16..];
        c.push(invalid(
            "first block dropped",
            &["Tamper"],
            body_with(&STANDARD.encode(t)),
            "decrypt_failed",
        ));
        let t = &raw[..raw.len() - 3];
        c.push(invalid(
            "not a whole number of blocks",
            &["Base64"],
            body_with(&STANDARD.encode(t)),
            "decrypt_failed",
        ));
    }
    c.push(invalid(
        "req_info with a line break (non-canonical base64)",
        &["Base64"],
        body_with(&format!("{}\n{}", &good_b64[..64], &good_b64[64..])),
        "decrypt_failed",
    ));
    c.push(invalid(
        "req_info without its '=' padding",
        &["Base64"],
        body_with(good_b64.trim_end_matches('=')),
        "decrypt_failed",
    ));
    c.push(invalid(
        "req_info in the URL-safe alphabet",
        &["Base64"],
        body_with(&good_b64.replace('+', "-").replace('/', "_")),
        "decrypt_failed",
    ));
    c.push(invalid(
        "req_info that is not base64 at all",
        &["Base64"],
        body_with("not base64!"),
        "decrypt_failed",
    ));
    let inner_doc_bytes = inner_doc(&base).into_bytes();
    {
        let mut p = inner_doc_bytes.clone();
        let pad = 16 - p.len() % 16;
        p.extend(std::iter::repeat_n(0u8, pad));
        c.push(refund_with_plaintext(
            "zero padding instead of PKCS#7",
            &["Padding"],
            &p,
            "decrypt_failed",
        ));
        let mut p = pkcs7(&inner_doc_bytes);
        let n = p.len();
        if p[n - 1] > 1 {
            p[n - 2] ^= 0x01;
        } else {
            p[n - 1] = 17;
        }
        c.push(refund_with_plaintext(
            "inconsistent padding bytes",
            &["Padding"],
            &p,
            "decrypt_failed",
        ));
        let mut p = inner_doc_bytes.clone();
        while p.len() % 16 != 15 {
            p.push(b' ');
        }
        p.push(17);
        p.extend(std::iter::repeat_n(17u8, 16));
        c.push(refund_with_plaintext(
            "a padding length over the block size",
            &["Padding"],
            &p,
            "decrypt_failed",
        ));
    }
    c.push(refund_with_plaintext(
        "inner document rooted at <xml> instead of <root>",
        &["Inner"],
        &pkcs7(doc(&base, Enc::Cdata).as_bytes()),
        "decrypt_failed",
    ));
    c.push(refund_with_plaintext(
        "inner document that is not XML",
        &["Inner"],
        &pkcs7(b"refund_id=1&refund_fee=1"),
        "decrypt_failed",
    ));
    c.push(refund_with_plaintext(
        "inner document with a DOCTYPE",
        &["Inner", "Xxe"],
        &pkcs7(format!("<!DOCTYPE root>{}", inner_doc(&base)).as_bytes()),
        "decrypt_failed",
    ));
    c.push(refund_with_plaintext(
        "inner document with a repeated refund_fee",
        &["Inner", "Duplicate"],
        &pkcs7(
            inner_doc(&base)
                .replace("</root>", "<refund_fee>1</refund_fee></root>")
                .as_bytes(),
        ),
        "decrypt_failed",
    ));
    {
        let mut p = inner_doc_bytes.clone();
        let at = p.len() - 20;
        p[at] = 0xFF;
        c.push(refund_with_plaintext(
            "inner document that is not UTF-8",
            &["Inner"],
            &pkcs7(&p),
            "decrypt_failed",
        ));
    }
    c.push(invalid(
        "no req_info",
        &["MissingField"],
        doc(&without(&refund_outer(&good_b64), "req_info"), Enc::Cdata),
        "missing_field",
    ));
    c.push(invalid(
        "empty req_info",
        &["MissingField"],
        doc(&refund_outer(""), Enc::Cdata),
        "missing_field",
    ));
    c.push(invalid(
        "return_code=FAIL",
        &["ReturnFail"],
        doc(
            &set(&refund_outer(&good_b64), "return_code", "FAIL"),
            Enc::Cdata,
        ),
        "return_code_fail",
    ));
    c.push(invalid(
        "outer document with a DOCTYPE",
        &["Xxe"],
        format!("<!DOCTYPE xml>{}", body_with(&good_b64)),
        "forbidden_doctype",
    ));
    c.push(invalid(
        "outer req_info twice",
        &["Duplicate"],
        body_with(&good_b64).replace("</xml>", "<req_info>x</req_info></xml>"),
        "duplicate_field",
    ));
    c.push(invalid(
        "outer document not flat",
        &["Malformed"],
        body_with(&good_b64).replace("<nonce_str>", "<nonce_str><x/>"),
        "malformed_xml",
    ));
    groups.push(group("V2Refund", &config(KEY, "MD5"), c, &mut id));

    // --- merchant checks (the outer appid/mch_id are not covered by any signature) ---------------
    let mut merchant = config(KEY, "HMAC-SHA256");
    merchant.appid = Some("wx2421b1c4370ec43b");
    merchant.mch_id = Some("10000100");
    let mut c = vec![refund_case(
        "appid and mch_id match (the refund key does not depend on sign type)",
        &["Merchant"],
        KEY,
        &base,
    )];
    c.push(invalid(
        "another mch_id",
        &["Merchant"],
        doc(
            &set(&refund_outer(&good_b64), "mch_id", "10000200"),
            Enc::Cdata,
        ),
        "merchant_mismatch",
    ));
    c.push(invalid(
        "another appid",
        &["Merchant"],
        doc(
            &set(&refund_outer(&good_b64), "appid", "wx0000000000000000"),
            Enc::Cdata,
        ),
        "merchant_mismatch",
    ));
    groups.push(group("V2Refund", &merchant, c, &mut id));

    let mut limited = config(KEY, "MD5");
    limited.max_body_bytes = Some(256);
    let c = vec![invalid(
        "refund body over max_body_bytes",
        &["Size"],
        body_with(&good_b64),
        "body_too_large",
    )];
    groups.push(group("V2Refund", &limited, c, &mut id));

    file(
        "wechatpay-notify/v2-refund/1",
        json!({
            "Published": "a real refund notification's req_info, published in a peer SDK's test suite",
            "Typed": "typed accessors read the decrypted req_info",
            "Whitespace": "the inner document may carry a declaration and whitespace",
            "Padding": "PKCS#7 padding is checked strictly (1..16, all bytes equal)",
            "Tamper": "ECB has no integrity: tampering must still fail closed",
            "WrongKey": "the AES key is the lowercase hex MD5 of this merchant's API key",
            "Base64": "req_info must be canonical standard base64 of whole AES blocks",
            "Inner": "the decrypted document must be a flat UTF-8 <root> document",
            "MissingField": "req_info must be present",
            "ReturnFail": "return_code=FAIL is not a refund",
            "Xxe": "DOCTYPE is refused in the outer and the inner document",
            "Duplicate": "repeated elements are refused",
            "Malformed": "the outer document must be a flat <xml> document",
            "Merchant": "outer appid/mch_id are checked when configured",
            "Size": "the body size limit applies before parsing",
        }),
        groups,
    )
}

// ---------------------------------------------------------------------------------------------
// reply.json

fn reply_vectors() -> Value {
    let mut tests = vec![json!({
        "tcId": 1, "comment": "the documented success reply, byte for byte", "flags": ["Exact"],
        "kind": "success", "result": "valid",
        "expected": "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>",
    })];
    let fails = [
        (
            "a plain message",
            "signature_mismatch",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[signature_mismatch]]></return_msg></xml>",
        ),
        (
            "an empty message",
            "",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[]]></return_msg></xml>",
        ),
        (
            "non-ASCII",
            "签名失败",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名失败]]></return_msg></xml>",
        ),
        (
            "']]>' cannot end the CDATA section",
            "a]]>b",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[a]]]]><![CDATA[>b]]></return_msg></xml>",
        ),
        (
            "markup is carried as text",
            "</return_msg><return_code>SUCCESS</return_code>",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[</return_msg><return_code>SUCCESS</return_code>]]></return_msg></xml>",
        ),
        (
            "characters XML cannot carry become '?'",
            "a\u{0}b\u{1b}c",
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[a?b?c]]></return_msg></xml>",
        ),
    ];
    for (i, (comment, msg, expected)) in fails.iter().enumerate() {
        assert_eq!(wechatpay_notify::reply::fail(msg), *expected, "{comment}");
        tests.push(json!({
            "tcId": i + 2, "comment": comment, "flags": ["Exact"], "kind": "fail",
            "message": msg, "result": "valid", "expected": expected,
        }));
    }
    assert_eq!(wechatpay_notify::reply::success(), tests[0]["expected"]);
    file(
        "wechatpay-notify/reply/1",
        json!({"Exact": "replies are compared byte for byte"}),
        vec![json!({"type": "Reply", "tests": tests})],
    )
}

// ---------------------------------------------------------------------------------------------
// examples/notifications

fn write_examples(root: &Path) {
    let dir = root.join("examples/notifications");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("api_key.txt"), format!("{KEY}\n")).unwrap();
    let pretty = |fields: &Pairs| {
        let mut s = String::from("<xml>\n");
        for (k, v) in fields {
            s.push_str(&format!("  {}\n", element(k, v, Enc::Cdata)));
        }
        s.push_str("</xml>\n");
        s
    };
    let full = full_pay();
    fs::write(
        dir.join("pay-md5.xml"),
        pretty(&with_sign(&full, KEY, SignType::Md5)),
    )
    .unwrap();
    fs::write(
        dir.join("pay-hmac-sha256.xml"),
        pretty(&with_sign(&full, KEY, SignType::HmacSha256)),
    )
    .unwrap();
    let mut forged = with_sign(&full, KEY, SignType::Md5);
    forged = set(&forged, "total_fee", "1");
    fs::write(dir.join("pay-forged.xml"), pretty(&forged)).unwrap();
    let outer = refund_outer(&encrypt_req_info(
        KEY,
        inner_doc(&refund_inner()).as_bytes(),
    ));
    fs::write(dir.join("refund.xml"), pretty(&outer)).unwrap();
}
