//! `v3_notify.json`: APIv3 notifications, signed here with RSA-SHA256 (the wechatpay-go test key
//! and keys made for this project, `tests/vectors/keys/`) and encrypted with AES-256-GCM, plus the
//! published wechatpay-go notification as it was sent.
//!
//! Every case is checked against the crate as it is rendered, like the v2 files: a valid case must
//! yield exactly the event, plaintext and typed values built here; an invalid one its code.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Map, Value, json};
use wechatpay_notify::{V3Headers, V3Verifier};

use crate::render::file;

/// The published AES-256-GCM vector's key (SPEC §1), used as the merchant's APIv3 key.
pub const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
/// A second merchant's APIv3 key.
pub const OTHER_API_V3_KEY: &str = "0123456789abcdefghijklmnopqrstuv";
/// "Now" for most cases: 2026-11-18T09:33:20Z, inside every valid certificate's period.
pub const NOW: u64 = 1_795_000_000;
/// The WeChat Pay public key id of the generated key pair `pubkey-a`.
pub const PUB_KEY_ID_A: &str = "PUB_KEY_ID_0114232134912410000000000000";
/// The id of `pubkey-b` (a second merchant's key).
pub const PUB_KEY_ID_B: &str = "PUB_KEY_ID_0111111111111120000000000001";
/// The wechatpay-go platform certificate's serial.
pub const GO_SERIAL: &str = "D7CE59D1F522D701";

/// A file of `tests/vectors/keys/`.
pub fn key_file(name: &str) -> String {
    let path = crate::repo_root().join("tests/vectors/keys").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A signing key (PKCS#8 PEM) of `tests/vectors/keys/`.
pub fn signer(name: &str) -> RsaKeyPair {
    let pem = key_file(name);
    let (label, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    assert_eq!(label, "PRIVATE KEY", "{name}");
    RsaKeyPair::from_pkcs8(&der).unwrap()
}

/// SHA256withRSA (PKCS#1 v1.5, deterministic) over `timestamp\nnonce\nbody\n`, base64.
pub fn sign(key: &RsaKeyPair, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let mut message = Vec::new();
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &message, &mut sig)
        .unwrap();
    STANDARD.encode(sig)
}

/// AES-256-GCM as WeChat Pay does it: base64(ciphertext ‖ tag).
pub fn encrypt(api_v3_key: &str, nonce: &str, aad: &str, plaintext: &[u8]) -> String {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, api_v3_key.as_bytes()).unwrap());
    let mut buf = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
        Aad::from(aad.as_bytes()),
        &mut buf,
    )
    .unwrap();
    STANDARD.encode(buf)
}

/// A payment resource, direct-merchant shape.
pub fn transaction(out_trade_no: &str, transaction_id: &str, total: u64) -> Value {
    json!({
        "mchid": "1900000100",
        "appid": "wxd678efh567hg6787",
        "out_trade_no": out_trade_no,
        "transaction_id": transaction_id,
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "CMC",
        "attach": "",
        "success_time": "2026-11-18T17:33:12+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"}
    })
}

/// A refund resource.
pub fn refund(status: &str) -> Value {
    json!({
        "mchid": "1900000100",
        "transaction_id": "4200000712202611186734455230",
        "out_trade_no": "20261118ORDER0001",
        "refund_id": "50300908092026111845671234567",
        "out_refund_no": "20261118REFUND01",
        "refund_status": status,
        "success_time": "2026-11-18T18:01:44+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": 999, "refund": 999, "payer_total": 999, "payer_refund": 999}
    })
}

/// One notification as WeChat Pay sends it: the body (compact JSON, fields in WeChat's order) and
/// the values it was made from.
#[derive(Clone)]
pub struct Notification {
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    /// The outer fields and the plaintext, for the expected result.
    pub event: Map<String, Value>,
    pub plaintext: String,
}

/// Builds, encrypts and signs a notification.
pub struct Builder {
    pub api_v3_key: &'static str,
    pub id: String,
    pub create_time: String,
    pub event_type: String,
    pub summary: String,
    pub resource: Value,
    pub plaintext: Option<String>,
    pub nonce: String,
    pub aad: Option<String>,
    /// `resource.original_type` (outside the ciphertext).
    pub original_type: String,
    pub algorithm: String,
    pub timestamp: String,
    pub header_nonce: String,
}

impl Builder {
    pub fn new(event_type: &str, resource: Value) -> Builder {
        Builder {
            api_v3_key: API_V3_KEY,
            id: "EV-2026111817331200001".into(),
            create_time: "2026-11-18T17:33:15+08:00".into(),
            event_type: event_type.into(),
            summary: if event_type.starts_with("REFUND") {
                "退款成功"
            } else {
                "支付成功"
            }
            .into(),
            resource,
            plaintext: None,
            nonce: "fdasflkja484".into(),
            aad: Some(
                if event_type.starts_with("REFUND") {
                    "refund"
                } else {
                    "transaction"
                }
                .into(),
            ),
            original_type: if event_type.starts_with("REFUND") {
                "refund"
            } else {
                "transaction"
            }
            .into(),
            algorithm: "AEAD_AES_256_GCM".into(),
            timestamp: NOW.to_string(),
            header_nonce: "fdasfjihihihlkja484w".into(),
        }
    }

    /// The body and its outer fields (no headers yet).
    pub fn body(&self) -> (Vec<u8>, Map<String, Value>, String) {
        let plaintext = self
            .plaintext
            .clone()
            .unwrap_or_else(|| self.resource.to_string());
        let ciphertext = encrypt(
            self.api_v3_key,
            &self.nonce,
            self.aad.as_deref().unwrap_or(""),
            plaintext.as_bytes(),
        );
        let mut resource = Map::new();
        resource.insert("original_type".into(), json!(self.original_type));
        resource.insert("algorithm".into(), json!(self.algorithm));
        resource.insert("ciphertext".into(), json!(ciphertext));
        if let Some(aad) = &self.aad {
            resource.insert("associated_data".into(), json!(aad));
        }
        resource.insert("nonce".into(), json!(self.nonce));
        let mut event = Map::new();
        event.insert("id".into(), json!(self.id));
        event.insert("create_time".into(), json!(self.create_time));
        event.insert("resource_type".into(), json!("encrypt-resource"));
        event.insert("event_type".into(), json!(self.event_type));
        event.insert("summary".into(), json!(self.summary));
        event.insert("resource".into(), Value::Object(resource));
        let body = Value::Object(event.clone()).to_string().into_bytes();
        (body, event, plaintext)
    }

    /// Signed with `key` under `serial`.
    pub fn signed(&self, key: &RsaKeyPair, serial: &str) -> Notification {
        let (body, event, plaintext) = self.body();
        let signature = sign(key, &self.timestamp, &self.header_nonce, &body);
        Notification {
            headers: headers(&self.timestamp, &self.header_nonce, &signature, serial),
            body,
            event,
            plaintext,
        }
    }
}

/// The four headers WeChat Pay sends, plus `Wechatpay-Signature-Type`.
pub fn headers(
    timestamp: &str,
    nonce: &str,
    signature: &str,
    serial: &str,
) -> Vec<(String, String)> {
    [
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Serial", serial),
        ("Wechatpay-Signature", signature),
        ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"),
        ("Wechatpay-Timestamp", timestamp),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn with_header(h: &[(String, String)], name: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<_> = h.iter().filter(|(k, _)| k != name).cloned().collect();
    if let Some(v) = value {
        out.push((name.to_string(), v.to_string()));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Expected values

/// The expected typed section of a valid notification: the oracle's APIv3 rules.
pub fn typed(event: &Map<String, Value>, plaintext: &str, resource: &Value) -> Value {
    crate::oracle::v3_typed(event, plaintext, resource)
}

// ---------------------------------------------------------------------------------------------
// Cases and groups

pub struct Case {
    comment: String,
    flags: Vec<&'static str>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    now: u64,
    /// `Ok((event, plaintext))` for valid cases.
    expect: Result<(Map<String, Value>, String), &'static str>,
}

fn valid(comment: &str, flags: &[&'static str], n: &Notification) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        headers: n.headers.clone(),
        body: n.body.clone(),
        now: NOW,
        expect: Ok((n.event.clone(), n.plaintext.clone())),
    }
}

fn invalid(
    comment: &str,
    flags: &[&'static str],
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    code: &'static str,
) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        headers,
        body,
        now: NOW,
        expect: Err(code),
    }
}

impl Case {
    fn at(mut self, now: u64) -> Case {
        self.now = now;
        self
    }
}

/// A verifier configuration: the APIv3 key and the trusted keys, `[id, PEM file]`.
#[derive(Clone)]
pub struct Config {
    pub api_v3_key: &'static str,
    pub keys: Vec<(&'static str, &'static str)>,
    pub max_clock_skew: Option<u64>,
    pub max_body_bytes: Option<usize>,
    /// The merchant ids the verifier serves (`mchIds`; empty: any).
    pub mch_ids: Vec<&'static str>,
}

impl Config {
    fn json(&self) -> Value {
        json!({
            "apiV3Key": self.api_v3_key,
            "platformKeys": self.keys.iter().map(|(id, f)| json!([id, key_file(f)])).collect::<Vec<_>>(),
            "maxClockSkew": self.max_clock_skew,
            "maxBodyBytes": self.max_body_bytes,
            "mchIds": self.mch_ids,
        })
    }

    pub fn build(&self) -> Result<V3Verifier, wechatpay_notify::Error> {
        let mut v = V3Verifier::new(self.api_v3_key)?;
        for (id, f) in &self.keys {
            v.add_trusted_key(id, &key_file(f))?;
        }
        if let Some(s) = self.max_clock_skew {
            v = v.max_clock_skew(s);
        }
        if let Some(n) = self.max_body_bytes {
            v = v.max_body_bytes(n);
        }
        for m in &self.mch_ids {
            v = v.expect_mch_id(*m)?;
        }
        Ok(v)
    }
}

/// The usual merchant: both key modes at once (a migration), plus certificates for the edge cases.
pub fn merchant_a() -> Config {
    Config {
        api_v3_key: API_V3_KEY,
        keys: vec![
            (GO_SERIAL, "wechatpay-go-certificate.pem"),
            (PUB_KEY_ID_A, "pubkey-a-public.pem"),
            ("0A1B2C3D4E5F6071", "cert-leading-zero.pem"),
            ("3E8A5B1C2D3E4F50", "cert-expired.pem"),
            ("5F00112233445566", "cert-not-yet-valid.pem"),
        ],
        max_clock_skew: None,
        max_body_bytes: None,
        mch_ids: vec![],
    }
}

fn render(cfg: &Config, cases: Vec<Case>, next_id: &mut u64) -> Value {
    let verifier = cfg.build();
    let mut tests = Vec::new();
    for case in cases {
        let tc = *next_id;
        *next_id += 1;
        let headers: V3Headers = case.headers.iter().cloned().collect();
        let got = verifier
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|v| v.verify(&headers, &case.body, case.now));
        let mut t = Map::new();
        t.insert("tcId".into(), json!(tc));
        t.insert("comment".into(), json!(case.comment));
        t.insert("flags".into(), json!(case.flags));
        t.insert(
            "headers".into(),
            Value::Array(case.headers.iter().map(|(k, v)| json!([k, v])).collect()),
        );
        match std::str::from_utf8(&case.body) {
            Ok(s) => t.insert("body".into(), json!(s)),
            Err(_) => t.insert(
                "bodyHex".into(),
                json!(
                    case.body
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                ),
            ),
        };
        t.insert("now".into(), json!(case.now));
        match (&case.expect, got) {
            (Ok((event, plaintext)), Ok(n)) => {
                let resource: Value = serde_json::from_str(plaintext).unwrap();
                assert_eq!(n.id(), event["id"], "tc {tc}");
                assert_eq!(n.create_time(), event["create_time"], "tc {tc}");
                assert_eq!(n.event_type(), event["event_type"], "tc {tc}");
                assert_eq!(n.summary(), event["summary"], "tc {tc}");
                assert_eq!(n.plaintext(), plaintext, "tc {tc}");
                assert_eq!(&Value::Object(n.resource().clone()), &resource, "tc {tc}");
                let typed = typed(event, plaintext, &resource);
                assert_eq!(n.is_success(), typed["is_success"], "tc {tc}");
                assert_eq!(n.dedupe_key(), typed["dedupe_key"], "tc {tc}");
                t.insert("result".into(), json!("valid"));
                t.insert(
                    "expected".into(),
                    json!({
                        "id": event["id"],
                        "create_time": event["create_time"],
                        "event_type": event["event_type"],
                        "resource_type": event["resource_type"],
                        "summary": event["summary"],
                        "plaintext": plaintext,
                        "resource": resource,
                        "typed": typed,
                    }),
                );
            }
            (Err(code), Err(e)) => {
                assert_eq!(e.code(), *code, "tc {tc}: {} ({e})", case.comment);
                t.insert("result".into(), json!("invalid"));
                t.insert("error".into(), json!(code));
            }
            (want, got) => panic!(
                "tc {tc}: {}: expected {:?}, got {:?}",
                case.comment,
                want.as_ref().map(|_| "valid"),
                got.map(|_| "valid")
            ),
        }
        tests.push(Value::Object(t));
    }
    json!({ "type": "V3Notify", "config": cfg.json(), "tests": tests })
}

pub fn vectors() -> Value {
    let mut next = 1;
    let a = merchant_a();
    let mut groups = vec![render(
        &a,
        [
            valid_cases(),
            header_cases(),
            window_cases(),
            signature_cases(),
            key_cases(),
            body_cases(),
            resource_cases(),
            amount_cases(),
            dedupe_cases(),
            family_cases(),
        ]
        .into_iter()
        .flatten()
        .collect(),
        &mut next,
    )];
    for (cfg, cases) in [
        small_body_limit(),
        published(),
        tight_window(),
        merchant_bound(),
    ] {
        groups.push(render(&cfg, cases, &mut next));
    }
    for (cfg, comment) in bad_configs() {
        let n = Builder::new(
            "TRANSACTION.SUCCESS",
            transaction("20261118ORDER0001", "4200000712202611186734455230", 999),
        )
        .signed(&signer("pubkey-a-private.pem"), PUB_KEY_ID_A);
        groups.push(render(
            &cfg,
            vec![invalid(
                comment,
                &["BadConfig"],
                n.headers,
                n.body,
                "invalid_config",
            )],
            &mut next,
        ));
    }
    file(
        "wechatpay-notify/v3-notify/1",
        json!({
            "Published": "the notification published in wechatpay-go's test suite, verified as sent",
            "KeyModes": "platform certificates (id = serial) and WeChat Pay public keys (PUB_KEY_ID_…) are trusted at once (migration)",
            "SerialMatch": "a hex serial matches numerically (leading zeros, case); other ids match exactly",
            "Typed": "the typed transaction and refund views, amounts in fen, is_success, dedupe_key",
            "Partner": "the service-provider resource shape (sp_/sub_ fields)",
            "Families": "the typed views of the other notification families: profit sharing (PROFITSHARING.*), merchant transfers (MCHTRANSFER.BILL.*), complaints (COMPLAINT.*), each with its is_success and dedupe_key rule",
            "Headers": "header names are case-insensitive; the four Wechatpay-* headers are required; a header sent twice is refused",
            "Probe": "WeChat Pay's WECHATPAY/SIGNTEST/ probe is refused with its own code",
            "SignatureType": "only WECHATPAY2-SHA256-RSA2048 (or an absent Wechatpay-Signature-Type)",
            "Window": "|now - timestamp| <= max clock skew, both directions; a non-integer timestamp is outside",
            "Certificate": "a certificate is used only within its validity period",
            "RawBody": "the signature covers the raw body bytes; a re-serialised body fails",
            "Tamper": "any change to the signed message is detected",
            "Json": "the verified body must be a JSON object with id, create_time, event_type, resource_type, summary, resource",
            "Amounts": "a typed amount is a non-negative JSON integer; present in another form the property is an error ({\"error\": \"missing_field\"}), never absent",
            "Dedupe": "the dedupe key names the state where one object reports several (refund_id:STATUS, transaction_id:STATE)",
            "MerchantBinding": "mchIds: after decryption the first of mchid, sp_mchid (partners) and mch_id (merchant transfers) must be one of them, else merchant_mismatch",
            "Resource": "resource.algorithm AEAD_AES_256_GCM; nonce 12 bytes; associated_data as AAD (absent = empty); GCM tag checked; UTF-8 JSON plaintext",
            "Size": "the body size limit applies first",
            "BadConfig": "an unusable configuration is refused when the verifier is built",
            "HostileMessage": "every error message is at most 200 characters with no Cc/Cf/Zl/Zp character",
        }),
        groups,
    )
}

fn pay() -> Builder {
    Builder::new(
        "TRANSACTION.SUCCESS",
        transaction("20261118ORDER0001", "4200000712202611186734455230", 999),
    )
}

fn key_a() -> RsaKeyPair {
    signer("pubkey-a-private.pem")
}

fn key_go() -> RsaKeyPair {
    signer("wechatpay-go-test-private-key.pem")
}

fn valid_cases() -> Vec<Case> {
    let mut c = vec![
        valid(
            "a payment, WeChat Pay public key mode",
            &["KeyModes", "Typed"],
            &pay().signed(&key_a(), PUB_KEY_ID_A),
        ),
        valid(
            "the same payment, platform certificate mode",
            &["KeyModes", "Typed"],
            &pay().signed(&key_go(), GO_SERIAL),
        ),
        valid(
            "the certificate serial in lowercase",
            &["SerialMatch"],
            &pay().signed(&key_go(), &GO_SERIAL.to_lowercase()),
        ),
        valid(
            "the certificate serial with leading zeros",
            &["SerialMatch"],
            &pay().signed(&key_go(), &format!("00{GO_SERIAL}")),
        ),
        valid(
            "a certificate whose serial starts with 0, named without it",
            &["SerialMatch"],
            &pay().signed(&key_go(), "A1B2C3D4E5F6071"),
        ),
        valid(
            "a certificate whose serial starts with 0, named with it",
            &["SerialMatch"],
            &pay().signed(&key_go(), "0A1B2C3D4E5F6071"),
        ),
    ];
    let mut partner = Builder::new(
        "TRANSACTION.SUCCESS",
        json!({
            "sp_mchid": "1230000109",
            "sp_appid": "wx8888888888888888",
            "sub_mchid": "1900000109",
            "sub_appid": "wxd678efh567hg6999",
            "out_trade_no": "1217752501201407033233368018",
            "transaction_id": "1217752501201407033233368018",
            "trade_type": "MICROPAY",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "CMC",
            "attach": "自定义数据",
            "success_time": "2018-06-08T10:34:56+08:00",
            "payer": {"sp_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "sub_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"},
            "promotion_detail": [{"coupon_id": "109519", "amount": 5}]
        }),
    );
    partner.id = "EV-2018060810345600001".into();
    c.push(valid(
        "a service-provider payment (sp_/sub_ fields, payer sp_openid/sub_openid)",
        &["Partner", "Typed"],
        &partner.signed(&key_a(), PUB_KEY_ID_A),
    ));
    for status in ["SUCCESS", "ABNORMAL", "CLOSED"] {
        c.push(valid(
            &format!("a REFUND.{status} notification"),
            &["Typed"],
            &Builder::new(&format!("REFUND.{status}"), refund(status))
                .signed(&key_a(), PUB_KEY_ID_A),
        ));
    }
    let mut other = Builder::new(
        "PAYSCORE.USER_OPEN_SERVICE",
        json!({"mchid": "1900000100", "out_contract_code": "21640bdbd08e"}),
    );
    other.summary = "签约成功".into();
    c.push(valid(
        "another event type: no typed view, dedupe key = event id",
        &["Typed"],
        &other.signed(&key_a(), PUB_KEY_ID_A),
    ));
    let mut failed = pay();
    failed.resource["trade_state"] = json!("PAYERROR");
    failed
        .resource
        .as_object_mut()
        .unwrap()
        .remove("transaction_id");
    c.push(valid("a payment that is not SUCCESS and lacks transaction_id: is_success false, dedupe key = event id", &["Typed"], &failed.signed(&key_a(), PUB_KEY_ID_A)));
    let mut odd_time = pay();
    odd_time.create_time = "2026-11-18 17:33:15".into();
    c.push(valid(
        "create_time is kept as the string received (not always RFC 3339)",
        &["Typed"],
        &odd_time.signed(&key_a(), PUB_KEY_ID_A),
    ));
    let mut big = pay();
    big.resource["amount"]["total"] = json!(9_007_199_254_740_993u64);
    c.push(valid(
        "an amount above 2^53 is exact",
        &["Typed"],
        &big.signed(&key_a(), PUB_KEY_ID_A),
    ));
    let mut empty_aad = pay();
    empty_aad.aad = Some(String::new());
    c.push(valid(
        "an empty associated_data",
        &["Resource"],
        &empty_aad.signed(&key_a(), PUB_KEY_ID_A),
    ));
    let mut no_aad = pay();
    no_aad.aad = None;
    c.push(valid(
        "no associated_data (empty AAD)",
        &["Resource"],
        &no_aad.signed(&key_a(), PUB_KEY_ID_A),
    ));
    c
}

fn header_cases() -> Vec<Case> {
    let n = pay().signed(&key_a(), PUB_KEY_ID_A);
    let mut c = vec![];
    let mut no_type = n.clone();
    no_type.headers = with_header(&n.headers, "Wechatpay-Signature-Type", None);
    c.push(valid(
        "no Wechatpay-Signature-Type header",
        &["SignatureType"],
        &no_type,
    ));
    let mut lower = n.clone();
    lower.headers = n
        .headers
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect();
    c.push(valid("header names in lowercase", &["Headers"], &lower));
    let mut upper = n.clone();
    upper.headers = n
        .headers
        .iter()
        .map(|(k, v)| (k.to_uppercase(), v.clone()))
        .collect();
    upper
        .headers
        .push(("Content-Type".into(), "application/json".into()));
    c.push(valid(
        "header names in uppercase, among other headers",
        &["Headers"],
        &upper,
    ));
    for name in [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
    ] {
        c.push(invalid(
            &format!("no {name} header"),
            &["Headers"],
            with_header(&n.headers, name, None),
            n.body.clone(),
            "missing_header",
        ));
        c.push(invalid(
            &format!("an empty {name} header"),
            &["Headers"],
            with_header(&n.headers, name, Some("")),
            n.body.clone(),
            "missing_header",
        ));
    }
    let mut twice = n.headers.clone();
    twice.push(("wechatpay-serial".into(), PUB_KEY_ID_B.into()));
    c.push(invalid(
        "Wechatpay-Serial sent twice",
        &["Headers"],
        twice,
        n.body.clone(),
        "invalid_argument",
    ));
    c.push(invalid(
        "a signature probe (WECHATPAY/SIGNTEST/…)",
        &["Probe"],
        with_header(
            &n.headers,
            "Wechatpay-Signature",
            Some("WECHATPAY/SIGNTEST/a1b2c3d4e5f6"),
        ),
        n.body.clone(),
        "signature_probe",
    ));
    for t in [
        "WECHATPAY2-SM2-WITH-SM3",
        "wechatpay2-sha256-rsa2048",
        "RSA",
    ] {
        c.push(invalid(
            &format!("Wechatpay-Signature-Type {t}"),
            &["SignatureType"],
            with_header(&n.headers, "Wechatpay-Signature-Type", Some(t)),
            n.body.clone(),
            "unsupported_algorithm",
        ));
    }
    c
}

fn window_cases() -> Vec<Case> {
    let mut c = vec![];
    for (delta, ok) in [
        (-300i64, true),
        (300, true),
        (-301, false),
        (301, false),
        (-86400, false),
    ] {
        let mut b = pay();
        b.timestamp = (NOW as i64 + delta).to_string();
        let n = b.signed(&key_a(), PUB_KEY_ID_A);
        let comment = format!("the timestamp is now {delta:+} s");
        c.push(if ok {
            valid(&comment, &["Window"], &n)
        } else {
            invalid(
                &comment,
                &["Window"],
                n.headers,
                n.body,
                "timestamp_out_of_window",
            )
        });
    }
    for ts in [
        "+1795000000",
        "1795000000.0",
        " 1795000000",
        "0x6AFD8A80",
        "99999999999999999999999",
    ] {
        let mut b = pay();
        b.timestamp = ts.into();
        let n = b.signed(&key_a(), PUB_KEY_ID_A);
        c.push(invalid(
            &format!("a timestamp that is not an integer: {ts:?}"),
            &["Window"],
            n.headers,
            n.body,
            "timestamp_out_of_window",
        ));
    }
    c
}

fn signature_cases() -> Vec<Case> {
    let n = pay().signed(&key_a(), PUB_KEY_ID_A);
    let mut c = vec![];
    let reserialised =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&n.body).unwrap()).unwrap();
    c.push(invalid(
        "the same JSON re-serialised (whitespace added): the signature covers the raw bytes",
        &["RawBody"],
        n.headers.clone(),
        reserialised,
        "signature_mismatch",
    ));
    let mut spaced = n.body.clone();
    spaced.push(b'\n');
    c.push(invalid(
        "a trailing newline added to the body",
        &["RawBody"],
        n.headers.clone(),
        spaced,
        "signature_mismatch",
    ));
    let tampered = String::from_utf8(n.body.clone())
        .unwrap()
        .replace("EV-2026111817331200001", "EV-2026111817331200002")
        .into_bytes();
    c.push(invalid(
        "the event id changed",
        &["Tamper"],
        n.headers.clone(),
        tampered,
        "signature_mismatch",
    ));
    c.push(invalid(
        "another nonce header",
        &["Tamper"],
        with_header(&n.headers, "Wechatpay-Nonce", Some("fdasfjihihihlkja484x")),
        n.body.clone(),
        "signature_mismatch",
    ));
    c.push(invalid(
        "another timestamp, inside the window",
        &["Tamper"],
        with_header(
            &n.headers,
            "Wechatpay-Timestamp",
            Some(&(NOW + 1).to_string()),
        ),
        n.body.clone(),
        "signature_mismatch",
    ));
    let other = pay().signed(&signer("pubkey-b-private.pem"), PUB_KEY_ID_A);
    c.push(invalid(
        "signed with another key under this key's id",
        &["Tamper"],
        other.headers,
        other.body,
        "signature_mismatch",
    ));
    let go_under_a = pay().signed(&key_go(), PUB_KEY_ID_A);
    c.push(invalid(
        "signed with the certificate's key under the public key's id",
        &["Tamper", "KeyModes"],
        go_under_a.headers,
        go_under_a.body,
        "signature_mismatch",
    ));
    c.push(invalid(
        "a signature that is not base64",
        &["Tamper"],
        with_header(&n.headers, "Wechatpay-Signature", Some("not base64!")),
        n.body.clone(),
        "signature_mismatch",
    ));
    let sig = n
        .headers
        .iter()
        .find(|(k, _)| k == "Wechatpay-Signature")
        .unwrap()
        .1
        .clone();
    let mut raw = STANDARD.decode(&sig).unwrap();
    raw[10] ^= 1;
    c.push(invalid(
        "one bit of the signature flipped",
        &["Tamper"],
        with_header(
            &n.headers,
            "Wechatpay-Signature",
            Some(&STANDARD.encode(&raw)),
        ),
        n.body.clone(),
        "signature_mismatch",
    ));
    c
}

fn key_cases() -> Vec<Case> {
    let mut c = vec![];
    for (comment, serial) in [
        ("an unknown serial", "1234567890ABCDEF"),
        (
            "a public key id one digit off",
            "PUB_KEY_ID_0114232134912410000000000001",
        ),
        (
            "a public key id without its leading zero (ids that are not hex match exactly)",
            "PUB_KEY_ID_114232134912410000000000000",
        ),
        (
            "a public key id in lowercase",
            "pub_key_id_0114232134912410000000000000",
        ),
    ] {
        let n = pay().signed(&key_a(), serial);
        c.push(invalid(
            comment,
            &["SerialMatch"],
            n.headers,
            n.body,
            "unknown_serial",
        ));
    }
    let expired = pay().signed(&key_go(), "3E8A5B1C2D3E4F50");
    c.push(invalid(
        "a certificate that has expired",
        &["Certificate"],
        expired.headers,
        expired.body,
        "unknown_serial",
    ));
    let future = pay().signed(&key_go(), "5F00112233445566");
    c.push(invalid(
        "a certificate that is not yet valid",
        &["Certificate"],
        future.headers,
        future.body,
        "unknown_serial",
    ));
    // The wechatpay-go certificate's notAfter is 2031-04-25T08:55:23Z = 1934873723.
    let at = |ts: u64| {
        let mut b = pay();
        b.timestamp = ts.to_string();
        b.signed(&key_go(), GO_SERIAL)
    };
    c.push(
        valid(
            "the certificate on its last valid second",
            &["Certificate"],
            &at(1_934_873_723),
        )
        .at(1_934_873_723),
    );
    let after = at(1_934_873_724);
    c.push(
        invalid(
            "the certificate one second after it expired",
            &["Certificate"],
            after.headers,
            after.body,
            "unknown_serial",
        )
        .at(1_934_873_724),
    );
    let hostile = format!("PUB_KEY_ID_\n\u{1b}[31m\u{2028}\u{202E}{}", "9".repeat(400));
    let h = pay().signed(&key_a(), &hostile);
    c.push(invalid(
        "a hostile serial (newline, ANSI escape, U+2028, U+202E, 400 digits)",
        &["HostileMessage", "SerialMatch"],
        h.headers,
        h.body,
        "unknown_serial",
    ));
    c
}

fn body_cases() -> Vec<Case> {
    let key = key_a();
    let signed_body = |body: &[u8]| -> (Vec<(String, String)>, Vec<u8>) {
        let sig = sign(&key, &NOW.to_string(), "n0nce", body);
        (
            headers(&NOW.to_string(), "n0nce", &sig, PUB_KEY_ID_A),
            body.to_vec(),
        )
    };
    let mut c = vec![];
    for (comment, body) in [
        (
            "a signed body that is not JSON",
            b"id=1&event_type=TRANSACTION.SUCCESS".to_vec(),
        ),
        ("a signed body that is a JSON array", b"[1,2,3]".to_vec()),
        (
            "a signed, truncated JSON body",
            br#"{"id":"EV-1","#.to_vec(),
        ),
        (
            "a signed body that is not UTF-8",
            b"{\"id\":\"\xff\"}".to_vec(),
        ),
    ] {
        let (h, b) = signed_body(&body);
        c.push(invalid(comment, &["Json"], h, b, "malformed_json"));
    }
    let (_, full, _) = pay().body();
    for name in [
        "id",
        "create_time",
        "event_type",
        "resource_type",
        "summary",
        "resource",
    ] {
        let mut event = full.clone();
        event.remove(name);
        let (h, b) = signed_body(Value::Object(event).to_string().as_bytes());
        c.push(invalid(
            &format!("a signed body without {name}"),
            &["Json"],
            h,
            b,
            "missing_field",
        ));
    }
    let mut event = full.clone();
    event.insert("id".into(), json!(42));
    let (h, b) = signed_body(Value::Object(event).to_string().as_bytes());
    c.push(invalid(
        "a signed body whose id is a number",
        &["Json"],
        h,
        b,
        "missing_field",
    ));
    c
}

/// A change to a resource object after encryption.
type ResourceEdit = dyn Fn(&mut Map<String, Value>);

fn resource_cases() -> Vec<Case> {
    let mut c = vec![];
    let mut alg = pay();
    alg.algorithm = "AEAD_AES_128_GCM".into();
    let n = alg.signed(&key_a(), PUB_KEY_ID_A);
    c.push(invalid(
        "resource.algorithm AEAD_AES_128_GCM",
        &["Resource"],
        n.headers,
        n.body,
        "unsupported_algorithm",
    ));
    let mut wrong_key = pay();
    wrong_key.api_v3_key = OTHER_API_V3_KEY;
    let n = wrong_key.signed(&key_a(), PUB_KEY_ID_A);
    c.push(invalid(
        "the resource encrypted with another APIv3 key (signature valid)",
        &["Resource"],
        n.headers,
        n.body,
        "decrypt_failed",
    ));
    // Change the ciphertext, nonce or AAD after encryption, and sign the result (WeChat Pay signed
    // what it sent; only the GCM tag can catch these).
    let base = pay();
    let (_, event, _) = base.body();
    let edits: Vec<(&str, Box<ResourceEdit>)> = vec![
        (
            "the GCM tag altered",
            Box::new(|r| {
                let mut ct = STANDARD.decode(r["ciphertext"].as_str().unwrap()).unwrap();
                let last = ct.len() - 1;
                ct[last] ^= 1;
                r.insert("ciphertext".into(), json!(STANDARD.encode(ct)));
            }),
        ),
        (
            "the ciphertext truncated to less than a tag",
            Box::new(|r| {
                r.insert("ciphertext".into(), json!(STANDARD.encode([1u8; 8])));
            }),
        ),
        (
            "associated_data changed",
            Box::new(|r| {
                r.insert("associated_data".into(), json!("refund"));
            }),
        ),
        (
            "associated_data removed (it was not empty)",
            Box::new(|r| {
                r.remove("associated_data");
            }),
        ),
        (
            "a nonce of 11 bytes",
            Box::new(|r| {
                r.insert("nonce".into(), json!("fdasflkja48"));
            }),
        ),
        (
            "a nonce of 13 bytes",
            Box::new(|r| {
                r.insert("nonce".into(), json!("fdasflkja4844"));
            }),
        ),
        (
            "a ciphertext that is not base64",
            Box::new(|r| {
                r.insert("ciphertext".into(), json!("%%%"));
            }),
        ),
    ];
    let key = key_a();
    for (comment, edit) in edits {
        let mut e = event.clone();
        edit(e.get_mut("resource").unwrap().as_object_mut().unwrap());
        let body = Value::Object(e).to_string().into_bytes();
        let sig = sign(&key, &NOW.to_string(), "n0nce", &body);
        c.push(invalid(
            comment,
            &["Resource", "Tamper"],
            headers(&NOW.to_string(), "n0nce", &sig, PUB_KEY_ID_A),
            body,
            "decrypt_failed",
        ));
    }
    for (comment, field) in [
        ("resource without ciphertext", "ciphertext"),
        ("resource without nonce", "nonce"),
        ("resource without algorithm", "algorithm"),
    ] {
        let mut e = event.clone();
        e.get_mut("resource")
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(field);
        let body = Value::Object(e).to_string().into_bytes();
        let sig = sign(&key, &NOW.to_string(), "n0nce", &body);
        c.push(invalid(
            comment,
            &["Resource"],
            headers(&NOW.to_string(), "n0nce", &sig, PUB_KEY_ID_A),
            body,
            "missing_field",
        ));
    }
    for (comment, plaintext) in [
        ("a plaintext that is not JSON", "out_trade_no=1"),
        ("a plaintext that is a JSON string", "\"SUCCESS\""),
    ] {
        let mut b = pay();
        b.plaintext = Some(plaintext.into());
        let n = b.signed(&key_a(), PUB_KEY_ID_A);
        c.push(invalid(
            comment,
            &["Resource"],
            n.headers,
            n.body,
            "decrypt_failed",
        ));
    }
    c
}

fn small_body_limit() -> (Config, Vec<Case>) {
    let mut cfg = merchant_a();
    cfg.max_body_bytes = Some(512);
    let n = pay().signed(&key_a(), PUB_KEY_ID_A);
    assert!(n.body.len() > 512);
    let mut small = Builder::new("REFUND.CLOSED", json!({"refund_status": "CLOSED"}));
    small.summary = "关闭".into();
    let s = small.signed(&key_a(), PUB_KEY_ID_A);
    assert!(s.body.len() <= 512, "{}", s.body.len());
    (
        cfg,
        vec![
            invalid(
                "a body over max_body_bytes (512), checked before anything else",
                &["Size"],
                vec![],
                n.body,
                "body_too_large",
            ),
            valid("a body within max_body_bytes", &["Size"], &s),
        ],
    )
}

fn tight_window() -> (Config, Vec<Case>) {
    let mut cfg = merchant_a();
    cfg.max_clock_skew = Some(60);
    let mut b = pay();
    b.timestamp = (NOW - 61).to_string();
    let late = b.signed(&key_a(), PUB_KEY_ID_A);
    b.timestamp = (NOW - 60).to_string();
    let ok = b.signed(&key_a(), PUB_KEY_ID_A);
    (
        cfg,
        vec![
            invalid(
                "61 s old with max_clock_skew 60",
                &["Window"],
                late.headers,
                late.body,
                "timestamp_out_of_window",
            ),
            valid("60 s old with max_clock_skew 60", &["Window"], &ok),
        ],
    )
}

/// wechatpay-go's published notification, as sent. Its APIv3 key has 16 bytes (refused, see
/// `bad_configs`); with a 32-byte key the signature verifies and only decryption fails, which
/// shows the signature was checked over the published raw bytes.
fn published() -> (Config, Vec<Case>) {
    let dir = "tests/vectors/sources/v3-wechatpay-go";
    let read = |f: &str| std::fs::read(crate::repo_root().join(dir).join(f)).unwrap();
    let body = read("body.json");
    let signature = String::from_utf8(read("signature.txt")).unwrap();
    let h = headers(
        "1624523846",
        "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz",
        signature.trim(),
        GO_SERIAL,
    );
    let cfg = Config {
        api_v3_key: API_V3_KEY,
        keys: vec![(GO_SERIAL, "wechatpay-go-certificate.pem")],
        max_clock_skew: None,
        max_body_bytes: None,
        mch_ids: vec![],
    };
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    (
        cfg,
        vec![
            invalid("wechatpay-go's published notification: the signature verifies; its resource was encrypted with a 16-byte key, so AES-256-GCM decryption fails", &["Published"], h.clone(), body.clone(), "decrypt_failed").at(1_624_523_846),
            invalid("the published notification with one body byte changed", &["Published", "Tamper"], h.clone(), tampered, "signature_mismatch").at(1_624_523_846),
            invalid("the published notification, verified a day later", &["Published", "Window"], h, body, "timestamp_out_of_window").at(1_624_523_846 + 86_400),
        ],
    )
}

/// Typed amounts present in another form than a non-negative JSON integer: the notification is
/// valid (WeChat Pay signed it), the property is an error, never "absent" (SPEC §2).
fn amount_cases() -> Vec<Case> {
    let raw = [
        ("100.0", "an amount written 100.0"),
        ("1e2", "an amount written 1e2"),
        ("-1", "a negative amount"),
        ("18446744073709551616", "an amount of 2^64"),
        ("\"100\"", "an amount written as a string"),
        ("null", "an amount that is null: absent"),
    ];
    raw.iter()
        .map(|(total, comment)| {
            let mut b = pay();
            b.plaintext = Some(format!(
                r#"{{"mchid":"1900000100","appid":"wxd678efh567hg6787","out_trade_no":"20261118ORDER0001","transaction_id":"4200000712202611186734455230","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","attach":"","success_time":"2026-11-18T17:33:12+08:00","payer":{{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}},"amount":{{"total":{total},"payer_total":999,"currency":"CNY","payer_currency":"CNY"}}}}"#
            ));
            valid(comment, &["Typed", "Amounts"], &b.signed(&key_a(), PUB_KEY_ID_A))
        })
        .collect()
}

/// One object, several states: the dedupe key names the state (SPEC §2).
fn dedupe_cases() -> Vec<Case> {
    let mut c = vec![];
    for status in ["ABNORMAL", "CLOSED"] {
        let b = Builder::new(&format!("REFUND.{status}"), refund(status));
        c.push(valid(
            &format!(
                "a refund {status}: dedupe key refund_id:{status}, not swallowing a later SUCCESS"
            ),
            &["Typed", "Dedupe"],
            &b.signed(&key_a(), PUB_KEY_ID_A),
        ));
    }
    let mut r = refund("SUCCESS");
    r.as_object_mut().unwrap().remove("refund_status");
    c.push(valid(
        "a REFUND.SUCCESS resource without refund_status: the state from the event type",
        &["Typed", "Dedupe"],
        &Builder::new("REFUND.SUCCESS", r).signed(&key_a(), PUB_KEY_ID_A),
    ));
    let mut t = transaction("20261118ORDER0001", "4200000712202611186734455230", 999);
    t["trade_state"] = json!("PAYERROR");
    c.push(valid(
        "an unsuccessful payment: dedupe key transaction_id:PAYERROR, so a later success is recorded",
        &["Typed", "Dedupe"],
        &Builder::new("TRANSACTION.SUCCESS", t).signed(&key_a(), PUB_KEY_ID_A),
    ));
    c
}

/// A builder for a notification family: its summary, `original_type` and (empty) associated data,
/// as WeChat Pay's published samples of the family show them.
fn family(event_type: &str, summary: &str, original_type: &str, resource: Value) -> Builder {
    let mut b = Builder::new(event_type, resource);
    b.summary = summary.into();
    b.original_type = original_type.into();
    b.aad = Some(String::new());
    b
}

/// A profit-sharing resource (分账动账通知), the service-provider shape of WeChat Pay's sample.
fn profit_sharing() -> Value {
    json!({
        "sp_mchid": "1900000100",
        "sub_mchid": "1900000109",
        "transaction_id": "4200000712202611186734455230",
        "order_id": "3008450740201411110007820472",
        "out_order_no": "P20261118125346",
        "receiver": {
            "type": "MERCHANT_ID",
            "account": "1900000110",
            "amount": 888,
            "description": "运费/交易分账/及时奖励"
        },
        "success_time": "2026-11-18T18:20:56+08:00"
    })
}

/// A merchant transfer bill in a final state (商家转账回调通知).
fn transfer_bill(state: &str) -> Value {
    let mut r = json!({
        "mch_id": "1900000100",
        "out_bill_no": "plfk2026111801",
        "transfer_bill_no": "1330000071100999991182026111800019480001",
        "state": state,
        "transfer_amount": 400000,
        "openid": "o-MYE42l80oelYMDE34nYD456Xoy",
        "create_time": "2026-11-18T17:29:35.120+08:00",
        "update_time": "2026-11-18T17:33:01.000+08:00"
    });
    if state == "FAIL" {
        r["fail_reason"] = json!("PAYEE_ACCOUNT_ABNORMAL");
    }
    r
}

/// The other notification families: a typed view each, with its own is_success and dedupe key.
fn family_cases() -> Vec<Case> {
    let signed = |b: Builder| b.signed(&key_a(), PUB_KEY_ID_A);
    let mut c = vec![];
    c.push(valid(
        "funds shared to a receiver (PROFITSHARING.SUCCESS), service-provider shape: is_success, dedupe key order_id:account:SUCCESS",
        &["Families", "Partner", "Typed"],
        &signed(family("PROFITSHARING.SUCCESS", "分账动账成功", "profitsharing", profit_sharing())),
    ));
    let mut direct = profit_sharing();
    let o = direct.as_object_mut().unwrap();
    o.remove("sp_mchid");
    o.remove("sub_mchid");
    o.insert("mchid".into(), json!("1900000100"));
    c.push(valid(
        "shared funds returned (PROFITSHARING.RETURN), direct merchant: is_success, dedupe key = event id (one order can be returned several times)",
        &["Families", "Typed", "Dedupe"],
        &signed(family("PROFITSHARING.RETURN", "分账动账回退", "profitsharing", direct)),
    ));
    let mut no_account = profit_sharing();
    no_account["receiver"]
        .as_object_mut()
        .unwrap()
        .remove("account");
    c.push(valid(
        "funds shared, the resource without receiver.account: dedupe key = event id",
        &["Families", "Typed", "Dedupe"],
        &signed(family(
            "PROFITSHARING.SUCCESS",
            "分账动账成功",
            "profitsharing",
            no_account,
        )),
    ));
    let mut text_amount = profit_sharing();
    text_amount["receiver"]["amount"] = json!("888");
    c.push(valid(
        "funds shared, receiver.amount written as a string: the property is an error",
        &["Families", "Typed", "Amounts"],
        &signed(family(
            "PROFITSHARING.SUCCESS",
            "分账动账成功",
            "profitsharing",
            text_amount,
        )),
    ));
    for state in ["SUCCESS", "FAIL", "CANCELLED"] {
        c.push(valid(
            &format!("a merchant transfer bill finished {state} (MCHTRANSFER.BILL.FINISHED): dedupe key transfer_bill_no:{state}"),
            &["Families", "Typed", "Dedupe"],
            &signed(family("MCHTRANSFER.BILL.FINISHED", "商家转账单据终态通知", "mch_payment", transfer_bill(state))),
        ));
    }
    for (amount, comment) in [
        (json!("400000"), "transfer_amount written as a string"),
        (json!(4000.5), "transfer_amount written 4000.5"),
        (json!(-1), "a negative transfer_amount"),
    ] {
        let mut r = transfer_bill("SUCCESS");
        r["transfer_amount"] = amount;
        c.push(valid(
            &format!(
                "a merchant transfer, {comment}: the property is an error, the notification valid"
            ),
            &["Families", "Typed", "Amounts"],
            &signed(family(
                "MCHTRANSFER.BILL.FINISHED",
                "商家转账单据终态通知",
                "mch_payment",
                r,
            )),
        ));
    }
    let mut other_shape = transfer_bill("SUCCESS");
    let o = other_shape.as_object_mut().unwrap();
    o.remove("mch_id");
    o.insert("mchid".into(), json!("1900000100"));
    c.push(valid(
        "a merchant transfer naming the merchant mchid (as some published samples do)",
        &["Families", "Typed"],
        &signed(family(
            "MCHTRANSFER.BILL.FINISHED",
            "商家转账单据终态通知",
            "mch_payment",
            other_shape,
        )),
    ));
    let mut batch = family(
        "MCHTRANSFER.BATCH.FINISHED",
        "商家转账批次完成通知",
        "mch_payment",
        json!({"out_batch_no": "bfatestnotify000033", "batch_id": "131000007026709999520922023081519403795655", "batch_status": "FINISHED", "total_num": 2, "total_amount": 200, "mch_id": "1900000100", "update_time": "2026-11-18T20:33:22+08:00"}),
    );
    batch.id = "EV-2026111820332200001".into();
    c.push(valid(
        "a transfer batch event (MCHTRANSFER.BATCH.*): no typed view, dedupe key = event id",
        &["Families", "Typed"],
        &signed(batch),
    ));
    for (event_type, action) in [
        ("COMPLAINT.CREATE", "CREATE_COMPLAINT"),
        ("COMPLAINT.STATE_CHANGE", "USER_RESPONSE"),
    ] {
        c.push(valid(
            &format!(
                "a complaint event {event_type} ({action}): is_success false, dedupe key = event id"
            ),
            &["Families", "Typed", "Dedupe"],
            &signed(family(
                event_type,
                "投诉通知",
                "complaint",
                json!({"complaint_id": "200201820261118080076610000", "action_type": action}),
            )),
        ));
    }
    let mut partner_refund = refund("SUCCESS");
    let o = partner_refund.as_object_mut().unwrap();
    o.remove("mchid");
    o.insert("sp_mchid".into(), json!("1230000109"));
    o.insert("sub_mchid".into(), json!("1900000109"));
    c.push(valid(
        "a service-provider refund (sp_mchid/sub_mchid)",
        &["Partner", "Typed"],
        &signed(Builder::new("REFUND.SUCCESS", partner_refund)),
    ));
    c
}

/// A verifier bound to its merchant: `mchid` (or `sp_mchid` for partners) must be one of its ids.
fn merchant_bound() -> (Config, Vec<Case>) {
    let cfg = Config {
        mch_ids: vec!["1900000100", "1900000200"],
        ..merchant_a()
    };
    let mut other = transaction("20261118ORDER0001", "4200000712202611186734455230", 999);
    other["mchid"] = json!("1900000999");
    let mut partner = transaction("20261118ORDER0001", "4200000712202611186734455230", 999);
    partner.as_object_mut().unwrap().remove("mchid");
    partner["sp_mchid"] = json!("1900000200");
    partner["sub_mchid"] = json!("1900000999");
    let mut partner_other = partner.clone();
    partner_other["sp_mchid"] = json!("1900000999");
    let mut none = transaction("20261118ORDER0001", "4200000712202611186734455230", 999);
    none.as_object_mut().unwrap().remove("mchid");
    let mut sub_only = none.clone();
    sub_only["sub_mchid"] = json!("1900000100");
    let signed = |r: Value| Builder::new("TRANSACTION.SUCCESS", r).signed(&key_a(), PUB_KEY_ID_A);
    let cases = vec![
        valid(
            "mchid is one of the verifier's merchants",
            &["MerchantBinding"],
            &pay().signed(&key_a(), PUB_KEY_ID_A),
        ),
        valid(
            "a refund whose mchid is one of them",
            &["MerchantBinding"],
            &Builder::new("REFUND.SUCCESS", refund("SUCCESS")).signed(&key_a(), PUB_KEY_ID_A),
        ),
        valid(
            "a partner notification: sp_mchid is one of them",
            &["MerchantBinding"],
            &signed(partner),
        ),
        {
            let n = signed(other);
            invalid(
                "a genuine notification for another merchant id",
                &["MerchantBinding"],
                n.headers,
                n.body,
                "merchant_mismatch",
            )
        },
        {
            let n = signed(partner_other);
            invalid(
                "a partner notification for another service provider",
                &["MerchantBinding"],
                n.headers,
                n.body,
                "merchant_mismatch",
            )
        },
        {
            let n = signed(none);
            invalid(
                "a resource naming no merchant",
                &["MerchantBinding"],
                n.headers,
                n.body,
                "merchant_mismatch",
            )
        },
        {
            let n = signed(sub_only);
            invalid(
                "only sub_mchid names a merchant of the verifier (the sub-merchant is not the endpoint's)",
                &["MerchantBinding"],
                n.headers,
                n.body,
                "merchant_mismatch",
            )
        },
        valid(
            "funds shared to a partner: sp_mchid is one of them",
            &["MerchantBinding", "Families", "Partner"],
            &family(
                "PROFITSHARING.SUCCESS",
                "分账动账成功",
                "profitsharing",
                profit_sharing(),
            )
            .signed(&key_a(), PUB_KEY_ID_A),
        ),
        valid(
            "a merchant transfer names its merchant mch_id: one of them",
            &["MerchantBinding", "Families"],
            &family(
                "MCHTRANSFER.BILL.FINISHED",
                "商家转账单据终态通知",
                "mch_payment",
                transfer_bill("SUCCESS"),
            )
            .signed(&key_a(), PUB_KEY_ID_A),
        ),
        {
            let mut other_merchant = transfer_bill("SUCCESS");
            other_merchant["mch_id"] = json!("1900000999");
            let n = family(
                "MCHTRANSFER.BILL.FINISHED",
                "商家转账单据终态通知",
                "mch_payment",
                other_merchant,
            )
            .signed(&key_a(), PUB_KEY_ID_A);
            invalid(
                "a merchant transfer of another merchant (mch_id)",
                &["MerchantBinding", "Families"],
                n.headers,
                n.body,
                "merchant_mismatch",
            )
        },
        {
            let n = family(
                "COMPLAINT.CREATE",
                "投诉通知",
                "complaint",
                json!({"complaint_id": "200201820261118080076610000", "action_type": "CREATE_COMPLAINT"}),
            )
            .signed(&key_a(), PUB_KEY_ID_A);
            invalid(
                "a complaint names no merchant: a merchant-bound verifier refuses it",
                &["MerchantBinding", "Families"],
                n.headers,
                n.body,
                "merchant_mismatch",
            )
        },
    ];
    (cfg, cases)
}

fn bad_configs() -> Vec<(Config, &'static str)> {
    let base = |key: &'static str, keys: Vec<(&'static str, &'static str)>| Config {
        api_v3_key: key,
        keys,
        max_clock_skew: None,
        max_body_bytes: None,
        mch_ids: vec![],
    };
    vec![
        (
            base(
                "testMchAPIv3Key0",
                vec![(GO_SERIAL, "wechatpay-go-certificate.pem")],
            ),
            "wechatpay-go's 16-byte APIv3 key (we require exactly 32 bytes)",
        ),
        (
            base(
                "a7cde1ZJB1kG2e7VfTs3jQzaWizur8G",
                vec![(PUB_KEY_ID_A, "pubkey-a-public.pem")],
            ),
            "an APIv3 key of 31 bytes",
        ),
        (
            base(
                API_V3_KEY,
                vec![("0A1B2C3D4E5F6072", "cert-leading-zero.pem")],
            ),
            "a certificate configured under an id that is not its serial",
        ),
        (
            base(API_V3_KEY, vec![(PUB_KEY_ID_A, "rsa-1024-public.pem")]),
            "an RSA-1024 public key",
        ),
        (
            base(API_V3_KEY, vec![(PUB_KEY_ID_A, "ec-p256-public.pem")]),
            "an EC public key (RSA only)",
        ),
        (
            base(
                API_V3_KEY,
                vec![
                    (GO_SERIAL, "wechatpay-go-certificate.pem"),
                    ("00d7ce59d1f522d701", "wechatpay-go-certificate.pem"),
                ],
            ),
            "the same serial twice (numerically)",
        ),
        (
            base(
                API_V3_KEY,
                vec![(PUB_KEY_ID_A, "wechatpay-go-test-private-key.pem")],
            ),
            "a private key where a public key belongs",
        ),
        (
            base(
                API_V3_KEY,
                vec![(PUB_KEY_ID_A, "rsa-exponent-1-public.pem")],
            ),
            "an RSA public key with exponent 1",
        ),
        (
            base(
                API_V3_KEY,
                vec![(PUB_KEY_ID_A, "rsa-exponent-even-public.pem")],
            ),
            "an RSA public key with an even exponent (65536)",
        ),
        (
            base(
                API_V3_KEY,
                vec![(PUB_KEY_ID_A, "rsa-exponent-2pow33-public.pem")],
            ),
            "an RSA public key with an exponent above what the verifier supports (2^33 + 1)",
        ),
        (
            base(API_V3_KEY, vec![(PUB_KEY_ID_A, "rsa-9216-public.pem")]),
            "an RSA-9216 public key (above the verifier's 8192 bits)",
        ),
        (
            Config {
                mch_ids: vec![""],
                ..base(API_V3_KEY, vec![(PUB_KEY_ID_A, "pubkey-a-public.pem")])
            },
            "an empty expected merchant id",
        ),
        (
            base(API_V3_KEY, vec![]),
            "no WeChat Pay key trusted (such a verifier would refuse every notification)",
        ),
    ]
}
