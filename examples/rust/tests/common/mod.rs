//! Shared by the example's tests: two merchants (their keys are the repository's test keys,
//! written to a profiles directory like a deployment's), notifications made by the CLI's
//! `wechatpay-notify simulate … --print` exactly as WeChat Pay sends them (v2 signed XML and
//! encrypted refunds; APIv3 signed with the merchants' test keys, resource encrypted with their
//! APIv3 keys: the tests hold no signing or encryption code of their own), and a minimal HTTP/1.1
//! client (one request per connection, no client library).
//!
//! The CLI is another package's binary, so Cargo cannot hand its path to these tests: it is looked
//! up beside the test's own executable (`target/debug/wechatpay-notify`, built by
//! `cargo test --workspace`; after `cargo test -p wechatpay-notify-example-axum` alone, run
//! `cargo build -p wechatpay-notify-cli` first), or taken from `$WECHATPAY_NOTIFY_CLI`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wechatpay_notify::SignType;

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
        write_private(&d.join("api_key.txt"), &format!("{}\n", m.v2_key));
        write_private(&d.join("api_v3_key.txt"), &format!("{}\n", m.v3_key));
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
    write_private(&path, &json!({ "profiles": profiles }).to_string());
    path
}

/// Writes a file only its owner may read (the core refuses key and profiles files others can).
pub fn write_private(path: &Path, content: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// One profiles directory for the whole test binary.
pub fn profiles() -> &'static Path {
    static PROFILES: OnceLock<PathBuf> = OnceLock::new();
    PROFILES.get_or_init(|| write_profiles(&scratch_dir("profiles")))
}

// ---- the CLI ----

/// The `wechatpay-notify` binary.
pub fn cli() -> PathBuf {
    if let Some(p) = std::env::var_os("WECHATPAY_NOTIFY_CLI") {
        return PathBuf::from(p);
    }
    // target/debug/deps/<test>-… → target/debug/wechatpay-notify
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join(format!("wechatpay-notify{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p wechatpay-notify-cli` (cargo test --workspace builds it), \
         or set WECHATPAY_NOTIFY_CLI",
        path.display()
    );
    path
}

/// `wechatpay-notify simulate ARGS --print` with exactly the one key variable `key` (`(name,
/// value)`) set: the request it writes, without the final newline.
pub fn simulate_print(args: &[&str], key: (&str, &str)) -> String {
    let out = Command::new(cli())
        .arg("simulate")
        .args(args)
        .arg("--print")
        .env_remove("WECHATPAY_API_KEY")
        .env_remove("WECHATPAY_API_V3_KEY")
        .env(key.0, key.1)
        .output()
        .unwrap();
    assert!(out.status.success(), "simulate {args:?}: {out:?}");
    let mut printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(printed.pop(), Some('\n'), "{printed}");
    printed
}

// ---- v2 ----

/// A v2 payment notification as WeChat Pay sends it (`simulate pay`), signed with `key` (the
/// merchant's, unless forging) and `sign_type` for the merchant `mch_id`; `result_code` SUCCESS or
/// FAIL.
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
    simulate_print(
        &[
            "pay",
            "--sign-type",
            sign_type.as_str(),
            "--mch-id",
            mch_id,
            "--transaction-id",
            transaction_id,
            "--out-trade-no",
            out_trade_no,
            "--total-fee",
            &total_fee.to_string(),
            "--result",
            result_code,
        ],
        ("WECHATPAY_API_KEY", key),
    )
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

/// A v2 refund notification (`simulate refund`, SUCCESS) naming merchant `mch_id`, its req_info
/// encrypted with `key` (the merchant's, unless forging). Its out_refund_no is simulate's own
/// (`SIMR` and the Beijing time: see [`assert_simulated_out_refund_no`]).
pub fn v2_refund_encrypted(
    key: &str,
    mch_id: &str,
    refund_id: &str,
    out_trade_no: &str,
    refund_fee: u64,
) -> String {
    simulate_print(
        &[
            "refund",
            "--mch-id",
            mch_id,
            "--refund-id",
            refund_id,
            "--out-trade-no",
            out_trade_no,
            "--total-fee",
            &refund_fee.to_string(),
        ],
        ("WECHATPAY_API_KEY", key),
    )
}

/// A genuine v2 refund notification of merchant `m` (req_info encrypted with its API key).
pub fn v2_refund(m: &Merchant, refund_id: &str, out_trade_no: &str, refund_fee: u64) -> String {
    v2_refund_encrypted(m.v2_key, m.mch_id, refund_id, out_trade_no, refund_fee)
}

/// simulate has no option for a refund's out_refund_no: it sends `SIMR` and the 14 digits of the
/// Beijing time (yyyyMMddHHmmss) it made the refund at.
pub fn assert_simulated_out_refund_no(out_refund_no: Option<&str>) {
    let digits = out_refund_no.and_then(|n| n.strip_prefix("SIMR"));
    assert!(
        digits.is_some_and(|d| d.len() == 14 && d.bytes().all(|b| b.is_ascii_digit())),
        "{out_refund_no:?}"
    );
}

// ---- APIv3 ----

/// An APIv3 request: headers and the raw body.
#[derive(Debug, Clone)]
pub struct V3Request {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// `simulate v3 pay|refund` (`what`) for the merchant `mchid`, its resource encrypted with
/// `api_v3_key`, signed now with the private key file `private_key` (in tests/vectors/keys/)
/// announcing `key_id` (`Wechatpay-Serial`), with `args` added: the headers and the raw body.
pub fn v3_simulate(
    what: &str,
    mchid: &str,
    api_v3_key: &str,
    private_key: &str,
    key_id: &str,
    args: &[&str],
) -> V3Request {
    let private_key = keys_dir().join(private_key);
    let mut all = vec![
        "v3",
        what,
        "--mchid",
        mchid,
        "--private-key",
        private_key.to_str().unwrap(),
        "--key-id",
        key_id,
    ];
    all.extend_from_slice(args);
    let printed = simulate_print(&all, ("WECHATPAY_API_V3_KEY", api_v3_key));
    // `Name: value` lines, a blank line, the body.
    let (head, body) = printed
        .split_once("\n\n")
        .expect("no blank line after the headers");
    let headers = head
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(": ").unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    V3Request {
        headers,
        body: body.to_owned(),
    }
}

/// A genuine APIv3 notification of merchant `m` (its mchid, its APIv3 key, signed by its trusted
/// test key), signed now, with `args` added.
pub fn v3_of(m: &Merchant, what: &str, args: &[&str]) -> V3Request {
    v3_simulate(what, m.v3_mchid, m.v3_key, m.private_key, m.key_id, args)
}

/// A genuine APIv3 payment (`TRANSACTION.SUCCESS`, trade_state SUCCESS) of merchant `m`.
pub fn v3_payment(m: &Merchant, transaction_id: &str, out_trade_no: &str, total: u64) -> V3Request {
    v3_of(
        m,
        "pay",
        &[
            "--transaction-id",
            transaction_id,
            "--out-trade-no",
            out_trade_no,
            "--total-fee",
            &total.to_string(),
        ],
    )
}

/// A genuine APIv3 refund of merchant `m` in state `status` (SUCCESS, ABNORMAL or CLOSED; the
/// event type `REFUND.<status>` follows it). Its out_refund_no is simulate's own.
pub fn v3_refund(
    m: &Merchant,
    refund_id: &str,
    out_trade_no: &str,
    refund: u64,
    status: &str,
) -> V3Request {
    v3_of(
        m,
        "refund",
        &[
            "--refund-id",
            refund_id,
            "--out-trade-no",
            out_trade_no,
            "--total-fee",
            &refund.to_string(),
            "--refund-status",
            status,
        ],
    )
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
