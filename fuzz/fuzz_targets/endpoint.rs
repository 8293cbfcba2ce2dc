//! The multi-merchant endpoint on arbitrary requests, most of them signed: two merchants, each with
//! a v2 part (MD5 and HMAC-SHA256 under different API keys) and an APIv3 part (different APIv3
//! keys and trusted public keys). The fuzzer picks the fields, which merchant's `mch_id` or
//! `mchid` the request names, and which merchant's keys sign or encrypt it.
//!
//! Never a panic. Beyond that, a request is accepted only when it is genuine for the merchant it
//! is routed to: signed (v2: with that merchant's API key and an algorithm it accepts; APIv3: by
//! the key `Wechatpay-Serial` names, which that merchant trusts, within the clock window) or, for
//! a v2 refund, encrypted with that merchant's key, and naming that merchant. What is accepted
//! reads back exactly what was signed or encrypted. Unsigned requests are never accepted. Every
//! reply is one of the constant bodies (the input is never echoed) and every message is inert.
#![no_main]

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Map, Value, json};
use wechatpay_notify::reply::{REFUSAL, SUCCESS, V3_REFUSAL};
use wechatpay_notify::{
    Endpoint, MerchantProfile, Notification, Rejection, SignType, V3Headers, V3Verifier, Verifier,
    encrypt_req_info, signed_xml,
};

const NOW: u64 = 1_795_000_000;
/// `V3Verifier`'s default window, in seconds.
const SKEW: i64 = 300;

/// One merchant of the endpoint, and the secrets a genuine request for it is made with.
struct Merchant {
    label: &'static str,
    mch_id: &'static str,
    api_key: &'static str,
    sign_type: SignType,
    api_v3_key: &'static str,
    key_id: &'static str,
    signer: RsaKeyPair,
    /// The APIv3 part, as the endpoint holds it.
    v3: Arc<V3Verifier>,
}

const MERCHANTS: [(&str, &str, &str, SignType, &str, &str, &str, &str); 2] = [
    (
        "shop-a",
        "10000100",
        "192006250b4c09247ec02edce69f6a2d",
        SignType::Md5,
        "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
        "PUB_KEY_ID_0114232134912410000000000000",
        include_str!("../../tests/vectors/keys/pubkey-a-public.pem"),
        include_str!("../../tests/vectors/keys/pubkey-a-private.pem"),
    ),
    (
        "shop-b",
        "10000200",
        "0123456789abcdefghijklmnopqrstuv",
        SignType::HmacSha256,
        "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4",
        "PUB_KEY_ID_0111111111111120000000000001",
        include_str!("../../tests/vectors/keys/pubkey-b-public.pem"),
        include_str!("../../tests/vectors/keys/pubkey-b-private.pem"),
    ),
];

fn setup() -> &'static (Endpoint, Vec<Merchant>) {
    static S: OnceLock<(Endpoint, Vec<Merchant>)> = OnceLock::new();
    S.get_or_init(|| {
        let mut profiles = Vec::new();
        let mut merchants = Vec::new();
        for (label, mch_id, api_key, sign_type, api_v3_key, key_id, public, private) in MERCHANTS {
            let mut v3 = V3Verifier::new(api_v3_key).unwrap();
            v3.add_public_key(key_id, public).unwrap();
            let v3 = Arc::new(v3);
            let v2 = Verifier::new(api_key, sign_type).unwrap();
            profiles.push(
                MerchantProfile::new(label)
                    .mch_id(mch_id)
                    .v2(v2)
                    .unwrap()
                    .v3(v3.clone()),
            );
            let b64: String = private
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect();
            let signer = RsaKeyPair::from_pkcs8(&STANDARD.decode(b64).unwrap()).unwrap();
            merchants.push(Merchant {
                label,
                mch_id,
                api_key,
                sign_type,
                api_v3_key,
                key_id,
                signer,
                v3,
            });
        }
        (Endpoint::new(profiles).unwrap(), merchants)
    })
}

/// `pairs` with `defaults` first (a pair of the fuzzer's replaces a default of the same name).
fn with_defaults(defaults: &[(&str, &str)], pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = defaults
        .iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for (k, v) in pairs {
        match out.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

fn check_refusal(r: &Rejection) {
    let m = r.to_string();
    assert!(
        m.chars().count() <= 200 && m.bytes().all(|b| (0x20..0x7F).contains(&b)),
        "{m:?}"
    );
    let reply = r.reply();
    assert!(
        reply.body == REFUSAL || reply.body == V3_REFUSAL,
        "{:?}",
        reply.body
    );
    assert!(reply.status >= 200, "{}", reply.status);
}

fuzz_target!(|input: (
    u8,
    u8,
    Vec<(String, String)>,
    Vec<(String, String)>,
    &[u8],
    i16
)| {
    let (mode, who, pairs, mut headers, raw, skew) = input;
    let (endpoint, merchants) = setup();
    // Bit 0: whose id the request names (bit 1 set: the fuzzer's own, if it gives one); bit 2:
    // whose secrets make it; bit 3: the other algorithm (v2).
    let named = (who & 2 == 0).then(|| &merchants[usize::from(who & 1)]);
    let keys = &merchants[usize::from(who >> 2 & 1)];
    let named_id = |fallback: &'static str| named.map_or(fallback, |m| m.mch_id);

    let (body, signed_v3): (Vec<u8>, Option<(String, i64, String)>) = match mode % 5 {
        // Anything at all, unsigned.
        0 => (raw.to_vec(), None),
        // A v2 payment signed with `keys`'s API key.
        1 => {
            let fields = with_defaults(
                &[
                    ("return_code", "SUCCESS"),
                    ("result_code", "SUCCESS"),
                    ("mch_id", named_id("")),
                    ("transaction_id", "4200000001"),
                    ("out_trade_no", "order-1"),
                    ("total_fee", "1"),
                ],
                &pairs,
            );
            let t = if who & 8 == 0 {
                keys.sign_type
            } else {
                other(keys.sign_type)
            };
            let Ok(xml) = signed_xml(fields.iter().map(|(k, v)| (k, v)), keys.api_key, t) else {
                return;
            };
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("Wechatpay-Signature"));
            let n = handle(endpoint, &headers, xml.as_bytes());
            if let Ok(h) = n {
                let Notification::V2Payment(p) = h.notification() else {
                    panic!("a payment read as {}", h.notification().kind());
                };
                let m = merchants.iter().find(|m| m.label == h.label()).unwrap();
                assert_eq!(
                    m.api_key, keys.api_key,
                    "verified with another merchant's key"
                );
                assert_eq!(t, m.sign_type, "an algorithm the merchant does not accept");
                assert_eq!(
                    p.fields().get("mch_id"),
                    Some(m.mch_id),
                    "routed to another merchant"
                );
                let read: Vec<_> = p.fields().iter().filter(|(k, _)| *k != "sign").collect();
                let sent: Vec<_> = fields
                    .iter()
                    .filter(|(k, _)| k != "sign")
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                assert_eq!(read, sent, "the fields read are not the fields signed");
            }
            return;
        }
        // A v2 refund whose req_info is encrypted with `keys`'s API key.
        2 => {
            let inner = with_defaults(
                &[
                    ("transaction_id", "4200000001"),
                    ("out_trade_no", "order-1"),
                    ("refund_id", "50000001"),
                    ("out_refund_no", "refund-1"),
                    ("refund_fee", "1"),
                    ("refund_status", "SUCCESS"),
                ],
                &pairs,
            );
            let Ok(req_info) = encrypt_req_info(inner.iter().map(|(k, v)| (k, v)), keys.api_key)
            else {
                return;
            };
            let xml = format!(
                "<xml><return_code>SUCCESS</return_code><mch_id>{}</mch_id><req_info>{req_info}</req_info></xml>",
                named_id("0")
            );
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("Wechatpay-Signature"));
            if let Ok(h) = handle(endpoint, &headers, xml.as_bytes()) {
                let Notification::V2Refund(r) = h.notification() else {
                    panic!("a refund read as {}", h.notification().kind());
                };
                let m = merchants.iter().find(|m| m.label == h.label()).unwrap();
                assert_eq!(
                    m.api_key, keys.api_key,
                    "decrypted with another merchant's key"
                );
                assert_eq!(
                    r.fields().get("mch_id"),
                    Some(m.mch_id),
                    "routed to another merchant"
                );
                let read: Vec<_> = r.req_info().iter().collect();
                let sent: Vec<_> = inner
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                assert_eq!(
                    read, sent,
                    "the req_info read is not the req_info encrypted"
                );
            }
            return;
        }
        // An APIv3 event whose resource (the fuzzer's fields, naming a merchant) is encrypted
        // with `keys`'s APIv3 key, signed by `keys`'s private key.
        3 => {
            let mut resource: Map<String, Value> = pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            if let Some(m) = named {
                resource.insert("mchid".into(), m.mch_id.into());
            }
            let plaintext = Value::Object(resource).to_string();
            let event = json!({
                "id": "EV-1",
                "create_time": "2026-11-18T10:00:00+08:00",
                "event_type": "TRANSACTION.SUCCESS",
                "resource_type": "encrypt-resource",
                "summary": "ok",
                "resource": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": seal(keys.api_v3_key, "0123456789ab", "transaction", &plaintext),
                    "nonce": "0123456789ab",
                    "associated_data": "transaction",
                },
            });
            (
                event.to_string().into_bytes(),
                Some((plaintext, i64::from(skew), serial(named, raw))),
            )
        }
        // Anything at all, signed by `keys`.
        _ => (
            raw.to_vec(),
            Some((String::new(), i64::from(skew), serial(named, raw))),
        ),
    };

    let signed_by = signed_v3.as_ref().map(|(_, skew, serial)| {
        let timestamp = (NOW as i64 + skew).to_string();
        let nonce = "fuzznonce";
        let mut message = Vec::new();
        for part in [timestamp.as_bytes(), nonce.as_bytes(), &body] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        let mut sig = vec![0; keys.signer.public().modulus_len()];
        keys.signer
            .sign(
                &RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                &message,
                &mut sig,
            )
            .unwrap();
        headers.retain(|(k, _)| !k.to_ascii_lowercase().starts_with("wechatpay-"));
        headers.push(("Wechatpay-Timestamp".into(), timestamp));
        headers.push(("Wechatpay-Nonce".into(), nonce.into()));
        headers.push(("Wechatpay-Signature".into(), STANDARD.encode(sig)));
        headers.push(("Wechatpay-Serial".into(), serial.clone()));
        keys
    });
    match handle(endpoint, &headers, &body) {
        Ok(h) => {
            let Some(keys) = signed_by else {
                panic!(
                    "an unsigned request was accepted as {}",
                    h.notification().kind()
                );
            };
            let Notification::V3(n) = h.notification() else {
                panic!("a signed APIv3 request read as {}", h.notification().kind());
            };
            let (plaintext, skew, serial) = signed_v3.as_ref().unwrap();
            let m = merchants.iter().find(|m| m.label == h.label()).unwrap();
            assert_eq!(
                m.label, keys.label,
                "routed to a merchant whose key did not sign it"
            );
            assert!(
                m.v3.trusts(serial),
                "accepted under a key id the merchant does not trust"
            );
            assert_eq!(m.api_v3_key, keys.api_v3_key);
            assert!(skew.abs() <= SKEW, "accepted {skew} s off");
            if !plaintext.is_empty() {
                assert_eq!(n.plaintext(), plaintext);
            }
            let mchid = ["mchid", "sp_mchid", "mch_id"]
                .iter()
                .find_map(|k| n.resource().get(*k)?.as_str());
            assert_eq!(mchid, Some(m.mch_id), "another merchant's resource");
        }
        Err(r) => check_refusal(&r),
    }
});

/// Handles a request; checks the reply of an accepted one.
fn handle(
    endpoint: &Endpoint,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<wechatpay_notify::Handled, Rejection> {
    let headers: V3Headers = headers.iter().cloned().collect();
    let result = endpoint.handle(&headers, body, NOW);
    match &result {
        Ok(h) => {
            let reply = h.reply();
            match h.notification().version() {
                wechatpay_notify::ApiVersion::V2 => {
                    assert_eq!((reply.status, reply.body.as_str()), (200, SUCCESS));
                }
                wechatpay_notify::ApiVersion::V3 => assert_eq!(reply.status, 204),
            }
        }
        Err(r) => check_refusal(r),
    }
    result
}

fn other(t: SignType) -> SignType {
    match t {
        SignType::Md5 => SignType::HmacSha256,
        _ => SignType::Md5,
    }
}

/// The `Wechatpay-Serial` of a signed request: the named merchant's key id, or (bit 1 of `who`
/// set) some text of the fuzzer's.
fn serial(named: Option<&Merchant>, raw: &[u8]) -> String {
    match named {
        Some(m) => m.key_id.to_owned(),
        None => String::from_utf8_lossy(&raw[..raw.len().min(40)]).into_owned(),
    }
}

/// base64(AES-256-GCM(plaintext) ‖ tag), as WeChat Pay encrypts a resource.
fn seal(key: &str, nonce: &str, aad: &str, plaintext: &str) -> String {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key.as_bytes()).unwrap());
    let mut buf = plaintext.as_bytes().to_vec();
    key.seal_in_place_append_tag(
        Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
        Aad::from(aad.as_bytes()),
        &mut buf,
    )
    .unwrap();
    STANDARD.encode(buf)
}
