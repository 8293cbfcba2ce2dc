//! `simulate` and `keygen`: send realistic, correctly signed notifications to one's own notify_url,
//! the way WeChat Pay would (a payment platform CLI's "trigger"), and check the reply.
//!
//! v2 notifications are signed with the core's `signed_xml` and refunds encrypted with its
//! `encrypt_req_info` (the mirrors of what the verifier checks). APIv3 notifications are signed
//! with a test key made by `keygen` (RSA-2048, SHA256withRSA) and their resource encrypted with
//! AES-256-GCM under the APIv3 key, both with ring.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use wechatpay_notify::{SignType, encrypt_req_info, reply, signed_xml};

use crate::{ApiKeyFile, ApiV3KeyFile, Usage};

/// WeChat Pay's retry schedule after a notification that was not acknowledged (SPEC).
pub(crate) const RETRY_SCHEDULE_S: [u64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

pub(crate) const HELP: &str = "\
simulate sends a realistic, correctly signed notification to YOUR notify_url and reports, as JSON,
each attempt's HTTP status, reply, whether the reply is the acknowledgement WeChat Pay requires
(\"reply_ok\"), and the time taken. --repeat K sends the same notification K times (WeChat Pay
retries; a handler must record it once); --until-success re-sends on WeChat Pay's retry schedule
(15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, multiplied by --time-scale); --print
writes the request instead of sending it. v2 uses $WECHATPAY_API_KEY (or --api-key-file); v3 uses
$WECHATPAY_API_V3_KEY (or --api-v3-key-file) and signs with a key made by keygen.
SAFETY: --url has no default. A v3 simulation is signed with a TEST key, so a handler that trusts
only WeChat Pay's real platform keys refuses it, as it must. A v2 simulation signed with a real
API key is indistinguishable from a real notification: never aim it at production with a
production key. --stale-timestamp and --probe send what a v3 handler must refuse.
Redirects are never followed: a 3xx reply is not an acknowledgement, and the attempt reports its
Location header (\"location\"). Acknowledged means, from the handler itself: v3 HTTP 200 or 204;
v2 HTTP 200 with exactly the SUCCESS reply.";

pub(crate) const KEYGEN_HELP: &str = "\
keygen writes test_private_key.pem (RSA-2048, PKCS#8, mode 600), test_public_key.pem and
test_key_id.txt (a PUB_KEY_ID_... id; mode 644) into DIR, for a handler to trust in tests, and two
test keys of 32 random letters and digits (mode 600): test_api_key.txt (a v2 API key, for
--api-key-file) and test_api_v3_key.txt (an APIv3 key, for --api-v3-key-file). Each file is created
new, never through an existing file or symlink; an existing one is refused (exit 2) unless --force,
which removes it (a symlink itself, not its target) first.";

/// `simulate pay|refund|v3 pay|v3 refund`.
#[derive(Args)]
pub(crate) struct SimulateArgs {
    #[command(subcommand)]
    what: Simulation,
}

#[derive(Subcommand)]
enum Simulation {
    /// A v2 payment notification (XML signed with the API key)
    #[command(after_help = HELP)]
    Pay(Options),
    /// A v2 refund notification (req_info encrypted with the API key)
    #[command(after_help = HELP)]
    Refund(Options),
    /// An APIv3 notification, signed with a keygen test key: v3 pay|refund
    #[command(after_help = HELP)]
    V3 {
        #[command(subcommand)]
        what: V3Simulation,
    },
}

#[derive(Subcommand)]
enum V3Simulation {
    /// An APIv3 payment notification (TRANSACTION.SUCCESS)
    #[command(after_help = HELP)]
    Pay(Options),
    /// An APIv3 refund notification (REFUND.SUCCESS; REFUND.ABNORMAL with --result FAIL)
    #[command(after_help = HELP)]
    Refund(Options),
}

/// Every simulation takes every option (as it always has): one that does not apply to it, under
/// the other version's heading, is ignored.
#[derive(Args)]
struct Options {
    /// YOUR notify_url; required (no default target) unless --print
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The appid [default: a sample one]
    #[arg(long, value_name = "A")]
    appid: Option<String>,
    /// The merchant id [default: 10000100]
    #[arg(long, visible_alias = "mchid", value_name = "M")]
    mch_id: Option<String>,
    /// The order number [default: SIM and the time]
    #[arg(long, value_name = "N")]
    out_trade_no: Option<String>,
    /// The amount, in fen [default: 1]
    #[arg(long, value_name = "FEN")]
    total_fee: Option<u64>,
    /// FAIL: a failed payment, an abnormal refund [default: SUCCESS]
    #[arg(
        long,
        value_name = "SUCCESS|FAIL",
        value_parser = ["SUCCESS", "FAIL"],
        hide_possible_values = true
    )]
    result: Option<String>,
    /// The attach field
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    attach: Option<String>,
    /// The transaction id (to send the other version's delivery of one payment, or a later state
    /// of it) [default: a new one]
    #[arg(long, value_name = "ID")]
    transaction_id: Option<String>,
    /// The refund id (to send several states of one refund) [default: a new one]
    #[arg(long, value_name = "ID")]
    refund_id: Option<String>,
    /// A refund's status, overriding --result: v2 SUCCESS|CHANGE|REFUNDCLOSE, v3
    /// SUCCESS|ABNORMAL|CLOSED (the event type follows it)
    #[arg(long, value_name = "STATUS")]
    refund_status: Option<String>,
    /// Send the same notification K times
    #[arg(long, value_name = "K", default_value_t = 1)]
    repeat: usize,
    /// Re-send on WeChat Pay's retry schedule until acknowledged
    #[arg(long)]
    until_success: bool,
    /// Multiply the retry schedule's delays by X
    #[arg(
        long,
        value_name = "X",
        default_value_t = 1.0,
        value_parser = time_scale,
        allow_negative_numbers = true
    )]
    time_scale: f64,
    /// Write the request instead of sending it
    #[arg(long)]
    print: bool,
    #[command(
        flatten,
        next_help_heading = "v2 options (simulate pay|refund; v3 ignores them)"
    )]
    v2: V2Options,
    #[command(
        flatten,
        next_help_heading = "v3 options (simulate v3 pay|refund; v2 ignores them)"
    )]
    v3: V3Options,
}

#[derive(Args)]
struct V2Options {
    /// The sign type (pay) [default: MD5]
    #[arg(long, value_name = "MD5|HMAC-SHA256")]
    sign_type: Option<String>,
    /// N coupons of 1 fen each (pay)
    #[arg(long, value_name = "N", default_value_t = 0)]
    coupons: usize,
    #[command(flatten)]
    key: ApiKeyFile,
}

#[derive(Args)]
struct V3Options {
    /// The test private key made by keygen (test_private_key.pem)
    #[arg(long, value_name = "PEM")]
    private_key: Option<PathBuf>,
    /// The id the handler trusts it under (test_key_id.txt)
    #[arg(long, value_name = "ID")]
    key_id: Option<String>,
    /// A ten-minute-old timestamp, which a handler must refuse
    #[arg(long)]
    stale_timestamp: bool,
    /// WeChat Pay's signature probe, which a handler must refuse
    #[arg(long)]
    probe: bool,
    #[command(flatten)]
    key: ApiV3KeyFile,
}

/// `--time-scale X`: a finite, non-negative number.
fn time_scale(v: &str) -> Result<f64, String> {
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| "not a non-negative number".to_string())
}

fn random_bytes<const N: usize>() -> Result<[u8; N], Usage> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Usage(format!("no randomness: {e}")))?;
    Ok(b)
}

fn random_digits(n: usize) -> Result<String, Usage> {
    let bytes = random_bytes::<32>()?;
    Ok(bytes
        .iter()
        .take(n)
        .map(|b| char::from(b'0' + b % 10))
        .collect())
}

pub(crate) fn random_alnum(n: usize) -> Result<String, Usage> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = random_bytes::<32>()?;
    Ok(bytes
        .iter()
        .take(n)
        .map(|b| char::from(ALPHABET[*b as usize % ALPHABET.len()]))
        .collect())
}

/// A test API key: 32 characters drawn uniformly from `[A-Za-z0-9]` (bytes at or above 248, the
/// largest multiple of 62, are drawn again, so no character is likelier than another), the shape of
/// both a v2 API key and an APIv3 key.
fn random_api_key() -> Result<String, Usage> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut key = String::with_capacity(32);
    while key.len() < 32 {
        for b in random_bytes::<64>()? {
            if key.len() < 32 && usize::from(b) < 248 {
                key.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(key)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Beijing time (UTC+8) of `unix`, as `(year, month, day, hour, minute, second)`.
fn beijing(unix: u64) -> (u64, u64, u64, u64, u64, u64) {
    let t = unix + 8 * 3600;
    let (days, secs) = (t / 86_400, t % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A payment notification's fields as WeChat Pay sends them.
fn v2_payment(o: &Options) -> Result<Vec<(String, String)>, Usage> {
    let now = unix_now();
    let (y, mo, d, h, mi, s) = beijing(now);
    let fee = o.total_fee.unwrap_or(1);
    let success = o.result.as_deref() != Some("FAIL");
    let mut f: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| f.push((k.to_string(), v));
    put(
        "appid",
        o.appid
            .clone()
            .unwrap_or_else(|| "wx2421b1c4370ec43b".into()),
    );
    if let Some(a) = &o.attach {
        put("attach", a.clone());
    }
    put("bank_type", "CMC".into());
    put(
        "cash_fee",
        fee.saturating_sub(o.v2.coupons as u64).to_string(),
    );
    put("device_info", "WEB".into());
    put("fee_type", "CNY".into());
    put("is_subscribe", "N".into());
    put(
        "mch_id",
        o.mch_id.clone().unwrap_or_else(|| "10000100".into()),
    );
    put("nonce_str", random_alnum(32)?);
    put("openid", format!("oUpF8u{}", random_alnum(22)?));
    put(
        "out_trade_no",
        o.out_trade_no
            .clone()
            .unwrap_or_else(|| format!("SIM{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")),
    );
    put(
        "result_code",
        if success { "SUCCESS" } else { "FAIL" }.into(),
    );
    if !success {
        put("err_code", "SYSTEMERROR".into());
        put("err_code_des", "simulated failure".into());
    }
    put("return_code", "SUCCESS".into());
    put(
        "time_end",
        format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}"),
    );
    put("total_fee", fee.to_string());
    put("trade_type", "JSAPI".into());
    put("transaction_id", transaction_id(o, (y, mo, d))?);
    if o.v2.coupons > 0 {
        put("coupon_count", o.v2.coupons.to_string());
        put("coupon_fee", o.v2.coupons.to_string());
        for n in 0..o.v2.coupons {
            put(&format!("coupon_type_{n}"), "CASH".into());
            put(&format!("coupon_id_{n}"), format!("1000{n}"));
            put(&format!("coupon_fee_{n}"), "1".into());
        }
    }
    f.sort();
    Ok(f)
}

/// `--transaction-id`, or a new one dated `date`.
fn transaction_id(o: &Options, (y, mo, d): (u64, u64, u64)) -> Result<String, Usage> {
    match &o.transaction_id {
        Some(id) => Ok(id.clone()),
        None => Ok(format!("4200{y:04}{mo:02}{d:02}{}", random_digits(16)?)),
    }
}

/// `--refund-id`, or a new one with `prefix`, dated `date`.
fn refund_id(o: &Options, prefix: &str, (y, mo, d): (u64, u64, u64)) -> Result<String, Usage> {
    match &o.refund_id {
        Some(id) => Ok(id.clone()),
        None => Ok(format!("{prefix}{y:04}{mo:02}{d:02}{}", random_digits(17)?)),
    }
}

/// `--refund-status` (one of the version's `states`: success, abnormal, closed), or the state
/// `--result` implies.
fn refund_status(o: &Options, states: [&'static str; 3]) -> Result<&'static str, Usage> {
    match o.refund_status.as_deref() {
        None if o.result.as_deref() == Some("FAIL") => Ok(states[1]),
        None => Ok(states[0]),
        Some(s) => states.into_iter().find(|&t| t == s).ok_or_else(|| {
            Usage(format!(
                "--refund-status must be one of {} here, not {}",
                states.join("|"),
                printable_excerpt(s)
            ))
        }),
    }
}

/// At most 40 printable characters of user input, for a message.
fn printable_excerpt(s: &str) -> String {
    s.chars()
        .take(40)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

/// A refund notification: the outer fields around `req_info` encrypted as WeChat Pay does.
fn v2_refund(o: &Options, api_key: &str) -> Result<String, Usage> {
    let now = unix_now();
    let (y, mo, d, h, mi, s) = beijing(now);
    let fee = o.total_fee.unwrap_or(1).to_string();
    let status = refund_status(o, ["SUCCESS", "CHANGE", "REFUNDCLOSE"])?;
    let inner = [
        (
            "out_refund_no",
            format!("SIMR{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}"),
        ),
        (
            "out_trade_no",
            o.out_trade_no
                .clone()
                .unwrap_or_else(|| format!("SIM{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")),
        ),
        ("refund_account", "REFUND_SOURCE_RECHARGE_FUNDS".into()),
        ("refund_fee", fee.clone()),
        ("refund_id", refund_id(o, "5000", (y, mo, d))?),
        ("refund_recv_accout", "支付用户零钱".into()),
        ("refund_request_source", "API".into()),
        ("refund_status", status.into()),
        ("settlement_refund_fee", fee.clone()),
        ("settlement_total_fee", fee.clone()),
        (
            "success_time",
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        ),
        ("total_fee", fee),
        ("transaction_id", transaction_id(o, (y, mo, d))?),
    ];
    let req_info = encrypt_req_info(inner, api_key)?;
    let mch_id = o.mch_id.clone().unwrap_or_else(|| "10000100".into());
    let appid = o
        .appid
        .clone()
        .unwrap_or_else(|| "wx2421b1c4370ec43b".into());
    Ok(format!(
        "<xml><return_code>SUCCESS</return_code><appid><![CDATA[{appid}]]></appid><mch_id><![CDATA[{mch_id}]]></mch_id><nonce_str><![CDATA[{}]]></nonce_str><req_info><![CDATA[{req_info}]]></req_info></xml>",
        random_alnum(32)?
    ))
}

/// An APIv3 notification: `(headers, body)`.
fn v3_notification(o: &Options, refund: bool) -> Result<(Vec<(String, String)>, String), Usage> {
    let key_file =
        o.v3.private_key
            .as_deref()
            .ok_or_else(|| Usage("simulate v3 needs --private-key FILE (from keygen)".into()))?;
    let key_id =
        o.v3.key_id.clone().ok_or_else(|| {
            Usage("simulate v3 needs --key-id ID (the id the handler trusts)".into())
        })?;
    let pem = std::fs::read_to_string(key_file)
        .map_err(|e| Usage(format!("cannot read {}: {e}", key_file.display())))?;
    let der = pem_der(&pem, "PRIVATE KEY")?;
    let signer = RsaKeyPair::from_pkcs8(&der).map_err(|e| {
        Usage(format!(
            "{} is not an RSA PKCS#8 private key: {e}",
            key_file.display()
        ))
    })?;
    let api_v3_key = o.v3.key.read()?;
    let now = unix_now();
    let (y, mo, d, h, mi, s) = beijing(now);
    let rfc3339 = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+08:00");
    let fee = o.total_fee.unwrap_or(1);
    let out_trade_no = o
        .out_trade_no
        .clone()
        .unwrap_or_else(|| format!("SIM{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}"));
    let mchid = o.mch_id.clone().unwrap_or_else(|| "10000100".into());
    let transaction_id = transaction_id(o, (y, mo, d))?;
    let success = o.result.as_deref() != Some("FAIL");
    let (event_type, summary, resource, original_type) = if refund {
        let status = refund_status(o, ["SUCCESS", "ABNORMAL", "CLOSED"])?;
        (
            match status {
                "SUCCESS" => "REFUND.SUCCESS",
                "CLOSED" => "REFUND.CLOSED",
                _ => "REFUND.ABNORMAL",
            },
            match status {
                "SUCCESS" => "退款成功",
                "CLOSED" => "退款关闭",
                _ => "退款异常",
            },
            json!({
                "mchid": mchid, "out_trade_no": out_trade_no, "transaction_id": transaction_id,
                "out_refund_no": format!("SIMR{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}"),
                "refund_id": refund_id(o, "5030", (y, mo, d))?,
                "refund_status": status,
                "success_time": rfc3339, "user_received_account": "支付用户零钱",
                "amount": {"total": fee, "refund": fee, "payer_total": fee, "payer_refund": fee},
            }),
            "refund",
        )
    } else {
        let mut r = json!({
            "mchid": mchid,
            "appid": o.appid.clone().unwrap_or_else(|| "wxd678efh567hg6787".into()),
            "out_trade_no": out_trade_no, "transaction_id": transaction_id,
            "trade_type": "JSAPI",
            "trade_state": if success { "SUCCESS" } else { "PAYERROR" },
            "trade_state_desc": if success { "支付成功" } else { "支付失败" },
            "bank_type": "CMC", "attach": o.attach.clone().unwrap_or_default(),
            "success_time": rfc3339,
            "payer": {"openid": format!("oUpF8u{}", random_alnum(22)?)},
            "amount": {"total": fee, "payer_total": fee, "currency": "CNY", "payer_currency": "CNY"},
        });
        if !success {
            r.as_object_mut().map(|m| m.remove("success_time"));
        }
        (
            "TRANSACTION.SUCCESS",
            if success {
                "支付成功"
            } else {
                "支付失败"
            },
            r,
            "transaction",
        )
    };
    let nonce = random_alnum(12)?;
    let gcm = LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, api_v3_key.as_bytes())
            .map_err(|_| Usage("the APIv3 key must be exactly 32 bytes".into()))?,
    );
    let mut ciphertext = resource.to_string().into_bytes();
    gcm.seal_in_place_append_tag(
        Nonce::try_assume_unique_for_key(nonce.as_bytes())
            .map_err(|_| Usage("nonce setup failed".into()))?,
        Aad::from(original_type.as_bytes()),
        &mut ciphertext,
    )
    .map_err(|_| Usage("AES-256-GCM failed".into()))?;
    let body = json!({
        "id": format!("SIM-{}", random_alnum(24)?),
        "create_time": rfc3339,
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": STANDARD.encode(ciphertext),
            "associated_data": original_type,
            "nonce": nonce,
        },
    })
    .to_string();
    // A stale timestamp is ten minutes old: outside the 300 s window every handler must enforce.
    let timestamp = if o.v3.stale_timestamp { now - 600 } else { now }.to_string();
    let header_nonce = random_alnum(32)?;
    let signature = if o.v3.probe {
        format!("WECHATPAY/SIGNTEST/{}", random_alnum(32)?)
    } else {
        let mut message = Vec::new();
        for part in [
            timestamp.as_bytes(),
            header_nonce.as_bytes(),
            body.as_bytes(),
        ] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        let mut sig = vec![0; signer.public_modulus_len()];
        signer
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                &message,
                &mut sig,
            )
            .map_err(|_| Usage("RSA signing failed".into()))?;
        STANDARD.encode(sig)
    };
    let headers = vec![
        ("Wechatpay-Nonce".to_string(), header_nonce),
        ("Wechatpay-Serial".to_string(), key_id),
        ("Wechatpay-Signature".to_string(), signature),
        (
            "Wechatpay-Signature-Type".to_string(),
            "WECHATPAY2-SHA256-RSA2048".to_string(),
        ),
        ("Wechatpay-Timestamp".to_string(), timestamp),
    ];
    Ok((headers, body))
}

/// The DER inside a PEM block with the given label.
pub(crate) fn pem_der(pem: &str, label: &str) -> Result<Vec<u8>, Usage> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let inner = pem
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(b, _)| b)
        .ok_or_else(|| Usage(format!("no {label} PEM block")))?;
    let b64: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(b64)
        .map_err(|_| Usage(format!("the {label} PEM block is not base64")))
}

/// One request and what came back.
struct Attempt {
    status: Option<u16>,
    reply: String,
    /// The `Location` header of a 3xx reply (not followed).
    location: Option<String>,
    error: Option<String>,
    elapsed_ms: u128,
}

fn send(url: &str, headers: &[(String, String)], content_type: &str, body: &str) -> Attempt {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Follow no redirect: WeChat Pay does not, and following one would re-send the
        // Wechatpay-* headers (as a GET for 301/302/303) to whatever host `Location` names.
        // With 0 the 3xx itself is returned as the response, never a TooManyRedirects error.
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let started = Instant::now();
    let mut request = agent.post(url).header("Content-Type", content_type);
    for (k, v) in headers {
        request = request.header(k.as_str(), v.as_str());
    }
    match request.send(body) {
        Ok(mut response) => {
            let status = response.status();
            let location = if status.is_redirection() {
                response
                    .headers()
                    .get("location")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            } else {
                None
            };
            let reply = response
                .body_mut()
                .with_config()
                .limit(1 << 20)
                .read_to_string()
                .unwrap_or_default();
            Attempt {
                status: Some(status.as_u16()),
                reply,
                location,
                error: None,
                elapsed_ms: started.elapsed().as_millis(),
            }
        }
        Err(e) => Attempt {
            status: None,
            reply: String::new(),
            location: None,
            error: Some(e.to_string()),
            elapsed_ms: started.elapsed().as_millis(),
        },
    }
}

/// `simulate pay|refund|v3 pay|v3 refund …`: prints one JSON report; `Ok(true)` when the last
/// reply was the acknowledgement WeChat Pay requires.
pub(crate) fn simulate(args: SimulateArgs) -> Result<(String, bool), Usage> {
    let (kind, o) = match &args.what {
        Simulation::Pay(o) => ("pay", o),
        Simulation::Refund(o) => ("refund", o),
        Simulation::V3 {
            what: V3Simulation::Pay(o),
        } => ("v3 pay", o),
        Simulation::V3 {
            what: V3Simulation::Refund(o),
        } => ("v3 refund", o),
    };
    let sign_type = match &o.v2.sign_type {
        Some(t) => crate::sign_type(t)?,
        None => SignType::Md5,
    };
    if !o.print && o.url.is_none() {
        return Err(Usage(
            "--url is required (there is no default target), or --print to only write the body"
                .into(),
        ));
    }
    let (headers, content_type, body) = match kind {
        "pay" => {
            let key = o.v2.key.read()?;
            let body = signed_xml(v2_payment(o)?, &key, sign_type)?;
            (Vec::new(), "text/xml", body)
        }
        "refund" => {
            let key = o.v2.key.read()?;
            (Vec::new(), "text/xml", v2_refund(o, &key)?)
        }
        v3 => {
            let (headers, body) = v3_notification(o, v3 == "v3 refund")?;
            (headers, "application/json", body)
        }
    };
    if o.print {
        let mut out = String::new();
        for (k, v) in &headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
        if !headers.is_empty() {
            out.push('\n');
        }
        out.push_str(&body);
        out.push('\n');
        return Ok((out, true));
    }
    let url = o.url.clone().unwrap_or_default();
    let is_v3 = kind.starts_with("v3");
    // The handler's own reply, redirects not followed: a 3xx is never an acknowledgement.
    let acknowledged = |a: &Attempt| match a.status {
        Some(s) if is_v3 => s == 200 || s == 204,
        // v2: HTTP 200 and exactly the documented SUCCESS reply.
        Some(200) => a.reply == reply::SUCCESS,
        _ => false,
    };
    let mut attempts = Vec::new();
    let mut delays = RETRY_SCHEDULE_S.iter();
    let mut delay_s = 0u64;
    loop {
        let a = send(&url, &headers, content_type, &body);
        let ok = acknowledged(&a);
        attempts.push(json!({
            "attempt": attempts.len() + 1,
            "after_s": delay_s,
            "status": a.status,
            "reply": a.reply,
            "reply_ok": ok,
            "location": a.location,
            "error": a.error,
            "elapsed_ms": a.elapsed_ms,
        }));
        let more = if o.until_success {
            !ok
        } else {
            attempts.len() < o.repeat.max(1)
        };
        if !more {
            break;
        }
        if o.until_success {
            let Some(&next) = delays.next() else { break };
            delay_s = next;
            std::thread::sleep(Duration::from_secs_f64(next as f64 * o.time_scale));
        }
    }
    let reply_ok = attempts
        .last()
        .is_some_and(|a| a["reply_ok"] == Value::Bool(true));
    let report = json!({
        "kind": kind,
        "url": url,
        "reply_ok": reply_ok,
        "attempts": attempts,
    });
    Ok((crate::output::json_line(&report), reply_ok))
}

/// The files `keygen` writes, with their modes.
const KEYGEN_FILES: [(&str, u32); 5] = [
    ("test_private_key.pem", 0o600),
    ("test_public_key.pem", 0o644),
    ("test_key_id.txt", 0o644),
    ("test_api_key.txt", 0o600),
    ("test_api_v3_key.txt", 0o600),
];

fn refuse_existing(path: &Path) -> Usage {
    Usage(format!(
        "{} exists: pass --force to replace it",
        path.display()
    ))
}

/// `keygen`'s options.
#[derive(Args)]
pub(crate) struct KeygenArgs {
    /// The directory to write the five files into (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace existing files: each is removed first (a symlink itself, not its target)
    #[arg(long)]
    force: bool,
}

/// `keygen --out DIR [--force]`: a test RSA-2048 key pair and a `PUB_KEY_ID_…` id for a handler
/// to trust. Each file is created anew (never through an existing file or symlink) with its final
/// mode; an existing one is refused unless `--force`, which unlinks it first.
pub(crate) fn keygen(args: KeygenArgs) -> Result<(String, bool), Usage> {
    let (dir, force) = (args.out.as_path(), args.force);
    std::fs::create_dir_all(dir)
        .map_err(|e| Usage(format!("cannot create {}: {e}", dir.display())))?;
    // Refuse before generating anything, so that no file of the set is written. The exclusive
    // create below is what actually guarantees it (this check is only early).
    if !force {
        for (name, _) in KEYGEN_FILES {
            let path = dir.join(name);
            if path.symlink_metadata().is_ok() {
                return Err(refuse_existing(&path));
            }
        }
    }
    let mut rng = getrandom::SysRng;
    let key = rsa::PrivateKey::new(&mut rng, 2048)
        .map_err(|e| Usage(format!("RSA key generation failed: {e}")))?;
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| Usage(format!("cannot encode the private key: {e}")))?;
    let public = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Usage(format!("cannot encode the public key: {e}")))?;
    let id = format!("PUB_KEY_ID_01{}", random_digits(26)?);
    let id_line = format!("{id}\n");
    // Test keys for the handler's configuration and simulate: a v2 API key and an APIv3 key.
    let api_key = format!("{}\n", random_api_key()?);
    let api_v3_key = format!("{}\n", random_api_key()?);
    // The PEM stays in its zeroizing buffer: only borrowed here, never copied.
    let contents: [&[u8]; 5] = [
        private.as_bytes(),
        public.as_bytes(),
        id_line.as_bytes(),
        api_key.as_bytes(),
        api_v3_key.as_bytes(),
    ];
    let paths = KEYGEN_FILES.map(|(name, _)| dir.join(name));
    for ((path, (_, mode)), content) in paths.iter().zip(KEYGEN_FILES).zip(contents) {
        if force {
            // remove_file is unlink(2): it removes a symlink itself, never what it points to.
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Usage(format!("cannot remove {}: {e}", path.display()))),
            }
        }
        write_new(path, content, mode)?;
    }
    let [
        private_path,
        public_path,
        id_path,
        api_key_path,
        api_v3_key_path,
    ] = paths.map(|p| p.display().to_string());
    let report = json!({
        "private_key": private_path,
        "public_key": public_path,
        "key_id": id,
        "key_id_file": id_path,
        "api_key_file": api_key_path,
        "api_v3_key_file": api_v3_key_path,
        "note": "a TEST key: a handler that trusts only WeChat Pay's real keys refuses what it signs",
    });
    Ok((crate::output::json_line(&report), true))
}

/// Creates `path` exclusively and writes `content`: an existing file, directory or symlink at
/// `path` (dangling or not) is refused, never opened or followed.
fn write_new(path: &Path, content: &[u8], mode: u32) -> Result<(), Usage> {
    use std::io::Write as _;
    let mut file = open_new(path, mode).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            refuse_existing(path)
        } else {
            Usage(format!("cannot create {}: {e}", path.display()))
        }
    })?;
    file.write_all(content)
        .and_then(|()| file.sync_all())
        .map_err(|e| Usage(format!("cannot write {}: {e}", path.display())))
}

/// `open(path, O_WRONLY|O_CREAT|O_EXCL, mode)`, then the exact `mode` (whatever the umask) set on
/// the still-empty file through its descriptor, so no byte is ever readable under another mode.
///
/// No `O_NOFOLLOW` flag is passed: `libc` is not a dependency of this crate (it is in Cargo.lock
/// only through other crates), and O_CREAT|O_EXCL already implies it for the final component:
/// POSIX requires open(2) to fail with EEXIST when the path names a symlink, whatever it points
/// to, and `create_new(true)` is exactly O_CREAT|O_EXCL.
#[cfg(unix)]
pub(crate) fn open_new(path: &Path, mode: u32) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    Ok(file)
}

/// `CREATE_NEW`: fails when anything, a symlink included, exists at `path`. No Unix modes here.
#[cfg(not(unix))]
pub(crate) fn open_new(path: &Path, _mode: u32) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_time() {
        // 2026-11-29T03:55:19Z is 11:55:19 in Beijing.
        assert_eq!(beijing(1_795_924_519), (2026, 11, 29, 11, 55, 19));
        assert_eq!(beijing(0), (1970, 1, 1, 8, 0, 0));
        // 2024-02-29T16:00:00Z is 2024-03-01 00:00 in Beijing.
        assert_eq!(beijing(1_709_222_400), (2024, 3, 1, 0, 0, 0));
    }
}
