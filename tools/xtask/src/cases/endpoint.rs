//! `endpoint.json`: one notify endpoint serving two merchants, each with v2 and v3, checked against
//! the crate's `Endpoint` as it is rendered. Every case also pins the HTTP reply.

use serde_json::{Map, Value, json};
use wechatpay_notify::reply::HttpReply;
use wechatpay_notify::{Endpoint, MerchantProfile, SignType, V3Headers, V3Verifier, Verifier};

use crate::body::{Enc, Pairs, doc, encrypt_req_info, inner_doc, set, with_sign, without};
use crate::cases::v3::{
    self, API_V3_KEY, Builder, GO_SERIAL, NOW, OTHER_API_V3_KEY, PUB_KEY_ID_A, PUB_KEY_ID_B,
    key_file, signer,
};
use crate::fixtures::{KEY, OTHER_KEY, full_pay, refund_inner, refund_outer};
use crate::oracle::{self, View};
use crate::render::file;

const MCH_A: &str = "10000100";
const MCH_B: &str = "10000200";

#[derive(Clone)]
struct V2Part {
    api_key: &'static str,
    sign_type: &'static str,
    mch_id: Option<&'static str>,
}

#[derive(Clone)]
struct V3Part {
    api_v3_key: &'static str,
    keys: Vec<(&'static str, &'static str)>,
    /// The v3 verifier's own expected merchant ids (`mchIds`); empty: the profile's binds it.
    mch_ids: Vec<&'static str>,
}

#[derive(Clone)]
struct Profile {
    label: &'static str,
    /// The profile's merchant id (`mchId`), binding both versions.
    mch_id: Option<&'static str>,
    v2: Option<V2Part>,
    v3: Option<V3Part>,
}

fn shop_a() -> Profile {
    Profile {
        label: "shop-a",
        mch_id: None,
        v2: Some(V2Part {
            api_key: KEY,
            sign_type: "MD5",
            mch_id: Some(MCH_A),
        }),
        v3: Some(V3Part {
            api_v3_key: API_V3_KEY,
            keys: vec![
                (PUB_KEY_ID_A, "pubkey-a-public.pem"),
                (GO_SERIAL, "wechatpay-go-certificate.pem"),
            ],
            mch_ids: vec![],
        }),
    }
}

fn shop_b() -> Profile {
    Profile {
        label: "shop-b",
        mch_id: None,
        v2: Some(V2Part {
            api_key: OTHER_KEY,
            sign_type: "HMAC-SHA256",
            mch_id: Some(MCH_B),
        }),
        v3: Some(V3Part {
            api_v3_key: OTHER_API_V3_KEY,
            keys: vec![(PUB_KEY_ID_B, "pubkey-b-public.pem")],
            mch_ids: vec![],
        }),
    }
}

impl Profile {
    fn json(&self) -> Value {
        json!({
            "label": self.label,
            "mchId": self.mch_id,
            "v2": self.v2.as_ref().map(|p| json!({
                "apiKey": p.api_key, "signType": p.sign_type, "alsoAccept": [],
                "appid": null, "mchId": p.mch_id,
            })),
            "v3": self.v3.as_ref().map(|p| json!({
                "apiV3Key": p.api_v3_key,
                "platformKeys": p.keys.iter().map(|(id, f)| json!([id, key_file(f)])).collect::<Vec<_>>(),
                "mchIds": p.mch_ids,
            })),
        })
    }

    fn build(&self) -> Result<MerchantProfile, wechatpay_notify::Error> {
        let mut profile = MerchantProfile::new(self.label);
        if let Some(m) = self.mch_id {
            profile = profile.mch_id(m);
        }
        if let Some(p) = &self.v2 {
            let mut v = Verifier::new(p.api_key, SignType::parse(p.sign_type)?)?;
            if let Some(m) = p.mch_id {
                v = v.expect_mch_id(m);
            }
            profile = profile.v2(v)?;
        }
        if let Some(p) = &self.v3 {
            let mut v = V3Verifier::new(p.api_v3_key)?;
            for (id, f) in &p.keys {
                v.add_trusted_key(id, &key_file(f))?;
            }
            for m in &p.mch_ids {
                v = v.expect_mch_id(*m)?;
            }
            profile = profile.v3(v);
        }
        Ok(profile)
    }
}

/// A refusal: the code, the decided version and the merchant's label.
type Refusal = (&'static str, Option<&'static str>, Option<&'static str>);

struct Case {
    comment: String,
    flags: Vec<&'static str>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// `Ok((label, kind, (isSuccess, dedupeKey)))` or `Err((code, version, label))`.
    expect: Result<(&'static str, &'static str, Typed), Refusal>,
}

/// `isSuccess` and `dedupeKey` of a valid case, by the oracle's rules (never read back from the
/// crate: `render` checks the crate against them).
type Typed = (bool, Value);

/// The oracle's view of a v2 payment's fields.
fn pay_typed(fields: &Pairs) -> Typed {
    let t = oracle::typed(View::Payment, fields, &Pairs::new(), Some("MD5"));
    (t["is_success"].as_bool().unwrap(), t["dedupe_key"].clone())
}

/// The oracle's view of a v2 refund's decrypted `req_info`.
fn refund_typed(req_info: &Pairs) -> Typed {
    let t = oracle::typed(View::Refund, &Pairs::new(), req_info, None);
    (t["is_success"].as_bool().unwrap(), t["dedupe_key"].clone())
}

/// The oracle's view of an APIv3 notification (its event and plaintext resource).
fn v3_typed(n: &v3::Notification) -> Typed {
    let resource: Value = serde_json::from_str(&n.plaintext).unwrap();
    let t = v3::typed(&n.event, &n.plaintext, &resource);
    (t["is_success"].as_bool().unwrap(), t["dedupe_key"].clone())
}

/// The reply table (SPEC §1, §2), restated: the exact bodies and, for APIv3 refusals, the status
/// by code (401 not proven authentic, 500 our own configuration or failure, 400 the rest).
fn success_reply(kind: &str) -> Value {
    if kind == "v3" {
        json!({"status": 204, "contentType": null, "body": ""})
    } else {
        json!({"status": 200, "contentType": "text/xml", "body": "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"})
    }
}

fn refusal_reply(code: &str, version: Option<&str>) -> Value {
    const V2: &str = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>";
    match version {
        Some("v3") => {
            let status = match code {
                "missing_header"
                | "signature_probe"
                | "unknown_serial"
                | "timestamp_out_of_window"
                | "signature_mismatch"
                | "missing_signature"
                | "sign_type_mismatch"
                | "merchant_mismatch" => 401,
                "invalid_config" | "internal" => 500,
                _ => 400,
            };
            json!({"status": status, "contentType": "application/json", "body": r#"{"code":"FAIL","message":"rejected"}"#})
        }
        Some(_) => json!({"status": 200, "contentType": "text/xml", "body": V2}),
        None => json!({"status": 400, "contentType": "text/xml", "body": V2}),
    }
}

fn ok(
    comment: &str,
    flags: &[&'static str],
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    label: &'static str,
    kind: &'static str,
    typed: Typed,
) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        headers,
        body,
        expect: Ok((label, kind, typed)),
    }
}

fn refused(
    comment: &str,
    flags: &[&'static str],
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    code: &'static str,
    version: Option<&'static str>,
    label: Option<&'static str>,
) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        headers,
        body,
        expect: Err((code, version, label)),
    }
}

fn reply_json(r: &HttpReply) -> Value {
    json!({"status": r.status, "contentType": r.content_type, "body": r.body})
}

fn render(profiles: &[Profile], cases: Vec<Case>, next: &mut u64) -> Value {
    let endpoint = profiles
        .iter()
        .map(Profile::build)
        .collect::<Result<Vec<_>, _>>()
        .and_then(Endpoint::new);
    let mut tests = Vec::new();
    for case in cases {
        let tc = *next;
        *next += 1;
        let headers: V3Headers = case.headers.iter().cloned().collect();
        let mut t = Map::new();
        t.insert("tcId".into(), json!(tc));
        t.insert("comment".into(), json!(case.comment));
        t.insert("flags".into(), json!(case.flags));
        t.insert(
            "headers".into(),
            Value::Array(case.headers.iter().map(|(k, v)| json!([k, v])).collect()),
        );
        t.insert(
            "body".into(),
            json!(String::from_utf8(case.body.clone()).unwrap()),
        );
        t.insert("now".into(), json!(NOW));
        match (&endpoint, &case.expect) {
            (Err(e), Err((code, None, None))) => {
                assert_eq!(e.code(), *code, "tc {tc}: {}", case.comment);
                t.insert("result".into(), json!("invalid"));
                t.insert("error".into(), json!(code));
            }
            (Ok(endpoint), want) => {
                let got = endpoint.handle(&headers, &case.body, NOW);
                match (want, got) {
                    (Ok((label, kind, (is_success, dedupe_key))), Ok(h)) => {
                        let reply = success_reply(kind);
                        assert_eq!(h.label(), *label, "tc {tc}");
                        assert_eq!(h.notification().kind(), *kind, "tc {tc}");
                        assert_eq!(h.notification().is_success(), *is_success, "tc {tc}");
                        assert_eq!(json!(h.notification().dedupe_key()), *dedupe_key, "tc {tc}");
                        assert_eq!(reply_json(&h.reply()), reply, "tc {tc}");
                        t.insert("result".into(), json!("valid"));
                        t.insert(
                            "expected".into(),
                            json!({
                                "label": label,
                                "kind": kind,
                                "isSuccess": is_success,
                                "dedupeKey": dedupe_key,
                                "reply": reply,
                            }),
                        );
                    }
                    (Err((code, version, label)), Err(r)) => {
                        let reply = refusal_reply(code, *version);
                        assert_eq!(r.error().code(), *code, "tc {tc}: {} ({r})", case.comment);
                        assert_eq!(r.version().map(|v| v.as_str()), *version, "tc {tc}");
                        assert_eq!(r.label(), *label, "tc {tc}");
                        assert_eq!(reply_json(&r.reply()), reply, "tc {tc}");
                        t.insert("result".into(), json!("invalid"));
                        t.insert("error".into(), json!(code));
                        t.insert(
                            "expected".into(),
                            json!({
                                "version": version,
                                "label": label,
                                "reply": reply,
                            }),
                        );
                    }
                    (want, got) => panic!(
                        "tc {tc}: {}: expected {:?}, got {:?}",
                        case.comment,
                        want.is_ok(),
                        got.map(|h| h.label().to_owned())
                    ),
                }
            }
            (Err(e), _) => panic!("tc {tc}: the endpoint did not build: {e}"),
        }
        tests.push(Value::Object(t));
    }
    json!({
        "type": "Endpoint",
        "config": {"profiles": profiles.iter().map(Profile::json).collect::<Vec<_>>()},
        "tests": tests,
    })
}

fn v2_pay(mch: &str, key: &str, t: SignType) -> Vec<u8> {
    doc(
        &with_sign(&set(&full_pay(), "mch_id", mch), key, t),
        Enc::Cdata,
    )
    .into_bytes()
}

fn v2_refund(mch: &str, key: &str) -> Vec<u8> {
    let req_info = encrypt_req_info(key, inner_doc(&refund_inner()).as_bytes());
    doc(&set(&refund_outer(&req_info), "mch_id", mch), Enc::Cdata).into_bytes()
}

fn h(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs.to_vec()
}

/// `resource` with `mchid` set to `mch`.
fn with_mchid(mut resource: Value, mch: &str) -> Value {
    resource["mchid"] = json!(mch);
    resource
}

/// The headers of `b` signed by `key` under a key id no merchant trusts.
fn unknown_headers(b: &Builder, key: &ring::signature::RsaKeyPair) -> Vec<(String, String)> {
    h(&b.signed(key, "PUB_KEY_ID_0999999999999990000000000000")
        .headers)
}

fn two_merchants() -> Vec<Case> {
    let md5 = SignType::Md5;
    let hmac = SignType::HmacSha256;
    let key_a = signer("pubkey-a-private.pem");
    let key_b = signer("pubkey-b-private.pem");
    // Each merchant's APIv3 resources carry its own mchid: a profile's v2 mch_id binds its v3
    // part too (SPEC §2, merchant binding).
    let pay_a = Builder::new(
        "TRANSACTION.SUCCESS",
        with_mchid(
            v3::transaction("20261127ORDER0001", "4200001234202611270123456789", 101),
            MCH_A,
        ),
    );
    let v3_a = pay_a.signed(&key_a, PUB_KEY_ID_A);
    let mut refund_b = Builder::new("REFUND.SUCCESS", with_mchid(v3::refund("SUCCESS"), MCH_B));
    refund_b.api_v3_key = OTHER_API_V3_KEY;
    let v3_b = refund_b.signed(&key_b, PUB_KEY_ID_B);
    let mut abnormal_b = Builder::new("REFUND.ABNORMAL", with_mchid(v3::refund("ABNORMAL"), MCH_B));
    abnormal_b.api_v3_key = OTHER_API_V3_KEY;
    let abnormal_b = abnormal_b.signed(&key_b, PUB_KEY_ID_B);
    // Genuine for merchant A (A's keys) but naming merchant B inside the ciphertext.
    let a_naming_b = Builder::new(
        "TRANSACTION.SUCCESS",
        with_mchid(
            v3::transaction("20261127ORDER0001", "4200001234202611270123456789", 101),
            MCH_B,
        ),
    )
    .signed(&key_a, PUB_KEY_ID_A);
    let mut probe_unknown = unknown_headers(&pay_a, &key_a);
    for (k, v) in probe_unknown.iter_mut() {
        if k == "Wechatpay-Signature" {
            *v = format!("WECHATPAY/SIGNTEST/{v}");
        }
    }
    let oversized = pay_a.signed(&key_a, &"A".repeat(8192));
    let mut wrong_v3_key = Builder::new("REFUND.SUCCESS", with_mchid(v3::refund("SUCCESS"), MCH_B));
    wrong_v3_key.api_v3_key = API_V3_KEY;
    let wrong_v3_key = wrong_v3_key.signed(&key_b, PUB_KEY_ID_B);
    let a_signed_by_b = pay_a.signed(&key_b, PUB_KEY_ID_A);
    let no_serial: Vec<(String, String)> = v3_a
        .headers
        .iter()
        .filter(|(k, _)| k != "Wechatpay-Serial")
        .cloned()
        .collect();
    let unknown = pay_a.signed(&key_a, "PUB_KEY_ID_0999999999999990000000000000");
    let no_mch: Pairs = with_sign(&without(&full_pay(), "mch_id"), KEY, md5);
    vec![
        ok(
            "a v2 payment for merchant A (MD5)",
            &["V2"],
            vec![],
            v2_pay(MCH_A, KEY, md5),
            "shop-a",
            "v2_payment",
            pay_typed(&set(&full_pay(), "mch_id", MCH_A)),
        ),
        ok(
            "a v2 payment for merchant B (HMAC-SHA256)",
            &["V2"],
            vec![],
            v2_pay(MCH_B, OTHER_KEY, hmac),
            "shop-b",
            "v2_payment",
            pay_typed(&set(&full_pay(), "mch_id", MCH_B)),
        ),
        ok(
            "a v2 refund for merchant A (req_info present)",
            &["V2"],
            vec![],
            v2_refund(MCH_A, KEY),
            "shop-a",
            "v2_refund",
            refund_typed(&refund_inner()),
        ),
        ok(
            "a v2 refund for merchant B",
            &["V2"],
            vec![],
            v2_refund(MCH_B, OTHER_KEY),
            "shop-b",
            "v2_refund",
            refund_typed(&refund_inner()),
        ),
        ok(
            "an APIv3 payment for merchant A (its public key id); same transaction_id as the v2 payment, so the same dedupe key",
            &["V3"],
            h(&v3_a.headers),
            v3_a.body.clone(),
            "shop-a",
            "v3",
            v3_typed(&v3_a),
        ),
        ok(
            "an APIv3 payment for merchant A under its platform certificate",
            &["V3"],
            h(&pay_a
                .signed(&signer("wechatpay-go-test-private-key.pem"), GO_SERIAL)
                .headers),
            pay_a
                .signed(&signer("wechatpay-go-test-private-key.pem"), GO_SERIAL)
                .body,
            "shop-a",
            "v3",
            v3_typed(&pay_a.signed(&signer("wechatpay-go-test-private-key.pem"), GO_SERIAL)),
        ),
        ok(
            "an APIv3 refund for merchant B",
            &["V3"],
            h(&v3_b.headers),
            v3_b.body.clone(),
            "shop-b",
            "v3",
            v3_typed(&v3_b),
        ),
        ok(
            "the same refund of merchant B, ABNORMAL: another state, so another dedupe key",
            &["V3", "Dedupe"],
            h(&abnormal_b.headers),
            abnormal_b.body.clone(),
            "shop-b",
            "v3",
            v3_typed(&abnormal_b),
        ),
        refused(
            "an APIv3 payment genuine for merchant A whose resource names merchant B's mchid",
            &["CrossMerchant"],
            h(&a_naming_b.headers),
            a_naming_b.body,
            "merchant_mismatch",
            Some("v3"),
            Some("shop-a"),
        ),
        refused(
            "a WECHATPAY/SIGNTEST/ probe under a key id no merchant trusts: a probe, recognised before routing",
            &["Probe"],
            probe_unknown,
            v3_a.body.clone(),
            "signature_probe",
            Some("v3"),
            None,
        ),
        refused(
            "an APIv3 request with an 8 KiB Wechatpay-Serial: unknown without parsing it",
            &["UnknownMerchant"],
            h(&oversized.headers),
            oversized.body,
            "unknown_serial",
            Some("v3"),
            None,
        ),
        refused(
            "a v2 body naming merchant A, signed with B's key",
            &["CrossMerchant"],
            vec![],
            v2_pay(MCH_A, OTHER_KEY, md5),
            "signature_mismatch",
            Some("v2"),
            Some("shop-a"),
        ),
        refused(
            "a v2 body naming merchant B, signed with A's key",
            &["CrossMerchant"],
            vec![],
            v2_pay(MCH_B, KEY, hmac),
            "signature_mismatch",
            Some("v2"),
            Some("shop-b"),
        ),
        refused(
            "a v2 refund naming merchant B, encrypted with A's key",
            &["CrossMerchant"],
            vec![],
            v2_refund(MCH_B, KEY),
            "decrypt_failed",
            Some("v2"),
            Some("shop-b"),
        ),
        refused(
            "an APIv3 request under A's key id, signed with B's key",
            &["CrossMerchant"],
            h(&a_signed_by_b.headers),
            a_signed_by_b.body,
            "signature_mismatch",
            Some("v3"),
            Some("shop-a"),
        ),
        refused(
            "an APIv3 request under B's key id, its resource encrypted with A's APIv3 key",
            &["CrossMerchant"],
            h(&wrong_v3_key.headers),
            wrong_v3_key.body,
            "decrypt_failed",
            Some("v3"),
            Some("shop-b"),
        ),
        refused(
            "a v2 payment for an unknown mch_id",
            &["UnknownMerchant"],
            vec![],
            v2_pay("10000999", KEY, md5),
            "merchant_mismatch",
            Some("v2"),
            None,
        ),
        refused(
            "a v2 payment without mch_id",
            &["UnknownMerchant"],
            vec![],
            doc(&no_mch, Enc::Cdata).into_bytes(),
            "missing_field",
            Some("v2"),
            None,
        ),
        refused(
            "an APIv3 request under a key id no merchant trusts",
            &["UnknownMerchant"],
            h(&unknown.headers),
            unknown.body,
            "unknown_serial",
            Some("v3"),
            None,
        ),
        refused(
            "an APIv3 request without Wechatpay-Serial",
            &["V3"],
            no_serial,
            v3_a.body.clone(),
            "missing_header",
            Some("v3"),
            None,
        ),
        refused(
            "a JSON body without Wechatpay-Signature: neither version",
            &["Undecidable"],
            vec![],
            v3_a.body.clone(),
            "malformed_xml",
            None,
            None,
        ),
        refused(
            "an empty body",
            &["Undecidable"],
            vec![],
            Vec::new(),
            "malformed_xml",
            None,
            None,
        ),
        refused(
            "a body over every merchant's v2 size limit, without Wechatpay-Signature",
            &["Undecidable"],
            vec![],
            vec![b' '; 70_000],
            "body_too_large",
            None,
            None,
        ),
    ]
}

/// A v3-only profile that declares its merchant id at profile level, and one with its own
/// `mchIds` (a partner: `sp_mchid`).
fn v3_only() -> Profile {
    Profile {
        label: "shop-c",
        mch_id: Some("10000300"),
        v2: None,
        v3: shop_a().v3,
    }
}

/// A v3-only profile that declares no merchant id: it serves whatever merchant its keys sign for.
fn unbound() -> Profile {
    Profile {
        label: "shop-d",
        mch_id: None,
        v2: None,
        v3: shop_a().v3,
    }
}

fn unbound_cases() -> Vec<Case> {
    let n = Builder::new(
        "TRANSACTION.SUCCESS",
        with_mchid(
            v3::transaction("20261127ORDER0005", "4200001234202611270123450005", 500),
            "1900000555",
        ),
    )
    .signed(&signer("pubkey-a-private.pem"), PUB_KEY_ID_A);
    vec![ok(
        "a v3-only profile without a merchant id keeps its v3 part and serves any mchid",
        &["V3"],
        h(&n.headers),
        n.body.clone(),
        "shop-d",
        "v3",
        v3_typed(&n),
    )]
}

fn v3_only_cases() -> Vec<Case> {
    let key_a = signer("pubkey-a-private.pem");
    let pay = |mch: &str| {
        Builder::new(
            "TRANSACTION.SUCCESS",
            with_mchid(
                v3::transaction("20261127ORDER0003", "4200001234202611270123450003", 300),
                mch,
            ),
        )
        .signed(&key_a, PUB_KEY_ID_A)
    };
    let (good, other) = (pay("10000300"), pay("10000100"));
    let mut partner = v3::transaction("20261127ORDER0004", "4200001234202611270123450004", 400);
    partner.as_object_mut().unwrap().remove("mchid");
    partner["sp_mchid"] = json!("10000300");
    partner["sub_mchid"] = json!("1900009999");
    let partner = Builder::new("TRANSACTION.SUCCESS", partner).signed(&key_a, PUB_KEY_ID_A);
    vec![
        ok(
            "a v3-only profile bound by its mchId: its own merchant's payment",
            &["V3", "MerchantBinding"],
            h(&good.headers),
            good.body.clone(),
            "shop-c",
            "v3",
            v3_typed(&good),
        ),
        ok(
            "a partner (service provider) payment: sp_mchid is the profile's merchant",
            &["V3", "MerchantBinding"],
            h(&partner.headers),
            partner.body.clone(),
            "shop-c",
            "v3",
            v3_typed(&partner),
        ),
        refused(
            "a v3-only profile bound by its mchId: a genuine notification for another merchant id",
            &["V3", "MerchantBinding"],
            h(&other.headers),
            other.body,
            "merchant_mismatch",
            Some("v3"),
            Some("shop-c"),
        ),
    ]
}

pub fn vectors() -> Value {
    let mut next = 1;
    let both = [shop_a(), shop_b()];
    let mut groups = vec![render(&both, two_merchants(), &mut next)];
    let bad: Vec<(&str, Vec<Profile>)> = vec![
        (
            "two profiles with the same mch_id",
            vec![
                shop_a(),
                Profile {
                    v2: shop_a().v2,
                    ..shop_b()
                },
            ],
        ),
        (
            "two profiles trusting the same key id",
            vec![
                shop_a(),
                Profile {
                    v3: shop_a().v3,
                    ..shop_b()
                },
            ],
        ),
        (
            "a v2 part without mch_id",
            vec![Profile {
                v2: Some(V2Part {
                    mch_id: None,
                    ..shop_a().v2.unwrap()
                }),
                ..shop_a()
            }],
        ),
        (
            "the same label twice",
            vec![
                shop_a(),
                Profile {
                    label: "shop-a",
                    ..shop_b()
                },
            ],
        ),
        (
            "a profile with neither part",
            vec![
                shop_a(),
                Profile {
                    label: "empty",
                    mch_id: None,
                    v2: None,
                    v3: None,
                },
            ],
        ),
        (
            "two v2 parts with the same API key (a refund names no merchant)",
            vec![
                shop_a(),
                Profile {
                    v2: Some(V2Part {
                        api_key: KEY,
                        ..shop_b().v2.unwrap()
                    }),
                    ..shop_b()
                },
            ],
        ),
        (
            "a profile mch_id that differs from its v2 part's",
            vec![Profile {
                mch_id: Some(MCH_B),
                ..shop_a()
            }],
        ),
        ("no profile", vec![]),
    ];
    groups.push(render(&[v3_only()], v3_only_cases(), &mut next));
    groups.push(render(&[unbound()], unbound_cases(), &mut next));
    for (comment, profiles) in bad {
        let body = v2_pay(MCH_A, KEY, SignType::Md5);
        groups.push(render(
            &profiles,
            vec![refused(
                comment,
                &["BadConfig"],
                vec![],
                body,
                "invalid_config",
                None,
                None,
            )],
            &mut next,
        ));
    }
    file(
        "wechatpay-notify/endpoint/1",
        json!({
            "V2": "no Wechatpay-Signature header: v2 XML, refund when req_info is present, merchant by mch_id",
            "V3": "a Wechatpay-Signature header: APIv3, merchant by Wechatpay-Serial",
            "CrossMerchant": "the merchant is chosen from unverified input, so its own key must verify the message",
            "UnknownMerchant": "no merchant matches: merchant_mismatch (v2) or unknown_serial (v3)",
            "Undecidable": "neither version: the v2 FAIL reply with status 400",
            "BadConfig": "profiles that could not be routed unambiguously are refused when the endpoint is built",
            "Probe": "WeChat Pay's WECHATPAY/SIGNTEST/ probe is recognised before routing",
            "Dedupe": "a refund's dedupe key names its state, so a later state is recorded too",
            "MerchantBinding": "a profile's mchId binds its APIv3 part: mchid (or sp_mchid, or a transfer's mch_id) must match after decryption",
        }),
        groups,
    )
}
