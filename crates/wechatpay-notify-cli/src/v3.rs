//! `verify-v3`: verify an APIv3 notification (headers + raw body) and print one JSON object.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use wechatpay_notify::{
    DEFAULT_MAX_BODY_BYTES, Error, TrustedKeys, V3Complaint, V3Headers, V3Notification,
    V3ProfitSharing, V3Refund, V3Transaction, V3Transfer, V3Verifier, reply,
};

use crate::{ApiV3KeyFile, Usage, read_input, typed_json};

pub(crate) const HELP: &str = "\
verify-v3 reads the raw body and takes every request header with --header (names are
case-insensitive; the four Wechatpay-* headers are required). --platform-key ID=PEMFILE trusts a
platform certificate (ID = its serial) or a WeChat Pay public key (ID = PUB_KEY_ID_...); repeat it
to trust both during a migration. --key-dir DIR trusts every key of a directory, as the
certificates command writes it: each *.pem file directly in DIR, a CERTIFICATE under its own serial
(a file named like a serial must be named after it), a PUBLIC KEY under its file name, which must be
a PUB_KEY_ID_... id (with --platform-key, both are trusted). The APIv3 key comes from $WECHATPAY_API_V3_KEY or
--api-v3-key-file. --now sets the clock (Unix seconds; default: the system clock). It prints
{\"ok\":true,\"kind\":\"v3\",\"event\":{..},\"resource\":{..},\"typed\":{..},\"reply\":{..}}.";

#[derive(Args)]
pub(crate) struct VerifyV3Args {
    /// Trust a platform certificate or public key; repeatable, at least one
    #[arg(
        long = "platform-key",
        value_name = "ID=PEMFILE",
        value_parser = platform_key
    )]
    platform_keys: Vec<(String, PathBuf)>,
    /// Trust every key of a directory (*.pem: certificates, PUB_KEY_ID_*.pem public keys)
    #[arg(long = "key-dir", value_name = "DIR")]
    key_dir: Option<PathBuf>,
    /// Refuse a notification for any other mchid; repeatable
    #[arg(long = "mch-id", value_name = "M")]
    mch_ids: Vec<String>,
    /// The accepted clock difference, in seconds [default: 300]
    #[arg(long, value_name = "S")]
    max_clock_skew: Option<u64>,
    /// The largest body accepted, in bytes
    #[arg(long, value_name = "N")]
    max_body_bytes: Option<usize>,
    #[command(flatten)]
    request: Request,
    #[command(flatten)]
    key: ApiV3KeyFile,
}

/// What a notify handler receives: the headers and the raw body (`verify-v3`, `verify-any`).
#[derive(Args)]
pub(crate) struct Request {
    /// A request header, as received; repeatable
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = header)]
    pub(crate) headers: Vec<(String, String)>,
    /// The clock, in Unix seconds [default: the system clock]
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
    /// The raw body; standard input when absent or -
    #[arg(value_name = "FILE|-")]
    pub(crate) input: Option<PathBuf>,
}

impl Request {
    /// `--now`, else the system clock.
    pub(crate) fn now(&self) -> Result<u64, Usage> {
        match self.now {
            Some(n) => Ok(n),
            None => unix_now(),
        }
    }
}

/// `--platform-key ID=PEMFILE`.
fn platform_key(v: &str) -> Result<(String, PathBuf), String> {
    let (id, file) = v
        .split_once('=')
        .ok_or_else(|| "expected ID=PEMFILE".to_string())?;
    Ok((id.to_string(), PathBuf::from(file)))
}

/// `--header 'Name: value'`: one space after the colon is the separator; the value is kept as
/// given after it (a server hands the verifier whatever its HTTP parser produced).
fn header(v: &str) -> Result<(String, String), String> {
    let (name, val) = v
        .split_once(':')
        .ok_or_else(|| "expected 'Name: value'".to_string())?;
    let val = val.strip_prefix(' ').unwrap_or(val);
    Ok((name.to_string(), val.to_string()))
}

/// Seconds since the Unix epoch from the system clock.
pub(crate) fn unix_now() -> Result<u64, Usage> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Usage("the system clock is before 1970".into()))
}

pub(crate) fn reply_json(r: &reply::HttpReply) -> Value {
    json!({"status": r.status, "content_type": r.content_type, "body": r.body})
}

/// The typed section of a verified APIv3 notification (views generated from the declarations): the
/// notification's own rules, then its resource views.
pub(crate) fn v3_typed(n: &V3Notification) -> Value {
    let mut typed = typed_json(V3Notification::PROPERTIES, |name| n.property(name));
    if let Value::Object(map) = &mut typed {
        map.insert(
            "transaction".into(),
            n.transaction().map_or(Value::Null, |t| {
                typed_json(V3Transaction::PROPERTIES, |name| t.property(name))
            }),
        );
        map.insert(
            "refund".into(),
            n.refund().map_or(Value::Null, |r| {
                typed_json(V3Refund::PROPERTIES, |name| r.property(name))
            }),
        );
        map.insert(
            "profit_sharing".into(),
            n.profit_sharing().map_or(Value::Null, |p| {
                typed_json(V3ProfitSharing::PROPERTIES, |name| p.property(name))
            }),
        );
        map.insert(
            "transfer".into(),
            n.transfer().map_or(Value::Null, |t| {
                typed_json(V3Transfer::PROPERTIES, |name| t.property(name))
            }),
        );
        map.insert(
            "complaint".into(),
            n.complaint().map_or(Value::Null, |c| {
                typed_json(V3Complaint::PROPERTIES, |name| c.property(name))
            }),
        );
    }
    typed
}

pub(crate) fn v3_json(n: &V3Notification) -> Value {
    json!({
        "ok": true,
        "kind": "v3",
        "event": {
            "id": n.id(),
            "create_time": n.create_time(),
            "event_type": n.event_type(),
            "resource_type": n.resource_type(),
            "summary": n.summary(),
        },
        "resource": Value::Object(n.resource().clone()),
        "plaintext": n.plaintext(),
        "typed": v3_typed(n),
        "reply": reply_json(&reply::v3_success()),
    })
}

pub(crate) fn v3_error_json(e: &Error) -> Value {
    json!({
        "ok": false,
        "error": {"code": e.code(), "message": e.message()},
        "reply": reply_json(&reply::v3_fail(e)),
    })
}

pub(crate) fn verify_v3(o: VerifyV3Args) -> Result<(Value, bool), Usage> {
    let mut pems = Vec::new();
    for (id, file) in &o.platform_keys {
        let pem = TrustedKeys::read_pem_file(file).map_err(|e| {
            Usage(format!(
                "invalid_config: {}: {}",
                file.display(),
                e.message()
            ))
        })?;
        pems.push((id, pem));
    }
    let mut verifier = V3Verifier::new(o.key.read()?)?;
    if let Some(dir) = &o.key_dir {
        verifier.replace_trusted_keys(TrustedKeys::load_dir(dir)?)?;
    }
    for (id, pem) in &pems {
        verifier.add_trusted_key(id, pem)?;
    }
    verifier.check_has_trusted_key()?;
    if let Some(s) = o.max_clock_skew {
        verifier = verifier.max_clock_skew(s);
    }
    for m in &o.mch_ids {
        verifier = verifier.expect_mch_id(m.as_str())?;
    }
    let limit = o.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
    verifier = verifier.max_body_bytes(limit);
    let body = read_input(o.request.input.as_deref(), limit)?;
    let now = o.request.now()?;
    let headers: V3Headers = o.request.headers.into_iter().collect();
    Ok(match verifier.verify(&headers, &body, now) {
        Ok(n) => (v3_json(&n), true),
        Err(e) => (v3_error_json(&e), false),
    })
}
