//! Shared by the example's tests: two merchants (their keys are the repository's test keys,
//! written to a profiles directory like a deployment's), notifications signed as WeChat Pay signs
//! them (v2 with the core's `signed_xml`/`encrypt_req_info`; APIv3 with RSA-SHA256 and AES-256-GCM
//! through ring), and a minimal HTTP/1.1 client (one request per connection, no client library).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wechatpay_notify::{SignType, encrypt_req_info, signed_xml};

/// One merchant's keys, as WeChat Pay and the merchant share them.
pub struct Merchant {
    pub label: &'static str,
    pub mch_id: &'static str,
    pub v2_key: &'static str,
    pub sign_type: SignType,
    pub v3_key: &'static str,
    /// The WeChat Pay public key the merchant trusts, and its id (`Wechatpay-Serial`).
    pub key_id: &'static str,
    /// The test private key that signs as "WeChat Pay" for this merchant (tests/vectors/keys/).
    pub private_key: &'static str,
    pub public_key: &'static str,
    /// The APIv3 `mchid` inside the resource.
    pub v3_mchid: &'static str,
}

pub const A: Merchant = Merchant {
    label: "shop-a",
    mch_id: "10000100",
    v2_key: "192006250b4c09247ec02edce69f6a2d",
    sign_type: SignType::Md5,
    v3_key: "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
    key_id: "PUB_KEY_ID_0114232134912410000000000000",
    private_key: "pubkey-a-private.pem",
    public_key: "pubkey-a-public.pem",
    v3_mchid: "10000100",
};

pub const B: Merchant = Merchant {
    label: "shop-b",
    mch_id: "10000200",
    v2_key: "2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv",
    sign_type: SignType::HmacSha256,
    v3_key: "0123456789abcdefghijklmnopqrstuv",
    key_id: "PUB_KEY_ID_0111111111111120000000000001",
    private_key: "pubkey-b-private.pem",
    public_key: "pubkey-b-public.pem",
    v3_mchid: "10000200",
};

pub fn keys_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/keys")
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A fresh directory under the system temp dir, unique to this process and `name`.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-notify-example-axum-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a deployment's configuration for merchants A and B into `dir`: each merchant's v2 key and
/// APIv3 key in its own file, the WeChat Pay public key it trusts, and `profiles.json` naming them.
/// Returns the profiles file.
pub fn write_profiles(dir: &Path) -> PathBuf {
    let mut profiles = Vec::new();
    for m in [&A, &B] {
        let d = dir.join(m.label);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("api_key.txt"), format!("{}\n", m.v2_key)).unwrap();
        std::fs::write(d.join("api_v3_key.txt"), format!("{}\n", m.v3_key)).unwrap();
        std::fs::copy(
            keys_dir().join(m.public_key),
            d.join("wechatpay_public_key.pem"),
        )
        .unwrap();
        profiles.push(json!({
            "label": m.label,
            "v2": {
                "api_key_file": format!("{}/api_key.txt", m.label),
                "sign_type": m.sign_type.as_str(),
                "mch_id": m.mch_id,
            },
            "v3": {
                "api_v3_key_file": format!("{}/api_v3_key.txt", m.label),
                "platform_keys": {m.key_id: format!("{}/wechatpay_public_key.pem", m.label)},
            },
        }));
    }
    let path = dir.join("profiles.json");
    std::fs::write(&path, json!({ "profiles": profiles }).to_string()).unwrap();
    path
}

/// One profiles directory for the whole test binary.
pub fn profiles() -> &'static Path {
    static PROFILES: OnceLock<PathBuf> = OnceLock::new();
    PROFILES.get_or_init(|| write_profiles(&scratch_dir("profiles")))
}

// ---- v2 ----

/// A v2 payment notification as WeChat Pay sends it, signed with `key` (the merchant's, unless
/// forging) for the merchant `mch_id`.
#[allow(clippy::too_many_arguments)]
pub fn v2_payment_signed(
    key: &str,
    sign_type: SignType,
    mch_id: &str,
    transaction_id: &str,
    out_trade_no: &str,
    total_fee: u64,
    result_code: &str,
) -> String {
    let fee = total_fee.to_string();
    let mut fields = vec![
        ("appid", "wx2421b1c4370ec43b"),
        ("attach", "支付测试"),
        ("bank_type", "CFT"),
        ("cash_fee", &fee),
        ("fee_type", "CNY"),
        ("is_subscribe", "Y"),
        ("mch_id", mch_id),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ("out_trade_no", out_trade_no),
        ("result_code", result_code),
        ("return_code", "SUCCESS"),
        ("time_end", "20261127131540"),
        ("total_fee", &fee),
        ("trade_type", "JSAPI"),
        ("transaction_id", transaction_id),
    ];
    if result_code == "FAIL" {
        fields.push(("err_code", "NOTENOUGH"));
        fields.push(("err_code_des", "余额不足"));
    }
    signed_xml(fields, key, sign_type).unwrap()
}

/// A genuine v2 payment of merchant `m`.
pub fn v2_payment(
    m: &Merchant,
    transaction_id: &str,
    out_trade_no: &str,
    total_fee: u64,
) -> String {
    v2_payment_signed(
        m.v2_key,
        m.sign_type,
        m.mch_id,
        transaction_id,
        out_trade_no,
        total_fee,
        "SUCCESS",
    )
}

/// A genuine v2 refund notification of merchant `m` (req_info encrypted with its API key).
pub fn v2_refund(m: &Merchant, refund_id: &str, out_trade_no: &str, refund_fee: u64) -> String {
    let fee = refund_fee.to_string();
    let req_info = encrypt_req_info(
        [
            ("out_refund_no", "R-".to_owned() + out_trade_no),
            ("out_trade_no", out_trade_no.to_owned()),
            ("refund_account", "REFUND_SOURCE_RECHARGE_FUNDS".into()),
            ("refund_fee", fee.clone()),
            ("refund_id", refund_id.to_owned()),
            ("refund_recv_accout", "支付用户零钱".into()),
            ("refund_request_source", "API".into()),
            ("refund_status", "SUCCESS".into()),
            ("settlement_refund_fee", fee.clone()),
            ("settlement_total_fee", fee.clone()),
            ("success_time", "2026-11-27 13:20:00".into()),
            ("total_fee", fee),
            ("transaction_id", "4200000000000000000000000001".into()),
        ],
        m.v2_key,
    )
    .unwrap();
    format!(
        "<xml><return_code>SUCCESS</return_code><appid><![CDATA[wx2421b1c4370ec43b]]></appid>\
         <mch_id><![CDATA[{}]]></mch_id><nonce_str><![CDATA[TeqClE3i0mvn3DrK]]></nonce_str>\
         <req_info><![CDATA[{req_info}]]></req_info></xml>",
        m.mch_id
    )
}

// ---- APIv3 ----

/// An APIv3 request: headers and the raw body.
#[derive(Debug, Clone)]
pub struct V3Request {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A `TRANSACTION.SUCCESS` resource of merchant `m`.
pub fn transaction(
    m: &Merchant,
    transaction_id: &str,
    out_trade_no: &str,
    total: u64,
    trade_state: &str,
) -> Value {
    json!({
        "mchid": m.v3_mchid, "appid": "wxd678efh567hg6787",
        "out_trade_no": out_trade_no, "transaction_id": transaction_id,
        "trade_type": "JSAPI", "trade_state": trade_state, "trade_state_desc": "支付成功",
        "bank_type": "CMC", "attach": "", "success_time": "2026-11-27T13:15:40+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
    })
}

/// A `REFUND.SUCCESS` resource of merchant `m`.
pub fn refund(m: &Merchant, refund_id: &str, out_trade_no: &str, refund: u64) -> Value {
    json!({
        "mchid": m.v3_mchid, "out_trade_no": out_trade_no,
        "transaction_id": "4200000000000000000000000002",
        "out_refund_no": format!("R-{out_trade_no}"), "refund_id": refund_id,
        "refund_status": "SUCCESS", "success_time": "2026-11-27T13:20:00+08:00",
        "user_received_account": "支付用户零钱",
        "amount": {"total": refund, "refund": refund, "payer_total": refund, "payer_refund": refund},
    })
}

/// The notification body: `resource` encrypted with AES-256-GCM under `api_v3_key` (12-byte
/// nonce, `associated_data` as AAD), as WeChat Pay sends it.
pub fn v3_body(api_v3_key: &str, event_id: &str, event_type: &str, resource: &Value) -> String {
    let original_type = if event_type.starts_with("REFUND.") {
        "refund"
    } else {
        "transaction"
    };
    let nonce = "fdasflkja484";
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, api_v3_key.as_bytes()).unwrap());
    let mut ciphertext = resource.to_string().into_bytes();
    key.seal_in_place_append_tag(
        Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
        Aad::from(original_type.as_bytes()),
        &mut ciphertext,
    )
    .unwrap();
    json!({
        "id": event_id,
        "create_time": "2026-11-27T13:15:41+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": STANDARD.encode(&ciphertext),
            "associated_data": original_type,
            "nonce": nonce,
        },
    })
    .to_string()
}

/// The `Wechatpay-*` headers of `body`: signed with the private key file `private_key` (in
/// tests/vectors/keys/) over `timestamp\nnonce\nbody\n`, announcing `serial`.
pub fn v3_headers(
    body: &str,
    private_key: &str,
    serial: &str,
    timestamp: u64,
) -> Vec<(String, String)> {
    let pem = std::fs::read_to_string(keys_dir().join(private_key)).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let signer = RsaKeyPair::from_pkcs8(&STANDARD.decode(b64).unwrap()).unwrap();
    let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
    let message = format!("{timestamp}\n{nonce}\n{body}\n");
    let mut sig = vec![0; signer.public().modulus_len()];
    signer
        .sign(
            &RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            message.as_bytes(),
            &mut sig,
        )
        .unwrap();
    vec![
        ("Wechatpay-Timestamp".into(), timestamp.to_string()),
        ("Wechatpay-Nonce".into(), nonce.into()),
        ("Wechatpay-Signature".into(), STANDARD.encode(sig)),
        ("Wechatpay-Serial".into(), serial.into()),
        (
            "Wechatpay-Signature-Type".into(),
            "WECHATPAY2-SHA256-RSA2048".into(),
        ),
    ]
}

/// A genuine APIv3 payment of merchant `m`, signed now.
pub fn v3_payment(m: &Merchant, transaction_id: &str, out_trade_no: &str, total: u64) -> V3Request {
    v3_event(
        m,
        "TRANSACTION.SUCCESS",
        &transaction(m, transaction_id, out_trade_no, total, "SUCCESS"),
    )
}

/// A genuine APIv3 event of merchant `m`, signed now.
pub fn v3_event(m: &Merchant, event_type: &str, resource: &Value) -> V3Request {
    let body = v3_body(
        m.v3_key,
        &format!("EV-{}", resource_id(resource)),
        event_type,
        resource,
    );
    V3Request {
        headers: v3_headers(&body, m.private_key, m.key_id, unix_now()),
        body,
    }
}

fn resource_id(resource: &Value) -> String {
    resource["refund_id"]
        .as_str()
        .or(resource["transaction_id"].as_str())
        .unwrap_or("x")
        .to_owned()
}

// ---- HTTP ----

pub struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

/// POSTs `body` with `headers` and a Content-Length, and reads the whole response.
pub async fn post_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(String, String)],
    content_type: &str,
    body: &[u8],
) -> HttpResponse {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    send(addr, request).await
}

/// POSTs a v2 notification.
pub async fn post_v2(addr: SocketAddr, path: &str, body: &[u8]) -> HttpResponse {
    post_with(addr, path, &[], "text/xml", body).await
}

/// POSTs an APIv3 notification.
pub async fn post_v3(addr: SocketAddr, path: &str, r: &V3Request) -> HttpResponse {
    post_with(
        addr,
        path,
        &r.headers,
        "application/json",
        r.body.as_bytes(),
    )
    .await
}

/// POSTs `body` in chunked transfer encoding (no length announced up front).
pub async fn post_chunked(addr: SocketAddr, path: &str, body: &[u8]) -> HttpResponse {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(8192) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    send(addr, request).await
}

/// A request without a body (e.g. GET).
pub async fn request(addr: SocketAddr, method: &str, path: &str) -> HttpResponse {
    send(
        addr,
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
            .into_bytes(),
    )
    .await
}

/// Sends one raw request and reads the whole response (the server closes the connection).
pub async fn send(addr: SocketAddr, request: Vec<u8>) -> HttpResponse {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    // Write concurrently with reading: the server may answer (e.g. "too large") before it has read
    // the whole body, and then stops reading it. The write half stays open until the response is
    // in (like a real client; hyper drops a request whose client half-closes early).
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&request).await;
        wr
    });
    let mut raw = Vec::new();
    rd.read_to_end(&mut raw).await.unwrap();
    drop(writer.await.unwrap());

    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let body = String::from_utf8(raw[split + 4..].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status = parts.next().unwrap().parse().unwrap();
    let mut content_type = None;
    let mut content_length = None;
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(value.trim().to_owned()),
            "content-length" => content_length = Some(value.trim().parse::<usize>().unwrap()),
            _ => {}
        }
    }
    if status == 204 {
        assert!(body.is_empty(), "204 with a body: {body:?}");
    } else {
        assert_eq!(content_length, Some(body.len()), "Content-Length vs body");
    }
    HttpResponse {
        status,
        content_type,
        body,
    }
}

// ---- replies ----

pub const V2_SUCCESS: &str = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

/// Every refusal's reply: the constant message, never the code (SPEC §2).
pub const V2_REFUSAL: &str = "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>";
pub const V3_REFUSAL: &str = r#"{"code":"FAIL","message":"rejected"}"#;

/// The v2 acknowledgement: 200, `text/xml`, exactly SUCCESS.
pub fn assert_v2_success(r: &HttpResponse) {
    assert_eq!(
        (r.status, r.content_type.as_deref(), r.body.as_str()),
        (200, Some("text/xml"), V2_SUCCESS)
    );
}

/// The APIv3 acknowledgement: 204, no content type, no body.
pub fn assert_v3_success(r: &HttpResponse) {
    assert_eq!(
        (r.status, r.content_type.as_deref(), r.body.as_str()),
        (204, None, "")
    );
}

/// A v2 refusal for `code`: `status` (200 when the version was decided: the FAIL is in the XML;
/// 400 when the body could not be read as either version), `text/xml`, the one constant FAIL reply:
/// the code is for the server's logs, never for the caller.
pub fn assert_v2_fail(r: &HttpResponse, status: u16, code: &str) {
    assert_eq!(
        (r.status, r.content_type.as_deref(), r.body.as_str()),
        (status, Some("text/xml"), V2_REFUSAL),
        "refused as {code}"
    );
}

/// An APIv3 refusal for `code`: `status`, `application/json`, the constant FAIL body.
pub fn assert_v3_fail(r: &HttpResponse, status: u16, code: &str) {
    assert_eq!(
        (r.status, r.content_type.as_deref(), r.body.as_str()),
        (status, Some("application/json"), V3_REFUSAL),
        "refused as {code}"
    );
}

/// A `REFUND.*` resource of merchant `m` in state `status`.
pub fn refund_in(
    m: &Merchant,
    refund_id: &str,
    out_trade_no: &str,
    refund: u64,
    status: &str,
) -> Value {
    let mut r = self::refund(m, refund_id, out_trade_no, refund);
    r["refund_status"] = json!(status);
    r
}
